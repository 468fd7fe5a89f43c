/**
 * authenticate() (lib/auth/authenticate.ts) in a small Express app with the
 * project's error handler: named keys, --api-key, provider tokens, public
 * requests, the 401s and their challenges, the cache; and the access log's
 * caller field (lib/http/access-log.ts).
 */
import { expect } from 'chai';
import express, { type Request } from 'express';
import { SignJWT, importJWK } from 'jose';
import request from 'supertest';
import { apiKeyMatcher } from '../../lib/auth/api-keys.js';
import { resolveAuth, type AuthConfig } from '../../lib/auth/auth-config.js';
import { authenticate, type AuthenticateOptions } from '../../lib/auth/authenticate.js';
import { callerOf } from '../../lib/auth/caller.js';
import { requestLog } from '../../lib/http/access-log.js';
import { jsonErrorHandler } from '../../lib/http/error-handler.js';
import { silentLogger } from '../../lib/common/log.js';
import { startIdentityProvider, type IdentityProvider } from '../fixtures/identity-provider.js';
import { recordingLogger } from '../helpers/logger.js';

const SECRET = 'open-webui-secret-of-some-length';
const now = () => Math.floor(Date.now() / 1000);
/** The WWW-Authenticate header lines as sent, one per challenge (supertest joins them). */
function challenges(res: request.Response): string[] {
  const raw = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
  return raw.flatMap((value, i) => (i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'www-authenticate' ? [value] : []));
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function appWith(config: AuthConfig, apiKey: string | undefined, options: Omit<AuthenticateOptions, 'auth'> = {}) {
  return express()
    .use(authenticate({ auth: resolveAuth(config, apiKey)!, ...options }))
    .get('/{*any}', (req, res) => {
      res.json({ caller: callerOf(req) ?? null });
    })
    .use(jsonErrorHandler(silentLogger));
}

describe('authenticate', function () {
  this.timeout(20_000);
  let idp: IdentityProvider;
  let config: AuthConfig;
  let checks = 0;
  let app: ReturnType<typeof appWith>;

  before(async () => {
    idp = await startIdentityProvider();
    config = {
      keys: [{ name: 'ci', key: 'ci-key', groups: ['robots'] }, { name: 'ops', key: 'ops-key' }],
      jwt: [{ issuer: idp.issuer, audience: 'mcpo', clockTolerance: 0 }, { secret: SECRET, claims: { id: 'id' } }],
    };
    app = appWith(config, 'the-default-key', { isPublic: (req) => req.path === '/docs', verifier: { onVerified: () => checks++ } });
  });
  after(() => idp.close());

  it('names the caller by its key, as Bearer or as Basic’s password', async () => {
    const ci = { id: 'ci', groups: ['robots'], via: 'key' };
    expect((await request(app).get('/x').set('Authorization', 'Bearer ci-key').expect(200)).body.caller).to.deep.equal(ci);
    expect((await request(app).get('/x').set('Authorization', basic('anyone', 'ci-key')).expect(200)).body.caller).to.deep.equal(ci);
    expect((await request(app).get('/x').set('Authorization', 'bearer ops-key').expect(200)).body.caller).to.deep.equal({ id: 'ops', groups: [], via: 'key' });
  });

  it('takes --api-key as the key named "default"', async () => {
    const res = await request(app).get('/x').set('Authorization', 'Bearer the-default-key').expect(200);
    expect(res.body.caller).to.deep.equal({ id: 'default', groups: [], via: 'key' });
  });

  it('answers a missing credential as apiKeyAuth does, and a wrong key with "Invalid API key"', async () => {
    const missing = await request(app).get('/x').expect(401);
    expect(missing.headers['www-authenticate']).to.equal('Bearer realm="mcpo"');
    expect(missing.body.error).to.deep.equal({ message: 'Missing API key; send the header "Authorization: Bearer <key>"', code: 'unauthorized' });
    for (const auth of ['Bearer ci-keyx', basic('u', 'nope'), 'Bearer ci']) {
      const wrong = await request(app).get('/x').set('Authorization', auth).expect(401);
      expect(wrong.body.error).to.deep.equal({ message: 'Invalid API key', code: 'unauthorized' });
      expect(wrong.headers['www-authenticate']).to.equal('Bearer realm="mcpo"');
    }
  });

  it('offers Basic when asked, on its own header line', async () => {
    const browser = appWith(config, undefined, { basicChallenge: (req: Request) => req.path === '/docs' });
    const res = await request(browser).get('/docs').expect(401);
    expect(res.headers['www-authenticate']).to.equal('Bearer realm="mcpo", Basic realm="mcpo", charset="UTF-8"');
    expect(challenges(res)).to.deep.equal(['Bearer realm="mcpo"', 'Basic realm="mcpo", charset="UTF-8"']);
  });

  it('names the caller by a provider’s token, by Bearer or Basic', async () => {
    const token = await idp.mintAccessToken({ sub: 'alice', audience: 'mcpo', groups: ['eng'], email: 'alice@example.com' });
    const { caller } = (await request(app).get('/x').set('Authorization', `Bearer ${token}`).expect(200)).body;
    expect(caller).to.deep.include({ id: 'alice', email: 'alice@example.com', groups: ['eng'], via: 'jwt' });
    expect(caller.claims).to.include({ sub: 'alice', aud: 'mcpo' });
    expect((await request(app).get('/x').set('Authorization', basic('', token)).expect(200)).body.caller.id).to.equal('alice');
  });

  it('names the caller by an Open WebUI token signed with the shared secret', async () => {
    const token = await new SignJWT({ id: 'owui-7', exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect((await request(app).get('/x').set('Authorization', `Bearer ${token}`).expect(200)).body.caller).to.deep.include({ id: 'owui-7', via: 'jwt' });
  });

  it('refuses a bad token with 401 invalid_token, saying which check failed and never quoting it', async () => {
    const own = idp.signingKey();
    const key = await importJWK(own.jwk, 'RS256');
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ iss: idp.issuer, aud: 'mcpo', sub: 'x', exp: now() + 60, ...claims }).setProtectedHeader({ alg: 'RS256', kid: own.kid }).sign(key);
    const cases: Array<[string, string]> = [
      [await sign({ exp: now() - 10 }), 'token expired'],
      [await sign({ aud: 'elsewhere' }), 'audience mismatch'],
      [await sign({ iss: 'https://elsewhere.example.com' }), 'unknown issuer'],
      [`${(await sign({})).slice(0, -4)}AAAA`, 'signature verification failed'],
    ];
    for (const [token, says] of cases) {
      const res = await request(app).get('/x').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.body.error).to.deep.equal({ message: `Invalid token: ${says}`, code: 'invalid_token' });
      expect(res.headers['www-authenticate']).to.equal(`Bearer realm="mcpo", error="invalid_token", error_description="${says}"`);
      expect(JSON.stringify(res.headers) + res.text).not.to.include(token.split('.')[2]!);
    }
  });

  it('says "unknown issuer" when no entry could check the token', async () => {
    const keysOnly = appWith({ jwt: [{ issuer: idp.issuer, audience: 'mcpo' }] }, undefined);
    const token = await new SignJWT({ iss: 'https://elsewhere.example.com', sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const res = await request(keysOnly).get('/x').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.headers['www-authenticate']).to.equal('Bearer realm="mcpo", error="invalid_token", error_description="unknown issuer"');
  });

  it('with issuers only, asks for a token and takes any credential for one', async () => {
    const tokensOnly = appWith({ jwt: [{ secret: SECRET }] }, undefined);
    expect((await request(tokensOnly).get('/x').expect(401)).body.error.message).to.equal('Missing token; send the header "Authorization: Bearer <token>"');
    const res = await request(tokensOnly).get('/x').set('Authorization', 'Bearer some-key').expect(401);
    expect(res.body.error).to.deep.equal({ message: 'Invalid token: malformed token', code: 'invalid_token' });
  });

  it('names the resource metadata in every Bearer challenge', async () => {
    const url = 'https://mcpo.example.com/.well-known/oauth-protected-resource/mcp';
    const withMetadata = appWith(config, undefined, { resourceMetadata: (req) => (req.path === '/mcp' ? url : undefined), basicChallenge: true });
    const missing = await request(withMetadata).get('/mcp').expect(401);
    expect(challenges(missing)).to.deep.equal([`Bearer realm="mcpo", resource_metadata="${url}"`, 'Basic realm="mcpo", charset="UTF-8"']);
    const wrongKey = await request(withMetadata).get('/mcp').set('Authorization', 'Bearer nope').expect(401);
    expect(challenges(wrongKey)[0]).to.equal(`Bearer realm="mcpo", resource_metadata="${url}"`);
    const stale = await idp.mintAccessToken({ sub: 'x', audience: 'other' });
    const badToken = await request(withMetadata).get('/mcp').set('Authorization', `Bearer ${stale}`).expect(401);
    expect(challenges(badToken)[0]).to.equal(
      `Bearer realm="mcpo", resource_metadata="${url}", error="invalid_token", error_description="audience mismatch"`,
    );
    expect(challenges(await request(withMetadata).get('/elsewhere').expect(401))[0]).to.equal('Bearer realm="mcpo"');
  });

  it('lets a public request through without a credential, and checks one it carries', async () => {
    expect((await request(app).get('/docs').expect(200)).body.caller).to.equal(null);
    expect((await request(app).get('/docs').set('Authorization', 'Bearer ops-key').expect(200)).body.caller.id).to.equal('ops');
    expect((await request(app).get('/docs').set('Authorization', 'Bearer wrong').expect(401)).body.error.message).to.equal('Invalid API key');
    const expired = await idp.mintAccessToken({ sub: 'late', audience: 'mcpo', ttl: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await request(app).get('/docs').set('Authorization', `Bearer ${expired}`).expect(401)).body.error.code).to.equal('invalid_token');
  });

  it('checks a repeated token’s signature once', async () => {
    const token = await idp.mintAccessToken({ sub: 'repeat', audience: 'mcpo' });
    const before = checks;
    for (let i = 0; i < 3; i++) await request(app).get('/x').set('Authorization', `Bearer ${token}`).expect(200);
    expect(checks - before).to.equal(1);
  });

  it('answers 503 when the issuer’s keys cannot be fetched', async () => {
    const cold = appWith({ jwt: [{ issuer: idp.issuer, audience: 'mcpo' }] }, undefined);
    const token = await idp.mintAccessToken({ sub: 'x', audience: 'mcpo' });
    idp.outage(true);
    try {
      const res = await request(cold).get('/x').set('Authorization', `Bearer ${token}`).expect(503);
      expect(res.body.error.code).to.equal('unavailable');
      expect(res.headers['retry-after']).to.equal('30');
    } finally {
      idp.outage(false);
    }
  });

  it('puts the caller’s id in the access log line, never the key', async () => {
    const logger = recordingLogger();
    const logged = express()
      .use(requestLog(logger, (req) => ({ caller: callerOf(req)?.id })))
      .use(authenticate({ auth: resolveAuth(config)!, isPublic: (req) => req.path === '/docs' }))
      .get('/{*any}', (_req, res) => {
        res.end();
      })
      .use(jsonErrorHandler(silentLogger));
    await request(logged).get('/x').set('Authorization', 'Bearer ci-key').expect(200);
    await request(logged).get('/docs').expect(200);
    await request(logged).get('/x').set('Authorization', 'Bearer nope').expect(401);
    await new Promise((r) => setTimeout(r, 20));
    expect(logger.records.map((r) => r.fields)).to.deep.equal([{ requestId: undefined, caller: 'ci' }, { requestId: undefined }, { requestId: undefined }]);
    expect(JSON.stringify(logger.records)).not.to.include('ci-key');
  });
});

describe('apiKeyMatcher', () => {
  it('finds the key presented, and only it', () => {
    const match = apiKeyMatcher(resolveAuth({ keys: [{ name: 'a', key: 'k-a', groups: ['g'] }, { name: 'b', key: 'k-b' }] })!.keys);
    expect(match('k-a')).to.deep.equal({ name: 'a', groups: ['g'] });
    expect(match('k-b')).to.deep.equal({ name: 'b', groups: [] });
    for (const wrong of ['k-', 'k-ab', '', 'K-A']) expect(match(wrong), wrong).to.equal(undefined);
  });
});
