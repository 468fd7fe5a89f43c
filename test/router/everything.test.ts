/**
 * The published reference server, @modelcontextprotocol/server-everything,
 * behind mcpoRouter over stdio and Streamable HTTP.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mcpoRouter, type McpoRouter, type ServerSpec } from '../../lib/index.js';
import { expectValidOpenApi31, pathOf, type Doc } from '../helpers/openapi.js';
import { everythingStdio, startEverything } from '../helpers/servers.js';

for (const transport of ['stdio', 'streamable-http'] as const) {
  describe(`server-everything over ${transport}`, function () {
    this.timeout(30_000);
    let router: McpoRouter;
    let app: express.Express;
    let doc: Doc;
    let stop: (() => Promise<void>) | undefined;

    before(async () => {
      let spec: ServerSpec;
      if (transport === 'stdio') {
        spec = everythingStdio();
      } else {
        const server = await startEverything('streamableHttp');
        stop = server.close;
        spec = { type: 'streamable-http', url: server.url };
      }
      router = mcpoRouter(spec);
      app = express().use('/everything', router);
      await router.ready();
      doc = (await request(app).get('/everything/openapi.json').expect(200)).body as Doc;
    });
    after(async () => {
      await router?.close();
      await stop?.();
    });

    it('publishes a valid OpenAPI 3.1 document with its tools', async () => {
      await expectValidOpenApi31(doc);
      expect(Object.keys(doc.paths).length).to.be.at.least(5);
      expect(doc.info.description).to.be.a('string').and.not.empty;
    });

    it('calls echo and get-sum', async () => {
      const echo = await request(app).post(`/everything${pathOf(doc, 'echo')}`).send({ message: 'hello' }).expect(200);
      expect(echo.body.result).to.contain('hello');
      const sum = await request(app).post(`/everything${pathOf(doc, 'get-sum')}`).send({ a: 2, b: 40 }).expect(200);
      expect(JSON.stringify(sum.body.result)).to.contain('42');
    });

    it('returns an image as a data URI', async () => {
      const res = await request(app).post(`/everything${pathOf(doc, 'get-tiny-image')}`).send({}).expect(200);
      expect(JSON.stringify(res.body.result)).to.contain('data:image/png;base64,');
    });

    it('rejects bad arguments with 422', async () => {
      const res = await request(app).post(`/everything${pathOf(doc, 'get-sum')}`).send({ a: 'two' }).expect(422);
      expect(res.body.error.code).to.equal('invalid_arguments');
    });
  });
}
