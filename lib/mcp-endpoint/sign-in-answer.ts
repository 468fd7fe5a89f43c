/**
 * How the MCP endpoints tell a caller of a `perUser` server to sign in
 * (REST answers 403 with `authorizeUrl`, http/sign-in-required.ts): the
 * specification's URL elicitation, in the form the client's revision has.
 *
 * - 2025-era clients get the `-32042` error (`UrlElicitationRequiredError`)
 *   with one URL elicitation carrying the link;
 * - 2026-07-28 clients get, on `tools/call`, `prompts/get` and
 *   `resources/read` (where that revision allows `input_required`), an
 *   `input_required` result holding a URL-mode `elicitation/create`, when
 *   they declared URL elicitation; the client opens the link and retries.
 *   A client that did not declare it (or another method, or a client that
 *   declined once) gets an error whose data holds `authorizeUrl`, since
 *   that revision has no `-32042`. mcpo's question is its own: the answer
 *   to it is never passed upstream.
 */
import { randomUUID } from 'node:crypto';
import { inputRequired, UrlElicitationRequiredError, type Server } from '@modelcontextprotocol/server';
import { isMcpoError } from '../http/errors.js';
import { eraOf } from '../telemetry/metrics.js';

/** The key of mcpo's own question in `inputRequests`, and of its answer in a retry's `inputResponses`. */
const SIGN_IN_KEY = 'mcpo-sign-in';

/**
 * A retry's answers without mcpo's own (which the upstream never asked, so
 * it is not passed on), and whether that answer declined the sign-in.
 */
export function withoutSignInResponse(responses: Record<string, unknown> | undefined): { responses: Record<string, unknown> | undefined; declined: boolean } {
  if (responses === undefined || !Object.hasOwn(responses, SIGN_IN_KEY)) return { responses, declined: false };
  const { [SIGN_IN_KEY]: answer, ...rest } = responses;
  const action = (answer as { action?: unknown } | undefined)?.action;
  return { responses: Object.keys(rest).length > 0 ? rest : undefined, declined: action === 'decline' || action === 'cancel' };
}

/** The methods on which 2026-07-28 allows an `input_required` result. */
const INPUT_REQUIRED_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** A sign-in-required error (http/sign-in-required.ts), from this or another copy of the module. */
function signInLink(err: unknown): { message: string; url: string } | undefined {
  if (!isMcpoError(err) || err.code !== 'authorization_required') return undefined;
  const url = (err as { authorizeUrl?: unknown }).authorizeUrl;
  return typeof url === 'string' ? { message: err.message, url } : undefined;
}

/**
 * For a sign-in-required `err`: the `input_required` result to return, or
 * the -32042 error thrown; undefined for any other error (the caller maps it).
 */
export function signInAnswer(server: Server, method: string, err: unknown, declined = false): object | undefined {
  const link = signInLink(err);
  if (!link) return undefined;
  const request = { mode: 'url' as const, message: link.message, url: link.url, elicitationId: randomUUID() };
  // 2026-07-28 and every later revision answer with input_required.
  const modern = eraOf(server.getNegotiatedProtocolVersion() ?? null) === 'modern';
  if (!modern) throw new UrlElicitationRequiredError([request], link.message);
  // Declined once: asked again it would only be declined again, so the error (with the link) ends the round.
  if (declined || !INPUT_REQUIRED_METHODS.has(method) || !server.getClientCapabilities()?.elicitation?.url) return undefined;
  const { mode: _mode, ...params } = request;
  return inputRequired({ inputRequests: { [SIGN_IN_KEY]: inputRequired.elicitUrl(params) } });
}
