/**
 * The MCP server every benchmark scenario talks to, over stdio.
 *
 *   server.ts [--tools N] [--startup-delay MS] [--tag TEXT]
 *
 * Tools: `ping` (no arguments, answers "pong"), `nested` (a nested object
 * argument with constraints, so validation has real work), and fillers up to
 * N tools in all (default 16), each with its own small schema.
 * --startup-delay waits before speaking MCP, like a server that loads a model
 * or opens a database first; it is time spent waiting, not computing.
 */
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const { values } = parseArgs({
  options: {
    tools: { type: 'string', default: '16' },
    'startup-delay': { type: 'string', default: '0' },
    tag: { type: 'string', default: '' },
  },
  strict: true,
});

export const NESTED_SCHEMA = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100 },
        age: { type: 'integer', minimum: 0, maximum: 150 },
        address: {
          type: 'object',
          properties: { street: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
          required: ['zip'],
        },
      },
      required: ['name'],
    },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 10 },
  },
  required: ['user'],
} as const;

const count = Math.max(2, Number(values.tools));
const tools: Tool[] = [
  { name: 'ping', description: 'Answers pong.', inputSchema: { type: 'object' } },
  { name: 'nested', description: 'Takes a nested object and answers ok.', inputSchema: NESTED_SCHEMA as unknown as Tool['inputSchema'] },
];
for (let i = tools.length; i < count; i++) {
  tools.push({
    name: `filler_${String(i).padStart(4, '0')}`,
    description: `Filler tool ${i}.`,
    inputSchema: { type: 'object', properties: { value: { type: 'integer', minimum: i } }, required: ['value'] },
  });
}

const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
server.setRequestHandler(CallToolRequestSchema, (request) => ({
  content: [{ type: 'text', text: request.params.name === 'ping' ? 'pong' : `ok${values.tag}` }],
}));

const delay = Number(values['startup-delay']);
if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
await server.connect(new StdioServerTransport());
