/**
 * Builds OpenAPI 3.1 documents from a tool table: the published one (every
 * request schema self-contained, for Open WebUI and LLM function calling) and
 * the small per-tool documents the argument validator is built from.
 *
 * Pure: it builds documents; serving them is the router's job, and the
 * `servers` entry is filled in per request from the mount path.
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { ServerMeta } from '../mcp/upstream.js';
import { CONTINUATION_PARAMETER, ERROR_SCHEMA, errorResponses, INPUT_REQUIRED_SCHEMA } from './error-responses.js';
import { requestExample } from './example.js';
import { scopedSchema } from './schema.js';
import type { ToolEntry, ToolTable } from './tools.js';
import type { Catalog } from '../mcp/catalog.js';
import { featurePaths, featureTags, type DocumentSection, type PathItems } from './features.js';

export interface DocumentOptions {
  info: Readonly<{ title?: string; description?: string; version?: string }>;
  structuredOutput: boolean;
  /** The tag every operation carries, so Swagger UI groups them under it. @default the document's title */
  tag?: string;
  /** Declare that calls need `Authorization: Bearer <key>` (Swagger UI then offers "Authorize"). */
  bearerAuth?: boolean;
  /** What the document shows (features.ts). @default ['tools'] */
  sections?: readonly DocumentSection[];
  /** The resources and prompts to describe, when `sections` shows them. @default none listed */
  catalog?: Catalog;
}

/** The security scheme a bearer-protected document declares, shared with the aggregated document. */
export const BEARER_SCHEME: OpenAPIV3_1.HttpSecurityScheme = Object.freeze({
  type: 'http',
  scheme: 'bearer',
  description: 'The API key mcpo was started with.',
}) as OpenAPIV3_1.HttpSecurityScheme;

type Schema = OpenAPIV3_1.SchemaObject;

const OUTPUT_ITEM_SCHEMA: Schema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['text', 'scalar', 'list', 'object', 'null', 'image', 'audio', 'resource'] },
    value: {},
    mimeType: { type: 'string' },
  },
};

/** The 200 answer to `Accept: text/event-stream` (lib/http/event-stream.ts). */
const EVENT_STREAM_CONTENT: OpenAPIV3_1.MediaTypeObject = {
  schema: {
    type: 'string',
    description:
      'Server-Sent Events. `event: progress` for each progress notification of the MCP server, its `data` `{"progress": 1, "total": 5, "message": "…"}` (`total` and `message` when the server sent them); ' +
      'then one `event: result` whose `data` is the body the `application/json` answer would have had, or one `event: error` whose `data` is the error body (`{"ok": false, "error": {"message", "code"}}`, e.g. code `timeout`); then the stream ends. ' +
      'Errors found before the call starts (a bad timeout, unknown tool, invalid arguments) still answer as JSON with their status. Lines starting with `:` are keep-alive comments.',
  },
  example: 'event: progress\ndata: {"progress":1,"total":2}\n\nevent: progress\ndata: {"progress":2,"total":2}\n\nevent: result\ndata: {"ok":true,"result":"done"}\n\n',
};

/** A schema's `$id` in a document: unique there because operationIds are. */
export function schemaId(operationId: string, which: 'input' | 'output'): string {
  return `urn:mcpo:${operationId}:${which}`;
}

function successSchema(entry: ToolEntry, structuredOutput: boolean): Schema {
  const result = (entry.outputSchema ? scopedSchema(entry.outputSchema, schemaId(entry.operationId, 'output')) : {
    description: 'The tool’s result: parsed JSON, text, a data: URI, or an array of these.',
  }) as Schema;
  const properties: Record<string, Schema> = { ok: { const: true } as Schema, result };
  const required = ['ok', 'result'];
  if (structuredOutput) {
    properties.output = {
      type: 'object',
      required: ['type', 'items'],
      properties: { type: { const: 'collection' } as Schema, items: { type: 'array', items: OUTPUT_ITEM_SCHEMA } },
    };
    required.push('output');
  }
  return { type: 'object', required, properties };
}

/** What a tool's operation documents beyond the tool itself. */
interface OperationContext {
  tag: string;
  /** The server speaks 2026-07-28, where a tool may answer `input_required`: document the 409 and `Mcp-Continuation`. */
  asksForInput: boolean;
}

function operation(entry: ToolEntry, options: DocumentOptions, context: OperationContext): OpenAPIV3_1.OperationObject<{ 'x-mcp-tool': string }> {
  const { tool } = entry;
  const title = tool.title ?? tool.annotations?.title;
  const responses: OpenAPIV3_1.ResponsesObject = {
    '200': {
      description: 'The tool’s result; with `Accept: text/event-stream`, its progress and then its result as Server-Sent Events',
      content: { 'application/json': { schema: successSchema(entry, options.structuredOutput) }, 'text/event-stream': EVENT_STREAM_CONTENT },
    },
    ...errorResponses(options.bearerAuth, context.asksForInput),
  };
  // Swagger UI's "Try it out" starts from this body rather than "string" in every field.
  const example = requestExample(entry.inputSchema);
  return {
    operationId: entry.operationId,
    // The MCP name, for clients and tools that map operations back to tools.
    'x-mcp-tool': tool.name,
    tags: [context.tag],
    summary: title ?? entry.servedName,
    description: entry.description || `Calls the MCP tool \`${tool.name}\`.`,
    ...(context.asksForInput ? { parameters: [CONTINUATION_PARAMETER] } : {}),
    requestBody: {
      required: entry.bodyRequired,
      content: { 'application/json': { schema: scopedSchema(entry.inputSchema, schemaId(entry.operationId, 'input')) as Schema, ...(example !== undefined ? { example } : {}) } },
    },
    responses,
  };
}

/** The published document, without `servers` (the router adds it per mount path). */
export function buildDocument(table: ToolTable, meta: ServerMeta, options: DocumentOptions): OpenAPIV3_1.Document {
  const { serverInfo } = meta;
  const title = options.info.title ?? serverInfo.title ?? serverInfo.name;
  const tag = options.tag ?? title;
  const sections = options.sections ?? ['tools'];
  const tools = sections.includes('tools') ? table.entries : [];
  // openapi-types mixes 3.0 types into 3.1 path items; build loosely, type the whole.
  const paths: PathItems = {};
  // Only a 2026-07-28 server can answer `input_required`; a 2025-era one asks by a request mcpo declines.
  const asksForInput = meta.era === 'modern';
  for (const entry of tools) {
    paths[`/${entry.path}`] = { post: operation(entry, options, { tag, asksForInput }) };
  }
  const featureOptions = { sections, toolTag: tag, takenIds: table.entries.map((e) => e.operationId), ...(options.bearerAuth ? { bearerAuth: true } : {}) };
  // A tool named `resources` or `prompts` shares its path with a list: POST is the tool, GET the list.
  for (const [path, item] of Object.entries(featurePaths(options.catalog ?? {}, featureOptions))) paths[path] = { ...paths[path], ...item };
  const toolsTag = { name: tag, description: tag !== title ? title : `The tools of the MCP server ${serverInfo.name}.` };
  const tags = [...(sections.includes('tools') ? [toolsTag] : []), ...featureTags(featureOptions).declared];
  const description = options.info.description || meta.instructions || `The tools of the MCP server ${serverInfo.name}.`;
  return {
    openapi: '3.1.0',
    info: {
      title,
      version: options.info.version ?? serverInfo.version,
      description,
    },
    tags,
    paths: paths as OpenAPIV3_1.PathsObject,
    components: {
      schemas: { Error: ERROR_SCHEMA, ...(asksForInput && tools.length > 0 ? { InputRequired: INPUT_REQUIRED_SCHEMA } : {}) },
      ...(options.bearerAuth ? { securitySchemes: { bearerAuth: BEARER_SCHEME } } : {}),
    },
    security: securityOf(options.bearerAuth),
  };
}

/**
 * The document-wide requirement: the bearer key, or an explicit `[]` that
 * says the operations are open (a linter cannot tell a missing requirement
 * from a forgotten one).
 */
export function securityOf(bearerAuth: boolean | undefined): OpenAPIV3_1.SecurityRequirementObject[] {
  return bearerAuth ? [{ bearerAuth: [] }] : [];
}

/** The `servers` URL for a document served at `baseUrl` behind a proxy that strips `rootPath`. */
export function serversUrl(rootPath: string, baseUrl: string): string {
  return rootPath + baseUrl || '/';
}

/** A router is mounted at few paths; a bound keeps a misconfigured app from caching without end. */
const MAX_SERVED_URLS = 16;

/**
 * A document as served: serialized once per `servers` URL (the mount path,
 * known only per request) and kept, so a request never re-serializes it.
 */
export function servedDocument(document: OpenAPIV3_1.Document): (serversUrl: string) => string {
  const cache = new Map<string, string>();
  return (serversUrl) => {
    let json = cache.get(serversUrl);
    if (json === undefined) {
      const { openapi, info, ...rest } = document;
      json = JSON.stringify({ openapi, info, servers: [{ url: serversUrl }], ...rest });
      if (cache.size < MAX_SERVED_URLS) cache.set(serversUrl, json);
    }
    return json;
  };
}
