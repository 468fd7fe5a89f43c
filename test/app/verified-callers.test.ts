/**
 * Verified callers end to end (issue 24): `createApp` with an `auth` block,
 * served on a real port, in front of a real OpenID provider
 * (test/fixtures/identity-provider.ts). A provider's JWT, an Open WebUI
 * style HS256 token and a named key each reach a tool over REST and MCP;
 * every wrong credential is a 401 `invalid_token` with its challenge, and a
 * deployment that only has `apiKey` answers as it did before. Two named keys
 * with different groups meet a server's and a tool's `access` in the
 * documents, the docs, the REST calls and `tools/list`/`tools/call` on both
 * MCP endpoints in both eras. `{{user.id}}` gives two users two processes.
 * The MCP SDK's own discovery finds the provider from mcpo's protected
 * resource metadata. No key, secret or token text reaches a log line, an
 * error body or `/healthz`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { expect } from 'chai';
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import {
  Client,
  discoverOAuthProtectedResourceMetadata,
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { apiKeyAuth, createApp, isMcpoError } from '../../lib/index.js';
import { serveApp, serveAtOwnAddress, type ServedApp } from '../helpers/app-server.js';
import { recordingLogger, type Recorded } from '../helpers/logger.js';
import { everythingStdio, modernStdio } from '../helpers/servers.js';
import { startIdentityProvider, type IdentityProvider } from '../fixtures/identity-provider.js';

const KEYS = { alpha: 'alpha-key-7f3c9e1b2d5a', beta: 'beta-key-4a8d2c6e0f1b' } as const;
const OWUI_SECRET = 'open-webui-session-secret-0123456';
const now = () => Math.floor(Date.now() / 1000);
const bearer = (credential: string): Record<string, string> => ({ authorization: `Bearer ${credential}` });
const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content[0]?.text ?? '');

/** Everything a run shows to the outside: the loggers' records, error bodies and their challenges, /healthz. */
class Exposure {
  readonly loggers: { records: Recorded[] }[] = [];
  readonly shown: string[] = [];
  /** Every credential of the run: none of it may appear in anything shown. */
  readonly credentials = new Set<string>([KEYS.alpha, KEYS.beta, OWUI_SECRET]);

  token(token: string): string {
    this.credentials.add(token);
    return token;
  }

  /** The credential texts, and for tokens their signatures too: a log quoting half a token would leak it just as well. */
  forbidden(): string[] {
    return [...this.credentials].flatMap((c) => (c.split('.').length === 3 ? [c, c.split('.')[2]!] : [c]));
  }

  /** No credential in what was shown; `extra` more text to check (what was fetched at the end). */
  expectClean(extra: string[] = []): void {
    const all = [...this.loggers.map((l) => JSON.stringify(l.records)), ...this.shown, ...extra];
    for (const credential of this.forbidden()) {
      for (const text of all) expect(text.includes(credential), `"${credential.slice(0, 12)}…" shown in ${text.slice(0, 300)}`).to.equal(false);
    }
  }
}

interface Answer {
  status: number;
  challenge: string | null;
  body: any;
}

/** A fetch that keeps every error body and challenge for Exposure. */
async function ask(exposure: Exposure, url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  const challenge = res.headers.get('www-authenticate');
  if (res.status >= 400) exposure.shown.push(text, challenge ?? '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: docs pages, scripts
  }
  return { status: res.status, challenge, body };
}

async function connect(url: string, mode: 'auto' | 'legacy', headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'verified-callers-test', version: '1.0.0' }, { versionNegotiation: { mode } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function withClient<T>(url: string, mode: 'auto' | 'legacy', headers: Record<string, string>, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url, mode, headers);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** The MCP names of the tools a document shows, as `<tag> <tool>`. */
const toolsOf = (doc: { paths: Record<string, Record<string, { 'x-mcp-tool'?: string; tags?: string[] }>> }): string[] =>
  Object.values(doc.paths).flatMap((item) => Object.values(item).filter((op) => op['x-mcp-tool']).map((op) => `${op.tags![0]} ${op['x-mcp-tool']}`)).sort();

describe('verified callers through the app', function () {
  this.timeout(90_000);
  let idp: IdentityProvider;
  const exposure = new Exposure();

  /** A token signed here with the provider's own key (or `key`), for the provider's issuer and mcpo's audience unless `claims` say otherwise. */
  async function signed(claims: JWTPayload, header: { kid?: string; key?: CryptoKey } = {}): Promise<string> {
    const own = idp.signingKey();
    const key = header.key ?? ((await importJWK(own.jwk, 'RS256')) as CryptoKey);
    const token = await new SignJWT({ iss: idp.issuer, aud: 'mcpo', sub: 'mallory', iat: now(), exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? own.kid })
      .sign(key);
    return exposure.token(token);
  }

  /** An Open WebUI session token: only `id` and `exp`, HS256 with its WEBUI_SECRET_KEY. */
  async function webuiToken(id: string, secret = OWUI_SECRET): Promise<string> {
    return exposure.token(await new SignJWT({ id, exp: now() + 600 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret)));
  }

  async function minted(sub: string, more: { groups?: string[]; audience?: string; email?: string } = {}): Promise<string> {
    return exposure.token(await idp.mintAccessToken({ sub, audience: more.audience ?? 'mcpo', ...more }));
  }

  before(async () => {
    idp = await startIdentityProvider();
  });
  after(async () => {
    await idp?.close();
  });

  describe('keys, a provider’s JWTs and Open WebUI’s tokens, with access lists', () => {
    let served: ServedApp;
    const logger = recordingLogger();
    exposure.loggers.push(logger);

    before(async () => {
      served = await serveApp(
        {
          mcpServers: {
            open: { ...modernStdio(), tools: { no_params: { access: { groups: ['admins'] } } } },
            staff: { ...modernStdio(), access: { groups: ['staff'], users: ['carol'] } },
          },
        },
        {
          logger,
          auth: {
            keys: [
              { name: 'alpha', key: KEYS.alpha, groups: ['staff', 'admins'] },
              { name: 'beta', key: KEYS.beta, groups: ['guests'] },
            ],
            jwt: [
              // Found by OpenID discovery from the issuer.
              { issuer: idp.issuer, audience: 'mcpo' },
              // Open WebUI's own session tokens.
              { secret: OWUI_SECRET, claims: { id: 'id' } },
            ],
          },
        },
      );
    });
    after(() => served?.close());

    const post = (path: string, headers: Record<string, string>, body: unknown = {}) => ask(exposure, `${served.base}${path}`, { headers, body });

    describe('each kind of credential reaches a tool', () => {
      it('a JWT from the provider, over REST and on /mcp in both eras', async () => {
        const token = await minted('alice', { groups: ['admins'], email: 'alice@example.com' });
        const res = await post('/open/echo', bearer(token), { message: 'from alice' });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.result).to.equal('from alice');
        // alice is in admins: the admins-only tool answers too.
        expect((await post('/open/no_params', bearer(token))).body.result).to.equal('pong');
        for (const mode of ['auto', 'legacy'] as const) {
          await withClient(`${served.base}/mcp`, mode, bearer(token), async (client) => {
            expect(client.getNegotiatedProtocolVersion()).to.equal(mode === 'auto' ? '2026-07-28' : '2025-11-25');
            expect(textOf(await client.callTool({ name: 'open_echo', arguments: { message: `mcp ${mode}` } }))).to.equal(`mcp ${mode}`);
          });
        }
      });

      it('an Open WebUI session token (HS256, only id and exp)', async () => {
        const token = await webuiToken('u-1234');
        const res = await post('/open/echo', bearer(token), { message: 'from open webui' });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.result).to.equal('from open webui');
        await withClient(`${served.base}/open/mcp`, 'auto', bearer(token), async (client) => {
          expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'owui mcp' } }))).to.equal('owui mcp');
        });
      });

      it('a named key, as Bearer and as the password of Basic', async () => {
        expect((await post('/open/echo', bearer(KEYS.beta), { message: 'beta' })).body.result).to.equal('beta');
        const basic = { authorization: `Basic ${Buffer.from(`anyone:${KEYS.alpha}`).toString('base64')}` };
        expect((await post('/staff/echo', basic, { message: 'alpha' })).body.result).to.equal('alpha');
      });

      it('names the caller in the access log: the key’s name, the user’s id', () => {
        const lines = logger.records.filter((r) => /^POST \/(open|staff)\/echo 200 /.test(r.message));
        const callers = lines.map((r) => r.fields?.caller);
        expect(callers).to.include.members(['alice', 'u-1234', 'beta', 'alpha']);
        const mcp = logger.records.filter((r) => /^POST \/mcp 200 /.test(r.message)).map((r) => r.fields?.caller);
        expect(mcp).to.include('alice');
      });
    });

    describe('each wrong credential gets a 401', () => {
      it('answers a missing credential with the Bearer challenge, on /mcp naming the resource metadata', async () => {
        const rest = await post('/open/echo', {}, { message: 'x' });
        expect(rest.status).to.equal(401);
        expect(rest.body.error.code).to.equal('unauthorized');
        expect(rest.challenge).to.equal('Bearer realm="mcpo"');
        const mcp = await post('/mcp', { accept: 'application/json, text/event-stream' }, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
        expect(mcp.status).to.equal(401);
        expect(mcp.challenge).to.equal(`Bearer realm="mcpo", resource_metadata="${served.base}/.well-known/oauth-protected-resource/mcp"`);
      });

      const wrongs: [string, () => Promise<string>, string][] = [
        ['an expired token', () => signed({ exp: now() - 120 }), 'token expired'],
        ['a token not yet valid', () => signed({ nbf: now() + 600 }), 'token not yet valid'],
        ['a token for another audience', () => signed({ aud: 'someone-else' }), 'audience mismatch'],
        ['a provider token minted for another resource', () => minted('alice', { audience: 'https://other.example.com/' }), 'audience mismatch'],
        ['a token from another issuer', () => signed({ iss: 'https://evil.example.com' }), 'unknown issuer'],
        ['a token with a bad signature', async () => signed({}, { key: (await generateKeyPair('RS256')).privateKey }), 'signature verification failed'],
        ['a token with an unknown kid', async () => signed({}, { key: (await generateKeyPair('RS256')).privateKey, kid: 'no-such-kid' }), 'no key of the issuer matches the token'],
        [
          'an HS256 token naming the provider as issuer',
          async () => exposure.token(await new SignJWT({ sub: 'mallory', iss: idp.issuer, aud: 'mcpo', exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(OWUI_SECRET))),
          'signing algorithm not allowed',
        ],
        ['an Open WebUI token signed with another secret', () => webuiToken('u-1234', `${OWUI_SECRET}-not`), 'signature verification failed'],
      ];
      for (const [what, make, says] of wrongs) {
        it(`refuses ${what}: invalid_token "${says}", on REST and on /mcp`, async () => {
          const token = await make();
          const rest = await post('/open/echo', bearer(token), { message: 'x' });
          expect(rest.status).to.equal(401);
          expect(rest.body.error).to.include({ code: 'invalid_token', message: `Invalid token: ${says}` });
          expect(rest.challenge).to.equal(`Bearer realm="mcpo", error="invalid_token", error_description="${says}"`);
          const mcp = await post('/mcp', { ...bearer(token), accept: 'application/json, text/event-stream' }, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
          expect(mcp.status).to.equal(401);
          expect(mcp.challenge).to.equal(
            `Bearer realm="mcpo", resource_metadata="${served.base}/.well-known/oauth-protected-resource/mcp", error="invalid_token", error_description="${says}"`,
          );
          // What the SDK reads of it.
          const params = extractWWWAuthenticateParams(new Response(null, { status: 401, headers: { 'www-authenticate': mcp.challenge! } }));
          expect(params).to.deep.include({ error: 'invalid_token', errorDescription: says });
          for (const shown of [JSON.stringify(rest.body), JSON.stringify(mcp.body), rest.challenge, mcp.challenge]) expect(shown).not.to.include(token);
        });
      }

      it('refuses a wrong key, a prefix of a key and one with a character more, as unauthorized', async () => {
        for (const wrong of ['no-such-key-1234', KEYS.alpha.slice(0, -1), `${KEYS.alpha}x`]) {
          exposure.credentials.add(wrong);
          const res = await post('/open/echo', bearer(wrong), { message: 'x' });
          expect(res.status, wrong).to.equal(401);
          expect(res.body.error).to.include({ code: 'unauthorized', message: 'Invalid API key' });
          expect(res.challenge).to.equal('Bearer realm="mcpo"');
        }
      });
    });

    describe('two named keys with different groups against access lists', () => {
      it('shows each key only what it may call in the per-server and aggregated documents', async () => {
        const doc = async (path: string, key: string) => {
          const res = await ask(exposure, `${served.base}${path}`, { headers: bearer(key) });
          expect(res.status, path).to.equal(200);
          return res.body;
        };
        const alpha = await doc('/openapi.json', KEYS.alpha);
        expect(toolsOf(alpha)).to.include.members(['open echo', 'open no_params', 'staff echo', 'staff no_params']);
        const beta = await doc('/openapi.json', KEYS.beta);
        expect(toolsOf(beta)).to.include('open echo').and.not.include('open no_params');
        expect(toolsOf(beta).some((t) => t.startsWith('staff '))).to.equal(false);
        expect(Object.keys(beta.paths).some((p) => p.startsWith('/staff/'))).to.equal(false);
        expect(toolsOf(await doc('/open/openapi.json', KEYS.alpha))).to.include('open no_params');
        const betaOpen = await doc('/open/openapi.json', KEYS.beta);
        expect(toolsOf(betaOpen)).to.include('open echo').and.not.include('open no_params');
        expect(Object.keys(betaOpen.paths)).not.to.include('/no_params');
        // Anonymous readers of the documents (open without strictAuth) see no more than beta.
        const anonymous = (await ask(exposure, `${served.base}/openapi.json`)).body;
        expect(toolsOf(anonymous)).not.to.include('open no_params');
        expect(toolsOf(anonymous).some((t) => t.startsWith('staff '))).to.equal(false);
      });

      it('gives the docs pages the caller’s own document', async () => {
        const init = await ask(exposure, `${served.base}/open/docs/init.js`, { headers: bearer(KEYS.beta) });
        expect(init.status).to.equal(200);
        // The page loads the document next to it, with the browser's credentials.
        expect(String(init.body)).to.include("url: base + '/openapi.json'");
        for (const [page, key, sees] of [['/docs', KEYS.alpha, true], ['/docs', KEYS.beta, false], ['/open/docs', KEYS.alpha, true], ['/open/docs', KEYS.beta, false]] as const) {
          const html = await ask(exposure, `${served.base}${page}`, { headers: bearer(key) });
          expect(html.status, page).to.equal(200);
          const documentUrl = `${served.base}${page.replace(/\/docs$/, '')}/openapi.json`;
          const doc = (await ask(exposure, documentUrl, { headers: bearer(key) })).body;
          expect(toolsOf(doc).includes('open no_params'), `${page} as ${key === KEYS.alpha ? 'alpha' : 'beta'}`).to.equal(sees);
        }
      });

      it('answers 403 forbidden to a REST call of a hidden tool or a server outside the access list', async () => {
        const hidden = await post('/open/no_params', bearer(KEYS.beta));
        expect(hidden.status).to.equal(403);
        expect(hidden.body.error.code).to.equal('forbidden');
        const server = await post('/staff/echo', bearer(KEYS.beta), { message: 'x' });
        expect(server.status).to.equal(403);
        expect(server.body.error.code).to.equal('forbidden');
        // The same calls pass for alpha, and for a JWT user on the server's users list.
        expect((await post('/open/no_params', bearer(KEYS.alpha))).body.result).to.equal('pong');
        expect((await post('/staff/echo', bearer(await minted('carol')), { message: 'carol' })).body.result).to.equal('carol');
        expect((await post('/staff/echo', bearer(await minted('dave', { groups: ['guests'] })), { message: 'x' })).status).to.equal(403);
      });

      for (const mode of ['auto', 'legacy'] as const) {
        const era = mode === 'auto' ? '2026-07-28' : '2025-11-25 session';
        it(`filters tools/list and refuses tools/call on /<name>/mcp and /mcp (${era})`, async () => {
          await withClient(`${served.base}/open/mcp`, mode, bearer(KEYS.beta), async (client) => {
            const names = (await client.listTools()).tools.map((t) => t.name);
            expect(names).to.include('echo').and.not.include('no_params');
            const refused = await client.callTool({ name: 'no_params', arguments: {} }).then(() => 'called', (err: Error) => err.message);
            expect(refused).to.match(/Unknown tool/);
          });
          await withClient(`${served.base}/open/mcp`, mode, bearer(KEYS.alpha), async (client) => {
            expect((await client.listTools()).tools.map((t) => t.name)).to.include('no_params');
            expect(textOf(await client.callTool({ name: 'no_params', arguments: {} }))).to.equal('pong');
          });
          await withClient(`${served.base}/mcp`, mode, bearer(KEYS.beta), async (client) => {
            const names = (await client.listTools()).tools.map((t) => t.name);
            expect(names).to.include('open_echo').and.not.include('open_no_params');
            expect(names.some((n) => n.startsWith('staff_'))).to.equal(false);
            for (const tool of ['open_no_params', 'staff_echo']) {
              const refused = await client.callTool({ name: tool, arguments: { message: 'x' } }).then(() => 'called', (err: Error) => err.message);
              expect(refused, tool).to.match(/Unknown tool/);
            }
          });
          await withClient(`${served.base}/mcp`, mode, bearer(KEYS.alpha), async (client) => {
            const names = (await client.listTools()).tools.map((t) => t.name);
            expect(names).to.include.members(['open_echo', 'open_no_params', 'staff_echo', 'staff_no_params']);
            expect(textOf(await client.callTool({ name: 'staff_echo', arguments: { message: 'in' } }))).to.equal('in');
          });
          // A server outside the caller's access shows nothing at its own endpoint, and calls nothing.
          await withClient(`${served.base}/staff/mcp`, mode, bearer(KEYS.beta), async (client) => {
            expect((await client.listTools()).tools).to.deep.equal([]);
            const refused = await client.callTool({ name: 'echo', arguments: { message: 'x' } }).then(() => 'called', (err: Error) => err.message);
            expect(refused).to.match(/Unknown tool/);
          });
          await withClient(`${served.base}/staff/mcp`, mode, bearer(KEYS.alpha), async (client) => {
            expect((await client.listTools()).tools.map((t) => t.name)).to.include('echo');
          });
        });
      }
    });

    // In a describe of its own so that mocha runs it after the suites above.
    describe('afterwards', () => {
      it('writes no key, secret or token into a log line, an error body or /healthz', async () => {
        const health = await ask(exposure, `${served.base}/healthz`);
        expect(health.status).to.equal(200);
        expect(exposure.shown.length).to.be.greaterThan(20);
        expect(exposure.credentials.size).to.be.greaterThan(12);
        exposure.expectClean([JSON.stringify(health.body), JSON.stringify(served.app.health())]);
        // The log does name who called.
        expect(logger.records.some((r) => r.fields?.caller === 'beta')).to.equal(true);
      });
    });
  });

  describe('a deployment with only apiKey', () => {
    const KEY = 'only-the-api-key-5566';
    let served: ServedApp;
    const logger = recordingLogger();
    exposure.loggers.push(logger);
    before(async () => {
      exposure.credentials.add(KEY);
      served = await serveApp({ mcpServers: { open: modernStdio() } }, { logger, apiKey: KEY });
    });
    after(() => served?.close());

    /** What apiKeyAuth (lib/http/auth.ts), the one-key check the app used before, answers. */
    async function before_(authorization?: string): Promise<{ status: number; challenge: string | undefined; message: string; code: string }> {
      const app = express()
        .use(apiKeyAuth({ apiKey: KEY }))
        .use((_req, res) => {
          res.json({ passed: true });
        })
        .use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
          if (!isMcpoError(err)) throw err;
          res.status(err.status).set(err.headers).json({ code: err.code, message: err.message });
        });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const { port } = server.address() as { port: number };
        const res = await fetch(`http://127.0.0.1:${port}/open/echo`, { method: 'POST', headers: authorization ? { authorization } : {} });
        const body = (await res.json()) as { code: string; message: string };
        return { status: res.status, challenge: res.headers.get('www-authenticate') ?? undefined, ...body };
      } finally {
        server.close();
      }
    }

    it('answers a missing or wrong key with the same 401 as before', async () => {
      const jwtShaped = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
      exposure.credentials.add(jwtShaped);
      for (const authorization of [undefined, 'Bearer wrong-key-0000', `Bearer ${jwtShaped}`, `Basic ${Buffer.from('u:nope').toString('base64')}`]) {
        const was = await before_(authorization);
        const res = await ask(exposure, `${served.base}/open/echo`, { headers: authorization ? { authorization } : {}, body: { message: 'x' } });
        expect(res.status, authorization).to.equal(401);
        expect(res.challenge, authorization).to.equal(was.challenge);
        expect(res.body.error, authorization).to.include({ code: was.code, message: was.message });
        expect(res.body.ok).to.equal(false);
      }
      // The MCP endpoint's challenge names no resource metadata: there is no issuer to sign in with.
      const mcp = await ask(exposure, `${served.base}/mcp`, { headers: { accept: 'application/json, text/event-stream' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
      expect(mcp.status).to.equal(401);
      expect(mcp.challenge).to.equal('Bearer realm="mcpo"');
      // No metadata document either: the well-known path is one more path that asks for the key.
      expect((await fetch(`${served.base}/.well-known/oauth-protected-resource/mcp`)).status).to.equal(401);
    });

    it('lets the key through as before, logging it by the name "default"', async () => {
      const res = await ask(exposure, `${served.base}/open/echo`, { headers: bearer(KEY), body: { message: 'k' } });
      expect(res.body.result).to.equal('k');
      await withClient(`${served.base}/mcp`, 'legacy', bearer(KEY), async (client) => {
        expect(textOf(await client.callTool({ name: 'open_echo', arguments: { message: 'm' } }))).to.equal('m');
      });
      expect(logger.records.some((r) => r.message.startsWith('POST /open/echo 200') && r.fields?.caller === 'default')).to.equal(true);
      exposure.expectClean([JSON.stringify(served.app.health())]);
    });
  });

  describe('{{user.id}} in a stdio server’s env', () => {
    let served: ServedApp;
    const logger = recordingLogger();
    exposure.loggers.push(logger);
    before(async () => {
      served = await serveApp(
        { mcpServers: { e: { ...everythingStdio(), env: { MCPO_USER_ID: '{{user.id}}', MCPO_USER_EMAIL: '{{user.email | default:"none"}}' } } } },
        { logger, auth: { jwt: [{ issuer: idp.issuer, audience: 'mcpo', jwksUrl: idp.jwksUrl }] } },
      );
    });
    after(() => served?.close());

    const envAs = async (token: string) => {
      const res = await ask(exposure, `${served.base}/e/get-env`, { headers: bearer(token), body: {} });
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(200);
      return res.body.result as Record<string, string>;
    };

    it('runs two users in two processes with their own values, and the same user twice in one', async () => {
      const [ann, ben] = await Promise.all([minted('ann', { email: 'ann@example.com' }), minted('ben')]);
      const annEnv = await envAs(ann);
      expect(annEnv).to.include({ MCPO_USER_ID: 'ann', MCPO_USER_EMAIL: 'ann@example.com' });
      const benEnv = await envAs(ben);
      expect(benEnv).to.include({ MCPO_USER_ID: 'ben', MCPO_USER_EMAIL: 'none' });
      expect(served.app.health().servers.e!.users).to.deep.include({ total: 2 });
      // A new token for ann is still ann: her process again.
      const annAgain = await envAs(await minted('ann', { email: 'ann@example.com' }));
      expect(annAgain.MCPO_USER_ID).to.equal('ann');
      expect(served.app.health().servers.e!.users).to.deep.include({ total: 2 });
    });

    it('does the same for an MCP client’s calls', async () => {
      const cy = await minted('cy');
      await withClient(`${served.base}/e/mcp`, 'auto', bearer(cy), async (client) => {
        const env = JSON.parse(textOf(await client.callTool({ name: 'get-env', arguments: {} }))) as Record<string, string>;
        expect(env.MCPO_USER_ID).to.equal('cy');
      });
      expect(served.app.health().servers.e!.users).to.deep.include({ total: 3 });
      exposure.expectClean([JSON.stringify(served.app.health()), JSON.stringify((await ask(exposure, `${served.base}/healthz`)).body)]);
    });
  });

  describe('protected resource metadata and key rotation', () => {
    let rotating: IdentityProvider;
    let served: ServedApp;
    let publicBase: string;
    const logger = recordingLogger();
    exposure.loggers.push(logger);

    before(async () => {
      // A provider of its own: rotating its keys must not disturb the other suites' key sets.
      rotating = await startIdentityProvider();
      served = await serveAtOwnAddress((base) => {
        // The name clients reach mcpo by differs from the address it listens on, as behind a proxy.
        publicBase = base.replace('127.0.0.1', 'localhost');
        return createApp(
          { mcpServers: { open: modernStdio() } },
          { logger, allowedHosts: [], publicUrl: publicBase, auth: { jwt: [{ issuer: rotating.issuer, audience: 'mcpo', jwksUrl: rotating.jwksUrl }] } },
        );
      });
      await served.app.ready();
    });
    after(async () => {
      await served?.close();
      await rotating?.close();
    });

    it('points a 401 from /mcp at the metadata, which the SDK’s discovery reads: the provider as authorization server, publicUrl for the resource', async () => {
      for (const endpoint of ['/mcp', '/open/mcp']) {
        const res = await fetch(`${served.base}${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        expect(res.status).to.equal(401);
        const { resourceMetadataUrl } = extractWWWAuthenticateParams(res);
        expect(String(resourceMetadataUrl)).to.equal(`${publicBase}/.well-known/oauth-protected-resource${endpoint}`);
        // The SDK's discovery from the endpoint's URL alone, as a client that has not seen the 401 does it.
        const metadata = await discoverOAuthProtectedResourceMetadata(`${publicBase}${endpoint}`);
        expect(metadata.resource).to.equal(`${publicBase}${endpoint}`);
        expect(metadata.authorization_servers).to.deep.equal([rotating.issuer]);
        // And the whole of it from the 401's pointer: on to the provider's own metadata.
        const info = await discoverOAuthServerInfo(`${publicBase}${endpoint}`, { resourceMetadataUrl: resourceMetadataUrl! });
        expect(info.authorizationServerUrl.replace(/\/$/, '')).to.equal(rotating.issuer);
        expect(info.resourceMetadata?.resource).to.equal(`${publicBase}${endpoint}`);
        expect(info.authorizationServerMetadata?.issuer).to.equal(rotating.issuer);
        expect(info.authorizationServerMetadata?.token_endpoint).to.equal(`${rotating.issuer}/token`);
      }
      // Only the MCP endpoints are protected resources: any other well-known path is one more path that asks for a credential.
      expect((await fetch(`${served.base}/.well-known/oauth-protected-resource/open/echo`)).status).to.equal(401);
    });

    it('takes the resource URL from the request without publicUrl', async () => {
      // The main suite's app has no publicUrl: its 401 named its own address (checked there); here the document itself.
      const own = await serveApp({ mcpServers: { open: modernStdio() } }, { logger, auth: { jwt: [{ issuer: rotating.issuer, audience: 'mcpo', jwksUrl: rotating.jwksUrl }] } });
      try {
        const metadata = await discoverOAuthProtectedResourceMetadata(`${own.base}/open/mcp`);
        expect(metadata).to.deep.include({ resource: `${own.base}/open/mcp`, authorization_servers: [rotating.issuer] });
        // Not for a server that is not mounted.
        expect((await fetch(`${own.base}/.well-known/oauth-protected-resource/nope/mcp`)).status).to.equal(401);
      } finally {
        await own.close();
      }
    });

    it('accepts a token with the new kid after rotateKeys() once the key set’s cool-down has passed; old-key tokens still pass', async () => {
      const call = (token: string) => ask(exposure, `${served.base}/open/echo`, { headers: bearer(token), body: { message: 'r' } });
      const before = exposure.token(await rotating.mintAccessToken({ sub: 'rita', audience: 'mcpo' }));
      expect((await call(before)).body.result).to.equal('r');
      const rotated = await rotating.rotateKeys();
      const after = exposure.token(await rotating.mintAccessToken({ sub: 'rita', audience: 'mcpo' }));
      expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).to.equal(rotated.kid);
      // The set was fetched moments ago: within jose's 30 s cool-down the new kid is not looked for yet.
      const early = await call(after);
      expect(early.status).to.equal(401);
      expect(early.body.error.message).to.equal('Invalid token: no key of the issuer matches the token');
      const fetches = rotating.jwksFetches();
      // Past the cool-down (the clock moved on rather than waiting 30 s): the unknown kid refetches the set once.
      const realNow = Date.now;
      Date.now = () => realNow() + 31_000;
      try {
        const res = await call(after);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.result).to.equal('r');
      } finally {
        Date.now = realNow;
      }
      expect(rotating.jwksFetches()).to.equal(fetches + 1);
      expect((await call(before)).body.result).to.equal('r');
      exposure.expectClean();
    });
  });

  describe('over the whole run', () => {
    it('showed no credential anywhere', () => {
      expect(exposure.loggers.length).to.equal(4);
      expect(exposure.loggers.every((l) => l.records.length > 0)).to.equal(true);
      exposure.expectClean();
    });
  });
});
