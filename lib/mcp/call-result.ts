/**
 * The check every `tools/call` result passes before mcpo reads it: a
 * Standard Schema, so the SDK runs it where it would run its own result
 * schema. The SDK's zod schema for CallToolResult builds an error object for
 * each union member a content item does not match, and cost 0.017 ms of the
 * 0.047 ms mcpo's client spent per call (test/bench/, `npm run bench`); this
 * check takes well under a microsecond and keeps what mcpo relies on:
 *
 * - the result is an object, `content` an array (absent means empty, as the
 *   specification's default), `isError` a boolean when present;
 * - each content item is an object with a string `type`, and the items mcpo
 *   turns into values (http/results.ts) carry the fields it reads, with the
 *   types it expects. An item of a type newer than this check passes as it
 *   is, and results.ts passes it on untouched.
 */
import type { CallToolResult, StandardSchemaV1 } from '@modelcontextprotocol/client';
import { isRecord } from '../common/is-record.js';

const isString = (value: unknown): value is string => typeof value === 'string';

/** What is wrong with one content item, or undefined; prompts.ts checks prompt messages with it too. */
export function itemProblem(item: unknown): string | undefined {
  if (!isRecord(item) || !isString(item.type)) return 'a content item is not an object with a string "type"';
  switch (item.type) {
    case 'text':
      return isString(item.text) ? undefined : 'a text item has no string "text"';
    case 'image':
    case 'audio':
      return isString(item.data) && isString(item.mimeType) ? undefined : `an ${item.type} item lacks "data" or "mimeType"`;
    case 'resource': {
      const resource = item.resource;
      if (!isRecord(resource) || !isString(resource.uri)) return 'a resource item has no "resource" with a "uri"';
      return isString(resource.text) || isString(resource.blob) ? undefined : 'a resource item has neither "text" nor "blob"';
    }
    case 'resource_link':
      return isString(item.uri) && isString(item.name) ? undefined : 'a resource_link item lacks "uri" or "name"';
    default:
      return undefined;
  }
}

function problem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the result is not an object';
  if (value.isError !== undefined && typeof value.isError !== 'boolean') return '"isError" is not a boolean';
  const { content } = value;
  if (content === undefined) return undefined;
  if (!Array.isArray(content)) return '"content" is not an array';
  for (const item of content) {
    const found = itemProblem(item);
    if (found) return found;
  }
  return undefined;
}

export const CallToolResultCheck: StandardSchemaV1<unknown, CallToolResult> = {
  '~standard': {
    version: 1,
    vendor: 'mcpo',
    validate(value) {
      const found = problem(value);
      if (found !== undefined) return { issues: [{ message: found }] };
      const result = value as Record<string, unknown>;
      return { value: (result.content === undefined ? { ...result, content: [] } : result) as CallToolResult };
    },
  },
};
