/**
 * Tools that need input, over REST (SEP-2322). A 2026-07-28 server may answer
 * a call with `input_required`: questions for the user (an elicitation form,
 * say) and an opaque `requestState`. mcpo does not answer on the user's
 * behalf. It answers its caller 409 with the questions and a sealed
 * `continuation`; the caller repeats the same `POST /<tool>` with the header
 * `Mcp-Continuation` and the answers, keyed like the questions, as the body.
 * The call then goes upstream again with the original arguments, the answers
 * and the server's `requestState` echoed exactly.
 */
import type { ContinuationSealer, ContinuationState } from '../http/continuation.js';
import { InputRequiredError, InvalidArgumentsError, UpstreamError } from '../http/errors.js';
import type { InputRequired } from '../mcp/upstream.js';

export const CONTINUATION_HEADER = 'mcp-continuation';

/** What the second request resumes: the original arguments, the answers, the server's state. */
export interface Resumed {
  args: Record<string, unknown>;
  inputResponses: Record<string, unknown>;
  requestState?: string;
}

/** The human message of the first question, for `error.message`. */
function firstMessage(tool: string, inputRequests: Record<string, unknown>): string {
  for (const request of Object.values(inputRequests)) {
    const message = (request as { params?: { message?: unknown } } | null)?.params?.message;
    if (typeof message === 'string' && message.trim() !== '') return message;
  }
  return `Tool "${tool}" needs input before it can finish`;
}

/** The 409 for an `input_required` answer to a call of `tool` with `args`. */
export function inputRequiredError(sealer: ContinuationSealer, tool: string, args: Record<string, unknown>, outcome: InputRequired): InputRequiredError | UpstreamError {
  const keys = Object.keys(outcome.inputRequests);
  const state: ContinuationState = { tool, args, keys, ...(outcome.requestState !== undefined ? { requestState: outcome.requestState } : {}) };
  const continuation = sealer.seal(state);
  if (continuation === undefined) {
    return new UpstreamError(`Tool "${tool}" asked for input, but its state is too large to hand back in a header`, 'input_required_too_large');
  }
  return new InputRequiredError(firstMessage(tool, outcome.inputRequests), outcome.inputRequests, continuation);
}

/** Opens the caller's continuation and checks that the body answers exactly the questions asked. */
export function resume(sealer: ContinuationSealer, tool: string, token: string, body: Record<string, unknown>): Resumed {
  const state = sealer.open(token, tool);
  const missing = state.keys.filter((key) => !(key in body));
  const unasked = Object.keys(body).filter((key) => !state.keys.includes(key));
  if (missing.length > 0 || unasked.length > 0) {
    throw new InvalidArgumentsError('The body must answer each input request, keyed as the server keyed them', {
      expected: state.keys,
      ...(missing.length > 0 ? { missing } : {}),
      ...(unasked.length > 0 ? { unexpected: unasked } : {}),
    });
  }
  return { args: state.args, inputResponses: body, ...(state.requestState !== undefined ? { requestState: state.requestState } : {}) };
}
