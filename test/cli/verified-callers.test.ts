/**
 * Verified callers through the real `mcpo` command (issue 24): a config
 * file's `auth` block (keys from `${VAR}`s, an HS256 issuer), a server's
 * `access` and a tool's; the bind and --strict-auth checks that an auth
 * block satisfies as --api-key does; the access log naming the key; and
 * examples/verified-callers.json as a user would start it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { ROOT, runMcpo, startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { modernStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const OPS_KEY = 'cli-ops-key-93b1f07c';
const VIEWER_KEY = 'cli-viewer-key-2e6d84a5';
const SECRET = 'cli-open-webui-secret-7731';
const ENV = { ...process.env, OPS_KEY, VIEWER_KEY, OWUI_SECRET: SECRET };
const MODERN = modernStdio();

const now = () => Math.floor(Date.now() / 1000);
const hs256 = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT({ exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));

async function call(url: string, credential: string | undefined, body: unknown = {}): Promise<{ status: number; body: any; challenge: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') };
}

async function document(url: string, credential?: string): Promise<{ status: number; tools: string[] }> {
  const res = await fetch(url, { headers: credential ? { authorization: `Bearer ${credential}` } : {} });
  if (res.status !== 200) return { status: res.status, tools: [] };
  const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-mcp-tool'?: string }>> };
  return { status: 200, tools: Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op['x-mcp-tool']).filter((t): t is string => t !== undefined)) };
}

describe('the mcpo command with verified callers', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  const started: McpoProcess[] = [];
  const start = async (args: string[], env: NodeJS.ProcessEnv = ENV, servers?: string[]) => {
    const p = await startMcpo(args, env);
    started.push(p);
    // A 0.0.0.0 bind is reached over loopback.
    const url = p.url.replace('0.0.0.0', '127.0.0.1');
    await untilConnected(url, servers);
    return { p, url };
  };

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-verified-'));
    file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        auth: {
          keys: [
            { name: 'ops', key: '${OPS_KEY}', groups: ['admins'] },
            { name: 'viewer', key: '${VIEWER_KEY}' },
          ],
          jwt: [{ secret: '${OWUI_SECRET}', claims: { id: 'id' } }],
        },
        mcpServers: {
          tools: { ...MODERN, tools: { no_params: { access: { groups: ['admins'] } } } },
          ops: { ...MODERN, access: { keys: ['ops'], users: ['u-ops'] } },
        },
      }),
    );
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop('SIGTERM')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a named key and a JWT reach their tools, refuses the rest, and logs the caller by name only', async () => {
    const { p, url } = await start(['--config', file, '--port', '0']);
    // A named key from ${OPS_KEY}: the admins-only tool and the ops-only server.
    expect((await call(`${url}/tools/no_params`, OPS_KEY)).body.result).to.equal('pong');
    expect((await call(`${url}/ops/echo`, OPS_KEY, { message: 'ops' })).body.result).to.equal('ops');
    // The other key: the open tool, but neither the admins' tool nor the ops server.
    expect((await call(`${url}/tools/echo`, VIEWER_KEY, { message: 'v' })).body.result).to.equal('v');
    const hidden = await call(`${url}/tools/no_params`, VIEWER_KEY);
    expect(hidden.status).to.equal(403);
    expect(hidden.body.error.code).to.equal('forbidden');
    expect((await call(`${url}/ops/echo`, VIEWER_KEY, { message: 'v' })).status).to.equal(403);
    expect((await document(`${url}/openapi.json`, OPS_KEY)).tools).to.include.members(['no_params', 'echo']);
    const viewerSees = await document(`${url}/tools/openapi.json`, VIEWER_KEY);
    expect(viewerSees.tools).to.include('echo').and.not.include('no_params');
    // An Open WebUI style token: a user on the ops server's users list.
    const token = await hs256({ id: 'u-ops' });
    expect((await call(`${url}/ops/echo`, token, { message: 'jwt' })).body.result).to.equal('jwt');
    const otherUser = await hs256({ id: 'u-other' });
    expect((await call(`${url}/ops/echo`, otherUser, { message: 'x' })).status).to.equal(403);
    // Wrong credentials.
    const forged = await hs256({ id: 'u-ops' }, `${SECRET}-forged`);
    const refused = await call(`${url}/tools/echo`, forged, { message: 'x' });
    expect(refused.status).to.equal(401);
    expect(refused.body.error.code).to.equal('invalid_token');
    expect(refused.challenge).to.equal('Bearer realm="mcpo", error="invalid_token", error_description="signature verification failed"');
    const expired = await call(`${url}/tools/echo`, await hs256({ id: 'u-ops', exp: now() - 120 }), { message: 'x' });
    expect(expired.challenge).to.include('error_description="token expired"');
    const wrongKey = await call(`${url}/tools/echo`, 'cli-not-a-key-0000', { message: 'x' });
    expect(wrongKey.status).to.equal(401);
    expect(wrongKey.body.error.code).to.equal('unauthorized');
    const missing = await call(`${url}/tools/echo`, undefined, { message: 'x' });
    expect(missing.status).to.equal(401);
    expect(missing.challenge).to.equal('Bearer realm="mcpo"');
    for (const body of [refused.body, expired.body, wrongKey.body, missing.body, hidden.body]) expect(JSON.stringify(body)).not.to.match(/cli-|eyJ/);

    await waitFor(async () => (/POST \/ops\/echo 200 [\d.]+ ms \{[^\n]*"caller":"u-ops"/.test(p.stderr()) ? true : undefined), 'the JWT caller’s access log line');
    expect(p.stderr()).to.match(/POST \/tools\/no_params 200 [\d.]+ ms \{[^\n]*"caller":"ops"/);
    expect(p.stderr()).to.match(/POST \/tools\/no_params 403 [\d.]+ ms \{[^\n]*"caller":"viewer"/);
    const health = await (await fetch(`${url}/healthz`)).text();
    for (const secret of [OPS_KEY, VIEWER_KEY, SECRET, token, forged, token.split('.')[2]!]) {
      expect(p.stderr(), 'stderr').not.to.include(secret);
      expect(health, '/healthz').not.to.include(secret);
    }
  });

  it('binds 0.0.0.0 with an auth block and no --api-key; without either it still refuses with exit code 2', async () => {
    const { url } = await start(['--config', file, '--host', '0.0.0.0', '--port', '0']);
    expect((await call(`${url}/tools/echo`, undefined, { message: 'x' })).status).to.equal(401);
    expect((await call(`${url}/tools/echo`, OPS_KEY, { message: 'x' })).body.result).to.equal('x');
    const bare = path.join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify({ mcpServers: { tools: MODERN } }));
    const refused = await runMcpo(['--config', bare, '--host', '0.0.0.0', '--port', '0'], ENV);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(/--api-key.*MCPO_API_KEY.*"auth" block.*--allow-unauthenticated/);
  });

  it('takes --strict-auth with only an auth block: documents and docs need a credential too', async () => {
    const { url } = await start(['--config', file, '--port', '0', '--strict-auth']);
    for (const page of ['/openapi.json', '/docs', '/tools/openapi.json']) {
      const res = await fetch(`${url}${page}`);
      expect(res.status, page).to.equal(401);
      expect(res.headers.get('www-authenticate'), page).to.include('Basic');
    }
    const viewer = await document(`${url}/tools/openapi.json`, VIEWER_KEY);
    expect(viewer.status).to.equal(200);
    expect(viewer.tools).to.include('echo').and.not.include('no_params');
    expect((await fetch(`${url}/docs`, { headers: { authorization: `Bearer ${await hs256({ id: 'u-1' })}` } })).status).to.equal(200);
    const bare = path.join(dir, 'bare-strict.json');
    writeFileSync(bare, JSON.stringify({ mcpServers: { tools: MODERN } }));
    const refused = await runMcpo(['--config', bare, '--port', '0', '--strict-auth'], ENV);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(/--strict-auth needs an API key/);
  });

  it('refuses an auth block whose ${VAR} is unset, naming it, with exit code 2', async () => {
    const { OPS_KEY: _unset, ...without } = ENV;
    const refused = await runMcpo(['--config', file, '--port', '0'], without);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(/\$\{OPS_KEY\}/);
    expect(refused.stderr).not.to.include(VIEWER_KEY);
  });

  describe('examples/verified-callers.json', () => {
    const EXAMPLE = path.join(ROOT, 'examples/verified-callers.json');
    const keys = { WEBUI_KEY: 'example-webui-key-5b7e', ADMIN_KEY: 'example-admin-key-c41d', WEBUI_SECRET_KEY: 'example-webui-secret-0a9f3' };

    it('shows and gives get-env to the admins key only, and runs each caller in a process of its own', async () => {
      // Both: time starts first now (the command starts it while it loads the app), everything's probe a moment later.
      const { p, url } = await start(['--config', EXAMPLE, '--port', '0'], { ...process.env, ...keys }, ['time', 'everything']);
      const admin = await document(`${url}/everything/openapi.json`, keys.ADMIN_KEY);
      expect(admin.tools).to.include.members(['get-env', 'echo']);
      const webui = await document(`${url}/everything/openapi.json`, keys.WEBUI_KEY);
      expect(webui.tools).to.include('echo').and.not.include('get-env');
      expect((await document(`${url}/openapi.json`, keys.WEBUI_KEY)).tools).not.to.include('get-env');
      const env = await call(`${url}/everything/get-env`, keys.ADMIN_KEY);
      expect(env.status, JSON.stringify(env.body)).to.equal(200);
      expect(env.body.result).to.include({ MCPO_USER: 'admin' });
      const refused = await call(`${url}/everything/get-env`, keys.WEBUI_KEY);
      expect(refused.status).to.equal(403);
      expect(refused.body.error.code).to.equal('forbidden');
      // Open WebUI's own session token reaches the open tools as its user.
      const session = await hs256({ id: 'owui-user-1' }, keys.WEBUI_SECRET_KEY);
      expect((await call(`${url}/everything/echo`, session, { message: 'hi' })).body.result).to.match(/hi/);
      expect((await call(`${url}/time/get_current_time`, session, { timezone: 'UTC' })).body.result).to.include({ timezone: 'UTC' });
      const health = (await (await fetch(`${url}/healthz`)).json()) as { servers: Record<string, { users?: { total: number } }> };
      // admin's process and the Open WebUI user's.
      expect(health.servers.everything!.users).to.deep.include({ total: 2 });
      for (const secret of Object.values(keys)) expect(p.stderr()).not.to.include(secret);
    });
  });
});
