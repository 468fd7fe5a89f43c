/**
 * A server's resources over HTTP, at the router's mount path:
 *
 * - `GET resources`: every resource the server lists (all pages);
 * - `GET resources/templates`: its URI templates;
 * - `GET resources/read?uri=<uri>`: one resource, a listed URI or a template
 *   filled in. A single text content answers as its text, a single blob as
 *   its bytes, each with the resource's MIME type and
 *   `Content-Disposition: inline`; several contents (or none) answer JSON.
 *
 * A resource is the server's content served from mcpo's origin, so it goes
 * out sandboxed (`Content-Security-Policy: sandbox`, `nosniff`): an HTML
 * resource cannot run script as mcpo. An unknown URI is a 404. Lists are
 * asked of the server on every GET, so a changed list shows at once; the
 * documents describe these routes only when the `documents` option says so
 * (openapi/features.ts).
 */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import express, { type Router } from 'express';
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { listResources, listResourceTemplates, readResource, type ResourceContent } from '../mcp/resources.js';
import { sendFor, type FeatureContext } from './feature-request.js';

/** A MIME type safe to put in a header: `type/subtype`, optional parameters, printable ASCII. */
const MIME_TYPE = /^[!#$%&'*+.^_\x60|~0-9A-Za-z-]+\/[!#$%&'*+.^_\x60|~0-9A-Za-z-]+(\s*;[\x20-\x7e]*)?$/;

const mimeTypeOf = (content: ResourceContent, fallback: string): string =>
  typeof content.mimeType === 'string' && MIME_TYPE.test(content.mimeType) ? content.mimeType : fallback;

/** The `uri` query parameter: given once, not empty. */
function uriOf(query: unknown): string {
  const uri = (query as Record<string, unknown>).uri;
  if (typeof uri !== 'string' || uri === '') throw new BadRequestError('Give the resource as ?uri=<uri>, once', undefined, 'missing_uri');
  return uri;
}

/**
 * A read miss as servers send it. A 2026-07-28 server's (and the v2 SDK's)
 * `-32602` with `data: { uri }` and a `-32002` are mapped in http/errors.ts;
 * servers built on the v1.x SDK send a bare `-32602` with no data. For
 * `resources/read`, whose one parameter is the URI, that means the same.
 */
function readMiss(err: unknown, uri: string): unknown {
  if (err instanceof ProtocolError && err.code === ProtocolErrorCode.InvalidParams && err.data === undefined) {
    return new NotFoundError(err.message.replace(/^(MCP error -?\d+: )+/, '') || `No resource at ${uri}`, 'resource_not_found', { jsonrpcCode: err.code });
  }
  return err;
}

export function resourceRoutes(ctx: FeatureContext): Router {
  const router = express.Router({ caseSensitive: true, strict: false });
  const pages = (timeoutMs: number, signal: AbortSignal) => ({ pageTimeoutMs: timeoutMs, deadline: Date.now() + timeoutMs, signal });

  router.get('/resources', function listResourcesRoute(req, res, next) {
    sendFor(ctx, req, res, next, 'resources', { subject: 'resources/list', during: 'resources/list' },
      ({ client, timeoutMs, signal }) => listResources(client, pages(timeoutMs, signal), ctx.logger),
      (resources) => res.json({ ok: true, resources }));
  });

  router.get('/resources/templates', function listTemplatesRoute(req, res, next) {
    sendFor(ctx, req, res, next, 'resources', { subject: 'resources/templates/list', during: 'resources/templates/list' },
      ({ client, timeoutMs, signal }) => listResourceTemplates(client, pages(timeoutMs, signal), ctx.logger),
      (resourceTemplates) => res.json({ ok: true, resourceTemplates }));
  });

  router.get('/resources/read', function readResourceRoute(req, res, next) {
    const uri = uriOf(req.query);
    sendFor(ctx, req, res, next, 'resources', { subject: `resources/read of "${uri}"`, during: `resources/read of "${uri}"` },
      ({ client, timeoutMs, signal }) => readResource(client, uri, { timeoutMs, signal }).catch((err: unknown) => Promise.reject(readMiss(err, uri))),
      (contents) => {
        const only = contents.length === 1 ? contents[0]! : undefined;
        if (!only) return res.json({ ok: true, contents });
        res.set({ 'Content-Disposition': 'inline', 'Content-Security-Policy': 'sandbox', 'X-Content-Type-Options': 'nosniff' });
        if (typeof (only as { text?: unknown }).text === 'string') return res.type(mimeTypeOf(only, 'text/plain')).send((only as { text: string }).text);
        res.type(mimeTypeOf(only, 'application/octet-stream')).send(Buffer.from((only as { blob: string }).blob, 'base64'));
      });
  });

  return router;
}
