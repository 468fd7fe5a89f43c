/**
 * Checks documents with a real OpenAPI 3.1 validator, and small helpers for
 * reading mcpo documents in tests.
 */
import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';

/** Fails the test with the validator's own errors if the document is not valid OpenAPI 3.1. */
export async function expectValidOpenApi31(doc: unknown): Promise<void> {
  const validator = new Validator();
  // The validator keeps a reference to what it is given; hand it a copy.
  const result = await validator.validate(structuredClone(doc) as Parameters<Validator["validate"]>[0]);
  expect(result.valid, JSON.stringify(result.errors, null, 2)).to.equal(true);
  expect(validator.version).to.equal('3.1');
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
  const found = Object.entries(doc.paths).find(([, item]) => item.post['x-mcp-tool'] === tool);
  if (!found) throw new Error(`no operation for tool ${JSON.stringify(tool)} in the document`);
  return found[0];
}

export function operationOf(doc: Doc, tool: string): Operation {
  return doc.paths[pathOf(doc, tool)]!.post;
}
