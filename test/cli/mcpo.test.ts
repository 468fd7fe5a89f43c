/**
 * The real `mcpo` command, end to end: flags, config files, usage errors,
 * TLS, logging and shutdown, each against real MCP servers. Single-server
 * mode over stdio and over Streamable HTTP runs against both MCP eras
 * (test/helpers/eras.ts); SSE is a 2025-era transport only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { expectValidOpenApi31, type Doc } from '../helpers/openapi.js';
import { allProcesses, APP_MODULE, childrenOf, isAlive, LOAD_HOOKS, MCPO_BIN, moduleLog, ROOT, runMcpo, startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { ERAS } from '../helpers/eras.js';
import { freePort, kitchenSinkStdio, startKitchenSink, type RunningServer } from '../helpers/servers.js';
import { LONG_FLAGS } from '../../bin/flags.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'cli-test-key-5678';
const SINK = kitchenSinkStdio();
const SINK_COMMAND = [SINK.command, ...SINK.args];

async function post(base: string, tool: string, body: unknown, key: string | null = KEY): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/${tool}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/**
 * Fixture servers (kitchen-sink, modern) that outlived the process that started them. The root hook sees only
 * this process's children; mcpo's own children are checked here. An orphan is a fixture whose parent is neither
 * a test process nor a live mcpo: another suite's, running alongside in the other worker, has one of those.
 */
function orphanedFixtures(): { pid: number; command: string }[] {
  const all = allProcesses();
  const parents = new Map(all.map((p) => [p.pid, p.command]));
  return all.filter((p) => {
    if (!ERAS.some((era) => p.command.includes(era.processMarker))) return false;
    const parent = parents.get(p.ppid) ?? '';
    return p.ppid !== process.pid && !parent.includes('mcpo.js') && !parent.includes('mocha');
  });
}

/** The one line mcpo prints before exiting with a usage or config problem. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).to.have.length(1);
  expect(lines[0]).to.match(/^mcpo: /);
  expect(lines[0]).to.match(pattern);
  expect(stderr).not.to.match(/\n\s+at /);
}

describe('the mcpo command', function () {
  this.timeout(40_000);
  let dir: string;
  /** The kitchen-sink over SSE and Streamable HTTP, for the remote-server and config suites. */
  let sse: RunningServer;
  let http: RunningServer;
  const started: McpoProcess[] = [];
  /** Starts mcpo and, unless told otherwise, waits until /healthz shows every server connected. */
  const start = async (args: string[], env: NodeJS.ProcessEnv = process.env, opts: { readyUrl?: string; connected?: boolean } = {}) => {
    const p = await startMcpo(args, env, opts.readyUrl);
    started.push(p);
    if (opts.connected !== false) {
      await untilConnected(p.url);
    }
    return p;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-cli-'));
    [sse, http] = await Promise.all([startKitchenSink('sse'), startKitchenSink('http')]);
  });
  afterEach(async () => {
    // SIGTERM, so each mcpo closes its own servers; stop() falls back to SIGKILL.
    await Promise.all(started.splice(0).map((p) => p.stop('SIGTERM')));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([sse?.close(), http?.close()]);
    await waitFor(async () => (orphanedFixtures().length === 0 ? true : undefined), 'no MCP server started by an mcpo process to remain').catch(() => {
      throw new Error(`MCP servers outlived their mcpo: ${orphanedFixtures().map((p) => `${p.pid} ${p.command}`).join('; ')}`);
    });
  });

  describe('usage and config errors', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown flag', ['--bogus', '--', 'x'], /unknown option --bogus/],
      ['a bad port', ['--port', 'eighty', '--', 'x'], /--port must be a whole number/],
      ['a bad tool timeout', ['--tool-timeout', '0', '--', 'x'], /--tool-timeout must be a positive number/],
      ['nothing to serve', [], /nothing to serve/],
      ['a command without --', ['npx', 'server'], /put the server command after --/],
      ['a public host without a key', ['--host', '0.0.0.0', '--', 'x'], /--api-key.*MCPO_API_KEY.*--allow-unauthenticated/],
      ['--strict-auth without a key', ['--strict-auth', '--', 'x'], /--strict-auth needs an API key/],
      ['a bad --header', ['--server-type', 'sse', '--header', '{nope', '--', 'http://127.0.0.1:1/sse'], /--header must be a JSON object/],
      ['a missing config file', ['--config', '/nonexistent/mcpo.json'], /\/nonexistent\/mcpo\.json: no such file/],
      ['a config that is a directory', ['--config', os.tmpdir()], /is a directory/],
      ['a missing --env-path file', ['--env-path', '/nonexistent/.env', '--', 'x'], /--env-path \/nonexistent\/\.env: no such file/],
      ['missing TLS files', ['--ssl-certfile', '/nonexistent/c.pem', '--ssl-keyfile', '/nonexistent/k.pem', '--', ...SINK_COMMAND], /--ssl-certfile \/nonexistent\/c\.pem: no such file/],
    ];
    for (const [what, args, pattern] of cases) {
      it(`exits 2 with one line for ${what}`, async () => {
        const { code, stderr } = await runMcpo(args);
        expect(code, stderr).to.equal(2);
        expectOneLine(stderr, pattern);
      });
    }

    it('names the file, line and column of a JSON syntax error in the config', async () => {
      const file = path.join(dir, 'broken.json');
      writeFileSync(file, '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}\n');
      const { code, stderr } = await runMcpo(['--config', file]);
      expect(code).to.equal(2);
      expectOneLine(stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:5: not valid JSON`));
    });

    it('names the server and key of an invalid config entry, and an unset ${VAR}', async () => {
      const file = path.join(dir, 'invalid.json');
      writeFileSync(file, '{ "mcpServers": { "time": { "command": "x", "env": { "TZ": 5 } } } }');
      const invalid = await runMcpo(['--config', file]);
      expect(invalid.code).to.equal(2);
      expectOneLine(invalid.stderr, /mcpServers\.time: "env\.TZ" must be a string/);
      writeFileSync(file, '{ "mcpServers": { "time": { "command": "x", "args": ["${MCPO_TEST_UNSET_VAR}"] } } }');
      const unset = await runMcpo(['--config', file]);
      expect(unset.code).to.equal(2);
      expectOneLine(unset.stderr, /mcpServers\.time\.args\[0\] uses \$\{MCPO_TEST_UNSET_VAR\}, which is not set/);
    });

    it('exits 1 with one line when the port is taken', async () => {
      const first = await start(['--port', '0', '--', ...SINK_COMMAND], process.env, { connected: false });
      const port = new URL(first.url).port;
      const before = new Set(orphanedFixtures().map((p) => p.pid));
      const { code, stderr } = await runMcpo(['--port', port, '--', ...SINK_COMMAND]);
      expect(code).to.equal(1);
      expectOneLine(stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
      // The server it had started for the command went with it: no fixture is left without its mcpo.
      // (Counting every fixture on the machine also counted the other worker's new ones, and waited in vain.)
      await waitFor(async () => (orphanedFixtures().every((p) => before.has(p.pid)) ? true : undefined), 'the second MCP server to exit');
    });
  });

  describe('help and version', () => {
    it('prints every flag with --help and with a bare -h, and exits 0', async () => {
      expect(LONG_FLAGS.length).to.be.above(20);
      for (const args of [['--help'], ['-h']]) {
        const { code, stdout } = await runMcpo(args);
        expect(code).to.equal(0);
        for (const flag of LONG_FLAGS) expect(stdout, flag).to.match(new RegExp(`--${flag}\\b`));
      }
    });

    it('prints its own version with a bare --version or -v', async () => {
      const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
      for (const flag of ['--version', '-v']) {
        const { code, stdout } = await runMcpo([flag]);
        expect(code).to.equal(0);
        expect(stdout.trim()).to.equal(version);
      }
    });
  });

  describe('help and version before the app', () => {
    // Every module the command loads, logged by a loader hook. Bundled, Express and ajv are inside the app's chunk; unbundled, they are packages of their own.
    const APP_PACKAGES = /\/node_modules\/(express|ajv)\//;
    const loaded = async (args: string[]): Promise<{ code: number | null; stdout: string; modules: string[] }> => {
      const log = moduleLog(dir);
      const child = spawn(process.execPath, ['--import', LOAD_HOOKS, MCPO_BIN, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...log.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let [stdout, stderr] = ['', ''];
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        // A command that serves runs until stopped: once it says where it serves, the app is loaded.
        if (/listening on/.test(stderr)) child.kill('SIGTERM');
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, stdout, modules: log.modules() };
    };
    const app = (modules: string[]): string[] => modules.filter((m) => APP_MODULE.test(m) || APP_PACKAGES.test(m));

    it('answers --help, --version and a usage problem without loading the app (no Express, no ajv)', async () => {
      for (const flag of ['--help', '--version']) {
        const { code, stdout, modules } = await loaded([flag]);
        expect(code, flag).to.equal(0);
        expect(stdout, flag).to.not.equal('');
        expect(modules, flag).to.not.deep.equal([]);
        expect(app(modules), flag).to.deep.equal([]);
      }
      const usage = await loaded(['--no-such-flag']);
      expect(usage.code).to.equal(2);
      expect(app(usage.modules)).to.deep.equal([]);
      // The check can see the app: serving loads it.
      const sink = kitchenSinkStdio();
      const serving = await loaded(['--port', '0', '--', sink.command, ...sink.args]);
      expect(app(serving.modules)).to.not.deep.equal([]);
    });
  });

  describe('the MCP server side on first need', () => {
    // mcpo's module that holds the SDK's server side: a chunk of its own when bundled, a file of dist/lib when not.
    const SDK_SIDE = /\/dist\/(bin\/sdk-side-[^/]*|lib\/mcp-endpoint\/sdk-side)\.js$/;
    const MODERN = '2026-07-28';
    const post = (url: string, headers: Record<string, string>, body: object) =>
      fetch(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });

    it('serves REST and a plain 2026-07-28 call without loading it, and loads it for a 2025 session', async () => {
      const log = moduleLog(dir);
      const sink = kitchenSinkStdio();
      const mcpo = await startMcpo(['--port', '0', '--', sink.command, ...sink.args], { ...process.env, ...log.env, NODE_OPTIONS: `--import ${LOAD_HOOKS}` });
      try {
        await untilConnected(mcpo.url);
        const sdkSideLoaded = () => log.modules().some((m) => SDK_SIDE.test(m));
        expect((await fetch(`${mcpo.url}/no_params`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).to.equal(200);
        const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
        const call = await post(mcpo.url, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'no_params' }, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'no_params', arguments: {}, _meta: meta } });
        expect(call.status).to.equal(200);
        expect(JSON.stringify(await call.json())).to.include('pong');
        expect(sdkSideLoaded(), 'loaded before any request needed it').to.equal(false);
        const init = await post(mcpo.url, {}, { jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
        expect(init.status).to.equal(200);
        expect(init.headers.get('mcp-session-id')).to.be.a('string');
        await init.text();
        expect(sdkSideLoaded(), 'loaded for the session').to.equal(true);
      } finally {
        await mcpo.stop();
      }
    });
  });

  describe('one stdio server', () => {
    it('serves it at the root with the docs title, auth, env, timeouts and the structured envelope from the flags', async () => {
      const envFile = path.join(dir, '.env');
      writeFileSync(envFile, 'FROM_FILE=file-value\nBOTH=from-file\n');
      const p = await start([
        '--port', '0', '--api-key', KEY, '--name', 'Sink tools', '--description', 'For tests', '--version', '3.2.1',
        '--tool-timeout', '1', '--tool-timeout-max', '2', '--structured-output',
        '-e', 'FROM_FLAG=flag-value', '--env', 'BOTH=from-flag', '--env-path', envFile,
        '--', ...SINK_COMMAND,
      ]);
      const doc = (await getJson(`${p.url}/openapi.json`)).body as Doc;
      await expectValidOpenApi31(doc);
      expect(doc.info).to.deep.equal({ title: 'Sink tools', description: 'For tests', version: '3.2.1' });
      expect(doc.paths).to.have.property('/echo');

      const echo = await post(p.url, 'echo', { message: 'hi' });
      expect(echo).to.deep.equal({ status: 200, body: { ok: true, result: 'hi', output: { type: 'collection', items: [{ type: 'text', value: 'hi' }] } } });
      expect((await post(p.url, 'echo', { message: 'hi' }, null)).status).to.equal(401);
      expect((await post(p.url, 'echo', { message: 'hi' }, 'wrong')).status).to.equal(401);

      const slow = await post(p.url, 'slow', { ms: 5000 });
      expect(slow.status).to.equal(504);
      expect(slow.body.error.code).to.equal('timeout');
      const tooLong = await fetch(`${p.url}/echo?timeout=3`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: '{"message":"x"}' });
      expect(tooLong.status).to.equal(400);

      const env = await post(p.url, 'environment', { names: ['FROM_FILE', 'FROM_FLAG', 'BOTH', 'MCPO_API_KEY'] });
      expect(env.body.result.values).to.deep.equal({ FROM_FILE: 'file-value', FROM_FLAG: 'flag-value', BOTH: 'from-flag', MCPO_API_KEY: null });
    });

    it('takes the API key from MCPO_API_KEY and never prints it', async () => {
      const p = await start(['--port', '0', '--log-level', 'debug', '--', ...SINK_COMMAND], { ...process.env, MCPO_API_KEY: KEY });
      expect((await post(p.url, 'no_params', {}, null)).status).to.equal(401);
      expect((await post(p.url, 'no_params', {})).status).to.equal(200);
      await p.stop();
      expect(p.stderr()).not.to.include(KEY);
    });

    for (const era of ERAS) {
      it(`serves a ${era.name} server given after --, finishes a call in flight on SIGTERM, exits 0 and leaves no child behind`, async () => {
        const spec = era.stdio();
        const p = await start(['--port', '0', '--', spec.command, ...spec.args]);
        expect((await post(p.url, era.tools.echo, { message: 'hi' })).body.result).to.equal('hi');
        expect((await getJson(`${p.url}/healthz`)).body.servers.default).to.include({ type: 'stdio', protocolVersion: era.protocolVersion });
        const kids = childrenOf(p.pid);
        expect(kids).to.have.length(1);
        const call = post(p.url, era.tools.slow, { ms: 800 });
        await new Promise((r) => setTimeout(r, 200));
        const code = p.stop('SIGTERM');
        const res = await call;
        expect(res).to.deep.equal({ status: 200, body: { ok: true, result: 'done after 800ms' } });
        expect(await code).to.equal(0);
        await waitFor(async () => (kids.every((pid) => !isAlive(pid)) ? true : undefined), 'the MCP server to exit');
        expect(p.stderr()).to.include('SIGTERM');
      });
    }

    it('stops on SIGINT too, with exit code 0', async () => {
      const p = await start(['--port', '0', '--', ...SINK_COMMAND]);
      const kids = childrenOf(p.pid);
      expect(await p.stop('SIGINT')).to.equal(0);
      await waitFor(async () => (kids.every((pid) => !isAlive(pid)) ? true : undefined), 'the MCP server to exit');
    });

    it('exits 1 when a call outlives --grace-period', async () => {
      const p = await start(['--port', '0', '--grace-period', '0.3', '--', ...SINK_COMMAND]);
      const call = post(p.url, 'slow', { ms: 5000 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      expect(await p.stop('SIGTERM')).to.equal(1);
      await call;
    });
  });

  describe('one remote server', () => {
    it('serves an SSE server given by --server-type sse, sending --header with every request', async () => {
      const p = await start(['--port', '0', '--server-type', 'sse', '--header', '{"X-Test-Header": "from-cli"}', '--', sse.url]);
      const res = await post(p.url, 'request_headers', {});
      expect(res.status).to.equal(200);
      expect(res.body.result.headers['x-test-header']).to.equal('from-cli');
      expect((await getJson(`${p.url}/healthz`)).body.servers.default).to.include({ type: 'sse', connected: true });
    });

    for (const era of ERAS) {
      describe(`of the ${era.name} era`, () => {
        let upstream: RunningServer;
        before(async () => {
          upstream = await era.startHttp();
        });
        after(() => upstream?.close());

        it('serves a Streamable HTTP server given by --type streamable-http', async () => {
          const p = await start(['--port', '0', '--type', 'streamable-http', '--', upstream.url]);
          expect((await post(p.url, era.tools.echo, { message: 'over http' })).body.result).to.equal('over http');
          expect((await getJson(`${p.url}/healthz`)).body.servers.default).to.include({ type: 'streamable-http', protocolVersion: era.protocolVersion });
        });
      });
    }
  });

  describe('a config file', () => {
    let file: string;
    before(() => {
      file = path.join(dir, 'config.json');
      writeFileSync(
        file,
        `// Three transports, comments, trailing commas and variables, as users write them.
{
  "mcpServers": {
    "local": {
      "command": ${JSON.stringify(SINK.command)},
      "args": ${JSON.stringify(SINK.args)},
      "env": { "GREETING": "\${GREETING:-hello}", "SECRET": "\${CONFIG_SECRET}" }, /* expanded at load */
    },
    "events": { "type": "sse", "url": "\${SSE_URL}", "headers": { "X-From": "config" } },
    "stream": { "type": "streamable_http", "url": ${JSON.stringify(http.url)}, "disabled_tools": ["exit"] },
    "skipped": { "command": "no-such-command", "enabled": false },
  },
}
`,
      );
    });
    it('mounts every enabled server under the prefix, with one aggregated document and docs', async () => {
      const envFile = path.join(dir, 'config.env');
      writeFileSync(envFile, 'CONFIG_SECRET=from-env-file\n');
      const p = await start(
        ['--config', file, '--port', '0', '--path-prefix', '/api', '--root-path', '/proxy', '--env-path', envFile, '--hot-reload'],
        { ...process.env, SSE_URL: sse.url },
      );
      const health = (await getJson(`${p.url}/healthz`)).body;
      expect(Object.keys(health.servers)).to.deep.equal(['local', 'events', 'stream']);

      const local = await post(`${p.url}/api/local`, 'environment', { names: ['GREETING', 'SECRET'] });
      expect(local.body.result.values).to.deep.equal({ GREETING: 'hello', SECRET: 'from-env-file' });
      const events = await post(`${p.url}/api/events`, 'request_headers', {});
      expect(events.body.result.headers['x-from']).to.equal('config');
      expect((await post(`${p.url}/api/stream`, 'echo', { message: 's' })).body.result).to.equal('s');
      expect((await post(`${p.url}/api/stream`, 'exit', {})).status).to.equal(404);

      const doc = (await getJson(`${p.url}/api/openapi.json`)).body as Doc;
      await expectValidOpenApi31(doc);
      expect(doc.servers).to.deep.equal([{ url: '/proxy/api' }]);
      expect(doc.paths).to.include.keys('/local/echo', '/events/echo', '/stream/echo');
      expect(doc.paths['/events/echo']!.post.operationId).to.equal('events_echo');
      const own = (await getJson(`${p.url}/api/stream/openapi.json`)).body as Doc;
      expect(own.servers).to.deep.equal([{ url: '/proxy/api/stream' }]);
      for (const page of ['/api/docs', '/api/local/docs']) expect((await fetch(`${p.url}${page}`)).status, page).to.equal(200);
      expect(p.stderr()).to.include('server skipped is disabled');
      expect(p.stderr()).to.include(`watching ${file} for changes`);
    });

    it('prefixes every tool with its server’s name under --tool-prefix-servers, unless the server sets its own', async () => {
      const prefixed = path.join(dir, 'prefixed.json');
      writeFileSync(prefixed, JSON.stringify({
        mcpServers: {
          events: { type: 'sse', url: sse.url, enabledTools: ['echo', 'no_*'] },
          stream: { type: 'streamable-http', url: http.url, enabledTools: ['echo'], toolPrefix: 'web', tools: { echo: { name: 'say', description: 'Say it.' } } },
        },
      }));
      const p = await start(['--config', prefixed, '--port', '0', '--tool-prefix-servers']);
      expect((await post(`${p.url}/events`, 'events_echo', { message: 'e' })).body.result).to.equal('e');
      expect((await post(`${p.url}/stream`, 'web_say', { message: 's' })).body.result).to.equal('s');
      expect((await post(`${p.url}/stream`, 'echo', { message: 's' })).status).to.equal(404);
      const doc = (await getJson(`${p.url}/openapi.json`)).body as Doc;
      await expectValidOpenApi31(doc);
      expect(Object.keys(doc.paths).sort()).to.deep.equal(['/events/events_echo', '/events/events_no_params', '/stream/web_say']);
      expect(doc.paths['/stream/web_say']!.post.operationId).to.equal('web_say');
      expect(doc.paths['/stream/web_say']!.post.description).to.equal('Say it.');
    });

    it('protects docs and documents with --strict-auth, allows a CORS origin, and logs per request', async () => {
      const p = await start(
        ['--config', file, '--port', '0', '--api-key', KEY, '--strict-auth', '--cors-allow-origins', 'https://ui.example', '--log-level', 'info'],
        { ...process.env, SSE_URL: sse.url, CONFIG_SECRET: 'x-secret' },
      );
      const docs = await fetch(`${p.url}/docs`);
      expect(docs.status).to.equal(401);
      expect(docs.headers.get('www-authenticate')).to.include('Basic');
      expect((await fetch(`${p.url}/local/openapi.json`, { headers: { authorization: `Bearer ${KEY}` } })).status).to.equal(200);
      expect((await fetch(`${p.url}/healthz`)).status).to.equal(200);
      const cors = await fetch(`${p.url}/local/echo`, {
        method: 'OPTIONS',
        headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' },
      });
      expect(cors.status).to.equal(204);
      expect(cors.headers.get('access-control-allow-origin')).to.equal('https://ui.example');
      await waitFor(async () => (/GET \/docs 401 [\d.]+ ms/.test(p.stderr()) ? true : undefined), 'the request log line');
      expect(p.stderr()).to.match(/GET \/healthz 200 [\d.]+ ms/);
    });

    it('logs no request lines at --log-level error', async () => {
      const port = await freePort();
      // The "listening" line is info too, so readiness is /healthz answering.
      const p = await start(['--config', file, '--port', String(port), '--log-level', 'error'], { ...process.env, SSE_URL: sse.url, CONFIG_SECRET: 'x' }, { readyUrl: `http://127.0.0.1:${port}/healthz` });
      expect((await fetch(`${p.url}/healthz`)).status).to.equal(200);
      await p.stop();
      expect(p.stderr()).not.to.match(/listening|GET \/healthz/);
    });
  });

  describe('network flags', () => {
    it('serves HTTPS with --ssl-certfile and --ssl-keyfile, with HSTS', async () => {
      const cert = path.join(ROOT, 'test/fixtures/tls/cert.pem');
      const key = path.join(ROOT, 'test/fixtures/tls/key.pem');
      const p = await start(['--port', '0', '--ssl-certfile', cert, '-K', key, '--', ...SINK_COMMAND], process.env, { connected: false });
      expect(p.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      const { status, hsts, body } = await new Promise<{ status: number; hsts: unknown; body: string }>((resolve, reject) => {
        https
          .get(`${p.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode!, hsts: res.headers['strict-transport-security'], body: text }));
          })
          .on('error', reject);
      });
      expect(status).to.equal(200);
      expect(hsts).to.be.a('string');
      // Not waited for: the server may still be connecting, which /healthz calls degraded (still 200).
      expect(JSON.parse(body).status).to.be.oneOf(['ok', 'degraded']);
    });

    it('binds a public host when an API key is set, or with --allow-unauthenticated', async () => {
      const withKey = await start(['--host', '0.0.0.0', '--port', '0', '--api-key', KEY, '--', ...SINK_COMMAND]);
      expect(withKey.url).to.match(/^http:\/\/0\.0\.0\.0:\d+$/);
      const port = new URL(withKey.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);
      const open = await start(['--host', '0.0.0.0', '--port', '0', '--allow-unauthenticated', '--', ...SINK_COMMAND]);
      expect(open.url).to.match(/^http:\/\/0\.0\.0\.0:\d+$/);
    });
  });
});
