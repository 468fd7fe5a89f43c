/**
 * A small to-do list over stdio, written with the v2 SDK
 * (`@modelcontextprotocol/server`), so it speaks MCP 2026-07-28 as well as
 * the 2025 era. `clear_todos` asks the user to confirm before it deletes
 * anything: on 2026-07-28 that is an `input_required` answer, which mcpo
 * hands to its caller as a 409 (see "Tools that ask for input" in the README).
 *
 * The list lives in this process and is gone when it exits.
 */
import { randomBytes } from 'node:crypto';
import {
  McpServer,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  type CallToolResult,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

const todos: string[] = [];
/** Signs the state this server hands out with its question, so it can trust what comes back. */
const states = createRequestStateCodec<{ count: number }>({ key: randomBytes(32) });
const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const items = (n: number): string => `${n} item${n === 1 ? '' : 's'}`;

function createServer(): McpServer {
  const server = new McpServer({ name: 'todo', version: '1.0.0' }, { requestState: { verify: states.verify } });
  server.registerTool(
    'add_todo',
    {
      description: 'Adds an item to the to-do list.',
      inputSchema: fromJsonSchema<{ item: string }>({
        type: 'object',
        properties: { item: { type: 'string', minLength: 1, description: 'What to do.', examples: ['water the plants'] } },
        required: ['item'],
      }),
    },
    ({ item }) => {
      todos.push(item);
      return text(`added "${item}" (${items(todos.length)} in all)`);
    },
  );
  server.registerTool(
    'list_todos',
    { description: 'Lists the to-do items, oldest first.', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) },
    () => text(JSON.stringify(todos)),
  );
  server.registerTool(
    'clear_todos',
    {
      description: 'Deletes every item, once the user confirms.',
      inputSchema: fromJsonSchema({ type: 'object', properties: {} }),
    },
    async (_args: unknown, ctx: ServerContext) => {
      const answer = ctx.mcpReq.inputResponses?.confirm as { action?: string; content?: { confirm?: boolean } } | undefined;
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: `Really delete ${items(todos.length)}?`,
              requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Delete them' } }, required: ['confirm'] },
            }),
          },
          requestState: await states.mint({ count: todos.length }),
        });
      }
      if (answer.action !== 'accept' || answer.content?.confirm !== true) return text('kept every item');
      return text(`deleted ${items(todos.splice(0).length)}`);
    },
  );
  return server;
}

serveStdio(createServer);
