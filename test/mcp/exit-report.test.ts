/**
 * The messages for a stdio server that is gone (lib/mcp/exit-report.ts): the
 * quoted tail of its stderr, how it ended, a command that cannot be run.
 */
import { expect } from 'chai';
import { exitMessage, spawnFailure, spawnFailureMessage, stderrTail } from '../../lib/mcp/exit-report.js';

describe('stderrTail', () => {
  it('keeps the last 5 non-empty lines, whatever their line endings', () => {
    expect(stderrTail('one\n\ntwo\r\nthree\rfour\n  \nfive\nsix\n\n')).to.equal('two\nthree\nfour\nfive\nsix');
  });

  it('drops colour codes and trailing blanks', () => {
    expect(stderrTail('\x1b[31mError:\x1b[0m bad key   \n')).to.equal('Error: bad key');
  });

  it('keeps about 1 KB, cut at the front and marked', () => {
    const tail = stderrTail(`${'a'.repeat(2000)}\nend`);
    expect(tail).to.have.length(1024);
    expect(tail).to.match(/^…a+\nend$/);
  });

  it('starts at the line that explains a crash when the last lines are stack frames, and skips them and the Node.js trailer', () => {
    const crash = [
      'node:internal/modules/cjs/loader:1228',
      '  throw err;',
      '  ^',
      '',
      "Error: Cannot find module 'nope'",
      'Require stack:',
      '- /srv/[eval]',
      ...Array.from({ length: 8 }, (_, i) => `    at frame${i} (node:internal/modules/cjs/loader:${i}:1)`),
      '    at node:internal/main/eval_string:51:3 {',
      "  code: 'MODULE_NOT_FOUND',",
      '}',
      '',
      'Node.js v20.11.0',
    ].join('\n');
    expect(stderrTail(crash)).to.equal("Error: Cannot find module 'nope'\nRequire stack:\n- /srv/[eval]\n  code: 'MODULE_NOT_FOUND',\n}");
    // A Python traceback ends with its explaining line: the plain tail already has it.
    expect(stderrTail('Traceback (most recent call last):\n  File "x.py", line 1\n    import y\nModuleNotFoundError: No module named \'y\'\n')).to.equal(
      'Traceback (most recent call last):\n  File "x.py", line 1\n    import y\nModuleNotFoundError: No module named \'y\'',
    );
  });

  it('cuts a long explaining line at the end, marked', () => {
    const tail = stderrTail(`Error: ${'z'.repeat(2000)}\n${'    at f (x.js:1:1)\n'.repeat(6)}`);
    expect(tail).to.have.length(1024);
    expect(tail).to.match(/^Error: z+…$/);
  });

  it('is empty for nothing, or only blank lines', () => {
    expect(stderrTail('')).to.equal('');
    expect(stderrTail('\n \n\t\n')).to.equal('');
  });
});

describe('exitMessage', () => {
  it('names the server, the exit code and whether it was ready, and quotes stderr', () => {
    expect(exitMessage('memory', { code: 127, signal: null }, false, 'sh: mcp-server-memory: not found\n')).to.equal(
      'MCP server "memory" exited (code 127) before it was ready; its stderr ended with:\nsh: mcp-server-memory: not found',
    );
    expect(exitMessage('memory', { code: 1, signal: null }, true, '')).to.equal('MCP server "memory" exited (code 1); it wrote nothing to stderr');
  });

  it('names the signal that killed it', () => {
    expect(exitMessage('m', { code: null, signal: 'SIGSEGV' }, true, 'boom')).to.equal('MCP server "m" was killed by SIGSEGV; its stderr ended with:\nboom');
  });
});

describe('spawnFailureMessage', () => {
  const spawnError = (code: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`spawn npx ${code}`), { code, syscall: 'spawn npx', path: 'npx' });

  it('recognises only the errors of spawn itself', () => {
    expect(spawnFailure(spawnError('ENOENT'))).to.be.instanceOf(Error);
    expect(spawnFailure(new Error('MCP error -32000: Connection closed'))).to.equal(undefined);
    expect(spawnFailure(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }))).to.equal(undefined);
    expect(spawnFailure('a string')).to.equal(undefined);
  });

  it('says the command was not found, or not executable, and keeps the system message', () => {
    expect(spawnFailureMessage('memory', 'npx', undefined, spawnError('ENOENT'))).to.equal(
      'MCP server "memory" could not be started: the command "npx" was not found (spawn npx ENOENT)',
    );
    expect(spawnFailureMessage('memory', 'npx', '/srv/memory', spawnError('ENOENT'))).to.equal(
      'MCP server "memory" could not be started: the command "npx" or the working directory "/srv/memory" was not found (spawn npx ENOENT)',
    );
    expect(spawnFailureMessage('memory', './run.sh', undefined, spawnError('EACCES'))).to.equal(
      'MCP server "memory" could not be started: the command "./run.sh" is not executable (spawn npx EACCES)',
    );
  });
});
