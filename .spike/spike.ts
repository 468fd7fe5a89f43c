import express from 'express';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Server, createMcpHandler, isInputRequiredResult } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Http } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const upstream = new Client({ name: 'spike', version: '0' }, { versionNegotiation: { mode: 'auto' } } as never);
await upstream.connect(new StdioClientTransport({ command: 'node_modules/.bin/mcp-server-everything', args: ['stdio'] }));
const factory = () => {
  const s = new Server({ name: 'proxy', version: '0' }, { capabilities: { tools: { listChanged: true }, prompts: {}, resources: {}, completions: {} } });
  s.setRequestHandler('tools/list', async (req) => await upstream.request({ method: 'tools/list', params: req.params } as never) as never);
  s.setRequestHandler('tools/call', async (req, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    const r = await upstream.request({ method: 'tools/call', params: { name: req.params.name, arguments: req.params.arguments } } as never, {
      signal: ctx.mcpReq.signal,
      onprogress: token === undefined ? undefined : (p: { progress: number; total?: number; message?: string }) => void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...p } }),
    } as never);
    return r as never;
  });
  return s;
};
const handler = createMcpHandler(factory, { legacy: 'stateless', onerror: (e) => console.error('onerror', e.message) });
const app = express();
app.all('/mcp', toNodeHandler(handler));
const server = app.listen(0);
await new Promise((r) => server.once('listening', r));
const url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`);

for (const mode of ['auto', 'legacy'] as const) {
  const c = new Client({ name: 'dn', version: '0' }, { versionNegotiation: { mode } } as never);
  await c.connect(new StreamableHTTPClientTransport(url));
  const tools = await c.listTools();
  const r = await c.callTool({ name: 'echo', arguments: { message: 'hi' } });
  const progress: unknown[] = [];
  const long = await c.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, { onprogress: (p) => progress.push(p) } as never);
  console.log(mode, c.getNegotiatedProtocolVersion?.(), tools.tools.length, JSON.stringify(r.content), progress.length, JSON.stringify(long.content).slice(0, 60));
  await c.close();
}
const v1 = new V1Client({ name: 'v1', version: '0' });
await v1.connect(new V1Http(url));
console.log('v1', (await v1.listTools()).tools.length, JSON.stringify((await v1.callTool({ name: 'echo', arguments: { message: 'v1' } })).content));
await v1.close();
server.close(); await upstream.close(); process.exit(0);
