/**
 * The operations of a server's resources and prompts in its document:
 * `GET /resources`, `GET /resources/templates`, `GET /resources/read?uri=`,
 * `GET /prompts`, and one `POST /prompts/<name>` per listed prompt, its
 * arguments as the body schema. Each is tagged `resources` or `prompts`,
 * apart from the tools, with typed responses; operationIds follow the tools'
 * naming rule (tools.ts) and never take a tool's.
 *
 * Pure: which sections a document shows is the router's choice (options.ts
 * `documents`); the routes themselves (resource-routes.ts, prompt-routes.ts)
 * work whatever the documents say.
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Catalog } from '../mcp/catalog.js';
import type { ListedPrompt } from '../mcp/prompts.js';
import { assignOperationIds } from './tools.js';

/** What a document can show: the tools, the resources, the prompts. */
export type DocumentSection = 'tools' | 'resources' | 'prompts';
export const DOCUMENT_SECTIONS: readonly DocumentSection[] = Object.freeze(['tools', 'resources', 'prompts']);

type Schema = OpenAPIV3_1.SchemaObject;
type Operation = OpenAPIV3_1.OperationObject<{ 'x-mcp-prompt'?: string }>;
export type PathItems = Record<string, { get?: Operation; post?: Operation }>;

export interface FeatureOptions {
  /** Which of resources and prompts to show; tools are document.ts's. */
  sections: readonly DocumentSection[];
  /** The tools' operationIds: the features' must differ. */
  takenIds: readonly string[];
  /** The tools' tag: a feature tag of the same name is renamed. */
  toolTag: string;
  bearerAuth?: boolean;
}

const ok = (key: string, items: Schema, description: string): Schema => ({
  type: 'object',
  required: ['ok', key],
  properties: { ok: { const: true } as Schema, [key]: { type: 'array', description, items } },
});

/** Entries are kept as the server sent them: the named fields are typed, others pass. */
const RESOURCE: Schema = {
  type: 'object',
  required: ['uri'],
  properties: { uri: { type: 'string' }, name: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, mimeType: { type: 'string' }, size: { type: 'number' } },
};
const TEMPLATE: Schema = {
  type: 'object',
  required: ['uriTemplate'],
  properties: { uriTemplate: { type: 'string', description: 'An RFC 6570 URI template; fill it in and read it with `resources/read?uri=`.' }, name: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, mimeType: { type: 'string' } },
};
const CONTENT: Schema = {
  type: 'object',
  required: ['uri'],
  properties: { uri: { type: 'string' }, mimeType: { type: 'string' }, text: { type: 'string' }, blob: { type: 'string', contentEncoding: 'base64' } as Schema },
};
const PROMPT: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    arguments: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, required: { type: 'boolean' } } },
    },
  },
};
const RENDERED: Schema = {
  type: 'object',
  required: ['ok', 'messages'],
  properties: {
    ok: { const: true } as Schema,
    description: { type: 'string' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { type: 'string', description: '`user` or `assistant`.' },
          content: {
            type: 'object',
            description: 'Mapped as a tool result’s items are: text (parsed when it is JSON), images and audio as data: URIs, embedded resources.',
            required: ['type'],
            properties: { type: { type: 'string' }, value: {}, mimeType: { type: 'string' } },
          },
        },
      },
    },
  },
};

function responses(success: OpenAPIV3_1.ResponseObject, errors: ReadonlyArray<[string, string]>, bearerAuth: boolean | undefined): OpenAPIV3_1.ResponsesObject {
  const out: OpenAPIV3_1.ResponsesObject = { '200': success };
  const all: ReadonlyArray<[string, string]> = [
    ...(bearerAuth ? [['401', 'Missing or wrong API key'] as [string, string]] : []),
    ...errors,
    ['502', 'The MCP server failed or broke the protocol'],
    ['503', 'The MCP server is not connected; retry after Retry-After seconds'],
    ['504', 'The MCP server did not answer in time'],
  ];
  for (const [status, description] of all) {
    out[status] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return out;
}

const json = (description: string, schema: Schema): OpenAPIV3_1.ResponseObject => ({ description, content: { 'application/json': { schema } } });

/** The body schema of a prompt: its arguments, all strings, as the protocol has them. */
export function promptBodySchema(prompt: ListedPrompt): Schema {
  const args = prompt.arguments ?? [];
  const required = args.filter((a) => a.required === true).map((a) => a.name);
  return {
    type: 'object',
    properties: Object.fromEntries(args.map((a) => [a.name, { type: 'string', ...(typeof a.description === 'string' && a.description !== '' ? { description: a.description } : {}) }])),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** The tags of the features shown, declared and described, never the tools' tag. */
export function featureTags(options: Pick<FeatureOptions, 'sections' | 'toolTag'>): { resources: string; prompts: string; declared: OpenAPIV3_1.TagObject[] } {
  const name = (feature: string) => (feature === options.toolTag ? `${feature} (MCP ${feature})` : feature);
  const tags = { resources: name('resources'), prompts: name('prompts') };
  const declared: OpenAPIV3_1.TagObject[] = [];
  if (options.sections.includes('resources')) declared.push({ name: tags.resources, description: 'The MCP server’s resources: list them, list the URI templates, read one.' });
  if (options.sections.includes('prompts')) declared.push({ name: tags.prompts, description: 'The MCP server’s prompts: list them, or render one with its arguments.' });
  return { ...tags, declared };
}

/** The paths of the features `sections` shows; the catalog says which prompts there are. */
export function featurePaths(catalog: Catalog, options: FeatureOptions): PathItems {
  const tags = featureTags(options);
  const resources = options.sections.includes('resources');
  const prompts: ListedPrompt[] = [];
  if (options.sections.includes('prompts')) {
    const seen = new Set<string>();
    for (const p of catalog.prompts ?? []) if (!seen.has(p.name) && seen.add(p.name)) prompts.push(p);
  }
  const wanted = [
    ...(resources ? ['list_resources', 'list_resource_templates', 'read_resource'] : []),
    ...(options.sections.includes('prompts') ? ['list_prompts'] : []),
    ...prompts.map((p) => `prompt_${p.name}`),
  ];
  const ids = assignOperationIds([...options.takenIds, ...wanted]).slice(options.takenIds.length);
  const id = (name: string) => ids[wanted.indexOf(name)]!;
  const paths: PathItems = {};
  const auth = options.bearerAuth;
  if (resources) {
    const tag = [tags.resources];
    paths['/resources'] = { get: { operationId: id('list_resources'), tags: tag, summary: 'List resources', description: 'Every resource the MCP server lists, all pages.', responses: responses(json('The resources', ok('resources', RESOURCE, 'As the server lists them.')), [['404', 'The server offers no resources']], auth) } };
    paths['/resources/templates'] = { get: { operationId: id('list_resource_templates'), tags: tag, summary: 'List resource templates', description: 'The URI templates of the MCP server’s resources.', responses: responses(json('The URI templates', ok('resourceTemplates', TEMPLATE, 'As the server lists them.')), [['404', 'The server offers no resources']], auth) } };
    paths['/resources/read'] = {
      get: {
        operationId: id('read_resource'),
        tags: tag,
        summary: 'Read a resource',
        description: 'One resource, by a listed URI or a template filled in. A single content answers as its text or bytes, with its MIME type; several answer JSON.',
        parameters: [{ name: 'uri', in: 'query', required: true, description: 'The resource’s URI.', schema: { type: 'string' } }],
        responses: responses(
          {
            description: 'The resource: its content, or `{ ok, contents }` when it has several',
            content: { '*/*': { schema: {} }, 'application/json': { schema: ok('contents', CONTENT, 'Each with its text, or its bytes in base64 as `blob`.') } },
          },
          [['400', 'No `uri` given'], ['404', 'No such resource, or the server offers no resources']],
          auth,
        ),
      },
    };
  }
  if (options.sections.includes('prompts')) {
    paths['/prompts'] = { get: { operationId: id('list_prompts'), tags: [tags.prompts], summary: 'List prompts', description: 'Every prompt the MCP server lists, with its arguments.', responses: responses(json('The prompts', ok('prompts', PROMPT, 'As the server lists them.')), [['404', 'The server offers no prompts']], auth) } };
  }
  for (const prompt of prompts) {
    const body = promptBodySchema(prompt);
    const title = typeof prompt.title === 'string' ? prompt.title : undefined;
    const description = typeof prompt.description === 'string' && prompt.description !== '' ? prompt.description : `Renders the MCP prompt \`${prompt.name}\`.`;
    paths[`/prompts/${encodeURIComponent(prompt.name)}`] = {
      post: {
        operationId: id(`prompt_${prompt.name}`),
        'x-mcp-prompt': prompt.name,
        tags: [tags.prompts],
        summary: title ?? prompt.name,
        description,
        requestBody: { required: Array.isArray(body.required), content: { 'application/json': { schema: body } } },
        responses: responses(
          json('The rendered messages', RENDERED),
          [['400', 'Malformed JSON or a bad timeout'], ['404', 'No such prompt'], ['415', 'The body is not JSON'], ['422', 'The arguments do not match the prompt’s']],
          auth,
        ),
      },
    };
  }
  return paths;
}
