/**
 * `tools/list` as servers really send it: every page followed (paging.ts),
 * each tool taken on its own. The SDK's own result schema rejects a whole page when one
 * property schema is `true` or one tool lacks `type: 'object'`; here a tool
 * without a name is skipped with a warning, and any schema shape is kept for
 * openapi/schema.ts to degrade what it must.
 *
 * On a 2026-07-28 HTTP connection the list also says which tools mirror
 * parameters as `Mcp-Param-*` headers, and leaves out (with a warning) a tool
 * whose `x-mcp-header` declarations break SEP-2243's rules, as a client must.
 */
import type { Client, Tool } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import { listPages } from './paging.js';
import { scanParamHeaders } from './param-headers.js';

export interface ToolList {
  tools: Tool[];
  /** Tools whose parameters are mirrored as headers, by name (empty unless `headerRules`). */
  mirrored: Map<string, Tool>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** A tool from the wire with only the fields mcpo reads, each of the right type; undefined without a name. */
export function toTool(raw: unknown): Tool | undefined {
  const r = record(raw);
  const name = text(r?.name);
  if (!r || !name) return undefined;
  const title = text(r.title);
  const description = text(r.description);
  const annotations = record(r.annotations);
  return {
    name,
    ...(title !== undefined ? { title } : {}),
    ...(description !== undefined ? { description } : {}),
    // Not checked here: schema.ts reads any shape and degrades what it cannot use.
    inputSchema: (r.inputSchema ?? { type: 'object' }) as Tool['inputSchema'],
    ...(r.outputSchema !== undefined ? { outputSchema: r.outputSchema as Tool['outputSchema'] } : {}),
    ...(annotations ? { annotations: annotations as Tool['annotations'] } : {}),
  };
}

/** Every tool the server lists; with `headerRules`, checked against SEP-2243. */
export async function listTools(client: Client, timeoutMs: number, logger: Logger, headerRules: boolean): Promise<ToolList> {
  const listed = await listAllTools(client, timeoutMs, logger);
  const mirrored = new Map<string, Tool>();
  if (!headerRules) return { tools: listed, mirrored };
  const tools = listed.filter((tool) => {
    const scan = scanParamHeaders(tool.inputSchema);
    if (!scan.valid) logger.warn('left out a tool whose x-mcp-header declarations are invalid', { tool: tool.name, reason: scan.reason });
    else if (scan.count > 0) mirrored.set(tool.name, tool);
    return scan.valid;
  });
  return { tools, mirrored };
}

/** Every tool the server lists, page after page (paging.ts). */
async function listAllTools(client: Client, timeoutMs: number, logger: Logger): Promise<Tool[]> {
  const tools: Tool[] = [];
  for (const raw of await listPages(client, 'tools/list', 'tools', { pageTimeoutMs: timeoutMs }, logger)) {
    const tool = toTool(raw);
    if (tool) tools.push(tool);
    else logger.warn('skipped a listed tool without a name', {});
  }
  return tools;
}
