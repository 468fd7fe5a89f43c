/**
 * jwtVerifier (lib/auth/jwt-verifier.ts, lib/auth/jwt-keys.ts) against a real
 * OpenID provider (test/fixtures/identity-provider.ts): its tokens, found by
 * discovery or by JWKS URL; tokens signed here with jose for every way a token
 * can be wrong; key rotation; Open WebUI's HS256 tokens; the cache.
 */
import { expect } from 'chai';
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { resolveAuth, type JwtIssuerConfig } from '../../lib/auth/auth-config.js';
import type { Caller } from '../../lib/auth/caller.js';
import { jwtVerifier, type JwtVerifierOptions, type VerifyToken } from '../../lib/auth/jwt-verifier.js';
import { InvalidTokenError, isMcpoError } from '../../lib/http/errors.js';
import { startIdentityProvider, type IdentityProvider } from '../fixtures/identity-provider.js';
import { rejection } from '../helpers/wait.js';

const SECRET = 'open-webui-secret-of-some-length';
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function verifierFor(entries: JwtIssuerConfig[], options?: JwtVerifierOptions): VerifyToken {
  return jwtVerifier(resolveAuth({ jwt: entries })!.jwt, options);
}

async function refusedBecause(verify: VerifyToken, token: string): Promise<string> {
  const err = await rejection(verify(token));
  expect(err, err.message).to.be.instanceOf(InvalidTokenError);
  expect(err.message).not.to.include(token);
  return err.description!;
}

describe('jwtVerifier', function () {
  this.timeout(20_000);
  let idp: IdentityProvider;
  let discovery: VerifyToken;

  /** A token signed here with the provider's own key (or `key`), with the provider's issuer and mcpo's audience unless `claims` say otherwise. */
  async function signed(claims: JWTPayload, header: { kid?: string; key?: CryptoKey } = {}): Promise<string> {
    const own = idp.signingKey();
    const key = header.key ?? ((await importJWK(own.jwk, 'RS256')) as CryptoKey);
    return new SignJWT({ iss: idp.issuer, aud: 'mcpo', sub: 'mallory', iat: now(), exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? own.kid })
      .sign(key);
  }

  before(async () => {
    idp = await startIdentityProvider();
    discovery = verifierFor([{ issuer: idp.issuer, audience: 'mcpo' }]);
  });
  after(() => idp.close());

  it('accepts the provider’s token, found by discovery, as the caller its claims name', async () => {
    const token = await idp.mintAccessToken({ sub: 'alice', audience: 'mcpo', groups: ['eng', 'ops'], email: 'alice@example.com', name: 'Alice' });
    const caller = await discovery(token);
    expect(caller).to.deep.include({ id: 'alice', name: 'Alice', email: 'alice@example.com', groups: ['eng', 'ops'], via: 'jwt' });
    expect(caller.claims).to.deep.include({ iss: idp.issuer, aud: 'mcpo', sub: 'alice' });
    expect(Object.isFrozen(caller)).to.equal(true);
  });

  it('accepts the provider’s token by JWKS URL; a groups string is one group, no groups claim none', async () => {
    const verify = verifierFor([{ issuer: idp.issuer, audience: ['other', 'mcpo'], jwksUrl: idp.jwksUrl }]);
    expect(await verify(await idp.mintAccessToken({ sub: 'bob', audience: 'mcpo', groups: 'admins' }))).to.deep.include({ id: 'bob', groups: ['admins'] });
    const plain = await verify(await idp.mintAccessToken({ sub: 'carol', audience: 'mcpo' }));
    expect(plain.groups).to.deep.equal([]);
    expect(plain).not.to.have.property('email');
  });

  it('maps the claims an entry names, dotted paths into objects included', async () => {
    const verify = verifierFor([{ issuer: idp.issuer, audience: 'mcpo', claims: { id: 'uid', groups: 'realm_access.roles', email: 'mail' } }]);
    const caller = await verify(await signed({ uid: 7, mail: 'm@example.com', realm_access: { roles: ['r1', 2, 'r2'] } }));
    expect(caller).to.deep.include({ id: '7', email: 'm@example.com', groups: ['r1', 'r2'] });
  });

  it('fetches nothing per token once it has the key set', async () => {
    await discovery(await idp.mintAccessToken({ sub: 'warm', audience: 'mcpo' }));
    const before = idp.jwksFetches();
    for (const sub of ['d1', 'd2', 'd3']) await discovery(await idp.mintAccessToken({ sub, audience: 'mcpo' }));
    expect(idp.jwksFetches()).to.equal(before);
  });

  const wrongs: Array<[what: string, claims: JWTPayload, says: string]> = [
    ['expired (beyond the 30 s tolerance)', { exp: now() - 60 }, 'token expired'],
    ['not yet valid', { nbf: now() + 600 }, 'token not yet valid'],
    ['for another audience', { aud: 'someone-else' }, 'audience mismatch'],
    ['from an unknown issuer', { iss: 'https://evil.example.com' }, 'unknown issuer'],
    ['without an issuer', { iss: undefined }, 'unknown issuer'],
    ['without a subject', { sub: undefined }, 'no sub claim'],
  ];
  for (const [what, claims, says] of wrongs) {
    it(`refuses a token ${what}: "${says}"`, async () => {
      expect(await refusedBecause(discovery, await signed(claims))).to.equal(says);
    });
  }

  it('lets a token just past exp through within the clock tolerance, and not with none', async () => {
    const token = await signed({ exp: now() - 5 });
    expect((await discovery(token)).id).to.equal('mallory');
    const strict = verifierFor([{ issuer: idp.issuer, audience: 'mcpo', clockTolerance: 0 }]);
    expect(await refusedBecause(strict, token)).to.equal('token expired');
  });

  it('refuses a provider token minted for another audience', async () => {
    expect(await refusedBecause(discovery, await idp.mintAccessToken({ sub: 'alice', audience: 'https://other.example.com/' }))).to.equal('audience mismatch');
  });

  it('refuses a bad signature, an unknown kid, HS256 and garbage', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expect(await refusedBecause(discovery, await signed({}, { key: privateKey }))).to.equal('signature verification failed');
    expect(await refusedBecause(discovery, await signed({}, { key: privateKey, kid: 'not-a-kid' }))).to.equal('no key of the issuer matches the token');
    const hs = await new SignJWT({ sub: 'x' }).setIssuer(idp.issuer).setAudience('mcpo').setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(await refusedBecause(discovery, hs)).to.equal('signing algorithm not allowed');
    expect(await refusedBecause(discovery, 'e30.e30.e30')).to.equal('unknown issuer');
    expect(await refusedBecause(discovery, 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln')).to.equal('malformed token');
    expect(await refusedBecause(discovery, 'not a token')).to.equal('malformed token');
  });

  it('picks up a rotated key: an unknown kid refetches the set, at most once per cool-down', async () => {
    const quick = verifierFor([{ issuer: idp.issuer, audience: 'mcpo' }], { cooldownDuration: 300 });
    const slow = verifierFor([{ issuer: idp.issuer, audience: 'mcpo' }]);
    await quick(await idp.mintAccessToken({ sub: 'before', audience: 'mcpo' }));
    await slow(await idp.mintAccessToken({ sub: 'before', audience: 'mcpo' }));
    const old = idp.signingKey();
    const rotated = await idp.rotateKeys();
    const token = await idp.mintAccessToken({ sub: 'after', audience: 'mcpo' });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).to.equal(rotated.kid);
    // Both fetched the set just now: within the cool-down the new kid is not looked for.
    expect(await refusedBecause(slow, token)).to.equal('no key of the issuer matches the token');
    await sleep(350);
    const fetches = idp.jwksFetches();
    expect((await quick(token)).id).to.equal('after');
    expect(idp.jwksFetches()).to.equal(fetches + 1);
    // The old key is still published, so tokens it signed still pass.
    const oldKey = (await importJWK(old.jwk, 'RS256')) as CryptoKey;
    expect((await quick(await signed({}, { key: oldKey, kid: old.kid }))).id).to.equal('mallory');
  });

  it('verifies Open WebUI’s own tokens with the shared secret: only id and exp', async () => {
    const verify = verifierFor([{ secret: SECRET, claims: { id: 'id' } }]);
    const key = new TextEncoder().encode(SECRET);
    const token = await new SignJWT({ id: 'u-123', exp: now() + 60 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
    expect(await verify(token)).to.deep.include({ id: 'u-123', groups: [], via: 'jwt' });
    const forged = await new SignJWT({ id: 'u-123', exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(`${SECRET}!`));
    expect(await refusedBecause(verify, forged)).to.equal('signature verification failed');
    const noId = await new SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(await refusedBecause(verify, noId)).to.equal('no id claim');
    // A token naming some issuer still goes to the secret entry that names none.
    expect((await verify(await new SignJWT({ id: 9, iss: 'https://anything' }).setProtectedHeader({ alg: 'HS256' }).sign(key))).id).to.equal('9');
  });

  it('checks a token once and then serves it from the cache until it expires', async () => {
    let checks = 0;
    const verify = verifierFor([{ issuer: idp.issuer, audience: 'mcpo', clockTolerance: 0 }, { secret: SECRET }], { onVerified: () => checks++ });
    const token = await idp.mintAccessToken({ sub: 'cached', audience: 'mcpo', ttl: 2 });
    const first = await verify(token);
    const second = await verify(token);
    expect(second).to.equal(first);
    expect(checks).to.equal(1);
    await sleep(2100);
    expect(await refusedBecause(verify, token)).to.equal('token expired');
    // A token without exp is checked every time: nothing says how long it may be kept.
    const forever = await new SignJWT({ sub: 'no-exp' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    await verify(forever);
    await verify(forever);
    expect(checks).to.equal(3);
  });

  it('keeps at most cacheSize tokens, dropping the oldest', async () => {
    let checks = 0;
    const verify = verifierFor([{ secret: SECRET }], { cacheSize: 2, onVerified: () => checks++ });
    const key = new TextEncoder().encode(SECRET);
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => new SignJWT({ sub, exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(key)));
    for (const token of tokens) await verify(token);
    await verify(tokens[2]!);
    await verify(tokens[1]!);
    expect(checks).to.equal(3);
    await verify(tokens[0]!);
    expect(checks).to.equal(4);
  });

  it('answers 503 while the key set cannot be fetched, retries after the cool-down, then keeps what it found', async () => {
    const verify = verifierFor([{ issuer: idp.issuer, audience: 'mcpo' }], { cooldownDuration: 300 });
    const token = await idp.mintAccessToken({ sub: 'dave', audience: 'mcpo' });
    idp.outage(true);
    try {
      for (let i = 0; i < 2; i++) {
        const err = await rejection(verify(token));
        expect(isMcpoError(err) && err.status).to.equal(503);
        expect(err.message).to.match(/^Cannot check the token now: the key set of http:\/\/127\.0\.0\.1:\d+ could not be fetched/);
      }
    } finally {
      idp.outage(false);
    }
    // Within the cool-down it does not even try.
    expect(isMcpoError(await rejection(verify(token)))).to.equal(true);
    await sleep(350);
    const caller: Caller = await verify(token);
    expect(caller.id).to.equal('dave');
  });
});

