/** lib/http/send-json.ts writes what Express's res.json writes in mcpo's app: status, headers and bytes. */
import express from 'express';
import { expect } from 'chai';
import request from 'supertest';
import { sendJson } from '../../lib/http/send-json.js';

describe('sendJson (lib/http/send-json.ts)', () => {
  const bodies: unknown[] = [{ ok: true, result: 'pong' }, { ok: true, result: { text: 'ünïcödé ✓ \u2028', n: 1.5, none: null } }, [1, 'two'], 'a string', 0];
  for (const body of bodies) {
    it(`answers ${JSON.stringify(body)} as res.json does`, async () => {
      const app = express();
      // As lib/app/app-middleware.ts sets the app.
      app.disable('x-powered-by');
      app.set('etag', false);
      app.post('/ours', (_req, res) => sendJson(res, body));
      app.post('/express', (_req, res) => void res.json(body));
      const [ours, theirs] = await Promise.all([request(app).post('/ours'), request(app).post('/express')]);
      const pick = (r: request.Response) => ({ status: r.status, type: r.headers['content-type'], length: r.headers['content-length'], text: r.text });
      expect(pick(ours)).to.deep.equal(pick(theirs));
    });
  }
});
