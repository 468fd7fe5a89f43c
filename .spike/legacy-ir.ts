import express from 'express';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Http } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { mcpoRouter, silentLogger } from '../lib/index.js';
import { modernStdio } from '../test/helpers/servers.js';
const router = mcpoRouter(modernStdio(), { logger: silentLogger });
await router.ready();
const server = express().use(router).listen(0);
await new Promise((r) => server.once('listening', r));
const url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`);
const v1 = new V1Client({ name: 'v1', version: '0' }, { capabilities: { elicitation: {} } });
v1.setRequestHandler(ElicitRequestSchema, async (req) => { console.log('elicit asked', JSON.stringify(req.params).slice(0, 100)); return { action: 'accept', content: { confirm: true } }; });
await v1.connect(new V1Http(url));
try { console.log(JSON.stringify(await v1.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } }))); } catch (e) { console.log('ERR', String(e)); }
await v1.close(); server.close(); await router.close(); process.exit(0);
