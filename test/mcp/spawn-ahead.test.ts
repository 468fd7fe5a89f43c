/**
 * lib/mcp/spawn-ahead.ts and lib/mcp/server-process.ts: a server started
 * before the app is the one the transport runs, over which a real client
 * talks MCP; one that ended first, or that no transport takes, is not left
 * running; and a server gets the variables the SDK's own stdio transport
 * would give it.
 */
import { once } from 'node:events';
import { expect } from 'chai';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { inheritedEnv, type StdioParams } from '../../lib/mcp/server-process.js';
import { dropAhead, spawnAhead, takeAhead } from '../../lib/mcp/spawn-ahead.js';
import { StdioTransport } from '../../lib/mcp/stdio-transport.js';
import { kitchenSinkStdio } from '../helpers/servers.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('servers started ahead (lib/mcp/spawn-ahead.ts)', function () {
  this.timeout(30_000);
  afterEach(() => dropAhead());

  it('hands the running server to the transport that would start the same command, and MCP works over it', async () => {
    const spec = kitchenSinkStdio();
    const params: StdioParams = { command: spec.command, args: spec.args, env: { KITCHEN_AHEAD: '1' } };
    const child = spawnAhead(params);
    const transport = new StdioTransport(params);
    const client = new Client({ name: 'ahead-test', version: '1' });
    try {
      await client.connect(transport);
      expect(transport.pid).to.equal(child.pid);
      expect((await client.listTools()).tools.map((t) => t.name)).to.include('echo');
      // Taken once: the next transport for the same command starts its own.
      expect(takeAhead(params)).to.equal(undefined);
    } finally {
      await client.close();
    }
  });

  it('does not hand over a server whose command, arguments or variables differ', async () => {
    const params: StdioParams = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: { A: '1' } };
    const child = spawnAhead(params);
    expect(takeAhead({ ...params, env: { A: '2' } })).to.equal(undefined);
    expect(takeAhead({ ...params, args: ['-e', 'setInterval(() => {}, 999)'] })).to.equal(undefined);
    expect(takeAhead(params)?.child).to.equal(child);
    child.kill('SIGKILL');
  });

  it('does not hand over a server that already ended, and stops one that no transport took', async () => {
    const ends: StdioParams = { command: process.execPath, args: ['-e', '0'], env: {} };
    const ended = spawnAhead(ends);
    await once(ended, 'exit');
    expect(takeAhead(ends)).to.equal(undefined);

    const waits = spawnAhead({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: {} });
    await once(waits, 'spawn');
    expect(alive(waits.pid!)).to.equal(true);
    const exited = once(waits, 'exit');
    dropAhead();
    await exited;
    expect(alive(waits.pid!)).to.equal(false);
  });

  it('gives a server the variables the SDK gives a stdio server, a shell function left out', () => {
    const term = process.env.TERM;
    try {
      process.env.TERM = '() { echo function; }';
      expect(inheritedEnv()).to.deep.equal(getDefaultEnvironment());
      expect(inheritedEnv()).to.not.have.property('TERM');
      process.env.TERM = 'xterm';
      expect(inheritedEnv()).to.deep.equal(getDefaultEnvironment());
      expect(inheritedEnv().TERM).to.equal('xterm');
    } finally {
      if (term === undefined) delete process.env.TERM;
      else process.env.TERM = term;
    }
  });
});
