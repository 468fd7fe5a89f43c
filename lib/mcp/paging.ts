/**
 * A paginated MCP list (`tools/list`, `resources/list`, `resources/templates/list`,
 * `prompts/list`) followed page after page, read leniently: the page must hold
 * an array under its key, and each entry is kept as sent for the caller to
 * take or skip on its own. The SDK's result schemas reject a whole page for
 * one odd entry. A server that pages forever, or repeats a cursor, stops the
 * walk with a warning and what was received so far.
 */
import type { Client } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { Logger } from '../common/log.js';

export type ListMethod = 'tools/list' | 'resources/list' | 'resources/templates/list' | 'prompts/list';

export interface PageOptions {
  /** The most one page may take. */
  pageTimeoutMs: number;
  /** When given, the whole walk must end by then (ms since the epoch); a page gets what is left. */
  deadline?: number;
  signal?: AbortSignal;
}

/** A server that pages forever (or repeats a cursor) must not hang the router. */
export const MAX_LIST_PAGES = 1000;

const pageSchemas = new Map<string, z.ZodType<{ items: unknown[]; nextCursor?: string | undefined }>>();

/** `{ <key>: unknown[], nextCursor?: string }`, anything else let through; as `{ items, nextCursor }`. */
function pageSchema(key: string): z.ZodType<{ items: unknown[]; nextCursor?: string | undefined }> {
  let schema = pageSchemas.get(key);
  if (!schema) {
    schema = z
      .looseObject({ [key]: z.array(z.unknown()), nextCursor: z.string().optional() })
      .transform((page) => ({ items: page[key] as unknown[], nextCursor: page.nextCursor as string | undefined }));
    pageSchemas.set(key, schema);
  }
  return schema;
}

/** Every entry under `key` of every page of `method`. */
export async function listPages(client: Client, method: ListMethod, key: string, options: PageOptions, logger: Logger): Promise<unknown[]> {
  const items: unknown[] = [];
  const seen = new Set<string>();
  const schema = pageSchema(key);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const left = options.deadline === undefined ? options.pageTimeoutMs : Math.min(options.pageTimeoutMs, options.deadline - Date.now());
    const result = await client.request({ method, params: cursor === undefined ? {} : { cursor } }, schema, {
      timeout: Math.max(1, left),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    items.push(...result.items);
    cursor = result.nextCursor;
    if (cursor === undefined || cursor === '') return items;
    if (seen.has(cursor)) break;
    seen.add(cursor);
  }
  logger.warn(`${method} kept paging; using the entries received so far`, { count: items.length });
  return items;
}
