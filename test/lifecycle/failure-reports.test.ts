/**
 * How a stdio server that fails is reported: one that starts but never
 * answers, one that crashes with a stack trace, one whose command does not
 * exist. What the log, status()/`/healthz` and a tool call's 503 say of each,
 * against real child processes.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createApp, mcpoRouter, silentLogger, type McpoApp, type McpoRouter } from '../../lib/index.js';
import { recordingLogger } from '../helpers/logger.js';

const script = (code: string, env?: Record<string, string>) => ({ command: process.execPath, args: ['-e', code], ...(env ? { env } : {}) });
const firstFailure = async (r: { ready(): Promise<void> }): Promise<string> => {
  const err = await r.ready().then(() => undefined, (e: unknown) => e);
  expect(err, 'ready() rejects').to.be.instanceOf(Error);
  return (err as Error).message;
};

describe('reports of a failing stdio server', function () {
  this.timeout(30_000);
  const routers: McpoRouter[] = [];
  const apps: McpoApp[] = [];
  const router = (...args: Parameters<typeof mcpoRouter>): McpoRouter => {
    const r = mcpoRouter(args[0], { logger: silentLogger, reconnectDelay: 5, ...args[1] });
    routers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all([...routers.splice(0).map((r) => r.close()), ...apps.splice(0).map((a) => a.close())]);
  });

  it('names the server, its command and its stderr when it starts but never answers within connectTimeout, in the log and in /healthz', async () => {
    const logger = recordingLogger();
    const app = createApp(
      { mcpServers: { mute: script("setInterval(() => {}, 1000); console.error('listening on port 8080, not on stdio')") } },
      { logger, router: { connectTimeout: 0.5, reconnectDelay: 5 } },
    );
    apps.push(app);
    await app.ready();
    const expected = `MCP server "mute" (command "${process.execPath}") started but did not answer within 0.5 s; its stderr ended with:\nlistening on port 8080, not on stdio`;
    const health = app.health().servers.mute!;
    expect(health).to.include({ state: 'backing-off', connected: false, lastError: expected });
    const warned = logger.records.find((l) => l.message === 'MCP server did not start; retrying');
    expect(warned?.level).to.equal('warn');
    expect(warned?.fields).to.include({ server: 'mute', error: expected });
  });

  it('quotes the line that explains a crash, not the stack frames and Node.js version after it, and says nothing of the era probe', async () => {
    const logger = recordingLogger();
    const r = router(script("require('a-module-mcpo-tests-never-install')"), { name: 'crashy', logger });
    const message = await firstFailure(r);
    const quoted = message.split('its stderr ended with:\n')[1]!.split('\n');
    expect(quoted[0]).to.equal("Error: Cannot find module 'a-module-mcpo-tests-never-install'");
    expect(quoted.filter((line) => /^\s+at |^Node\.js v/.test(line))).to.deep.equal([]);
    expect(logger.records.filter((l) => l.level !== 'debug').map((l) => l.message)).to.deep.equal(['MCP server did not start; retrying']);
  });

  it('still says so of a 2025-era server that does die of the era probe, once it connected', async () => {
    // A server of the kind that exits on any request before `initialize`.
    const old = script(`
      let initialized = false;
      const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n');
      require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
        const m = JSON.parse(line);
        if (m.method === 'initialize') {
          initialized = true;
          send({ id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'old', version: '1' } } });
        } else if (!initialized) {
          console.error('unexpected ' + m.method + ' before initialize');
          process.exit(1);
        } else if (m.method === 'tools/list') send({ id: m.id, result: { tools: [] } });
        else if (m.id !== undefined) send({ id: m.id, result: {} });
      });
    `);
    const logger = recordingLogger();
    const r = router(old, { name: 'old', logger });
    await r.ready();
    expect(r.status().protocolVersion).to.match(/^2025-/);
    expect(logger.records.filter((l) => l.level !== 'debug')).to.deep.equal([
      { level: 'info', message: 'the MCP server ended the connection at the era probe; speaking the 2025 protocol to it', fields: { server: 'old' } },
    ]);
  });

  it('quotes the line that explains a failed ES module import', async () => {
    const r = router({ command: process.execPath, args: ['--input-type=module', '-e', "import 'a-package-mcpo-tests-never-install';"] }, { name: 'esm' });
    const quoted = (await firstFailure(r)).split('its stderr ended with:\n')[1]!;
    expect(quoted.split('\n')[0]).to.match(/^Error \[ERR_MODULE_NOT_FOUND\]: Cannot find package 'a-package-mcpo-tests-never-install'/);
  });

  it('answers a tool call with a 503 that says why, as status() does, with the config\'s secrets masked', async () => {
    const secret = 'token-mcpo-tests-5150';
    const r = router(script("console.error('bad token ' + process.env.TOKEN); process.exit(2)", { TOKEN: secret }), { name: 'keyed' });
    await r.ready().catch(() => {});
    const res = await request(express().use(r)).post('/anything').send({}).expect(503);
    expect(res.headers['retry-after']).to.be.a('string');
    expect(res.body.error.data.lastError).to.equal('MCP server "keyed" exited (code 2) before it was ready; its stderr ended with:\nbad token ***');
    expect(res.body.error.message).to.match(/: MCP server "keyed" exited \(code 2\) before it was ready; its stderr ended with:$/);
    expect(JSON.stringify(res.body)).not.to.include(secret);
    expect(r.status().lastError).to.include(secret);
  });

  it('answers a tool call with a 503 that says the command was not found', async () => {
    const r = router({ command: 'definitely-not-a-command-xyz' }, { name: 'gone' });
    await r.ready().catch(() => {});
    const res = await request(express().use(r)).post('/anything').send({}).expect(503);
    expect(res.body.error.data).to.deep.equal({
      state: 'backing-off',
      lastError: 'MCP server "gone" could not be started: the command "definitely-not-a-command-xyz" was not found (spawn definitely-not-a-command-xyz ENOENT)',
    });
  });

  it('answers a caller whose own connection fails to start with a 503 that says why, not a 500', async () => {
    const r = router(
      script("console.error('refusing user ' + process.env.USER_TOKEN); process.exit(3)", { USER_TOKEN: '{{header.X-User-Token | required}}' }),
      { name: 'per-user', allowCallerTemplates: true },
    );
    await r.ready();
    expect(r.status().state).to.equal('waiting-for-caller');
    const res = await request(express().use(r)).post('/anything').set('x-user-token', 'user-token-4242').send({}).expect(503);
    expect(res.body.error.code).to.equal('unavailable');
    expect(res.body.error.data.lastError).to.match(/^MCP server "per-user" exited \(code 3\) before it was ready; its stderr ended with:\nrefusing user /);
  });
});
