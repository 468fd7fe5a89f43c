/**
 * Resources as an MCP server lists and reads them: `resources/list` and
 * `resources/templates/list` with every page followed (paging.ts), and
 * `resources/read`. Read leniently, as tools are: an entry without its
 * `uri` (or `uriTemplate`) is skipped with a warning, other fields are kept
 * as sent; a read result must hold contents that each carry a string `text`
 * or `blob`, else it is a malformed result.
 *
 * The SDK's `listResources` and `readResource` are not used: their result
 * schemas are strict (one odd entry fails the whole page), and its list
 * helpers cache answers, when a REST caller expects each GET to ask the
 * server. It sends no request of its own when the server does not offer
 * resources; upstream.ts checks that first.
 */
import type { Client, StandardSchemaV1 } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import { listPages, type PageOptions } from './paging.js';
import { isRecord } from '../common/is-record.js';

type Entry = Record<string, unknown>;

/** One item of `contents`: the text or the base64 bytes of a resource, with its URI and MIME type. */
export type ResourceContent = { uri: string; mimeType?: string; _meta?: unknown } & ({ text: string } | { blob: string });

/** The entries that carry a string `field`; the others are skipped and said so. */
async function listed(client: Client, method: 'resources/list' | 'resources/templates/list', key: string, field: string, options: PageOptions, logger: Logger): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const raw of await listPages(client, method, key, options, logger)) {
    if (isRecord(raw) && typeof raw[field] === 'string') entries.push(raw);
    else logger.warn(`skipped an entry of ${method} without a "${field}"`, {});
  }
  return entries;
}

export function listResources(client: Client, options: PageOptions, logger: Logger): Promise<Entry[]> {
  return listed(client, 'resources/list', 'resources', 'uri', options, logger);
}

export function listResourceTemplates(client: Client, options: PageOptions, logger: Logger): Promise<Entry[]> {
  return listed(client, 'resources/templates/list', 'resourceTemplates', 'uriTemplate', options, logger);
}

function contentProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'a content item is not an object';
  if (typeof item.text !== 'string' && typeof item.blob !== 'string') return 'a content item has neither a string "text" nor "blob"';
  if (item.mimeType !== undefined && typeof item.mimeType !== 'string') return 'a content item\'s "mimeType" is not a string';
  return undefined;
}

const ReadResourceResultCheck: StandardSchemaV1<unknown, ResourceContent[]> = {
  '~standard': {
    version: 1,
    vendor: 'mcpo',
    validate(value) {
      if (!isRecord(value) || !Array.isArray(value.contents)) return { issues: [{ message: 'the result has no "contents" array' }] };
      for (const item of value.contents) {
        const found = contentProblem(item);
        if (found) return { issues: [{ message: found }] };
      }
      return { value: value.contents as ResourceContent[] };
    },
  },
};

export interface ReadOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The contents of the resource at `uri` (a listed one, or a template filled in). */
export function readResource(client: Client, uri: string, options: ReadOptions): Promise<ResourceContent[]> {
  return client.request({ method: 'resources/read', params: { uri } }, ReadResourceResultCheck, {
    timeout: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
