/**
 * The shortcut past the SDK's era classification (era-route.ts) may only
 * ever answer as the SDK would: each case here is put to both, and the
 * shortcut must either agree or decline to answer.
 */
import { expect } from 'chai';
import * as client from '@modelcontextprotocol/client';
import * as server from '@modelcontextprotocol/server';
import { plainEra } from '../../lib/mcp-endpoint/era-route.js';

const { isLegacyRequest, PROTOCOL_VERSION_META_KEY } = server;

const MODERN = '2026-07-28';
const envelope = { [PROTOCOL_VERSION_META_KEY]: MODERN, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

interface Case {
  name: string;
  body: unknown;
  header?: string;
  /** What the shortcut answers; undefined is "ask the SDK". */
  shortcut: 'legacy' | 'modern' | undefined;
}

const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'ping', arguments: {} } };

const CASES: Case[] = [
  { name: 'a 2025 session call', body: call, shortcut: 'legacy' },
  { name: 'a call with a 2025 protocol header', body: call, header: '2025-11-25', shortcut: 'legacy' },
  { name: 'a call whose header has spaces around a 2025 version', body: call, header: ' 2025-06-18 ', shortcut: 'legacy' },
  { name: 'a string id', body: { ...call, id: 'abc' }, shortcut: 'legacy' },
  { name: 'no params', body: { jsonrpc: '2.0', id: 1, method: 'tools/list' }, shortcut: 'legacy' },
  { name: 'params with a plain _meta', body: { ...call, params: { ...call.params, _meta: { progressToken: 3 } } }, shortcut: 'legacy' },
  { name: 'initialize', body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, shortcut: 'legacy' },
  { name: 'a 2026-07-28 header without the envelope (the modern handler refuses it)', body: call, header: MODERN, shortcut: 'modern' },
  { name: 'a 2026-07-28 request', body: { ...call, params: { ...call.params, _meta: envelope } }, header: MODERN, shortcut: 'modern' },
  { name: 'an envelope claim without the header', body: { ...call, params: { ...call.params, _meta: envelope } }, shortcut: 'modern' },
  { name: 'an envelope claim with a 2025 header (a mismatch the modern handler refuses)', body: { ...call, params: { ...call.params, _meta: envelope } }, header: '2025-11-25', shortcut: 'modern' },
  { name: 'an initialize with a 2026-07-28 header', body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, header: MODERN, shortcut: undefined },
  { name: 'an initialize with an envelope claim', body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { _meta: { [PROTOCOL_VERSION_META_KEY]: MODERN } } }, shortcut: undefined },
  { name: 'a request that also carries a result', body: { ...call, result: {} }, header: MODERN, shortcut: undefined },
  { name: 'a notification', body: { jsonrpc: '2.0', method: 'notifications/initialized' }, shortcut: undefined },
  { name: 'a response', body: { jsonrpc: '2.0', id: 3, result: {} }, shortcut: undefined },
  { name: 'a batch', body: [call], shortcut: undefined },
  { name: 'a fractional id', body: { ...call, id: 1.5 }, shortcut: undefined },
  { name: 'a null id', body: { ...call, id: null }, shortcut: undefined },
  { name: 'jsonrpc 1.0', body: { ...call, jsonrpc: '1.0' }, shortcut: undefined },
  { name: 'params that are not an object', body: { ...call, params: [1] }, shortcut: undefined },
  { name: 'a _meta that is not an object', body: { ...call, params: { _meta: 5 } }, shortcut: undefined },
  { name: 'no body', body: undefined, shortcut: undefined },
];

function requestOf(body: unknown, header?: string): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (header !== undefined) headers['mcp-protocol-version'] = header;
  return new Request('http://localhost/mcp', { method: 'POST', headers, body: JSON.stringify(body ?? null) });
}

describe('plainEra: routing a plain request past the SDK classification', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.shortcut ?? 'left to the SDK'}`, async () => {
      const shortcut = plainEra(c.body, c.header ?? null);
      expect(shortcut).to.equal(c.shortcut);
      // Only an era is an answer; it must be the SDK's.
      if (shortcut !== undefined) expect(await isLegacyRequest(requestOf(c.body, c.header), c.body)).to.equal(shortcut === 'legacy');
    });
  }
});

describe("the SDK's constants the lean paths read from the client package", () => {
  // The lean paths answer before the SDK's server is loaded (http-endpoint.ts), so they take these from the
  // client, which mcpo loads anyway; they must be the server's own, or a lean answer would differ from the SDK's.
  it('are the same values as the server package holds', () => {
    for (const name of ['PROTOCOL_VERSION_META_KEY', 'CLIENT_INFO_META_KEY', 'CLIENT_CAPABILITIES_META_KEY', 'SERVER_INFO_META_KEY', 'SUPPORTED_PROTOCOL_VERSIONS'] as const) {
      expect(client[name], name).to.not.equal(undefined);
      expect(client[name], name).to.deep.equal(server[name]);
    }
  });
});
