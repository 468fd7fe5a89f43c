/**
 * The MCP server every benchmark scenario talks to, over stdio.
 *
 *   server.ts [--tools N] [--startup-delay MS] [--tag TEXT]
 *
 * Tools: `ping` (no arguments, answers "pong"), `nested` (a nested object
 * argument with constraints, so validation has real work), and fillers up to
 * N tools in all (default 16), each with its own small schema. One static
 * text resource and one prompt, `greet` (argument `name`), so the bench can
 * load `resources/read` and `prompts/get` too; test/bench/mcp-targets.ts
 * checks their answers against the same text.
 * --startup-delay waits before speaking MCP, like a server that loads a model
 * or opens a database first; it is time spent waiting, not computing.
 */
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

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

const RESOURCE = { uri: 'bench://static/text', name: 'text', mimeType: 'text/plain' };
const RESOURCE_TEXT = 'A small static text.';
const PROMPT = { name: 'greet', description: 'Greets someone.', arguments: [{ name: 'name', required: true }] };

const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {}, resources: {}, prompts: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
server.setRequestHandler(CallToolRequestSchema, (request) => ({
  content: [{ type: 'text', text: request.params.name === 'ping' ? 'pong' : `ok${values.tag}` }],
}));
server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [RESOURCE] }));
// mcpo lists templates too when resources are offered; without this it would warn at every connect.
server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [] }));
server.setRequestHandler(ReadResourceRequestSchema, (request) => {
  // -32002 is the spec's code for an unknown resource; the v1 SDK's ErrorCode has no name for it.
  if (request.params.uri !== RESOURCE.uri) throw new McpError(-32002, `Resource not found: ${request.params.uri}`);
  return { contents: [{ uri: RESOURCE.uri, mimeType: RESOURCE.mimeType, text: RESOURCE_TEXT }] };
});
server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [PROMPT] }));
server.setRequestHandler(GetPromptRequestSchema, (request) => {
  if (request.params.name !== PROMPT.name) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
  return { messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${request.params.arguments?.name ?? 'stranger'}.` } }] };
});

const delay = Number(values['startup-delay']);
if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
await server.connect(new StdioServerTransport());
