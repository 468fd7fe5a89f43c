/**
 * A published document (document.ts) with some operations left out: what one
 * caller sees when access lists hide tools from them, or the whole server.
 * The operations kept are the same objects, so their operationIds, schemas
 * and `$id`s stay what the whole document has; path items left empty go,
 * and so do component schemas nothing kept refers to (an unused component
 * is a linter's warning). Tags stay declared: a document has at least one.
 * Pure; the router keeps one filtered document per access set
 * (router/caller-view.ts).
 */
import type { OpenAPIV3_1 } from 'openapi-types';

type Operation = OpenAPIV3_1.OperationObject<{ 'x-mcp-tool'?: string }>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * `document` with only the operations `keep` accepts. A tool's operation
 * carries its MCP name in `x-mcp-tool`; resource and prompt operations
 * (features.ts) carry none.
 */
export function filteredDocument(document: OpenAPIV3_1.Document, keep: (operation: Operation) => boolean): OpenAPIV3_1.Document {
  const paths: Record<string, OpenAPIV3_1.PathItemObject> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!item) continue;
    const kept: Record<string, unknown> = { ...item };
    let operations = 0;
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation === undefined) continue;
      if (keep(operation)) operations++;
      else delete kept[method];
    }
    if (operations > 0) paths[path] = kept as OpenAPIV3_1.PathItemObject;
  }
  const schemas = referencedSchemas(document.components?.schemas ?? {}, JSON.stringify(paths));
  return { ...document, paths, components: { ...document.components, schemas } };
}

/** The component schemas `json` refers to, and those they refer to in turn. */
function referencedSchemas(all: Record<string, OpenAPIV3_1.SchemaObject>, json: string): Record<string, OpenAPIV3_1.SchemaObject> {
  const kept: Record<string, OpenAPIV3_1.SchemaObject> = {};
  let seen = json;
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, schema] of Object.entries(all)) {
      if (Object.hasOwn(kept, name) || !seen.includes(`"#/components/schemas/${name.replaceAll('~', '~0').replaceAll('/', '~1')}"`)) continue;
      kept[name] = schema;
      seen += JSON.stringify(schema);
      grew = true;
    }
  }
  return kept;
}
