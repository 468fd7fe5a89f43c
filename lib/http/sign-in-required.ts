/**
 * The answer to a caller of a `perUser` server who has not signed in to it
 * (or whose grant was revoked): 403 `authorization_required`, with
 * `authorizeUrl`, a link they open in a browser without any header, good
 * once and for ten minutes (mcp/oauth/sign-in-tickets.ts makes it).
 */
import { McpoError } from './errors.js';

export class SignInRequiredError extends McpoError {
  constructor(
    message: string,
    readonly authorizeUrl: string,
  ) {
    super(message, 403, 'authorization_required');
  }

  override bodyFields(): Record<string, unknown> {
    return { authorizeUrl: this.authorizeUrl };
  }
}
