/**
 * How the stdio transport (lib/mcp/stdio-transport.ts) reads a server's stdout,
 * against real child processes that write awkward output on purpose.
 */
import { expect } from 'chai';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { StdioTransport } from '../../lib/mcp/stdio-transport.js';

/** A child running `script`, with what the transport passed on and reported. */
async function reading(script: string): Promise<{ transport: StdioTransport; messages: JSONRPCMessage[]; errors: string[]; closed: Promise<void> }> {
  const transport = new StdioTransport({ command: process.execPath, args: ['-e', script], env: {} });
  const messages: JSONRPCMessage[] = [];
  const errors: string[] = [];
  transport.onmessage = (m) => messages.push(m);
  transport.onerror = (e) => errors.push(e.message);
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await transport.start();
  return { transport, messages, errors, closed };
}

describe('the stdio transport reading a server', () => {
  it('passes on each JSON-RPC line, however the output is cut, and reports and skips the rest', async () => {
    const script = `
      const w = (s) => process.stdout.write(s);
      w('a log line that is not JSON\\n');
      w('{"jsonrpc":"2.0","method":"one"}\\r\\n');
      w('{"jsonrpc":"2.0",');
      setTimeout(() => {
        w('"method":"two"}\\n{"not":"json-rpc"}\\n');
        w('{"jsonrpc":"2.0","method":"three"}\\n{"jsonrpc":"2.0","method":"fo');
        setTimeout(() => w('ur","params":{"text":"é ✓"}}\\n'), 50);
      }, 50);
      process.stdin.on('end', () => process.exit(0)).resume();
    `;
    const { transport, messages, errors } = await reading(script);
    try {
      const deadline = Date.now() + 5000;
      while (messages.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(messages.map((m) => (m as { method: string }).method)).to.deep.equal(['one', 'two', 'three', 'four']);
      expect((messages[3] as { params: unknown }).params).to.deep.equal({ text: 'é ✓' });
      expect(errors).to.have.length(2);
      expect(errors[0]).to.match(/JSON/);
      expect(errors[1]).to.equal('Not a JSON-RPC 2.0 message: {"not":"json-rpc"}');
    } finally {
      await transport.close();
    }
  });

  it('puts a 3 MB message back together from the pieces the pipe delivers', async () => {
    const script = `
      process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'big', params: { text: 'y'.repeat(3 << 20) } }) + '\\n');
      process.stdin.on('end', () => process.exit(0)).resume();
    `;
    const { transport, messages, errors } = await reading(script);
    try {
      const deadline = Date.now() + 5000;
      while (messages.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(errors).to.deep.equal([]);
      expect(messages).to.have.length(1);
      expect((messages[0] as unknown as { params: { text: string } }).params.text).to.have.length(3 << 20);
    } finally {
      await transport.close();
    }
  });

  it('gives up on a server whose line outgrows the limit, and ends it', async () => {
    // 11 MB with no newline, in 1 MB writes; then the child waits for its stdin to close.
    const script = `
      const mb = 'x'.repeat(1 << 20);
      for (let i = 0; i < 11; i++) process.stdout.write(mb);
      process.stdin.on('end', () => process.exit(0)).resume();
    `;
    const { transport, messages, errors, closed } = await reading(script);
    const started = Date.now();
    await closed;
    expect(Date.now() - started).to.be.below(10_000);
    expect(messages).to.have.length(0);
    expect(errors.some((e) => /over \d+ bytes/.test(e))).to.equal(true);
    expect(transport.pid).to.equal(undefined);
  });
});
