/**
 * What the app masks (lib/app/secrets.ts): the secrets a config holds,
 * here the OAuth ones, reach neither a log nor a client.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { normalizeConfig } from '../../lib/app/config.js';
import { growingRedactor, secretsOf } from '../../lib/app/secrets.js';

describe('secretsOf', () => {
  const CLIENT_SECRET = 'oauth-client-secret-5d1c';
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const { servers } = normalizeConfig({
    mcpServers: {
      secret: { type: 'streamable-http', url: 'https://a.example/mcp', oauth: { grantType: 'client_credentials', clientId: 'mcpo-client', clientSecret: CLIENT_SECRET } },
      keyed: { type: 'sse', url: 'https://b.example/sse', oauth: { grant_type: 'client_credentials', client_id: 'mcpo-client', private_key: privateKey, signing_algorithm: 'ES256' } },
    },
  });

  it('masks an OAuth client secret and a private key, whole or a line of it, but not the client id', () => {
    const { redact } = growingRedactor(secretsOf(servers, undefined));
    const bodyLine = privateKey.split('\n')[1]!;
    const text = `secret ${CLIENT_SECRET}; key ${privateKey}; a line ${bodyLine}; client mcpo-client`;
    const shown = redact(text);
    expect(shown).not.to.include(CLIENT_SECRET);
    expect(shown).not.to.include(bodyLine);
    expect(shown).to.include('client mcpo-client');
  });
});
