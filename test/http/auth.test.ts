/**
 * apiKeyAuth (lib/http/auth.ts): Bearer and Basic, the challenge, public requests.
 */
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { apiKeyAuth, isMcpoError, type ApiKeyAuthOptions } from '../../lib/index.js';

const KEY = 's3cret-key';

function appWith(options: ApiKeyAuthOptions) {
  return express()
    .use(apiKeyAuth(options))
    .get('/{*any}', (_req, res) => {
      res.json({ passed: true });
    })
    .use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (!isMcpoError(err)) throw err;
      res.status(err.status).set(err.headers).json({ code: err.code, message: err.message });
    });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('apiKeyAuth', () => {
  const app = appWith({ apiKey: KEY });

  it('passes the key as a Bearer token, whatever the scheme’s case', async () => {
    for (const auth of [`Bearer ${KEY}`, `bearer ${KEY}`, `BEARER   ${KEY}`]) {
      await request(app).get('/x').set('Authorization', auth).expect(200, { passed: true });
    }
  });

  it('passes the key as the password of Basic, with any user name', async () => {
    await request(app).get('/x').set('Authorization', basic('anyone', KEY)).expect(200);
    await request(app).get('/x').set('Authorization', basic('', KEY)).expect(200);
  });

  it('answers 401 with a Bearer challenge when the key is missing', async () => {
    const res = await request(app).get('/x').expect(401);
    expect(res.headers['www-authenticate']).to.equal('Bearer realm="mcpo"');
    expect(res.body).to.deep.equal({ code: 'unauthorized', message: 'Missing API key; send the header "Authorization: Bearer <key>"' });
  });

  it('answers 401 to a wrong key, a prefix of it, a longer one, an empty one and other schemes', async () => {
    const wrong = [`Bearer x${KEY}`, `Bearer ${KEY.slice(0, 4)}`, `Bearer ${KEY}${KEY}`, 'Bearer ', 'Bearer', `Token ${KEY}`, KEY, basic('u', 'nope'), `Basic ${Buffer.from(KEY).toString('base64')}`, 'Basic !!!'];
    for (const auth of wrong) {
      const res = await request(app).get('/x').set('Authorization', auth);
      expect(res.status, auth).to.equal(401);
      expect(res.headers['www-authenticate'], auth).to.include('Bearer');
    }
  });

  it('lets public requests through without a key', async () => {
    const open = appWith({ apiKey: KEY, isPublic: (req) => req.path === '/open' });
    await request(open).get('/open').expect(200);
    await request(open).get('/closed').expect(401);
  });

  it('offers Basic in the challenge when asked, so browsers prompt', async () => {
    const res = await request(appWith({ apiKey: KEY, basicChallenge: true })).get('/x').expect(401);
    expect(res.headers['www-authenticate']).to.match(/^Bearer realm="mcpo", Basic realm="mcpo"/);
  });

  it('refuses to be built without a key', () => {
    expect(() => apiKeyAuth({ apiKey: '' })).to.throw(TypeError, /apiKey/);
    expect(() => apiKeyAuth({} as ApiKeyAuthOptions)).to.throw(TypeError, /apiKey/);
  });
});
