/**
 * Caller templates fed by the verified caller, through a router whose
 * `caller` option names the app's signed-in user: server-everything over
 * stdio with `env` from `{{user.*}}` and `{{claim.*}}` runs one process per
 * user (its `get-env` shows each call which one it ran in), reused for the
 * same user; a user without a required value gets 403
 * `missing_caller_claim`; and the router's MCP endpoint runs each client's
 * calls as its own caller, in both eras (a 2026-07-28 request, and a 2025
 * session, whose requests each bring their caller).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { type Request } from 'express';
import request from 'supertest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mcpoRouter, silentLogger, type McpoRouter } from '../../lib/index.js';
import { everythingStdio } from '../helpers/servers.js';

/** The app's sign-in, as a test states it: the user's id, e-mail, groups and a tenant claim from headers. */
function signedIn(req: Request) {
  const id = req.get('x-test-user');
  if (!id) return undefined;
  return {
    id,
    email: req.get('x-test-email'),
    groups: (req.get('x-test-groups') ?? '').split(' ').filter(Boolean),
    claims: { tenant: req.get('x-test-tenant'), level: 2 },
  };
}

const spec = () => ({
  ...everythingStdio(),
  env: {
    USER_EMAIL: '{{user.email | required}}',
    USER_ID: '{{user.id}}',
    USER_GROUPS: '{{user.groups}}',
    TENANT: '{{claim.tenant | default:"public"}}',
    LEVEL: '{{claim.level}}',
  },
});

interface EnvSeen {
  USER_EMAIL?: string;
  USER_ID?: string;
  USER_GROUPS?: string;
  TENANT?: string;
  LEVEL?: string;
}

function as(user: string | undefined, email?: string, more: Record<string, string> = {}): Record<string, string> {
  return { ...(user ? { 'x-test-user': user } : {}), ...(email ? { 'x-test-email': email } : {}), ...more };
}

const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content[0]?.text ?? '');

describe('caller templates fed by the verified caller, through a router', function () {
  this.timeout(60_000);
  let router: McpoRouter;
  let app: express.Express;
  let server: http.Server;
  let base: string;

  before(async () => {
    router = mcpoRouter(spec(), { logger: silentLogger, caller: signedIn, maxProcesses: 8 });
    app = express().use('/e', router);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await router?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  const envAs = async (headers: Record<string, string>) => {
    const res = await request(app).post('/e/get-env').set(headers).send({});
    return { status: res.status, body: res.body, env: res.status === 200 ? (res.body.result as EnvSeen) : undefined };
  };

  it('refuses user templates on a router with no verified callers, naming the fix', () => {
    expect(() => mcpoRouter(spec(), { logger: silentLogger })).to.throw(TypeError, /env\.USER_EMAIL takes values from the verified caller; set --api-key or an auth block, or give the router a caller option/);
  });

  it('starts no probe while a required caller value is unknown: it waits for the first caller', () => {
    expect(router.status().state).to.equal('waiting-for-caller');
    expect(router.status().users).to.deep.include({ total: 0 });
  });

  it('runs each user in a process of their own, with their own values, and reuses it for the same user', async () => {
    const alice = await envAs(as('alice', 'alice@example.com', { 'x-test-groups': 'eng ops', 'x-test-tenant': 'acme' }));
    expect(alice.status, JSON.stringify(alice.body)).to.equal(200);
    expect(alice.env).to.include({ USER_EMAIL: 'alice@example.com', USER_ID: 'alice', USER_GROUPS: 'eng,ops', TENANT: 'acme', LEVEL: '2' });
    expect(router.status().state).to.equal('ready');
    const bob = await envAs(as('bob', 'bob@example.com'));
    expect(bob.env).to.include({ USER_EMAIL: 'bob@example.com', USER_ID: 'bob', TENANT: 'public' });
    expect(bob.env).not.to.have.property('USER_GROUPS');
    expect(router.status().users).to.deep.include({ total: 2 });
    const again = await envAs(as('alice', 'alice@example.com', { 'x-test-groups': 'eng ops', 'x-test-tenant': 'acme' }));
    expect(again.env).to.include({ USER_ID: 'alice' });
    expect(router.status().users).to.deep.include({ total: 2 });
  });

  it('takes no header in place of the caller\'s values', async () => {
    const res = await envAs({ ...as('bob', 'bob@example.com'), 'x-user-id': 'alice', 'user.id': 'alice' });
    expect(res.env).to.include({ USER_ID: 'bob' });
    expect(router.status().users).to.deep.include({ total: 2 });
  });

  it('answers 403 missing_caller_claim to a user without a required value, and to a request with no caller', async () => {
    const noEmail = await envAs(as('dave'));
    expect(noEmail.status).to.equal(403);
    expect(noEmail.body.error.code).to.equal('missing_caller_claim');
    expect(noEmail.body.error.message).to.match(/The verified caller has no "user\.email"/);
    expect(noEmail.body.error.data).to.deep.equal({ missing: ['user.email'] });
    const nobody = await envAs({});
    expect(nobody.status).to.equal(403);
    expect(nobody.body.error.message).to.match(/^No verified caller/);
    expect(router.status().users).to.deep.include({ total: 2 });
  });

  it('leases resources and prompts as the caller too', async () => {
    const listed = await request(app).get('/e/resources').set(as('alice', 'alice@example.com', { 'x-test-groups': 'eng ops', 'x-test-tenant': 'acme' }));
    expect(listed.status).to.equal(200);
    const refused = await request(app).get('/e/prompts').set(as('dave'));
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('missing_caller_claim');
    expect(router.status().users).to.deep.include({ total: 2 });
  });

  for (const mode of ['auto', 'legacy'] as const) {
    const era = mode === 'auto' ? '2026-07-28' : '2025-11-25 session';
    it(`runs an MCP client's calls as its caller at /mcp (${era})`, async () => {
      const connect = async (headers: Record<string, string>) => {
        const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode } } as never);
        await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/e/mcp`), { requestInit: { headers } }));
        return client;
      };
      const user = `mcp-${mode}`;
      const client = await connect(as(user, `${user}@example.com`, { 'x-test-tenant': 't-1' }));
      try {
        expect(client.getNegotiatedProtocolVersion()).to.equal(mode === 'auto' ? '2026-07-28' : '2025-11-25');
        const env = JSON.parse(textOf(await client.callTool({ name: 'get-env', arguments: {} }))) as EnvSeen;
        expect(env).to.include({ USER_ID: user, USER_EMAIL: `${user}@example.com`, TENANT: 't-1' });
        const again = JSON.parse(textOf(await client.callTool({ name: 'get-env', arguments: {} }))) as EnvSeen;
        expect(again.USER_ID).to.equal(user);
        expect((await client.listResources()).resources.length).to.be.greaterThan(0);
      } finally {
        await client.close();
      }
      const anonymous = await connect(as(`${user}-no-email`));
      try {
        const err = await anonymous.callTool({ name: 'get-env', arguments: {} }).then(() => undefined, (e: unknown) => e as { data?: { code?: string }; message: string });
        expect(err?.data?.code, err?.message).to.equal('missing_caller_claim');
      } finally {
        await anonymous.close();
      }
    });
  }

  it('kept one process per distinct user', () => {
    expect(router.status().users).to.deep.include({ total: 4 });
  });
});
