/**
 * What a REST request to a router says about the call it asks for: the tool
 * it names (its path segment), the caller's timeout (`X-Tool-Timeout` or
 * `?timeout=`), the arguments in its JSON body (read with http/body.ts), and
 * the caller's headers that the server is configured to receive. The tool
 * calls (router/tool-calls.ts) and the resource and prompt routes
 * (router/feature-request.ts) read requests through it; it never answers.
 */
import type { Request } from 'express';
import { hasBody, isJson, readJsonBody, unsafeBodyProblem } from '../http/body.js';
import { BadRequestError, InvalidArgumentsError, UnsupportedMediaTypeError } from '../http/errors.js';
import { decodeSegment } from '../http/path-segment.js';
import type { ResolvedSpec } from '../mcp/spec.js';
import type { ResolvedOptions } from './resolve-options.js';

const TIMEOUT_HEADER = 'x-tool-timeout';

/** Seconds from `X-Tool-Timeout` or `?timeout=`, bounded by toolTimeoutMax. */
export function requestTimeoutMs(req: Request, opts: ResolvedOptions): number {
  const header = req.headers[TIMEOUT_HEADER] as string | undefined;
  // Express parses the query string on every read of req.query; most calls have none.
  const query = req.url.includes('?') ? req.query.timeout : undefined;
  const raw = header ?? (typeof query === 'string' ? query : query === undefined ? undefined : '');
  if (raw === undefined) return opts.toolTimeoutMs;
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > opts.toolTimeoutMaxMs) {
    throw new BadRequestError(
      `Timeout must be a number of seconds above 0 and at most ${opts.toolTimeoutMaxMs / 1000}`,
      undefined,
      'bad_timeout',
    );
  }
  return seconds * 1000;
}

/**
 * The tool's path segment, decoded, when the path is `/<segment>` or
 * `/<segment>/` (the paths Express matches to `/:tool`); otherwise undefined.
 */
export function toolSegment(path: string): string | undefined {
  const end = path.length > 1 && path.endsWith('/') ? path.length - 1 : path.length;
  const segment = path.slice(1, end);
  return segment === '' || segment.includes('/') ? undefined : decodeSegment(segment);
}

/** Missing or empty body → {}; a body must be JSON, a JSON object, and safe to pass on (body.ts). */
export function argumentReader(bodyLimit: number): (req: Request) => Promise<Record<string, unknown>> {
  return async function readArguments(req) {
    if (!hasBody(req)) return {};
    if (!isJson(req)) throw new UnsupportedMediaTypeError();
    const body = await readJsonBody(req, bodyLimit);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidArgumentsError('The request body must be a JSON object of the tool’s arguments');
    }
    const problem = unsafeBodyProblem(body);
    if (problem) throw new BadRequestError(problem.message, undefined, problem.code);
    return body as Record<string, unknown>;
  };
}

/**
 * The caller's headers this server is configured to receive, or undefined
 * when there are none. A name the spec's own `headers` sets is never
 * forwarded: that value (or a template's, even one that resolved to nothing
 * and was left out) is the one the server gets.
 */
export function headerForwarder(spec: ResolvedSpec): (req: Request) => Record<string, string> | undefined {
  const own = new Set(spec.type === 'stdio' ? [] : Object.keys(spec.headers).map((name) => name.toLowerCase()));
  const forward = spec.type === 'stdio' ? [] : spec.forwardHeaders.filter((name) => !own.has(name));
  return function forwardedHeaders(req) {
    let out: Record<string, string> | undefined;
    for (const name of forward) {
      const value = req.headers[name];
      if (value !== undefined) (out ??= {})[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  };
}
