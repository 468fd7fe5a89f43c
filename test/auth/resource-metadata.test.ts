/**
 * Protected resource metadata (lib/auth/resource-metadata.ts): the RFC 9728
 * document, where it lives, and that it is served to anyone.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { resolveAuth } from '../../lib/auth/auth-config.js';
import { authorizationServersOf, metadataUrlFor, protectedResourceMetadata, resourceMetadataHandler } from '../../lib/auth/resource-metadata.js';

describe('protected resource metadata', () => {
  it('builds the RFC 9728 document', () => {
    expect(protectedResourceMetadata({ resource: 'https://mcpo.example.com/mcp', authorizationServers: ['https://id.example.com'] })).to.deep.equal({
      resource: 'https://mcpo.example.com/mcp',
      authorization_servers: ['https://id.example.com'],
      bearer_methods_supported: ['header'],
    });
    expect(protectedResourceMetadata({ resource: 'https://x/', authorizationServers: [], resourceName: 'mcpo' })).to.have.property('resource_name', 'mcpo');
  });

  it('puts the well-known path between the origin and the endpoint’s path', () => {
    expect(metadataUrlFor('https://x.example.com', '/mcp')).to.equal('https://x.example.com/.well-known/oauth-protected-resource/mcp');
    expect(metadataUrlFor('https://x.example.com/', '/tools/mcp')).to.equal('https://x.example.com/.well-known/oauth-protected-resource/tools/mcp');
    expect(metadataUrlFor('http://127.0.0.1:8000', '/')).to.equal('http://127.0.0.1:8000/.well-known/oauth-protected-resource');
    expect(metadataUrlFor('http://127.0.0.1:8000', 'mcp')).to.equal('http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp');
  });

  it('names as authorization servers the issuers with key sets, not shared secrets', () => {
    const auth = resolveAuth({
      keys: [{ name: 'a', key: 'k' }],
      jwt: [
        { issuer: 'https://id.example.com', audience: 'mcpo' },
        { issuer: 'https://other.example.com', audience: 'mcpo', jwksUrl: 'https://other.example.com/jwks' },
        { issuer: 'https://owui.example.com', secret: 'sixteen-chars-or-more' },
      ],
    });
    expect(authorizationServersOf(auth)).to.deep.equal(['https://id.example.com', 'https://other.example.com']);
    expect(authorizationServersOf(undefined)).to.deep.equal([]);
  });

  it('serves the document as JSON without asking for credentials', async () => {
    const app = express().get(
      '/.well-known/oauth-protected-resource/mcp',
      resourceMetadataHandler((req) => protectedResourceMetadata({ resource: `http://${req.headers.host}/mcp`, authorizationServers: ['https://id.example.com'] })),
    );
    const res = await request(app).get('/.well-known/oauth-protected-resource/mcp').expect(200).expect('Content-Type', /application\/json/);
    expect(res.body.resource).to.match(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(res.body.authorization_servers).to.deep.equal(['https://id.example.com']);
  });
});
