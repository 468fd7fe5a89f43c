/**
 * What kind of request a path under a router is, for its metrics, spans and
 * audit lines (telemetry/observe.ts): the route's label, and for a call the
 * tool (found in the table of the moment), the prompt or the resource. A
 * path that names no tool the server listed is a `tool` route but no call:
 * a made-up name never becomes a label value.
 */
import type { Request } from 'express';
import type { RequestKind } from '../telemetry/observe.js';
import { toolSegment } from './call-request.js';
import type { ToolView } from './tool-view.js';

/** The longest resource URI or prompt name an audit line carries. */
const MAX_NAME = 512;

const named = (value: unknown): string => (typeof value === 'string' ? value.slice(0, MAX_NAME) : '');

const MCP_OTHER: RequestKind = Object.freeze({ route: 'mcp' });

/** The kind of `path` (relative to the router's mount path) as `req` asks for it. */
export type RequestKinds = (req: Request, path: string) => RequestKind;

/** `era` tells the protocol era of the server's connection of the moment, for the call's span. */
export function requestKinds(server: string, view: ToolView, era: () => string | undefined): RequestKinds {
  // A tool call's kind is the same object call after call (per table entry and era): the observer keys its span's name and attributes on it.
  const toolKinds = new WeakMap<object, RequestKind>();
  const toolKind = (entry: { readonly name: string }): RequestKind => {
    const now = era();
    let kind = toolKinds.get(entry);
    if (kind === undefined || kind.call?.era !== now) toolKinds.set(entry, (kind = Object.freeze({ route: 'tool', call: Object.freeze({ server, kind: 'tool', name: entry.name, era: now }) })));
    return kind!;
  };
  // One object per router: the observer keys the span's start on it (telemetry/observe.ts).
  const mcpPost: RequestKind = Object.freeze({ route: 'mcp', span: `mcpo ${server} mcp`, server });
  return function kindOf(req, path) {
    const post = req.method === 'POST';
    if (path === '' || path === '/' || path === '/docs' || path.startsWith('/docs/')) return { route: 'docs' };
    if (path === '/openapi.json') return { route: 'document' };
    if (path === '/mcp') return post ? mcpPost : MCP_OTHER;
    if (path.startsWith('/oauth/')) return { route: 'oauth' };
    if (path.startsWith('/resources')) {
      return path === '/resources/read' && req.method === 'GET' ? { route: 'resource', call: { server, kind: 'resource', name: named(req.query.uri), era: era() } } : { route: 'resource' };
    }
    if (path.startsWith('/prompts')) {
      const name = /^\/prompts\/([^/]+)$/.exec(path)?.[1];
      if (!post || name === undefined) return { route: 'prompt' };
      let decoded: string;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        return { route: 'prompt' };
      }
      return { route: 'prompt', call: { server, kind: 'prompt', name: named(decoded), era: era() } };
    }
    let segment: string | undefined;
    try {
      segment = toolSegment(path);
    } catch {
      return { route: post ? 'tool' : 'other' };
    }
    const entry = segment === undefined ? undefined : view.current()?.table.byPath.get(segment);
    if (!post) return { route: entry ? 'tool' : 'other' };
    return entry ? toolKind(entry) : { route: 'tool' };
  };
}
