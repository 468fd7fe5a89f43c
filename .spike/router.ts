import express from 'express';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Http } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mcpoRouter, silentLogger } from '../lib/index.js';
import { everythingStdio, modernStdio } from '../test/helpers/servers.js';

for (const [label, spec] of [['everything', everythingStdio()], ['modern', modernStdio()]] as const) {
  const router = mcpoRouter(spec, { logger: silentLogger });
  await router.ready();
  const app = express().use('/s', router);
  const server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/s/mcp`);
  for (const mode of ['auto', 'legacy'] as const) {
    const c = new Client({ name: 'dn', version: '0' }, { versionNegotiation: { mode }, inputRequired: { autoFulfill: false } } as never);
    await c.connect(new StreamableHTTPClientTransport(url));
    const tools = await c.listTools();
    const first = tools.tools[0]!.name;
    const echo = await c.callTool({ name: 'echo', arguments: { message: 'hi' } }).catch((e) => String(e));
    const caps = c.getServerCapabilities();
    let res = '';
    if (caps?.resources) res = String((await c.listResources()).resources.length);
    let pr = '';
    if (caps?.prompts) pr = String((await c.listPrompts()).prompts.length);
    console.log(label, mode, c.getNegotiatedProtocolVersion(), tools.tools.length, first, JSON.stringify(echo).slice(0, 80), 'res', res, 'prompts', pr, Object.keys(caps ?? {}));
    await c.close();
  }
  const v1 = new V1Client({ name: 'v1', version: '0' });
  await v1.connect(new V1Http(url));
  console.log(label, 'v1', (await v1.listTools()).tools.length, JSON.stringify((await v1.callTool({ name: 'echo', arguments: { message: 'v1' } })).content));
  await v1.close();
  server.close();
  await router.close();
}
process.exit(0);
