/**
 * Whether the command may serve as asked given who can vouch for callers: an
 * API key (`--api-key`, `MCPO_API_KEY`) or a config file's `auth` block.
 * `--strict-auth` needs one of them, and so does any bind beyond loopback
 * unless `--allow-unauthenticated` says something in front checks callers.
 * bin/args.ts asks when there is no config file; bin/mcpo.ts asks again
 * once the file is read. Throws UsageError (bin/usage-error.ts).
 */
import { isLoopbackHost } from '../lib/http/hosts.js';
import { UsageError } from './usage-error.js';

export interface CallerCheck {
  host: string;
  strictAuth: boolean;
  allowUnauthenticated: boolean;
  /** An API key is set, or the config file has an "auth" block. */
  verified: boolean;
}

export function checkCallersVerified({ host, strictAuth, allowUnauthenticated, verified }: CallerCheck): void {
  if (strictAuth && !verified) throw new UsageError('--strict-auth needs an API key: set --api-key or MCPO_API_KEY, or an "auth" block in the config file');
  if (!verified && !allowUnauthenticated && !isLoopbackHost(host)) {
    throw new UsageError(
      `refusing to serve on ${host} without an API key, since MCP servers can read files and run commands; ` +
        'set --api-key or MCPO_API_KEY (or an "auth" block in the config file), or pass --allow-unauthenticated if something in front of mcpo checks callers',
    );
  }
}
