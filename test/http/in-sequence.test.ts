/** lib/http/in-sequence.ts: middleware run as one layer behaves as the same middleware in separate layers. */
import express, { type RequestHandler } from 'express';
import { expect } from 'chai';
import request from 'supertest';
import { inSequence } from '../../lib/http/in-sequence.js';

const mark = (name: string): RequestHandler => (_req, res, next) => {
  res.append('x-ran', name);
  next();
};

/** The same pieces as one layer and as separate layers, each followed by a route and an error handler that say what reached them. */
function apps(pieces: RequestHandler[]): express.Express[] {
  return [true, false].map((together) => {
    const app = express();
    if (together) app.use(inSequence(pieces));
    else for (const piece of pieces) app.use(piece);
    app.get('/', (_req, res) => void res.json({ reached: 'route' }));
    app.use(((err, _req, res, _next) => void res.status(500).json({ reached: 'error handler', message: (err as Error).message })) as express.ErrorRequestHandler);
    return app;
  });
}

describe('inSequence (lib/http/in-sequence.ts)', () => {
  it('runs every piece in order, then the routes', async () => {
    for (const app of apps([mark('a'), mark('b'), mark('c')])) {
      const res = await request(app).get('/');
      expect(res.headers['x-ran']).to.equal('a, b, c');
      expect(res.body).to.deep.equal({ reached: 'route' });
    }
  });

  it('stops at an error passed to next, and at one thrown, and goes to the error handler', async () => {
    const passes: RequestHandler = (_req, _res, next) => next(new Error('passed'));
    const throws: RequestHandler = () => {
      throw new Error('thrown');
    };
    for (const [failing, message] of [[passes, 'passed'], [throws, 'thrown']] as const) {
      for (const app of apps([mark('a'), failing, mark('never')])) {
        const res = await request(app).get('/');
        expect(res.status).to.equal(500);
        expect(res.body).to.deep.equal({ reached: 'error handler', message });
        expect(res.headers['x-ran']).to.equal('a');
      }
    }
  });

  it('lets a piece answer the request itself, and nothing after it runs', async () => {
    const answers: RequestHandler = (_req, res) => void res.status(204).end();
    for (const app of apps([mark('a'), answers, mark('never')])) {
      const res = await request(app).get('/');
      expect(res.status).to.equal(204);
      expect(res.headers['x-ran']).to.equal('a');
    }
  });

  it('continues after a piece that calls next later', async () => {
    const later: RequestHandler = (_req, _res, next) => void setTimeout(next, 5);
    for (const app of apps([mark('a'), later, mark('b')])) {
      const res = await request(app).get('/');
      expect(res.headers['x-ran']).to.equal('a, b');
      expect(res.body).to.deep.equal({ reached: 'route' });
    }
  });
});
