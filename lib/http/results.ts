/**
 * Turns an MCP CallToolResult into the HTTP success body, or into the error
 * a tool reported. Pure.
 *
 * The default body is `{ ok: true, result }`; with structuredOutput the body
 * also carries `output: { type: 'collection', items }`, one typed item per
 * content item, so a client can tell text from an image without guessing.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { capData, capText, ToolError } from './errors.js';

export type OutputItemType = 'text' | 'scalar' | 'list' | 'object' | 'null' | 'image' | 'audio' | 'resource';

export interface OutputItem {
  type: OutputItemType;
  value: unknown;
  mimeType?: string;
}

export interface SuccessBody {
  ok: true;
  result: unknown;
  output?: { type: 'collection'; items: OutputItem[] };
}

type ContentItem = CallToolResult['content'][number];

function dataUri(mimeType: string | undefined, base64: string): string {
  return `data:${mimeType || 'application/octet-stream'};base64,${base64}`;
}

/** Text that is JSON becomes its value; other text stays a string. */
function parseText(text: string): { parsed: boolean; value: unknown } {
  const first = text.trimStart()[0];
  // Only try what could be JSON; JSON.parse on every plain sentence is wasted work.
  if (first === undefined || !'{["-0123456789tfn'.includes(first)) return { parsed: false, value: text };
  try {
    return { parsed: true, value: JSON.parse(text) };
  } catch {
    return { parsed: false, value: text };
  }
}

function classify(value: unknown): OutputItemType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'object';
  return 'scalar';
}

/** One content item as mcpo answers it: text (or the JSON it holds), images and audio as data URIs, resources by their text or a data URI. */
export function toOutputItem(item: ContentItem): OutputItem {
  switch (item.type) {
    case 'text': {
      const { parsed, value } = parseText(item.text);
      return { type: parsed ? classify(value) : 'text', value };
    }
    case 'image':
    case 'audio':
      return { type: item.type, value: dataUri(item.mimeType, item.data), mimeType: item.mimeType };
    case 'resource': {
      const r = item.resource;
      const value = 'text' in r ? r.text : dataUri(r.mimeType, r.blob);
      return { type: 'resource', value, ...(r.mimeType ? { mimeType: r.mimeType } : {}) };
    }
    case 'resource_link':
      return { type: 'resource', value: item, ...(item.mimeType ? { mimeType: item.mimeType } : {}) };
    default:
      // A content type newer than this SDK: pass it through untouched.
      return { type: 'object', value: item };
  }
}

function resultValue(content: readonly ContentItem[], items: readonly OutputItem[]): unknown {
  if (content.length === 0) return null;
  if (items.length === 1) return items[0]!.value;
  return items.map((i) => i.value);
}

/** The success body for a result that is not an error. */
export function toSuccessBody(result: CallToolResult, structuredOutput: boolean): SuccessBody {
  const content = Array.isArray(result.content) ? result.content : [];
  const items = content.map(toOutputItem);
  const structured = result.structuredContent;
  const body: SuccessBody = { ok: true, result: structured !== undefined ? structured : resultValue(content, items) };
  if (structuredOutput) {
    const outputItems = items.length === 0 && structured !== undefined ? [{ type: classify(structured), value: structured }] : items;
    body.output = { type: 'collection', items: outputItems };
  }
  return body;
}

/** The error a tool reported with `isError`: its text is the message, capped. */
export function toToolError(result: CallToolResult): ToolError {
  const content = Array.isArray(result.content) ? result.content : [];
  const text = content
    .filter((c): c is Extract<ContentItem, { type: 'text' }> => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
  const message = capText(text || 'The tool reported an error');
  const others = content.filter((c) => c.type !== 'text');
  return new ToolError(message, others.length > 0 ? capData({ content: others.map((c) => toOutputItem(c).value) }) : undefined);
}
