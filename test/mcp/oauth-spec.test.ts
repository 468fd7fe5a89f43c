/**
 * The `oauth` block of a remote server (lib/mcp/oauth-spec.ts and
 * oauth-python-keys.ts): both spellings, every rule, the Python original's keys,
 * and how it sits in a resolved server spec.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { resolveOAuthSpec, type OAuthSpec } from '../../lib/mcp/oauth-spec.js';
import { resolveSpec } from '../../lib/mcp/spec.js';

const pem = (type: 'rsa' | 'ec', options: Record<string, unknown>, format: 'pkcs8' | 'pkcs1' | 'sec1' = 'pkcs8'): string =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  generateKeyPairSync(type as any, { ...options, privateKeyEncoding: { type: format, format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey as unknown as string;
const RSA = pem('rsa', { modulusLength: 2048 });
const RSA_PKCS1 = pem('rsa', { modulusLength: 2048 }, 'pkcs1');
const EC_P256 = pem('ec', { namedCurve: 'P-256' });
const EC_P384_SEC1 = pem('ec', { namedCurve: 'P-384' }, 'sec1');

function resolve(raw: unknown): { spec: OAuthSpec; warnings: string[] } {
  const warnings: string[] = [];
  const spec = resolveOAuthSpec(raw, 'mcpServers.s.oauth', (m) => warnings.push(m));
  return { spec, warnings };
}

const M2M = { grantType: 'client_credentials', clientId: 'mcpo', clientSecret: 's3cret-value' };

describe('resolveOAuthSpec', () => {
  describe('defaults and spellings', () => {
    it('reads true and {} as the authorization-code flow with a client mcpo registers itself', () => {
      expect(resolve(true)).to.deep.equal({ spec: { grantType: 'authorization_code' }, warnings: [] });
      expect(resolve({})).to.deep.equal({ spec: { grantType: 'authorization_code' }, warnings: [] });
    });

    it('keeps every camelCase key', () => {
      const raw = { grantType: 'authorization_code', clientId: 'id', clientSecret: 'sec', scope: 'read write', redirectUrl: 'https://mcpo.example.com/oauth/s/callback' };
      expect(resolve(raw)).to.deep.equal({ spec: raw, warnings: [] });
    });

    it('takes a pre-registered client and a metadata document together, and ignores the document for client_credentials', () => {
      const both = { clientId: 'x', clientSecret: 'y', clientMetadataUrl: 'https://a.example/c.json' };
      expect(resolve(both)).to.deep.equal({ spec: { grantType: 'authorization_code', ...both }, warnings: [] });
      expect(resolve({ ...both, grantType: 'client_credentials' })).to.deep.equal({
        spec: { grantType: 'client_credentials', clientId: 'x', clientSecret: 'y' },
        warnings: ['mcpServers.s.oauth.clientMetadataUrl is ignored: "client_credentials" uses mcpServers.s.oauth.clientId'],
      });
    });

    it('reads every snake_case spelling as the same key', () => {
      const { spec, warnings } = resolve({ grant_type: 'client_credentials', client_id: 'id', client_secret: 'sec', scope: 'a', redirect_url: 'http://localhost:8000/cb' });
      expect(warnings).to.deep.equal(['mcpServers.s.oauth.redirect_url is ignored: "client_credentials" has no redirect']);
      expect(spec).to.deep.equal({ grantType: 'client_credentials', clientId: 'id', clientSecret: 'sec', scope: 'a', redirectUrl: 'http://localhost:8000/cb' });
      expect(resolve({ client_metadata_url: 'https://mcpo.example.com/client.json' }).spec.clientMetadataUrl).to.equal('https://mcpo.example.com/client.json');
      expect(resolve({ ...M2M, clientSecret: undefined, private_key: RSA, signing_algorithm: 'RS256' }).spec.signingAlgorithm).to.equal('RS256');
    });

    it('refuses a key written in both spellings', () => {
      expect(() => resolve({ clientId: 'a', client_id: 'b' })).to.throw(TypeError, 'mcpServers.s.oauth has both "clientId" and "client_id"; write one of them');
    });

    it('names the key in the spelling the user wrote', () => {
      expect(() => resolve({ client_secret: 'x' })).to.throw(TypeError, /^mcpServers\.s\.oauth\.client_secret needs mcpServers\.s\.oauth\.clientId/);
    });

    it('reads a scope given as a list, and tidies its spaces', () => {
      expect(resolve({ scope: ['read', 'write'] }).spec.scope).to.equal('read write');
      expect(resolve({ scope: '  read   write ' }).spec.scope).to.equal('read write');
    });

    it('warns about unknown keys, suggesting the one meant', () => {
      expect(resolve({ clientID: 'x', colour: 'red' }).warnings).to.deep.equal([
        'mcpServers.s.oauth.clientID is not a known key and is ignored; did you mean "clientId"?',
        'mcpServers.s.oauth.colour is not a known key and is ignored',
      ]);
    });

    it('does not change the object it checks', () => {
      const raw = Object.freeze({ client_id: 'id', scope: Object.freeze(['a', 'b']) });
      const copy = structuredClone(raw);
      resolve(raw);
      expect(raw).to.deep.equal(copy);
    });
  });

  describe('rules', () => {
    const cases: [string, unknown, RegExp][] = [
      ['a value that is not an object', 'yes', /^mcpServers\.s\.oauth must be an object such as/],
      ['false', false, /must be an object .*, or true/],
      ['a key that is not a string', { clientId: 42 }, /^mcpServers\.s\.oauth\.clientId must be a non-empty string$/],
      ['an empty string', { scope: '' }, /oauth\.scope must be a non-empty string of space-separated scopes/],
      ['an unknown grant type', { grantType: 'password' }, /oauth\.grantType must be "authorization_code" or "client_credentials", got "password"/],
      ['a client secret without a client id', { clientSecret: 'x' }, /oauth\.clientSecret needs mcpServers\.s\.oauth\.clientId/],
      ['client credentials without a client id', { grantType: 'client_credentials', clientSecret: 'x' }, /oauth\.clientSecret needs/],
      ['client credentials without any secret', { grantType: 'client_credentials', clientId: 'x' }, /"client_credentials" needs mcpServers\.s\.oauth\.clientSecret, or mcpServers\.s\.oauth\.privateKey with/],
      ['client credentials with nothing', { grantType: 'client_credentials' }, /"client_credentials" needs mcpServers\.s\.oauth\.clientId/],
      ['a private key without an algorithm', { ...M2M, clientSecret: undefined, privateKey: RSA }, /oauth\.privateKey needs mcpServers\.s\.oauth\.signingAlgorithm, e\.g\. "RS256"/],
      ['an algorithm without a private key', { ...M2M, signingAlgorithm: 'RS256' }, /oauth\.signingAlgorithm goes with mcpServers\.s\.oauth\.privateKey/],
      ['a private key and a client secret both', { ...M2M, privateKey: RSA, signingAlgorithm: 'RS256' }, /are two ways to authenticate the client; write one of them/],
      ['a private key with the authorization-code flow', { clientId: 'x', privateKey: RSA, signingAlgorithm: 'RS256' }, /oauth\.privateKey \(private_key_jwt\) is for mcpServers\.s\.oauth\.grantType "client_credentials"/],
      ['a metadata URL over plain http', { clientMetadataUrl: 'http://a.example/c.json' }, /oauth\.clientMetadataUrl must be an https: URL, got http:/],
      ['a metadata URL that is not a URL', { clientMetadataUrl: 'client.json' }, /oauth\.clientMetadataUrl must be an absolute URL/],
      ['a redirect URL with a fragment', { redirectUrl: 'https://a.example/cb#x' }, /oauth\.redirectUrl may not have a #fragment/],
      ['a redirect URL that is not http', { redirectUrl: 'ftp://a.example/cb' }, /oauth\.redirectUrl must be an http: or https: URL/],
      ['an unknown algorithm', { ...M2M, clientSecret: undefined, privateKey: RSA, signingAlgorithm: 'HS256' }, /oauth\.signingAlgorithm must be one of RS256, .*ES512, got "HS256"/],
      ['an algorithm that does not fit the key', { ...M2M, clientSecret: undefined, privateKey: EC_P256, signingAlgorithm: 'RS256' }, /RS256 does not fit mcpServers\.s\.oauth\.privateKey, an ec prime256v1 key; use ES256$/],
      ['an EC algorithm of another curve', { ...M2M, clientSecret: undefined, privateKey: EC_P256, signingAlgorithm: 'ES384' }, /use ES256$/],
      ['a private key that is not PEM', { ...M2M, clientSecret: undefined, privateKey: 'not-a-key-at-all', signingAlgorithm: 'RS256' }, /oauth\.privateKey is not an unencrypted PEM private key/],
    ];
    for (const [what, raw, pattern] of cases) {
      it(`rejects ${what}, naming the key`, () => {
        expect(() => resolve(raw)).to.throw(TypeError, pattern);
      });
    }

    it('never quotes the private key in an error', () => {
      const broken = RSA.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!');
      try {
        resolve({ ...M2M, clientSecret: undefined, privateKey: broken, signingAlgorithm: 'RS256' });
        expect.fail('expected a TypeError');
      } catch (err) {
        for (const line of broken.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect((err as Error).message).not.to.include(line);
      }
    });

    it('accepts client credentials with a secret, or with a key and its algorithm', () => {
      expect(resolve(M2M).spec).to.deep.equal(M2M);
      const { spec } = resolve({ ...M2M, clientSecret: undefined, privateKey: EC_P256, signingAlgorithm: 'ES256' });
      expect(spec).to.include({ grantType: 'client_credentials', clientId: 'mcpo', signingAlgorithm: 'ES256' });
      expect(spec.privateKey).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    });

    it('hands PKCS#1 and SEC1 keys on as PKCS#8, the form the SDK signs with', () => {
      for (const [key, alg] of [[RSA_PKCS1, 'PS256'], [EC_P384_SEC1, 'ES384']] as const) {
        expect(key).not.to.match(/BEGIN PRIVATE KEY/);
        const { spec } = resolve({ ...M2M, clientSecret: undefined, privateKey: key, signingAlgorithm: alg });
        expect(spec.privateKey, alg).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      }
    });

    it('reads a key whose newlines were written as \\n, as environment variables often hold it', () => {
      const { spec } = resolve({ ...M2M, clientSecret: undefined, privateKey: RSA.replace(/\n/g, '\\n'), signingAlgorithm: 'RS256' });
      expect(spec.privateKey).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    });

    it('allows a metadata document over http on a loopback host, for tests', () => {
      expect(resolve({ clientMetadataUrl: 'http://127.0.0.1:9000/client.json' }).spec.clientMetadataUrl).to.equal('http://127.0.0.1:9000/client.json');
    });
  });

  describe('the Python original’s keys', () => {
    const PYTHON_GUIDE = {
      server_url: 'http://localhost:8000',
      storage_type: 'file',
      callback_port: 3030,
      use_loopback: true,
      client_metadata: {
        client_name: 'My MCPO Client',
        redirect_uris: ['http://localhost:3030/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'read write',
      },
    };

    it('maps client_metadata.scope and accepts the defaults the original spelled out, warning about the rest', () => {
      const { spec, warnings } = resolve(PYTHON_GUIDE);
      expect(spec).to.deep.equal({ grantType: 'authorization_code', scope: 'read write' });
      expect(warnings.map((w) => w.split(' is ignored')[0])).to.deep.equal([
        'mcpServers.s.oauth.server_url (from the Python mcpo)',
        'mcpServers.s.oauth.callback_port (from the Python mcpo)',
        'mcpServers.s.oauth.use_loopback (from the Python mcpo)',
        'mcpServers.s.oauth.client_metadata.client_name (from the Python mcpo)',
        'mcpServers.s.oauth.client_metadata.redirect_uris (from the Python mcpo)',
      ]);
      expect(warnings[0]).to.match(/finds the authorization server from the MCP server’s url/);
      expect(warnings[4]).to.match(/<publicUrl><prefix>\/oauth\/<name>\/callback; set "redirectUrl"/);
    });

    it('warns about storage_type "memory", since tokens are always kept in --state-dir', () => {
      expect(resolve({ storage_type: 'memory' }).warnings).to.deep.equal([
        'mcpServers.s.oauth.storage_type "memory" (from the Python mcpo) is ignored: mcpo keeps tokens in files in --state-dir (mode 0600)',
      ]);
    });

    it('lets the top-level scope win over client_metadata.scope', () => {
      expect(resolve({ scope: 'top', client_metadata: { scope: 'nested' } }).spec.scope).to.equal('top');
    });

    it('names client_metadata.scope in its errors', () => {
      expect(() => resolve({ client_metadata: { scope: 7 } })).to.throw(TypeError, /^mcpServers\.s\.oauth\.client_metadata\.scope must be/);
    });

    it('accepts a token_endpoint_auth_method that matches the credentials, and warns about one that does not', () => {
      expect(resolve({ client_id: 'i', client_secret: 's', client_metadata: { token_endpoint_auth_method: 'client_secret_post' } }).warnings).to.deep.equal([]);
      expect(resolve({ client_metadata: { token_endpoint_auth_method: 'none' } }).warnings).to.deep.equal([]);
      expect(resolve({ client_metadata: { token_endpoint_auth_method: 'client_secret_basic' } }).warnings[0]).to.match(/token_endpoint_auth_method \(from the Python mcpo\) is ignored: mcpo picks it/);
    });

    it('warns about grant_types other than the authorization-code flow, pointing at grantType', () => {
      expect(resolve({ client_metadata: { grant_types: ['client_credentials'] } }).warnings[0]).to.match(/grant_types .* set "grantType"/);
    });

    it('warns about other client metadata and a client_metadata that is not an object', () => {
      expect(resolve({ client_metadata: { logo_uri: 'https://x/l.png' } }).warnings[0]).to.match(/client_metadata\.logo_uri \(from the Python mcpo\) is ignored/);
      expect(resolve({ client_metadata: 'x' }).warnings[0]).to.match(/client_metadata \(from the Python mcpo\) is ignored: it is not an object/);
    });
  });
});

describe('resolveSpec with oauth', () => {
  it('carries the resolved block on an sse or streamable-http spec', () => {
    for (const type of ['sse', 'streamable-http'] as const) {
      const spec = resolveSpec({ type, url: 'https://mcp.example.com/mcp', oauth: { client_id: 'id', scope: ['a'] } });
      expect(spec, type).to.deep.include({ oauth: { grantType: 'authorization_code', clientId: 'id', scope: 'a' } });
    }
  });

  it('has no oauth key when none was given', () => {
    expect(resolveSpec({ type: 'sse', url: 'https://mcp.example.com/sse' })).not.to.have.property('oauth');
  });

  it('refuses oauth on a stdio server', () => {
    expect(() => resolveSpec({ command: 'node', oauth: { clientId: 'x' } })).to.throw(TypeError, /"oauth" is for sse and streamable-http servers/);
  });

  it('names the oauth key in its errors', () => {
    expect(() => resolveSpec({ url: 'https://h/sse', oauth: { grantType: 'client_credentials' } })).to.throw(TypeError, /^oauth\.grantType "client_credentials" needs oauth\.clientId/);
  });
});
