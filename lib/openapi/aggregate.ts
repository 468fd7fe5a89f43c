/**
 * One OpenAPI document for many servers: every server's operations under its
 * mount path, tagged with the server's name, so a client given one URL sees
 * every tool. Pure: the app serves it and fills in `servers`.
 *
 * operationIds become `<server>_<operationId>` (or stay as they are for a
 * server whose tools carry a prefix of their own), run through the same naming
 * rule as tools (tools.ts), so they stay unique across servers and still match
 * the pattern Open WebUI and LLM function calling accept. A server's
 * resource and prompt operations (features.ts), when its document shows
 * them, come along under `<server> resources` / `<server> prompts` tags and
 * always take the server's prefix. A schema's `$id`
 * (document.ts gives one to schemas that declare anchors) follows its
 * operationId, so two servers' copies of one tool do not share it.
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import { BEARER_SCHEME, schemaId, securityOf } from './document.js';
import { assignOperationIds } from './tools.js';

export interface DocumentPart {
  /** The server's name: its tag and operationId prefix. */
  name: string;
  /** Where its routes live relative to the aggregated document's base, e.g. `/time`. */
  path: string;
  /** Its document, or undefined while it has none (not connected yet). */
  document: OpenAPIV3_1.Document | undefined;
  /** Its tools carry a prefix already (`toolPrefix`): their operationIds are kept, not prefixed again. @default false */
  prefixed?: boolean;
}

export interface AggregateInfo {
  title: string;
  version: string;
  /** @default a list of the servers with links to their own docs */
  description?: string;
  /** Declare that calls need a bearer key, as the servers' own documents do. @default false */
  bearerAuth?: boolean;
}

type Operation = OpenAPIV3_1.OperationObject;
// A walk into a shape document.ts built; the OpenAPI types make each step optional.
type Loose = Record<string, any>;

/** The operation under its aggregated operationId, its schemas' `$id`s following it. */
function reidentified(operation: Operation, operationId: string): Operation {
  const input = (operation.requestBody as Loose | undefined)?.content?.['application/json']?.schema;
  const output = (operation.responses?.['200'] as Loose | undefined)?.content?.['application/json']?.schema?.properties?.result;
  if (input?.$id === undefined && output?.$id === undefined) return { ...operation, operationId };
  // Copied only for the rare tool whose schemas declare anchors; others share the server document's objects.
  const copy = structuredClone(operation) as Loose;
  if (input?.$id !== undefined) copy.requestBody.content['application/json'].schema.$id = schemaId(operationId, 'input');
  if (output?.$id !== undefined) copy.responses['200'].content['application/json'].schema.properties.result.$id = schemaId(operationId, 'output');
  return { ...copy, operationId };
}

function serverList(parts: readonly DocumentPart[]): string {
  const lines = parts.map((p) => {
    const title = p.document?.info.title;
    const state = p.document ? '' : ' (not connected)';
    // Relative links: the docs page lives at <base>/docs, each server's at <base>/<name>/docs.
    return `- [${p.name}](.${p.path}/docs)${title && title !== p.name ? ` — ${title}` : ''}${state}`;
  });
  return lines.length > 0 ? `Tools of ${lines.length} MCP server(s). Each also has its own docs:\n\n${lines.join('\n')}` : 'No MCP servers are configured.';
}

/**
 * The feature an operation of a server's document belongs to (features.ts),
 * or undefined for a tool: tools are POSTs at one path segment, so every GET
 * and every POST under `/prompts/` is a resource or prompt operation.
 */
function featureOf(path: string, method: 'get' | 'post'): 'resources' | 'prompts' | undefined {
  if (method === 'get') return path.startsWith('/resources') ? 'resources' : 'prompts';
  return path.startsWith('/prompts/') ? 'prompts' : undefined;
}

export function aggregateDocuments(parts: readonly DocumentPart[], info: AggregateInfo): OpenAPIV3_1.Document {
  const found: { part: DocumentPart; path: string; method: 'get' | 'post'; operation: Operation; feature?: 'resources' | 'prompts' }[] = [];
  for (const part of parts) {
    for (const [path, item] of Object.entries(part.document?.paths ?? {})) {
      for (const method of ['get', 'post'] as const) {
        const operation = item?.[method] as Operation | undefined;
        const feature = operation && featureOf(path, method);
        if (operation) found.push({ part, path, method, operation, ...(feature ? { feature } : {}) });
      }
    }
  }
  const ids = assignOperationIds(
    found.map(({ part, operation, feature }) => (part.prefixed && !feature ? operation.operationId ?? 'tool' : `${part.name}_${operation.operationId ?? 'tool'}`)),
  );

  const paths: Record<string, { get?: Operation; post?: Operation }> = {};
  const featureTags = new Map<string, string>();
  found.forEach(({ part, path, method, operation, feature }, i) => {
    const tag = feature ? `${part.name} ${feature}` : part.name;
    if (feature) featureTags.set(tag, `The ${feature} of ${part.name}.`);
    const key = `${part.path}${path}`;
    paths[key] = { ...paths[key], [method]: { ...reidentified(operation, ids[i]!), tags: [tag] } };
  });
  // Every server's document is built by document.ts with the same shared components (Error), so the first copy stands for all.
  const schemas: Record<string, OpenAPIV3_1.SchemaObject> = {};
  for (const part of parts) {
    for (const [key, schema] of Object.entries(part.document?.components?.schemas ?? {})) {
      if (!Object.hasOwn(schemas, key)) schemas[key] = schema;
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description ?? serverList(parts) },
    tags: [
      ...parts.map((p) => ({ name: p.name, ...(p.document?.info.title ? { description: p.document.info.title } : {}) })),
      ...[...featureTags].map(([name, description]) => ({ name, description })),
    ],
    paths: paths as OpenAPIV3_1.PathsObject,
    components: { schemas, ...(info.bearerAuth ? { securitySchemes: { bearerAuth: BEARER_SCHEME } } : {}) },
    security: securityOf(info.bearerAuth),
  };
}
