/**
 * The swappable request handler (lib/http/dispatcher.ts), behind a real express app.
 */
import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { createDispatcher } from '../../lib/http/dispatcher.js';

function answering(from: string): RequestHandler {
  return (_req, res) => {
    res.json({ from });
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createDispatcher', () => {
  it('sends requests to its initial target', async () => {
    const app = express().use(createDispatcher(answering('initial')));
    const res = await request(app).get('/anything').expect(200);
    expect(res.body).to.deep.equal({ from: 'initial' });
  });

  it('finishes a request on the old target after a swap, and sends new requests to the new one', async () => {
    const arrived = deferred();
    const gate = deferred();
    const oldTarget: RequestHandler = async (_req, res) => {
      arrived.resolve();
      await gate.promise;
      res.json({ from: 'old' });
    };
    const dispatcher = createDispatcher(oldTarget);
    const app = express().use(dispatcher);

    const inFlight = request(app).get('/slow').then((r) => r);
    await arrived.promise;
    dispatcher.swap(answering('new'));

    const fresh = await request(app).get('/fast').expect(200);
    expect(fresh.body).to.deep.equal({ from: 'new' });

    gate.resolve();
    const slow = await inFlight;
    expect(slow.status).to.equal(200);
    expect(slow.body).to.deep.equal({ from: 'old' });
  });

  it('returns the previous target from swap and reports the current one', () => {
    const first = answering('first');
    const second = answering('second');
    const third = answering('third');
    const dispatcher = createDispatcher(first);
    expect(dispatcher.current()).to.equal(first);
    expect(dispatcher.swap(second)).to.equal(first);
    expect(dispatcher.current()).to.equal(second);
    expect(dispatcher.swap(third)).to.equal(second);
    expect(dispatcher.current()).to.equal(third);
  });

  it('lets a target fall through to the next handler', async () => {
    const dispatcher = createDispatcher((_req, _res, next) => next());
    const app = express()
      .use(dispatcher)
      .use((_req, res) => {
        res.status(404).json({ from: 'after' });
      });
    const res = await request(app).get('/x').expect(404);
    expect(res.body).to.deep.equal({ from: 'after' });
  });

  it('passes a target error on to the error handler', async () => {
    const dispatcher = createDispatcher((_req, _res, next) => next(new Error('boom')));
    const app = express()
      .use(dispatcher)
      .use(((err, _req, res, _next) => {
        res.status(500).json({ caught: (err as Error).message });
      }) as express.ErrorRequestHandler);
    const res = await request(app).get('/x').expect(500);
    expect(res.body).to.deep.equal({ caught: 'boom' });
  });
});
