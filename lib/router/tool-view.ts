/**
 * The view of a server's tool list: what one list, with the catalog of the
 * moment, produces for a router. The tool rules are applied
 * (openapi/tool-rules.ts), the tool table is built (openapi/tools.ts) and the
 * document published (openapi/document.ts, showing what the `documents`
 * option names); the tools under their served names are kept for the MCP
 * endpoint. A view is replaced whole when the list or the catalog changes,
 * so a request reads one consistent view. Connecting and serving are not
 * its business.
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Tool } from '@modelcontextprotocol/client';
import type { Catalog } from '../mcp/catalog.js';
import type { ServerMeta } from '../mcp/upstream.js';
import { buildDocument, servedDocument } from '../openapi/document.js';
import { applyToolRules } from '../openapi/tool-rules.js';
import { buildToolTable, type ServedTool, type ToolTable } from '../openapi/tools.js';
import type { ResolvedOptions } from './resolve-options.js';

/** What one tool list produces; replaced whole when the list changes. */
export interface View {
  table: ToolTable;
  document: OpenAPIV3_1.Document;
  /** The document as JSON, given its `servers` URL. */
  json: (serversUrl: string) => string;
}

export interface ToolView {
  /** The view of the moment; undefined before the first tool list. */
  current(): View | undefined;
  /** The tools of the moment under their served names, for the MCP endpoint. */
  served(): readonly ServedTool[];
  /** One of them by its served name. */
  tool(name: string): ServedTool | undefined;
  /** A new catalog; published at once when the tools are known (at connect the tool list follows and publishes). */
  setCatalog(catalog: Catalog): void;
  /** A new tool list: the rules applied, the table built, the document published. Returns the table calls are served from. */
  setTools(tools: Tool[], meta: ServerMeta): ToolTable;
}

export function toolView(opts: ResolvedOptions): ToolView {
  const { logger } = opts;
  let view: View | undefined;
  let catalog: Catalog = {};
  let listed: { meta: ServerMeta; table: ToolTable } | undefined;
  let served: readonly ServedTool[] = [];
  let servedByName = new Map<string, ServedTool>();

  /** The document of the tools and catalog of the moment (`documents` says what it shows). */
  const publish = (table: ToolTable, meta: ServerMeta): void => {
    const document = buildDocument(table, meta, {
      info: opts.info,
      // A named server's operations are grouped under its name, as in the aggregated document.
      ...(opts.name !== undefined ? { tag: opts.name } : {}),
      structuredOutput: opts.structuredOutput,
      bearerAuth: opts.bearerAuth,
      sections: opts.documents,
      catalog,
    });
    view = { table, document, json: servedDocument(document) };
  };

  return {
    current: () => view,
    served: () => served,
    tool: (name) => servedByName.get(name),
    setCatalog(next) {
      catalog = next;
      if (listed) publish(listed.table, listed.meta);
    },
    setTools(tools, meta) {
      const list = applyToolRules(opts.toolRules, tools, {
        onClash: (kept, skipped, name) =>
          logger.warn('two tools would be served under one name; serving the first, skipping the other (rename or disable one)', { name, kept, skipped }),
        onUnknownOverride: (tool) => logger.warn('"tools" has an entry for a tool the server does not list', { tool }),
      });
      const table = buildToolTable(list, {
        maxRecursion: opts.maxSchemaRecursion,
        onWarning: (tool, message, pointer) =>
          logger.warn('schema degraded to an unconstrained one', { tool, pointer, message }),
      });
      listed = { meta, table };
      served = list;
      servedByName = new Map(list.map((t) => [t.name, t]));
      publish(table, meta);
      return table;
    },
  };
}
