/**
 * resolveAuth (lib/auth/auth-config.ts, lib/auth/jwt-config.ts): what a good
 * `auth` config resolves to, and that each mistake stops with its path and
 * the fix.
 */
import { expect } from 'chai';
import { resolveAuth, type AuthConfig } from '../../lib/auth/auth-config.js';

const SECRET = 'a-secret-of-32-characters-at-least!';
const ISSUER = 'https://id.example.com/realms/main';

/** The TypeError resolveAuth throws for `config`. */
function refusal(config: unknown, apiKey?: string): string {
  try {
    resolveAuth(config as AuthConfig, apiKey);
  } catch (err) {
    expect(err).to.be.instanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error(`resolveAuth accepted ${JSON.stringify(config)}`);
}

describe('resolveAuth', () => {
  it('is undefined with neither keys nor issuers, so nothing asks for credentials', () => {
    expect(resolveAuth(undefined)).to.equal(undefined);
    expect(resolveAuth({})).to.equal(undefined);
    expect(resolveAuth({ keys: [], jwt: [] }, '')).to.equal(undefined);
  });

  it('turns --api-key into the key named "default", after the named keys', () => {
    const auth = resolveAuth({ keys: [{ name: 'ci', key: 'k1', groups: ['robots'] }] }, 'k0')!;
    expect(auth.keys).to.deep.equal([
      { name: 'ci', key: 'k1', groups: ['robots'] },
      { name: 'default', key: 'k0', groups: [] },
    ]);
    expect(resolveAuth(undefined, 'k0')!.keys.map((k) => k.name)).to.deep.equal(['default']);
  });

  it('fills in a key-set issuer: asymmetric algorithms, 30 s tolerance, the standard claims', () => {
    const [entry] = resolveAuth({ jwt: [{ issuer: ISSUER, audience: 'mcpo' }] })!.jwt;
    expect(entry).to.deep.include({ issuer: ISSUER, audience: 'mcpo', keys: { kind: 'discovery' }, clockTolerance: 30, where: 'auth.jwt[0]' });
    expect(entry!.algorithms).to.include.members(['RS256', 'PS256', 'ES256', 'EdDSA']).and.not.include('HS256');
    expect(entry!.claims).to.deep.equal({ id: 'sub', name: 'name', email: 'email', groups: 'groups' });
    const [withUrl] = resolveAuth({ jwt: [{ issuer: ISSUER, audience: ['a', 'b'], jwksUrl: 'http://keycloak:8080/certs', claims: { groups: 'roles' } }] })!.jwt;
    expect(withUrl).to.deep.include({ keys: { kind: 'jwks', url: 'http://keycloak:8080/certs' }, audience: ['a', 'b'] });
    expect(withUrl!.claims.groups).to.equal('roles');
  });

  it('takes a secret issuer without issuer or audience (Open WebUI tokens carry only id and exp), with HS256', () => {
    const [entry] = resolveAuth({ jwt: [{ secret: SECRET, claims: { id: 'id' } }] })!.jwt;
    expect(entry).to.deep.include({ keys: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] });
    expect(entry!.claims.id).to.equal('id');
    expect(entry).not.to.have.property('issuer');
  });

  const cases: Array<[what: string, config: unknown, apiKey: string | undefined, says: RegExp]> = [
    ['a non-object', [], undefined, /^auth must be an object/],
    ['an unknown top key', { key: [] }, undefined, /^auth has an unknown key "key"; did you mean "keys"\?/],
    ['keys that are no list', { keys: {} }, undefined, /^auth\.keys must be a list/],
    ['an unknown key field', { keys: [{ name: 'a', key: 'b', group: [] }] }, undefined, /^auth\.keys\[0\] has an unknown key "group"; did you mean "groups"\?/],
    ['an empty name', { keys: [{ name: '', key: 'b' }] }, undefined, /^auth\.keys\[0\]\.name must be a non-empty string/],
    ['an empty key', { keys: [{ name: 'a', key: '' }] }, undefined, /^auth\.keys\[0\]\.key must be a non-empty string/],
    ['groups that are no list', { keys: [{ name: 'a', key: 'b', groups: 'g' }] }, undefined, /^auth\.keys\[0\]\.groups must be a list of non-empty strings/],
    ['a name twice', { keys: [{ name: 'a', key: 'b' }, { name: 'a', key: 'c' }] }, undefined, /^auth\.keys\[1\]\.name "a" is taken by auth\.keys\[0\]/],
    ['a key twice', { keys: [{ name: 'a', key: 'same' }, { name: 'b', key: 'same' }] }, undefined, /^auth\.keys\[1\] has the same key as auth\.keys\[0\]/],
    ['"default" beside --api-key', { keys: [{ name: 'default', key: 'b' }] }, 'k', /^auth\.keys\[0\]\.name is "default", the name of the --api-key key/],
    ['a named key equal to --api-key', { keys: [{ name: 'a', key: 'k' }] }, 'k', /^--api-key \(MCPO_API_KEY\) has the same key as auth\.keys\[0\]/],
    ['a JWT-shaped key beside issuers', { keys: [{ name: 'a', key: 'x.y.z' }], jwt: [{ secret: SECRET }] }, undefined, /^auth\.keys\[0\] has a key that looks like a JWT/],
    ['jwt that is no list', { jwt: {} }, undefined, /^auth\.jwt must be a list/],
    ['an unknown jwt field', { jwt: [{ issuer: ISSUER, audience: 'a', jwksUri: 'x' }] }, undefined, /^auth\.jwt\[0\] has an unknown key "jwksUri"; did you mean "jwksUrl"\?/],
    ['no key source', { jwt: [{ audience: 'a' }] }, undefined, /^auth\.jwt\[0\] needs "jwksUrl" .*"secret" .*"issuer" alone/],
    ['two key sources', { jwt: [{ jwksUrl: 'https://x/jwks', secret: SECRET }] }, undefined, /^auth\.jwt\[0\] has both "jwksUrl" and "secret"/],
    ['a key set without audience', { jwt: [{ issuer: ISSUER }] }, undefined, /^auth\.jwt\[0\] needs both "issuer" and "audience"/],
    ['a JWKS URL without issuer', { jwt: [{ jwksUrl: 'https://x/jwks', audience: 'a' }] }, undefined, /^auth\.jwt\[0\] needs both "issuer" and "audience"/],
    ['a short secret', { jwt: [{ secret: 'short' }] }, undefined, /^auth\.jwt\[0\]\.secret must be a string of at least 16 characters: a shorter one can be guessed offline/],
    ['HS256 with a key set', { jwt: [{ issuer: ISSUER, audience: 'a', algorithms: ['HS256'] }] }, undefined, /^auth\.jwt\[0\]\.algorithms has "HS256".*public key be used as an HMAC secret/],
    ['RS256 with a secret', { jwt: [{ secret: SECRET, algorithms: ['RS256'] }] }, undefined, /^auth\.jwt\[0\]\.algorithms has "RS256".*HMAC \(HS\*\) signatures only/],
    ['a misspelt algorithm', { jwt: [{ issuer: ISSUER, audience: 'a', algorithms: ['RS265'] }] }, undefined, /^auth\.jwt\[0\]\.algorithms has "RS265".*did you mean "RS256"\?/],
    ['no algorithms', { jwt: [{ secret: SECRET, algorithms: [] }] }, undefined, /^auth\.jwt\[0\]\.algorithms must name at least one/],
    ['a negative tolerance', { jwt: [{ secret: SECRET, clockTolerance: -1 }] }, undefined, /^auth\.jwt\[0\]\.clockTolerance must be a number of seconds, 0 or more/],
    ['a tolerance as text', { jwt: [{ secret: SECRET, clockTolerance: '30' }] }, undefined, /^auth\.jwt\[0\]\.clockTolerance must be a number/],
    ['an issuer that is no URL', { jwt: [{ issuer: 'main', audience: 'a' }] }, undefined, /^auth\.jwt\[0\]\.issuer must be an absolute URL/],
    ['a JWKS URL of another scheme', { jwt: [{ issuer: ISSUER, audience: 'a', jwksUrl: 'file:///etc/jwks' }] }, undefined, /^auth\.jwt\[0\]\.jwksUrl must be an http: or https: URL/],
    ['an empty audience', { jwt: [{ issuer: ISSUER, audience: '' }] }, undefined, /^auth\.jwt\[0\]\.audience must be a non-empty string or list/],
    ['an unknown claims field', { jwt: [{ secret: SECRET, claims: { user: 'id' } }] }, undefined, /^auth\.jwt\[0\]\.claims has an unknown key "user"/],
    ['an empty claim name', { jwt: [{ secret: SECRET, claims: { id: '' } }] }, undefined, /^auth\.jwt\[0\]\.claims\.id must be the name of a claim/],
    ['one issuer twice', { jwt: [{ issuer: ISSUER, audience: 'a' }, { issuer: ISSUER, audience: 'b' }] }, undefined, /^auth\.jwt\[1\]\.issuer is also auth\.jwt\[0\]\.issuer; give one entry a list of audiences/],
  ];
  for (const [what, config, apiKey, says] of cases) {
    it(`refuses ${what}, naming the path`, () => {
      expect(refusal(config, apiKey)).to.match(says);
    });
  }

  it('never quotes a key or a secret back', () => {
    const messages = [
      refusal({ keys: [{ name: 'a', key: 'hush-hush-value' }, { name: 'b', key: 'hush-hush-value' }] }),
      refusal({ jwt: [{ secret: 'hush-hush-value', algorithms: ['RS256'] }] }),
      refusal({ keys: [{ name: 'a', key: 'hush-hush-value' }] }, 'hush-hush-value'),
    ];
    for (const message of messages) expect(message).not.to.include('hush-hush');
  });

  it('names the path it is given', () => {
    expect(() => resolveAuth({ keys: 1 } as never, undefined, 'config.auth')).to.throw(TypeError, /^config\.auth\.keys must be a list/);
  });
});
