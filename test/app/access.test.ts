/**
 * Access in config mode: a server entry's `access` and a tool override's,
 * seen through the app's aggregated document and its aggregate MCP endpoint
 * (both eras), per caller; and every document a caller is served, per
 * server and aggregated, valid OpenAPI 3.1 and clean under Spectral and
 * Redocly. The caller is set in front of the app as the app's own sign-in
 * would set it (from `X-User` and `X-Groups`); keys and JWTs come later.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createApp, silentLogger, type McpoApp } from '../../lib/index.js';
import { appCaller, setCaller } from '../../lib/auth/caller.js';
import { lintFindings } from '../helpers/lint.js';
import { expectIdsSafeAndUnique, expectValidOpenApi31 } from '../helpers/openapi.js';
import { modernStdio } from '../helpers/servers.js';

const SECTIONS = ['tools', 'resources', 'prompts'];
const as = (user?: string, groups: string[] = []): Record<string, string> => (user ? { 'x-user': user, 'x-groups': groups.join(',') } : {});
const CALLERS: [string, Record<string, string>][] = [
  ['nobody', as()],
  ['guest', as('eve', ['guests'])],
  ['staff', as('sam', ['staff'])],
  ['admin', as('bob', ['admins'])],
  ['staff-admin', as('ann', ['staff', 'admins'])],
];

/** The MCP names of the tools an aggregated or per-server document shows, as `<tag> <tool>`. */
const toolsOf = (doc: { paths: Record<string, Record<string, { 'x-mcp-tool'?: string; tags?: string[] }>> }): string[] =>
  Object.values(doc.paths).flatMap((item) => Object.values(item).filter((op) => op['x-mcp-tool']).map((op) => `${op.tags![0]} ${op['x-mcp-tool']}`)).sort();

async function mcpClient(url: string, mode: 'auto' | 'legacy', headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'app-access-test', version: '1.0.0' }, { versionNegotiation: { mode } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('access in config mode: the aggregated document and the aggregate MCP endpoint', function () {
  this.timeout(90_000);
  let app: McpoApp;
  let outer: express.Express;
  let server: http.Server;
  let base: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-access-'));
    app = createApp(
      {
        mcpServers: {
          open: { ...modernStdio(), documents: SECTIONS, tools: { no_params: { access: { groups: ['admins'] } } } },
          staff: { ...modernStdio(), documents: SECTIONS, access: { groups: ['staff'] } },
        },
      },
      { logger: silentLogger },
    );
    // What the app's own sign-in does: a verified caller on the request before mcpo sees it.
    outer = express()
      .use((req, _res, next) => {
        const id = req.get('x-user');
        if (id) setCaller(req, appCaller({ id, groups: (req.get('x-groups') ?? '').split(',').filter(Boolean) }));
        next();
      })
      .use(app);
    await app.ready();
    server = http.createServer(outer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows each caller only the servers and tools they may call', async () => {
    const seen = async (headers: Record<string, string>) => (await request(outer).get('/openapi.json').set(headers).expect(200)).body;
    const nobody = await seen(as());
    expect(toolsOf(nobody)).to.include('open echo').and.not.include('open no_params');
    expect(toolsOf(nobody).some((t) => t.startsWith('staff '))).to.equal(false);
    // No trace of a server that does not admit the caller: no tag, no link, no resources or prompts.
    expect(nobody.tags.map((t: { name: string }) => t.name)).to.not.include('staff');
    expect(nobody.info.description).to.not.include('staff');
    expect(Object.keys(nobody.paths).some((p) => p.startsWith('/staff/'))).to.equal(false);
    const staff = await seen(as('sam', ['staff']));
    expect(toolsOf(staff)).to.include('staff echo').and.include('staff no_params').and.not.include('open no_params');
    expect(Object.keys(staff.paths)).to.include('/staff/resources');
    const both = await seen(as('ann', ['staff', 'admins']));
    expect(toolsOf(both)).to.include.members(['open no_params', 'staff no_params']);
  });

  it('serves every caller documents that are valid OpenAPI 3.1 and Spectral- and Redocly-clean', async () => {
    const files: string[] = [];
    for (const [label, headers] of CALLERS) {
      for (const document of ['/openapi.json', '/open/openapi.json', '/staff/openapi.json']) {
        const doc = (await request(outer).get(document).set(headers).expect(200)).body;
        await expectValidOpenApi31(doc);
        expectIdsSafeAndUnique(doc);
        const file = path.join(dir, `${label}${document.replaceAll('/', '_')}`);
        writeFileSync(file, JSON.stringify(doc, null, 2));
        files.push(file);
      }
    }
    const findings = await lintFindings(dir, files);
    expect(findings, findings.join('\n')).to.deep.equal([]);
  });

  for (const mode of ['auto', 'legacy'] as const) {
    it(`filters the aggregate MCP endpoint per caller (${mode === 'auto' ? '2026-07-28' : 'a 2025-era session'})`, async () => {
      const eve = await mcpClient(`${base}/mcp`, mode, as('eve', ['guests']));
      const ann = await mcpClient(`${base}/mcp`, mode, as('ann', ['staff', 'admins']));
      try {
        const names = (await eve.listTools()).tools.map((t) => t.name);
        expect(names).to.include('open_echo').and.not.include('open_no_params');
        expect(names.some((n) => n.startsWith('staff_'))).to.equal(false);
        expect((await eve.listPrompts()).prompts.map((p) => p.name)).to.include('open_describe').and.not.include('staff_describe');
        const hidden = await eve.callTool({ name: 'staff_echo', arguments: { message: 'hi' } }).then(() => undefined, (err: { message: string }) => err.message);
        expect(hidden).to.match(/Unknown tool/);
        const annNames = (await ann.listTools()).tools.map((t) => t.name);
        expect(annNames).to.include.members(['open_no_params', 'staff_no_params', 'staff_echo']);
        expect((await ann.listPrompts()).prompts.map((p) => p.name)).to.include('staff_describe');
      } finally {
        await Promise.all([eve.close(), ann.close()]);
      }
    });
  }
});
