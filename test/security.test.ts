/**
 * The security properties of mcpo, one `it` each, against real processes:
 * the mcpo CLI in front of the `hostile` fixture (stdio) and the kitchen-sink
 * (Streamable HTTP), plus the library in-process where a property is about
 * mcpo's own memory (prototype pollution) or a non-default option.
 *
 * What a property means, and why the defaults are what they are, is in the
 * README's "Security model".
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import request from 'supertest';
import { createApp, loadConfig, type McpoApp } from '../lib/index.js';
import { silentLogger } from '../lib/common/log.js';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, screenshotOnFailure } from './helpers/browser.js';
import { startMcpo, untilConnected, type McpoProcess } from './helpers/mcpo.js';
import { prng } from './helpers/prng.js';
import { rawExchange } from './helpers/raw-http.js';
import { hostileStdio, startKitchenSink, type RunningServer } from './helpers/servers.js';

const KEY = 'sk-mcpo-security-suite-key-7f3a9c';
const CHILD_TOKEN = 'child-token-value-91b2';
const FLAG_SECRET = 'flag-env-value-5d0e';
const PARENT_SECRET = 'parent-only-secret-c44f';
const HEADER_SECRET = 'operator-header-secret-2a77';
const QUERY_SECRET = 'query-token-secret-8e15';
const URL_PASSWORD = 'url-password-secret-6b90';
const ARG_MARKER = 'argument-marker-3c1d';
/** Arguments a shell would expand, split or run; they must reach the child verbatim. */
const SHELL_ARGS = ['$(touch /tmp/mcpo-pwned)', '`id`', '; echo injected', '*', 'a b', "'quoted'", '$HOME', '|| true', '\\n'];
/** What the SDK passes to a stdio child by default (getDefaultEnvironment on POSIX). */
const SDK_DEFAULT_ENV = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One HTTP request with full control over its headers (Host, Origin, Content-Length) and raw body bytes. */
function send(base: string, target: string, options: Send = {}): Promise<Reply> {
  const url = new URL(base);
  return new Promise<Reply>((resolve, reject) => {
    // Node's client frames a DELETE or OPTIONS body with neither length nor chunking unless told: say its length.
    const length = options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) };
    const req = http.request(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: target, headers: { ...length, ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends a request's headers and none of its declared body, and reads the answer that comes anyway. */
function headersOnly(base: string, target: string, headers: Record<string, string>): Promise<Reply> {
  const url = new URL(base);
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
        req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s to headers alone')));
    req.flushHeaders();
  });
}

function postJson(base: string, target: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(base, target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function expectJsonError(reply: Reply, status: number, code?: string): void {
  expect(reply.status, reply.text.slice(0, 300)).to.equal(status);
  expect(reply.headers['content-type']).to.match(/^application\/json/);
  const body = reply.json();
  expect(body.ok).to.equal(false);
  if (code !== undefined) expect(body.error.code).to.equal(code);
  expect(reply.text).not.to.match(/\n\s+at /); // no stack trace
}

describe('security', function () {
  this.timeout(60_000);
  let dir: string;
  let kitchen: RunningServer;
  /** mcpo --config with the hostile fixture, two remote servers and an unreachable one, behind an API key, on loopback. */
  let main: McpoProcess;
  /** mcpo with one hostile server, more allowed hosts and one allowed CORS origin, no key. */
  let widened: McpoProcess;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-security-'));
    kitchen = await startKitchenSink('http');
    const hostile = hostileStdio(SHELL_ARGS);
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: {
          hostile: { command: hostile.command, args: hostile.args, env: { CHILD_TOKEN } },
          remote: {
            type: 'streamable-http',
            url: `${kitchen.url}?token=${QUERY_SECRET}`,
            headers: { 'X-Team': 'ops', 'X-Api-Token': HEADER_SECRET },
            forwardHeaders: ['X-User-Id', 'X-Team'],
          },
          plain: { type: 'streamable-http', url: kitchen.url },
          unreachable: { type: 'sse', url: `http://admin:${URL_PASSWORD}@127.0.0.1:1/sse?token=${QUERY_SECRET}` },
        },
      }),
    );
    const env = { ...process.env, MCPO_API_KEY: KEY, MCPO_PARENT_SECRET: PARENT_SECRET };
    [main, widened] = await Promise.all([
      startMcpo(['--config', config, '--port', '0', '--env', `FROM_FLAG=${FLAG_SECRET}`], env),
      startMcpo(
        ['--port', '0', '--allowed-hosts', 'mcpo.internal,*.corp.example', '--cors-allow-origins', 'https://chat.example.com', '--', hostile.command, ...hostile.args],
        process.env,
      ),
    ]);
    await Promise.all([untilConnected(main.url, ['hostile', 'remote', 'plain']), untilConnected(widened.url)]);
  });

  after(async function () {
    await Promise.all([main?.stop(), widened?.stop(), kitchen?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('input', function () {
    it('answers 413 JSON to a body over the limit, declared, chunked without end, or inflated from gzip, without waiting for the rest', async function () {
      // Declared: refused on the headers alone. No body byte is sent, so the answer cannot have waited for one
      // (and a client still writing 1 MB cannot meet EPIPE when the server closes after answering).
      const declared = await headersOnly(main.url, '/hostile/echo_args', {
        'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'content-length': String(1024 * 1024 + 10),
      });
      expectJsonError(declared, 413, 'payload_too_large');

      // Chunked and endless: the 413 must arrive while the client is still sending, and the client must be able to
      // read it: mcpo closes such a connection in two steps (lib/http/lingering-close.ts), so a write racing the
      // close meets no reset. One attempt, no retry: an EPIPE or ECONNRESET here is the bug.
      const endless = await new Promise<{ status: number; sent: number; ms: number }>((resolve, reject) => {
        const started = Date.now();
        const url = new URL(main.url);
        let sent = 0;
        let answered = false;
        const req = http.request(
          { host: url.hostname, port: url.port, method: 'POST', path: '/hostile/echo_args', agent: false,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'transfer-encoding': 'chunked' } },
          (res) => {
            answered = true;
            res.resume();
            resolve({ status: res.statusCode!, sent, ms: Date.now() - started });
            req.destroy();
          },
        );
        req.on('error', (err) => (answered ? undefined : reject(err)));
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        req.write('{"pad":"');
        const pump = (): void => {
          while (!answered && sent < 64 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!answered) reject(new Error(`no answer after ${sent} bytes`));
        };
        pump();
      });
      expect(endless.status).to.equal(413);
      // mcpo reads at most the limit and 8 MB more (DISCARD_MAX_BYTES) before it answers; the client counts besides
      // what sits in both sockets' buffers (several MB each on loopback) and what it wrote before it read the answer.
      expect(endless.sent).to.be.below(32 * 1024 * 1024);

      // A gzip bomb: 10 KB on the wire, 8 MB once inflated.
      const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(8 * 1024 * 1024, 0x61), Buffer.from('"}')]));
      expect(bomb.length).to.be.below(64 * 1024);
      const inflated = await send(main.url, '/hostile/echo_args', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${KEY}` },
        body: bomb,
      });
      expectJsonError(inflated, 413, 'payload_too_large');

      // A gzip body under the limit is read normally.
      const small = await send(main.url, '/hostile/echo_args', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${KEY}` },
        body: zlib.gzipSync(JSON.stringify({ zipped: true })),
      });
      expect(small.status).to.equal(200);
      expect(small.json().result).to.deep.equal({ zipped: true });
    });

    it('takes its body limit from --body-limit and the bodyLimit option', async function () {
      const hostile = hostileStdio();
      const small = await startMcpo(['--port', '0', '--body-limit', '2kb', '--', hostile.command, ...hostile.args]);
      let app: McpoApp | undefined;
      try {
        await untilConnected(small.url);
        const justUnder = JSON.stringify({ pad: 'x'.repeat(2000) });
        const over = JSON.stringify({ pad: 'x'.repeat(2100) });
        expect((await send(small.url, '/echo_args', { method: 'POST', headers: { 'content-type': 'application/json' }, body: justUnder })).status).to.equal(200);
        expectJsonError(await send(small.url, '/echo_args', { method: 'POST', headers: { 'content-type': 'application/json' }, body: over }), 413);

        app = createApp({ server: hostile }, { router: { bodyLimit: 100 }, logger: silentLogger });
        await app.ready();
        const res = await request(app).post('/echo_args').send({ pad: 'x'.repeat(200) });
        expect(res.status).to.equal(413);
        expect(res.body.error.code).to.equal('payload_too_large');
      } finally {
        await Promise.all([small.stop(), app?.close()]);
      }
    });

    it('answers 400 to malformed JSON, 415 to a body that is not JSON, 422 to JSON that is not an object', async function () {
      expectJsonError(await postJson(main.url, '/hostile/echo_args', '{"a": '), 400, 'malformed_json');
      expectJsonError(await postJson(main.url, '/hostile/echo_args', "{'a': 1}"), 400, 'malformed_json');
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
        expectJsonError(await postJson(main.url, '/hostile/echo_args', '{"a":1}', { 'content-type': type }), 415, 'unsupported_media_type');
      }
      expectJsonError(await postJson(main.url, '/hostile/echo_args', '{"a":1}', { 'content-type': 'application/json; charset=utf-16' }), 415);
      expectJsonError(await postJson(main.url, '/hostile/echo_args', '{"a":1}', { 'content-encoding': 'compress' }), 415);
      for (const body of ['[1,2]', '"text"', '42', 'null', 'true']) {
        expectJsonError(await postJson(main.url, '/hostile/echo_args', body), 422, 'invalid_arguments');
      }
    });

    it('answers HTTP too malformed to reach the app with a JSON 400 or 431, not a bare status line', async function () {
      const raw = (bytes: string) =>
        new Promise<string>((resolve, reject) => {
          const url = new URL(main.url);
          const socket = net.connect(Number(url.port), url.hostname, () => socket.end(bytes));
          let text = '';
          socket.setEncoding('utf8').on('data', (c: string) => (text += c));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
        });
      const cases: [string, string, number][] = [
        ['a broken request line', 'GARBAGE\r\n\r\n', 400],
        ['a bad header', 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n', 400],
        ['a body with a bad chunk', 'POST /hostile/echo_args HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
        ['headers over 16 KB', `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ];
      for (const [what, bytes, status] of cases) {
        const answer = await raw(bytes);
        const [head, body] = answer.split('\r\n\r\n');
        expect(head, what).to.match(new RegExp(`^HTTP/1.1 ${status} `));
        expect(head, what).to.match(/content-type: application\/json/i);
        expect(JSON.parse(body!).ok, what).to.equal(false);
      }
      expect((await send(main.url, '/healthz')).status).to.equal(200);
    });

    it('answers a request without Host, an Expect it cannot meet, CONNECT and headers over 16 KiB in many short lines with JSON errors, where Node alone answers bare, hangs up or lets them in', async function () {
      const port = Number(new URL(main.url).port);
      const cases: [string, string, number, string][] = [
        ['no Host', 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'missing_host'],
        ['no Host, HTTP/1.0', 'GET /healthz HTTP/1.0\r\n\r\n', 400, 'missing_host'],
        ['Expect: teapot', 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nExpect: teapot\r\nConnection: close\r\n\r\n', 417, 'expectation_failed'],
        ['CONNECT', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 405, 'method_not_allowed'],
        // Node 20's parser lets ~22 KB of short lines through, and drops the lines past ~1000 unread.
        [
          '1,500 short header lines, 20 KB',
          `GET /healthz HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 1500 }, (_, i) => `x-h${i}: ${i}\r\n`).join('')}Connection: close\r\n\r\n`,
          431,
          'headers_too_large',
        ],
      ];
      for (const [what, bytes, status, code] of cases) {
        const { answers, error } = await rawExchange(port, Buffer.from(bytes), false, false, 10_000);
        expect(answers, `${what}: ${error}`).to.have.length(1);
        expect(answers[0]!.status, what).to.equal(status);
        expect(answers[0]!.headers['content-type']?.[0], what).to.match(/^application\/json/);
        expect(JSON.parse(answers[0]!.body.toString()).error.code, what).to.equal(code);
      }
      expect((await send(main.url, '/healthz')).status).to.equal(200);
    });

    it('refuses __proto__ and constructor.prototype at any depth with 400, and nothing is polluted', async function () {
      const app = createApp({ server: hostileStdio() }, { logger: silentLogger });
      try {
        await app.ready();
        const bodies = [
          '{"__proto__": {"polluted": "yes"}}',
          '{"a": {"b": [1, {"__proto__": {"polluted": "yes"}}]}}',
          '{"\\u005f_proto__": {"polluted": "yes"}}',
          '{"constructor": {"prototype": {"polluted": "yes"}}}',
          '{"deep": [[{"x": {"constructor": {"prototype": {"polluted": "yes"}}}}]]}',
        ];
        for (const body of bodies) {
          for (const tool of ['echo_args', 'typed']) {
            const res = await request(app).post(`/${tool}`).set('content-type', 'application/json').send(body);
            expect(res.status, `${tool} ${body}`).to.equal(400);
            expect(res.body.error.code).to.equal('forbidden_key');
          }
        }
        expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
        expect(Object.prototype).not.to.have.property('polluted');
        // A key merely named "constructor" is an ordinary argument.
        const ok = await request(app).post('/echo_args').send({ constructor: 'fine', prototype: 1 });
        expect(ok.status).to.equal(200);
        expect(ok.body.result).to.deep.equal({ constructor: 'fine', prototype: 1 });
      } finally {
        await app.close();
      }
    });

    it('answers thousands of hostile requests with 4xx only (never 5xx) and keeps serving', async function () {
      this.timeout(120_000);
      const random = prng(20261125);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
      const deep = (n: number, open: string, close: string) => `{"a":${open.repeat(n)}1${close.repeat(n)}}`;
      const bodies: (() => string | Buffer)[] = [
        () => deep(100 + Math.floor(random() * 200_000), '[', ']'),
        () => deep(65 + Math.floor(random() * 50), '{"k":', '}'),
        () => `{"list":[${Array.from({ length: 50_000 + Math.floor(random() * 100_000) }, () => Math.floor(random() * 10)).join(',')}]}`,
        () => JSON.stringify({ name: pick([1, true, null, [], {}, 'x'.repeat(200)]), count: pick(['1', -1, 11, 1.5, 1e400, null]), tags: pick([[1], 'a', [null], Array(9).fill('t')]) }),
        () => JSON.stringify({ name: 'ok', nested: pick([{}, { flag: 'yes' }, { flag: true, extra: 1 }, [], 'x']) }),
        () => '{"s":"\\ud800","t":"\\udfff\\ud800x","k\\ud83d":"v"}',
        () => Buffer.concat([Buffer.from('{"raw":"'), Buffer.from([0xed, 0xa0, 0x80, 0xff, 0xfe, 0x00]), Buffer.from('"}')]),
        () => '{"nul":"a\\u0000b","\\u0000key":1}',
        () => Buffer.from([0x7b, 0x00, 0x00, 0x7d]),
        () => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 400) }, () => Math.floor(random() * 256))),
        () => pick(['', ' ', '{', '}', '{"a":1}}', '{"a":1,}', '{"a":NaN}', '{"a":Infinity}', '1e99999', '\ufeff{}', '{"a":"\\x41"}']),
        () => `{"${'k'.repeat(10_000)}":1}`,
        () => JSON.stringify({ name: 'ok', count: 1, message: ARG_MARKER }),
      ];
      const tools = ['/hostile/echo_args', '/hostile/typed', '/hostile/argv', '/hostile/environment', '/hostile/nope', '/nope/echo_args',
        '/hostile/echo%00args', '/hostile/%E0%A4%A', '/hostile/..%2f..%2fetc%2fpasswd', `/hostile/${'a'.repeat(5000)}`, '/hostile/echo_args?timeout=abc',
        '/hostile/echo_args?timeout=1e9', '/hostile/%ZZ', '/%2e%2e/hostile/echo_args', '/hostile//echo_args', '/hostile/docs/%2e%2e', '/hostile/openapi.json/x'];
      const types = ['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/json; charset=latin1', 'application/jsonx', ''];
      const auths = [`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`, 'Bearer wrong', `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}`, 'Basic %%%', 'Bearer', ''];
      const methods = ['POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

      const statuses = new Map<number, number>();
      const failures: string[] = [];
      const TOTAL = 3000;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < TOTAL) {
          const i = next++;
          const method = pick(methods);
          const target = pick(tools);
          const headers: Record<string, string> = {};
          const type = pick(types);
          if (type) headers['content-type'] = type;
          const auth = pick(auths);
          if (auth) headers.authorization = auth;
          if (random() < 0.1) headers['x-tool-timeout'] = pick(['0', '-1', 'abc', '1e309', '99999', '']);
          if (random() < 0.05) headers['x-request-id'] = pick(['x'.repeat(500), 'a b', 'ok-id']);
          const body = method === 'GET' || method === 'HEAD' ? undefined : pick(bodies)();
          const what = `#${i} ${method} ${target.slice(0, 60)} ${JSON.stringify(headers).slice(0, 200)} ${String(body).slice(0, 80)}`;
          const reply = await send(main.url, target, { method, headers, ...(body !== undefined ? { body } : {}) }).catch((err: Error) => {
            failures.push(`${what} → ${err.message}`);
            return undefined;
          });
          if (!reply) continue;
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          if (reply.status >= 500) failures.push(`${what} → ${reply.status} ${reply.text.slice(0, 200)}`);
        }
      };
      await Promise.all(Array.from({ length: 12 }, worker));

      expect(failures, failures.slice(0, 5).join('\n')).to.deep.equal([]);
      // The mix reached every kind of answer, so a regression in any of them would show.
      for (const status of [200, 400, 401, 404, 405, 415, 422]) expect(statuses.get(status) ?? 0, `status ${status} in ${JSON.stringify([...statuses])}`).to.be.above(0);
      // Still serving.
      expect((await send(main.url, '/healthz')).status).to.equal(200);
      const after = await postJson(main.url, '/hostile/echo_args', { still: 'serving' });
      expect(after.status).to.equal(200);
      expect(after.json().result).to.deep.equal({ still: 'serving' });
      expect(main.child.exitCode).to.equal(null);
    });

    it('caps error text from a server and returns it as JSON data, never as HTML', async function () {
      const toolError = await postJson(main.url, '/hostile/huge_error', {});
      expectJsonError(toolError, 500, 'tool_error');
      expect(toolError.text.length).to.be.below(16 * 1024);
      expect(toolError.json().error.message.length).to.be.at.most(2049);
      expect(toolError.headers['x-content-type-options']).to.equal('nosniff');

      const protocolError = await postJson(main.url, '/hostile/huge_protocol_error', {});
      expectJsonError(protocolError, 502, 'upstream_error');
      expect(protocolError.text.length).to.be.below(16 * 1024);
      const body = protocolError.json();
      expect(body.error.message.length).to.be.at.most(2049);
      expect(body.error.data.upstream.truncated).to.equal(true);
    });
  });

  describe('secrets and children', function () {
    it('gives a stdio child the SDK default environment plus its own env and --env, never mcpo’s environment or key', async function () {
      const reply = await postJson(main.url, '/hostile/environment', {});
      expect(reply.status).to.equal(200);
      const env = reply.json().result.env as Record<string, string>;
      expect(env.CHILD_TOKEN).to.equal(CHILD_TOKEN);
      expect(env.FROM_FLAG).to.equal(FLAG_SECRET);
      expect(env).not.to.have.property('MCPO_API_KEY');
      expect(env).not.to.have.property('MCPO_PARENT_SECRET');
      expect(JSON.stringify(env)).not.to.include(KEY);
      const inherited = Object.keys(env).filter((k) => k !== 'CHILD_TOKEN' && k !== 'FROM_FLAG');
      expect(inherited.every((k) => SDK_DEFAULT_ENV.includes(k)), inherited.join(',')).to.equal(true);
      expect(inherited).to.include('PATH');
    });

    it('spawns without a shell: arguments arrive verbatim', async function () {
      const reply = await postJson(main.url, '/hostile/argv', {});
      expect(reply.status).to.equal(200);
      expect(reply.json().result.argv).to.deep.equal(SHELL_ARGS);
    });

    it('never forwards the caller’s Authorization or Cookie; forwardHeaders is an allow-list in which the operator’s headers win', async function () {
      const headers = { cookie: 'session=stolen', 'x-user-id': 'alice', 'x-team': 'evil', 'x-other': 'not-listed' };
      const remote = await postJson(main.url, '/remote/request_headers', {}, headers);
      expect(remote.status, remote.text).to.equal(200);
      const seen = remote.json().result.headers as Record<string, string>;
      expect(seen).not.to.have.property('cookie');
      expect(JSON.stringify(seen)).not.to.include(KEY);
      expect(seen.authorization).to.equal(undefined);
      expect(seen['x-user-id']).to.equal('alice');
      expect(seen['x-team']).to.equal('ops');
      expect(seen['x-api-token']).to.equal(HEADER_SECRET);
      expect(seen).not.to.have.property('x-other');

      // A server without forwardHeaders gets none of the caller's headers.
      const plain = await postJson(main.url, '/plain/request_headers', {}, headers);
      const plainSeen = plain.json().result.headers as Record<string, string>;
      expect(plainSeen).not.to.have.property('x-user-id');
      expect(plainSeen).not.to.have.property('cookie');
      expect(plainSeen.authorization).to.equal(undefined);

      // Asking to forward credentials is a config error, not a silent pass-through.
      for (const name of ['Authorization', 'cookie', 'Proxy-Authorization', 'Host', 'Mcp-Session-Id']) {
        const file = path.join(dir, `forward-${name}.json`);
        writeFileSync(file, JSON.stringify({ mcpServers: { r: { type: 'streamable-http', url: kitchen.url, forwardHeaders: [name] } } }));
        let error: Error | undefined;
        try {
          await loadConfig(file);
        } catch (err) {
          error = err as Error;
        }
        expect(error?.message, name).to.match(/forwardHeaders/);
      }
    });

    it('keeps env values, headers, URL credentials, the API key and tool arguments out of the logs and /healthz', async function () {
      // Make sure something was logged for every kind of secret: calls with the marker, a failing call, the unreachable server's retries.
      await postJson(main.url, '/hostile/echo_args', { message: ARG_MARKER, token: CHILD_TOKEN });
      await postJson(main.url, '/hostile/typed', { name: ARG_MARKER, count: 99 });
      await postJson(main.url, '/remote/echo', { message: ARG_MARKER });
      const health = await send(main.url, '/healthz');
      expect(health.status).to.equal(200);
      expect(health.json().servers.unreachable.state).to.match(/connecting|backing-off/);
      expect(health.json().servers.unreachable.lastError).to.be.a('string');
      const logs = main.stderr();
      expect(logs).to.match(/POST \/hostile\/echo_args 200/); // the request log is on, at info
      for (const [text, where] of [[logs, 'logs'], [health.text, '/healthz']] as const) {
        for (const secret of [KEY, CHILD_TOKEN, FLAG_SECRET, PARENT_SECRET, HEADER_SECRET, QUERY_SECRET, URL_PASSWORD, ARG_MARKER]) {
          expect(text.includes(secret), `${secret} in ${where}`).to.equal(false);
        }
      }
    });
  });

  describe('network exposure', function () {
    it('answers 403 to a Host that is not a loopback name on a loopback bind; --allowed-hosts widens it', async function () {
      const port = new URL(main.url).port;
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
        expect((await send(main.url, '/healthz', { headers: { host } })).status, host).to.equal(200);
      }
      for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `localhost.evil.example`, `192.168.1.10:${port}`]) {
        for (const target of ['/healthz', '/openapi.json', '/docs']) {
          expectJsonError(await send(main.url, target, { headers: { host } }), 403, 'host_not_allowed');
        }
        expectJsonError(await postJson(main.url, '/hostile/echo_args', {}, { host }), 403, 'host_not_allowed');
      }
      const wport = new URL(widened.url).port;
      for (const host of [`mcpo.internal:${wport}`, 'MCPO.INTERNAL', `a.corp.example:${wport}`, `localhost:${wport}`]) {
        expect((await send(widened.url, '/healthz', { headers: { host } })).status, host).to.equal(200);
      }
      for (const host of ['corp.example', 'mcpo.internal.evil', 'evil.example']) {
        expectJsonError(await send(widened.url, '/healthz', { headers: { host } }), 403, 'host_not_allowed');
      }
    });

    it('answers 403 to an Origin that --cors-allow-origins does not allow; the page’s own origin and no Origin are served', async function () {
      const body = { 'content-type': 'application/json' };
      const allowed = await send(widened.url, '/echo_args', { method: 'POST', headers: { ...body, origin: 'https://chat.example.com' }, body: '{}' });
      expect(allowed.status).to.equal(200);
      expect(allowed.headers['access-control-allow-origin']).to.equal('https://chat.example.com');
      for (const origin of ['https://evil.example', 'null', 'http://chat.example.com', 'https://chat.example.com.evil.example']) {
        expectJsonError(await send(widened.url, '/echo_args', { method: 'POST', headers: { ...body, origin }, body: '{}' }), 403, 'origin_not_allowed');
        const preflight = await send(widened.url, '/echo_args', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
        expect(preflight.status).to.equal(403);
        expect(preflight.headers).not.to.have.property('access-control-allow-origin');
      }
      // With no --cors-allow-origins, every foreign origin is refused, even on a GET.
      expectJsonError(await send(main.url, '/openapi.json', { headers: { origin: 'https://chat.example.com' } }), 403, 'origin_not_allowed');
      expect((await send(widened.url, '/echo_args', { method: 'POST', headers: body, body: '{}' })).status).to.equal(200);
      expect((await send(widened.url, '/echo_args', { method: 'POST', headers: { ...body, origin: widened.url }, body: '{}' })).status).to.equal(200);
      expect((await postJson(main.url, '/hostile/echo_args', {}, { origin: main.url.replace('127.0.0.1', 'localhost'), host: main.url.replace('http://127.0.0.1', 'localhost') })).status).to.equal(200);
    });

    it('sends nosniff and frame-ancestors, and no X-Powered-By, on every response, errors included', async function () {
      const port = new URL(main.url).port;
      const replies: [string, Reply][] = [
        ['docs', await send(main.url, '/docs')],
        ['docs asset', await send(main.url, '/docs/swagger-ui.css')],
        ['document', await send(main.url, '/openapi.json')],
        ['healthz', await send(main.url, '/healthz')],
        ['call', await postJson(main.url, '/hostile/echo_args', {})],
        ['400', await postJson(main.url, '/hostile/echo_args', '{')],
        ['401', await postJson(main.url, '/hostile/echo_args', {}, { authorization: 'Bearer wrong' })],
        ['403 host', await send(main.url, '/healthz', { headers: { host: `evil.example:${port}` } })],
        ['403 origin', await send(main.url, '/healthz', { headers: { origin: 'https://evil.example' } })],
        ['404', await send(main.url, '/nothing/here', { headers: { authorization: `Bearer ${KEY}` } })],
        ['405', await send(main.url, '/hostile/echo_args', { headers: { authorization: `Bearer ${KEY}` } })],
        ['413', await postJson(main.url, '/hostile/echo_args', `"${'x'.repeat(1.1 * 1024 * 1024)}"`)],
        ['415', await postJson(main.url, '/hostile/echo_args', '{}', { 'content-type': 'text/plain' })],
        ['422', await postJson(main.url, '/hostile/typed', { name: 1 })],
        ['500', await postJson(main.url, '/hostile/huge_error', {})],
        ['502', await postJson(main.url, '/hostile/huge_protocol_error', {})],
        ['503', await postJson(main.url, '/unreachable/anything', {})],
      ];
      const statuses = replies.map(([, r]) => r.status);
      expect(statuses).to.include.members([200, 400, 401, 403, 404, 405, 413, 415, 422, 500, 502, 503]);
      for (const [what, reply] of replies) {
        expect(reply.headers['x-content-type-options'], what).to.equal('nosniff');
        expect(reply.headers['content-security-policy'], what).to.match(/frame-ancestors 'none'/);
        expect(reply.headers, what).not.to.have.property('x-powered-by');
      }
    });

    it('takes a valid X-Request-Id or makes one, and echoes it on the response, in the log and in error bodies', async function () {
      const given = `req-${Date.now()}-abc`;
      const ok = await postJson(main.url, '/hostile/echo_args', {}, { 'x-request-id': given });
      expect(ok.headers['x-request-id']).to.equal(given);
      const failed = await postJson(main.url, '/hostile/typed', { name: 1 }, { 'x-request-id': `${given}-2` });
      expect(failed.status).to.equal(422);
      expect(failed.headers['x-request-id']).to.equal(`${given}-2`);
      expect(failed.json().error.requestId).to.equal(`${given}-2`);

      const ids = new Set<string>();
      for (const bad of ['has space', 'x'.repeat(200), '<script>', 'a\u00e9b', '']) {
        const reply = await send(main.url, '/nothing', { headers: { 'x-request-id': Buffer.from(bad, 'utf8').toString('latin1') } });
        const id = reply.headers['x-request-id'] as string;
        expect(id, bad).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(reply.json().error.requestId).to.equal(id);
        ids.add(id);
      }
      expect(ids.size).to.equal(5);
      const generated = [...ids][0]!;
      const logs = main.stderr();
      expect(logs).to.include(given);
      expect(logs).to.include(`${given}-2`);
      expect(logs).to.include(generated);
    });
    it('serves a docs page that never loads a spec named in the query string and shows server text as text, never as HTML', async function () {
      // The page itself is static: nothing a server says is in its HTML.
      const html = (await send(widened.url, '/docs')).text + (await send(widened.url, '/docs/init.js')).text;
      for (const text of ['hostile', 'Instructions', 'onerror', '__pwned', 'injection']) expect(html, text).not.to.include(text);

      let hits = 0;
      const evil = http.createServer((_req, res) => {
        hits++;
        res.setHeader('access-control-allow-origin', '*');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ openapi: '3.1.0', info: { title: 'EVIL SPEC', version: '1' }, paths: { '/evil': { post: { responses: { 200: { description: 'x' } } } } } }));
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      const evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
      let browser: Browser | undefined;
      try {
        // A name that is not localhost, as a deployed mcpo has (Swagger UI treats localhost differently), mapped to loopback.
        browser = await launchChromium(['--host-resolver-rules=MAP mcpo.internal 127.0.0.1']);
        const w = await openPage(browser);
        const origin = widened.url.replace('127.0.0.1', 'mcpo.internal');
        const requested: string[] = [];
        w.page.on('request', (r) => requested.push(r.url()));
        try {
          const query = `url=${encodeURIComponent(`${evilUrl}/spec.json`)}&configUrl=${encodeURIComponent(`${evilUrl}/config.json`)}`;
          await w.page.goto(`${origin}/docs?${query}#/?${query}`);
          await w.page.locator('#swagger-ui .opblock').first().waitFor();
          const paths = await w.page.locator('#swagger-ui .opblock-summary-path').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
          expect(paths).to.include('/injection');
          expect(paths).not.to.include('/evil');
          expect(await w.page.locator('#swagger-ui .info .title').textContent()).not.to.include('EVIL');

          // Open the operation whose title, description and field carry markup, so all of it is rendered.
          const op = w.page.locator('#swagger-ui .opblock').filter({ has: w.page.locator('.opblock-summary-path[data-path="/injection"]') });
          await op.locator('.opblock-summary').first().click();
          await op.locator('.opblock-body').waitFor();
          // A string, run in the page: this project's TypeScript has no DOM types.
          const traces = await w.page.evaluate(`({
            pwned: window.__pwned ?? null,
            handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
            scripts: [...document.scripts].filter((s) => (s.textContent || '').includes('__pwned')).length,
            images: document.querySelectorAll('img[src="x"]').length,
            // None of the fixture's links is a plain link to a server's own docs, the one form the page makes a link of.
            links: document.querySelectorAll('#swagger-ui .markdown a').length,
          })`);
          expect(traces).to.deep.equal({ pwned: null, handlers: 0, scripts: 0, images: 0, links: 0 });
          // The markup is shown, as text.
          const description = await op.locator('.opblock-description-wrapper').first().textContent();
          expect(description).to.include('Description <img src=x onerror=');
          expect(description).to.include('[hostile](javascript:window.__pwned=3)');
          expect(await w.page.title(), 'the tab is titled after the server, as text').to.match(/^Hostile <img src=x onerror=.* — docs$/);
          expect(hits, 'requests that reached the URL named in the query string').to.equal(0);
          // Nothing leaves the page's origin: no spec from elsewhere, no third-party asset or validator.
          expect(requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:')), 'requests to other origins').to.deep.equal([]);
          expect(w.cspViolations(), 'CSP violations: the page tried to load something').to.deep.equal([]);
        } catch (err) {
          await screenshotOnFailure(w.page, this.test!.title).catch(() => undefined);
          throw err;
        }
      } finally {
        await browser?.close();
        await new Promise((resolve) => evil.close(resolve));
      }
    });
  });
});
