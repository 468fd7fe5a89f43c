/**
 * Resources and prompts through mcpoRouter: `GET resources`,
 * `GET resources/templates`, `GET resources/read?uri=`, `GET prompts` and
 * `POST prompts/<name>`, against server-everything (2025 era, built on the
 * v1 SDK) and the modern fixture (2026-07-28, over stdio and Streamable
 * HTTP); a server that offers neither answers 404; createApp's key guards
 * these GETs as it guards tool calls.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createApp, mcpoRouter, silentLogger, type McpoApp, type McpoRouter, type ServerSpec } from '../../lib/index.js';
import { everythingStdio, kitchenSinkStdio, modernStdio, startModernHttp, type RunningServer } from '../helpers/servers.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** supertest buffers a body it does not know as text only for text types; this keeps the bytes of any. */
const bytes = (res: request.Response, callback: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

const read = (app: express.Express, uri: string) => request(app).get('/resources/read').query({ uri });

describe('resources and prompts of server-everything (2025 era)', function () {
  this.timeout(30_000);
  let router: McpoRouter;
  let app: express.Express;

  before(async () => {
    router = mcpoRouter(everythingStdio(), { logger: silentLogger });
    app = express().use(router);
    await router.ready();
  });
  after(() => router?.close());

  it('lists its resources at GET /resources', async () => {
    const res = await request(app).get('/resources').expect(200);
    expect(res.body.ok).to.equal(true);
    expect(res.body.resources).to.be.an('array').that.is.not.empty;
    for (const resource of res.body.resources) expect(resource.uri).to.match(/^demo:\/\/resource\/static\/document\//);
  });

  it('lists its URI templates at GET /resources/templates', async () => {
    const res = await request(app).get('/resources/templates').expect(200);
    const templates = (res.body.resourceTemplates as Array<{ uriTemplate: string }>).map((t) => t.uriTemplate);
    expect(templates).to.include.members(['demo://resource/dynamic/text/{resourceId}', 'demo://resource/dynamic/blob/{resourceId}']);
  });

  it('reads a filled-in text template as its text and MIME type', async () => {
    const res = await read(app, 'demo://resource/dynamic/text/7').expect(200);
    expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
    expect(res.text).to.match(/^Resource 7: This is a plaintext resource/);
  });

  it('reads a blob as its bytes, inline and sandboxed', async () => {
    const res = await read(app, 'demo://resource/dynamic/blob/3').buffer(true).parse(bytes).expect(200);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    expect(res.headers).to.include({ 'content-disposition': 'inline', 'content-security-policy': 'sandbox', 'x-content-type-options': 'nosniff' });
    expect((res.body as Buffer).toString('utf8')).to.match(/^Resource 3: This is a base64 blob/);
  });

  it('answers 404 resource_not_found for an unknown URI (the v1 SDK sends a bare -32602)', async () => {
    const res = await read(app, 'demo://no/such/thing').expect(404);
    expect(res.body.error).to.include({ code: 'resource_not_found' });
    expect(res.body.error.message).to.include('demo://no/such/thing');
    expect(res.body.error.requestId).to.be.a('string');
  });

  it('lists its prompts with their arguments at GET /prompts', async () => {
    const res = await request(app).get('/prompts').expect(200);
    const args = (res.body.prompts as Array<{ name: string; arguments?: unknown[] }>).find((p) => p.name === 'args-prompt');
    expect(args?.arguments).to.deep.include({ name: 'city', description: 'Name of the city', required: true });
  });

  it('renders a prompt from its arguments as JSON', async () => {
    const res = await request(app).post('/prompts/args-prompt').send({ city: 'Paris', state: 'Texas' }).expect(200);
    expect(res.body).to.deep.equal({ ok: true, messages: [{ role: 'user', content: { type: 'text', value: "What's weather in Paris, Texas?" } }] });
  });

  it('maps an embedded resource in a prompt to its text', async () => {
    const res = await request(app).post('/prompts/resource-prompt').send({ resourceType: 'Text', resourceId: '2' }).expect(200);
    expect(res.body.messages[1].content).to.include({ type: 'resource', mimeType: 'text/plain' });
    expect(res.body.messages[1].content.value).to.match(/^Resource 2: This is a plaintext resource/);
  });

  it('answers 422 when a required argument is missing, undeclared or not a string', async () => {
    const missing = await request(app).post('/prompts/args-prompt').send({ state: 'Texas' }).expect(422);
    expect(missing.body.error.code).to.equal('invalid_arguments');
    expect(missing.body.error.data.problems).to.deep.equal(['"city" is required']);
    const wrong = await request(app).post('/prompts/args-prompt').send({ city: 5, country: 'FR' }).expect(422);
    expect(wrong.body.error.data.problems).to.deep.equal(['"city" must be a string', '"country" is not an argument of this prompt']);
  });

  it('answers 404 for a prompt it does not list', async () => {
    const res = await request(app).post('/prompts/no-such-prompt').send({}).expect(404);
    expect(res.body.error.code).to.equal('unknown_prompt');
  });
});

for (const transport of ['stdio', 'streamable-http'] as const) {
  describe(`resources and prompts of a 2026-07-28 server over ${transport}`, function () {
    this.timeout(30_000);
    let server: RunningServer | undefined;
    let router: McpoRouter;
    let app: express.Express;

    before(async () => {
      let spec: ServerSpec = modernStdio();
      if (transport === 'streamable-http') {
        server = await startModernHttp();
        spec = { type: 'streamable-http', url: server.url };
      }
      router = mcpoRouter(spec, { logger: silentLogger });
      app = express().use(router);
      await router.ready();
    });
    after(async () => {
      await router?.close();
      await server?.close();
    });

    it('follows every page of resources/list (one resource a page)', async () => {
      const res = await request(app).get('/resources').expect(200);
      expect(res.body.resources.map((r: { uri: string }) => r.uri)).to.deep.equal(['test://static/text', 'test://static/blob', 'test://static/multi']);
    });

    it('lists the template, and reads it filled in', async () => {
      const templates = await request(app).get('/resources/templates').expect(200);
      expect(templates.body.resourceTemplates).to.deep.include({ name: 'data', uriTemplate: 'test://template/{id}/data', mimeType: 'application/json' });
      const res = await read(app, 'test://template/123/data').expect(200);
      expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(res.body).to.deep.equal({ id: '123' });
    });

    it('reads a text resource with its own MIME type', async () => {
      const res = await read(app, 'test://static/text').expect(200);
      expect(res.headers['content-type']).to.equal('text/markdown; charset=utf-8');
      expect(res.headers['content-disposition']).to.equal('inline');
      expect(res.text).to.equal('# Hello\n');
    });

    it('reads a blob as its exact bytes with its MIME type', async () => {
      const res = await read(app, 'test://static/blob').buffer(true).parse(bytes).expect(200);
      expect(res.headers).to.include({ 'content-type': 'image/png', 'content-disposition': 'inline', 'content-security-policy': 'sandbox' });
      expect((res.body as Buffer).equals(Buffer.from(PNG, 'base64'))).to.equal(true);
    });

    it('answers several contents as JSON', async () => {
      const res = await read(app, 'test://static/multi').expect(200);
      expect(res.body).to.deep.equal({
        ok: true,
        contents: [
          { uri: 'test://static/multi#1', mimeType: 'text/plain', text: 'one' },
          { uri: 'test://static/multi#2', mimeType: 'application/json', text: '{"two":2}' },
        ],
      });
    });

    it('answers 404 resource_not_found for an unknown URI (-32602 with data { uri })', async () => {
      const res = await read(app, 'test://nope').expect(404);
      expect(res.body.error).to.include({ code: 'resource_not_found' });
      expect(res.body.error.data).to.deep.equal({ jsonrpcCode: -32602, upstream: { uri: 'test://nope' } });
    });

    it('answers 400 without a uri', async () => {
      const res = await request(app).get('/resources/read').expect(400);
      expect(res.body.error.code).to.equal('missing_uri');
    });

    it('lists the prompt with its declared arguments', async () => {
      const res = await request(app).get('/prompts').expect(200);
      const describe_ = (res.body.prompts as Array<{ name: string; arguments: Array<{ name: string; required?: boolean }> }>).find((p) => p.name === 'describe');
      expect(describe_?.arguments.map((a) => [a.name, a.required === true])).to.deep.equal([['topic', true], ['style', false]]);
    });

    it('maps the messages of a prompt: text, an image as a data URI, an embedded resource', async () => {
      const res = await request(app).post('/prompts/describe').send({ topic: 'cats', style: 'terse' }).expect(200);
      expect(res.body).to.deep.equal({
        ok: true,
        description: 'About cats',
        messages: [
          { role: 'user', content: { type: 'text', value: 'Describe cats in a terse style.' } },
          { role: 'user', content: { type: 'image', value: `data:image/png;base64,${PNG}`, mimeType: 'image/png' } },
          { role: 'assistant', content: { type: 'resource', value: '# Hello\n', mimeType: 'text/markdown' } },
        ],
      });
    });

    it('answers 422 without the required argument, before asking the server to render', async () => {
      const res = await request(app).post('/prompts/describe').send({}).expect(422);
      expect(res.body.error.data.problems).to.deep.equal(['"topic" is required']);
    });

    it('answers 405 to a GET of a prompt', async () => {
      await request(app).get('/prompts/describe').expect(405).expect('Allow', 'POST');
    });
  });
}

describe('resources and prompts of a server that offers neither', function () {
  this.timeout(30_000);
  let router: McpoRouter;
  let app: express.Express;

  before(async () => {
    router = mcpoRouter(kitchenSinkStdio(), { logger: silentLogger });
    app = express().use(router);
    await router.ready();
  });
  after(() => router?.close());

  for (const [method, path, code] of [
    ['get', '/resources', 'no_resources'],
    ['get', '/resources/templates', 'no_resources'],
    ['get', '/resources/read?uri=test://x', 'no_resources'],
    ['get', '/prompts', 'no_prompts'],
    ['post', '/prompts/anything', 'no_prompts'],
  ] as const) {
    it(`answers ${method.toUpperCase()} ${path} with 404 ${code}, saying the server does not offer them`, async () => {
      const res = await request(app)[method](path).expect(404);
      expect(res.body.error.code).to.equal(code);
      expect(res.body.error.message).to.match(/does not offer (resources|prompts)$/);
    });
  }
});

describe('resources and prompts behind createApp\'s API key', function () {
  this.timeout(30_000);
  const KEY = 'resource-key';
  let app: McpoApp;

  before(async () => {
    app = createApp({ mcpServers: { modern: modernStdio() } }, { apiKey: KEY, logger: silentLogger });
    await app.ready();
  });
  after(() => app?.close());

  it('needs the key for the resource and prompt routes, GETs included', async () => {
    for (const path of ['/modern/resources', '/modern/resources/templates', '/modern/resources/read?uri=test://static/text', '/modern/prompts']) {
      await request(app).get(path).expect(401);
      await request(app).get(path).set('Authorization', `Bearer ${KEY}`).expect(200);
    }
    await request(app).post('/modern/prompts/describe').send({ topic: 'x' }).expect(401);
    await request(app).post('/modern/prompts/describe').set('Authorization', `Bearer ${KEY}`).send({ topic: 'x' }).expect(200);
  });
});
