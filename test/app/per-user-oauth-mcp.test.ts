/**
 * Per-caller sign-in (`oauth.perUser`) at the MCP endpoints, `/<server>/mcp`
 * and the aggregate `/mcp`, with the SDK's client in both eras and a named
 * key each: a caller without a grant is sent to their own sign-in link as
 * their revision can take it (2025-era sessions: the -32042 error with a URL
 * elicitation; 2026-07-28 with URL elicitation declared: an `input_required`
 * result holding `elicitation/create`; 2026-07-28 without: an error whose
 * data holds `authorizeUrl`). Bob signs in from inside a tool call, through
 * the client's elicitation handler, and the retried call runs as him. Once
 * both are signed in, every endpoint and era shows each caller their own
 * subject. No secret of the flow or ticket reaches a log line, and no token
 * a response body. The REST side is per-user-oauth.test.ts's.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, ProtocolError, StreamableHTTPClientTransport, UrlElicitationRequiredError, type ClientCapabilities } from '@modelcontextprotocol/client';
import { createApp } from '../../lib/index.js';
import { Person } from '../conformance/person.js';
import { serveAtOwnAddress, type ServedApp } from '../helpers/app-server.js';
import { recordingLogger } from '../helpers/logger.js';
import { startOAuthServer, type RunningServer } from '../helpers/servers.js';

const KEYS = { alice: 'alice-mcp-key-3e7a1c9d5b02', bob: 'bob-mcp-key-8f2d4b6a0c1e', carol: 'carol-mcp-key-1a9c7e3f5d24', dave: 'dave-mcp-key-6b0e2a8c4f13' } as const;
type Who = keyof typeof KEYS;
const as = (who: Who): Record<string, string> => ({ authorization: `Bearer ${KEYS[who]}` });
const SERVER = 'personal';
/** Each endpoint and the name it serves the fixture's whoami under. */
const ENDPOINTS = [{ path: `/${SERVER}/mcp`, tool: 'whoami' }, { path: '/mcp', tool: `${SERVER}_whoami` }] as const;
const ERAS = [{ name: '2025-11-25 session', mode: 'legacy' }, { name: '2026-07-28', mode: { pin: '2026-07-28' } }] as const;
type Mode = (typeof ERAS)[number]['mode'];

/** Every mcpo response body, read beside the caller (an event stream is read as it goes, not waited for). */
const bodies: string[] = [];
const reading: Promise<unknown>[] = [];
const tickets = new Set<string>();
const mcpoOrigins = new Set<string>();
const realFetch = globalThis.fetch;

async function recordingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await realFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : input);
  if (mcpoOrigins.has(url.origin)) reading.push(res.clone().text().then((text) => bodies.push(`${res.status} ${url.pathname}: ${text}`), () => {}));
  return res;
}

const subjectOf = (value: unknown): string | undefined => /subject\\*":\\*"(user-\d+)/.exec(JSON.stringify(value))?.[1];

/** Checks a sign-in link of this app and keeps its ticket for the leak check. */
function expectLink(served: ServedApp, url: unknown): string {
  expect(url).to.be.a('string');
  expect((url as string).startsWith(`${served.base}/oauth/${SERVER}/authorize?ticket=`), String(url)).to.equal(true);
  tickets.add(new URL(url as string).searchParams.get('ticket')!);
  return url as string;
}

interface Opened {
  client: Client;
  /** The `elicitation/create` requests the client was handed. */
  asked: unknown[];
}

describe('per-caller sign-in to an upstream (oauth.perUser), MCP endpoints', function () {
  this.timeout(30_000);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-per-user-mcp-'));
  const logger = recordingLogger();
  let fixture: RunningServer;
  let served: ServedApp;
  let person: Person;
  const clients: Client[] = [];
  const subjects: Partial<Record<Who, string>> = {};

  /** A client of `who` at `endpoint`; `elicit` (2026-07-28 only) declares URL elicitation and answers it so. */
  async function open(who: Who, endpoint: string, mode: Mode, options: { capabilities?: ClientCapabilities; autoFulfill?: boolean; elicit?: (url: string) => Promise<'accept' | 'decline'> } = {}): Promise<Opened> {
    const asked: unknown[] = [];
    const client = new Client({ name: 'per-user-oauth-test', version: '1.0.0' }, {
      versionNegotiation: { mode },
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
      ...(options.autoFulfill === false ? { inputRequired: { autoFulfill: false } } : {}),
    } as never);
    if (options.elicit) {
      const elicit = options.elicit;
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push(request);
        return { action: await elicit((request.params as { url: string }).url) };
      });
    }
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${served.base}${endpoint}`), { requestInit: { headers: as(who) } }));
    return { client, asked };
  }

  before(async () => {
    globalThis.fetch = recordingFetch as typeof fetch;
    fixture = await startOAuthServer();
    served = await serveAtOwnAddress((base) => {
      mcpoOrigins.add(base);
      const keys = Object.entries(KEYS).map(([name, key]) => ({ name, key }));
      return createApp({ mcpServers: { [SERVER]: { type: 'streamable-http', url: fixture.url, oauth: { perUser: true } } } }, { publicUrl: base, stateDir, logger, auth: { keys } });
    });
    person = new Person(served.base, SERVER, () => {});
    // Alice signs in over REST, so the tools are known to both endpoints.
    const refused = await fetch(`${served.base}/${SERVER}/whoami`, { method: 'POST', headers: { 'content-type': 'application/json', ...as('alice') }, body: '{}' });
    expect(refused.status).to.equal(403);
    const landing = await person.authorize(expectLink(served, ((await refused.json()) as any).error.authorizeUrl));
    expect(landing.status, landing.url).to.equal(200);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await served?.close();
    await fixture?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  for (const { path: endpoint, tool } of ENDPOINTS) {
    it(`2025-11-25 session at ${endpoint}: -32042 with one URL elicitation holding bob's link; alice's call runs as her`, async () => {
      const { client } = await open('bob', endpoint, 'legacy');
      const err = await client.callTool({ name: tool, arguments: {} }).then(() => undefined, (e: unknown) => e);
      expect(err, String(err)).to.be.instanceOf(UrlElicitationRequiredError);
      const refused = err as UrlElicitationRequiredError;
      expect(refused.code).to.equal(-32042);
      expect(refused.elicitations).to.have.length(1);
      const [elicitation] = refused.elicitations as unknown as Record<string, unknown>[];
      expect(Object.keys(elicitation!).sort()).to.deep.equal(['elicitationId', 'message', 'mode', 'url']);
      expect(elicitation!.mode).to.equal('url');
      expectLink(served, elicitation!.url);
      expect(elicitation!.elicitationId).to.be.a('string').and.not.equal('');
      expect(elicitation!.message).to.be.a('string').and.not.equal('');
      const alice = await open('alice', endpoint, 'legacy');
      const result = await alice.client.callTool({ name: tool, arguments: {} });
      subjects.alice ??= subjectOf(result);
      expect(subjectOf(result)).to.equal('user-1');
    });

    it(`2026-07-28 at ${endpoint} without URL elicitation: an error whose data holds bob's link`, async () => {
      const { client } = await open('bob', endpoint, { pin: '2026-07-28' });
      const err = await client.callTool({ name: tool, arguments: {} }).then(() => undefined, (e: unknown) => e);
      expect(err, String(err)).to.be.instanceOf(ProtocolError);
      expect((err as ProtocolError).code).not.to.equal(-32042);
      expectLink(served, ((err as ProtocolError).data as { authorizeUrl?: unknown }).authorizeUrl);
    });
  }

  it('2026-07-28 with URL elicitation: input_required with elicitation/create for bob\'s link (manual mode)', async () => {
    for (const { path: endpoint, tool } of ENDPOINTS) {
      const { client } = await open('bob', endpoint, { pin: '2026-07-28' }, { capabilities: { elicitation: { url: {} } }, autoFulfill: false });
      const result = (await client.callTool({ name: tool, arguments: {} }, { allowInputRequired: true } as never)) as unknown as Record<string, any>;
      expect(result.resultType, JSON.stringify(result)).to.equal('input_required');
      expect(Object.keys(result.inputRequests)).to.deep.equal(['mcpo-sign-in']);
      const request = result.inputRequests['mcpo-sign-in'];
      expect(request.method).to.equal('elicitation/create');
      expect(Object.keys(request.params).sort()).to.deep.equal(['elicitationId', 'message', 'mode', 'url']);
      expect(request.params.mode).to.equal('url');
      expectLink(served, request.params.url);
      expect(request.params.elicitationId).to.be.a('string').and.not.equal('');
    }
  });

  it('2026-07-28 with URL elicitation: bob signs in from the elicitation, and the retried call runs as him', async () => {
    const { client, asked } = await open('bob', `/${SERVER}/mcp`, { pin: '2026-07-28' }, {
      capabilities: { elicitation: { url: {} } },
      elicit: async (url) => ((await person.authorize(url)).status === 200 ? 'accept' : 'decline'),
    });
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(asked).to.have.length(1);
    const params = (asked[0] as { params: Record<string, unknown> }).params;
    expect(params.mode).to.equal('url');
    expectLink(served, params.url);
    subjects.bob = subjectOf(result);
    expect(subjects.bob, JSON.stringify(result)).to.equal('user-2');
  });

  it('2025-11-25 session: carol opens the URL of her -32042, and the same session\'s next call runs as her', async () => {
    const { client } = await open('carol', '/mcp', 'legacy');
    const err = (await client.callTool({ name: `${SERVER}_whoami`, arguments: {} }).then(() => undefined, (e: unknown) => e)) as UrlElicitationRequiredError;
    expect(err).to.be.instanceOf(UrlElicitationRequiredError);
    const landing = await person.authorize(expectLink(served, err.elicitations[0]!.url));
    expect(landing.status, landing.url).to.equal(200);
    subjects.carol = subjectOf(await client.callTool({ name: `${SERVER}_whoami`, arguments: {} }));
    expect(subjects.carol).to.match(/^user-\d+$/);
    expect(new Set(Object.values(subjects)).size).to.equal(3);
  });

  it('2026-07-28 with URL elicitation, declined: the call does not run as anyone', async () => {
    const { client, asked } = await open('dave', '/mcp', { pin: '2026-07-28' }, { capabilities: { elicitation: { url: {} } }, elicit: async () => 'decline' });
    const outcome = await client.callTool({ name: `${SERVER}_whoami`, arguments: {} }).then((r) => r, (e: unknown) => e);
    expect(outcome).to.be.instanceOf(Error);
    expect(subjectOf(outcome), JSON.stringify(outcome)).to.equal(undefined);
    expect(asked.length).to.be.at.least(1);
    for (const request of asked) expectLink(served, (request as { params: { url: unknown } }).params.url);
  });

  for (const { name, mode } of ERAS) {
    it(`shows alice and bob their own subjects on every call at both endpoints (${name})`, async () => {
      expect(subjects).to.include({ alice: 'user-1', bob: 'user-2' });
      for (const { path: endpoint, tool } of ENDPOINTS) {
        const opened = { alice: await open('alice', endpoint, mode), bob: await open('bob', endpoint, mode), carol: await open('carol', endpoint, mode) };
        for (let i = 0; i < 2; i++) {
          for (const who of ['bob', 'carol', 'alice'] as const) {
            const result = await opened[who].client.callTool({ name: tool, arguments: {} });
            expect(subjectOf(result), `${who} at ${endpoint}`).to.equal(subjects[who]);
          }
        }
      }
    });
  }

  it('signs bob out while his sessions are open: his next call on each is sent to sign in again, alice\'s runs as her', async () => {
    const sessions = {
      legacy: await open('bob', `/${SERVER}/mcp`, 'legacy'),
      modern: await open('bob', '/mcp', { pin: '2026-07-28' }, { capabilities: { elicitation: { url: {} } }, autoFulfill: false }),
      alice: await open('alice', '/mcp', 'legacy'),
    };
    expect(subjectOf(await sessions.legacy.client.callTool({ name: 'whoami', arguments: {} }))).to.equal(subjects.bob);
    const out = await fetch(`${served.base}/oauth/${SERVER}/token`, { method: 'DELETE', headers: as('bob') });
    expect(out.status).to.equal(200);
    expect(await out.json()).to.deep.equal({ ok: true, server: SERVER, signedOut: true });
    const err = await sessions.legacy.client.callTool({ name: 'whoami', arguments: {} }).then(() => undefined, (e: unknown) => e);
    expect(err, String(err)).to.be.instanceOf(UrlElicitationRequiredError);
    expectLink(served, (err as UrlElicitationRequiredError).elicitations[0]!.url);
    const again = (await sessions.modern.client.callTool({ name: `${SERVER}_whoami`, arguments: {} }, { allowInputRequired: true } as never)) as unknown as Record<string, any>;
    expect(again.resultType, JSON.stringify(again)).to.equal('input_required');
    expectLink(served, again.inputRequests['mcpo-sign-in'].params.url);
    expect(subjectOf(await sessions.alice.client.callTool({ name: `${SERVER}_whoami`, arguments: {} }))).to.equal(subjects.alice);
  });

  describe('afterwards', () => {
    it('shows no secret of the flow or ticket in a log line, and no token in a response body', async () => {
      await Promise.race([Promise.all(reading), new Promise((r) => setTimeout(r, 2_000))]);
      const secrets = (await (await realFetch(new URL('/_control/secrets', fixture.url))).json()) as string[];
      expect(secrets.filter((s) => s.startsWith('at-'))).to.have.length.at.least(2);
      expect(tickets.size).to.be.greaterThan(8);
      const lines = logger.records.map((r) => JSON.stringify(r));
      for (const secret of [...secrets, ...tickets]) {
        const leak = lines.find((line) => line.includes(secret));
        expect(leak, `${secret.slice(0, 8)}… logged: ${leak?.slice(0, 300)}`).to.equal(undefined);
      }
      expect(bodies.length).to.be.greaterThan(10);
      for (const token of secrets.filter((s) => /^(at|rt)-/.test(s))) {
        const leak = bodies.find((body) => body.includes(token));
        expect(leak, `${token.slice(0, 8)}… answered: ${leak?.slice(0, 300)}`).to.equal(undefined);
      }
    });
  });
});
