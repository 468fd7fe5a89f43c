/**
 * Prompts as an MCP server lists and renders them: `prompts/list` with every
 * page followed (paging.ts), and `prompts/get`. Read leniently, as tools are:
 * a prompt without a name is skipped with a warning, and its `arguments` are
 * kept only where each has a string name. A `prompts/get` result must hold
 * messages whose content items pass the check tool results pass
 * (call-result.ts), else it is a malformed result.
 *
 * The SDK's `listPrompts` and `getPrompt` are not used, for the reasons
 * resources.ts gives. Argument checking is the router's (prompt-routes.ts).
 */
import type { Client, ContentBlock, StandardSchemaV1 } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import { itemProblem } from './call-result.js';
import { listPages, type PageOptions } from './paging.js';
import type { ReadOptions } from './resources.js';
import { isRecord } from '../common/is-record.js';

export interface PromptArgument {
  name: string;
  description?: string;
  required?: boolean;
}

/** A listed prompt: the fields mcpo reads, checked; the rest as sent. */
export type ListedPrompt = Record<string, unknown> & { name: string; arguments?: PromptArgument[] };

export interface PromptMessage {
  role: string;
  content: ContentBlock;
}

export interface RenderedPrompt {
  description?: string;
  messages: PromptMessage[];
}

function toPrompt(raw: unknown): ListedPrompt | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string' || raw.name === '') return undefined;
  const { arguments: args, ...rest } = raw;
  const kept = Array.isArray(args) ? args.filter((a): a is PromptArgument => isRecord(a) && typeof a.name === 'string') : [];
  return { ...rest, name: raw.name, ...(kept.length > 0 ? { arguments: kept } : {}) };
}

export async function listPrompts(client: Client, options: PageOptions, logger: Logger): Promise<ListedPrompt[]> {
  const prompts: ListedPrompt[] = [];
  for (const raw of await listPages(client, 'prompts/list', 'prompts', options, logger)) {
    const prompt = toPrompt(raw);
    if (prompt) prompts.push(prompt);
    else logger.warn('skipped a listed prompt without a name', {});
  }
  return prompts;
}

function messagesProblem(value: unknown): string | undefined {
  if (!isRecord(value) || !Array.isArray(value.messages)) return 'the result has no "messages" array';
  if (value.description !== undefined && typeof value.description !== 'string') return '"description" is not a string';
  for (const message of value.messages) {
    if (!isRecord(message) || typeof message.role !== 'string') return 'a message is not an object with a string "role"';
    const found = itemProblem(message.content);
    if (found) return found;
  }
  return undefined;
}

const GetPromptResultCheck: StandardSchemaV1<unknown, RenderedPrompt> = {
  '~standard': {
    version: 1,
    vendor: 'mcpo',
    validate(value) {
      const found = messagesProblem(value);
      return found === undefined ? { value: value as RenderedPrompt } : { issues: [{ message: found }] };
    },
  },
};

/** The prompt `name` rendered with `args` (strings, as the protocol has them). */
export function getPrompt(client: Client, name: string, args: Record<string, string>, options: ReadOptions): Promise<RenderedPrompt> {
  return client.request({ method: 'prompts/get', params: { name, arguments: args } }, GetPromptResultCheck, {
    timeout: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
