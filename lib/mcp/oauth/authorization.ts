/**
 * What a supervised connection needs to know about OAuth: the provider
 * (mcp/oauth/provider.ts) and the page a person opens, whether a failed connect
 * was the server asking for authorization, and how the callback's code is
 * handed to the transport that started the flow.
 */
import { UnauthorizedError } from '@modelcontextprotocol/client';
import type { McpoOAuthProvider } from './provider.js';
import type { Session } from '../session.js';
import type { McpoError } from '../../http/errors.js';

export interface UpstreamAuthorization {
  provider: McpoOAuthProvider;
  /** The page on mcpo that starts a flow, as a person should open it. */
  page(): string;
  /** For one caller's own connection (`perUser`): what a call is told while it waits for that caller's sign-in. */
  signInRequired?(): McpoError;
}

/** A connect that failed because the server wants an authorization only a person can give. */
export function isAuthWall(session: Session, err: unknown, provider: McpoOAuthProvider): boolean {
  if (!provider.interactive) return false;
  return err instanceof UnauthorizedError || session.unauthorized;
}

/** Hands the callback's query to the transport that started the flow; it checks `iss` and exchanges the code. */
export async function finishAuth(session: Session, params: URLSearchParams): Promise<void> {
  const transport = session.built.transport as unknown as { finishAuth?: (params: URLSearchParams) => Promise<void> };
  if (typeof transport.finishAuth !== 'function') throw new Error('this transport cannot finish an authorization');
  await transport.finishAuth(params);
}
