/**
 * Checks documents with a real OpenAPI 3.1 validator, and small helpers for
 * reading mcpo documents in tests.
 */
import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { OPERATION_ID_PATTERN } from '../../lib/openapi/tools.js';

/** Fails the test with the validator's own errors if the document is not valid OpenAPI 3.1. */
export async function expectValidOpenApi31(doc: unknown): Promise<void> {
  const validator = new Validator();
  // The validator keeps a reference to what it is given; hand it a copy.
  const result = await validator.validate(structuredClone(doc) as Parameters<Validator["validate"]>[0]);
  expect(result.valid, JSON.stringify(result.errors, null, 2)).to.equal(true);
  expect(validator.version).to.equal('3.1');
}

/** Every operation's id, in document order. */
export function operationIds(doc: unknown): string[] {
  const paths = (doc as { paths?: Record<string, Record<string, { operationId?: string }>> }).paths ?? {};
  return Object.values(paths).flatMap((item) => Object.values(item).map((op) => op.operationId!));
}

/** Open WebUI turns each operation into a function: its id must be function-safe and unique. */
export function expectIdsSafeAndUnique(doc: unknown): void {
  const ids = operationIds(doc);
  for (const id of ids) expect(id).to.match(OPERATION_ID_PATTERN);
  expect(new Set(ids).size, ids.join(', ')).to.equal(ids.length);
}

/** Open WebUI inlines `$ref`s as it reads a document, and a cycle never ends: there must be none. */
export function expectNoRefCycles(doc: unknown): void {
  const target = (ref: string): unknown =>
    ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
  const visit = (node: unknown, following: readonly string[]): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(item, following));
    if (typeof node !== 'object' || node === null) return;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      expect(following, `a $ref cycle through ${ref}`).not.to.include(ref);
      const resolved = target(ref);
      expect(resolved, `the $ref ${ref} resolves`).not.to.equal(undefined);
      visit(resolved, [...following, ref]);
    }
    for (const [key, value] of Object.entries(node)) if (key !== '$ref') visit(value, following);
  };
  visit((doc as { paths?: unknown }).paths, []);
}

export interface Operation {
  operationId: string;
  'x-mcp-tool': string;
  summary?: string;
  description?: string;
  requestBody: { required: boolean; content: { 'application/json': { schema: Record<string, unknown> } } };
  responses: Record<string, { content?: { 'application/json': { schema: Record<string, unknown> } } }>;
}

export interface Doc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers: { url: string }[];
  paths: Record<string, { post: Operation }>;
}

/** The path the document serves an MCP tool at. */
export function pathOf(doc: Doc, tool: string): string {
  const found = Object.entries(doc.paths).find(([, item]) => item.post?.['x-mcp-tool'] === tool);
  if (!found) throw new Error(`no operation for tool ${JSON.stringify(tool)} in the document`);
  return found[0];
}

export function operationOf(doc: Doc, tool: string): Operation {
  return doc.paths[pathOf(doc, tool)]!.post;
}
