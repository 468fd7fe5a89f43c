/**
 * The OAuth flags: --public-url, --state-dir, --state-store and the single remote server's
 * --oauth-* block, checked by the same rules as a config file's `oauth` block
 * (lib/mcp/oauth-spec.ts, lib/http/base-url.ts) with the errors renamed to
 * the flags. Read by the parser (bin/args.ts) after the mode is known, since
 * the --oauth-* flags are only for a single remote server.
 */
import type { TransportType } from '../lib/mcp/spec.js';
import { resolveOAuthSpec, type OAuthSpec } from '../lib/mcp/oauth-spec.js';
import { normalizePublicUrl } from '../lib/http/base-url.js';
import { parseRedisUrl } from '../lib/state/redis-store.js';
import type { ParsedFlags } from './argv.js';
import type { CliOptions } from './cli-options.js';
import { required } from './flag-values.js';
import { UsageError } from './usage-error.js';

/** Which server the command line serves, which decides where the --oauth-* flags may go. */
export interface OAuthMode {
  config: boolean;
  serverType: TransportType;
}

/** --public-url, --state-dir (else MCPO_STATE_DIR) and the --oauth-* block, in that order. */
export function readOAuthFlags(
  parsed: ParsedFlags,
  env: Readonly<Record<string, string | undefined>>,
  mode: OAuthMode,
): Pick<CliOptions, 'publicUrl' | 'stateDir' | 'stateStore' | 'oauth'> {
  const publicUrlText = required(parsed['public-url'], 'public-url');
  let publicUrl: string | undefined;
  if (publicUrlText !== undefined) {
    try {
      publicUrl = normalizePublicUrl(publicUrlText, 'public-url');
    } catch (err) {
      throw new UsageError(`--${(err as Error).message.slice(1).replace('"', '')}`);
    }
  }
  const { stateDir, stateStore } = readStatePlace(parsed, env);
  const oauth = oauthBlock(parsed, env, mode);
  return {
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(stateDir !== undefined ? { stateDir } : {}),
    ...(stateStore !== undefined ? { stateStore } : {}),
    ...(oauth !== undefined ? { oauth } : {}),
  };
}

/** --state-dir (else MCPO_STATE_DIR) and --state-store (else MCPO_STATE_STORE), the latter checked as a Redis URL. */
export function readStatePlace(parsed: ParsedFlags, env: Readonly<Record<string, string | undefined>>): Pick<CliOptions, 'stateDir' | 'stateStore'> {
  const stateDir = required(parsed['state-dir'], 'state-dir') ?? (env.MCPO_STATE_DIR || undefined);
  const flag = required(parsed['state-store'], 'state-store');
  const stateStore = flag ?? (env.MCPO_STATE_STORE || undefined);
  if (stateStore !== undefined) {
    try {
      parseRedisUrl(stateStore);
    } catch (err) {
      throw new UsageError(`${flag !== undefined ? '--state-store' : 'MCPO_STATE_STORE'}: ${(err as Error).message}`);
    }
  }
  return { ...(stateDir !== undefined ? { stateDir } : {}), ...(stateStore !== undefined ? { stateStore } : {}) };
}

/** The --oauth-* flags and the `oauth` keys they set, for the block and for its error messages. */
const OAUTH_FLAGS = Object.freeze({
  clientId: 'oauth-client-id',
  clientSecret: 'oauth-client-secret',
  scope: 'oauth-scope',
  grantType: 'oauth-grant-type',
  clientMetadataUrl: 'oauth-client-metadata-url',
} satisfies Partial<Record<keyof OAuthSpec, string>>);

/** The single server's `oauth` block from the flags, checked by the same rules as a config file's; undefined when no flag is given. */
function oauthBlock(
  parsed: ParsedFlags,
  env: Readonly<Record<string, string | undefined>>,
  mode: OAuthMode,
): OAuthSpec | undefined {
  const raw: Record<string, string> = {};
  for (const [key, flag] of Object.entries(OAUTH_FLAGS)) {
    const value = required(parsed[flag], flag);
    if (value !== undefined) raw[key] = value;
  }
  const given = Object.keys(raw).map((key) => `--${OAUTH_FLAGS[key as keyof typeof OAUTH_FLAGS]}`);
  if (given.length > 0 && mode.config) {
    throw new UsageError(`${given[0]} is for a single remote server; with --config, write an "oauth" block in the server's entry`);
  }
  if (given.length > 0 && mode.serverType === 'stdio') {
    throw new UsageError(`${given[0]} is for a remote server (--server-type sse or streamable-http); a stdio server gets its credentials with --env`);
  }
  // The variable is a deployment's setting: it only counts where a remote server could use it.
  if (mode.config || mode.serverType === 'stdio') return undefined;
  if (raw.clientSecret === undefined && env.MCPO_OAUTH_CLIENT_SECRET) raw.clientSecret = env.MCPO_OAUTH_CLIENT_SECRET;
  if (Object.keys(raw).length === 0) return undefined;
  if (raw.grantType === 'client_credentials' && (raw.clientId === undefined || raw.clientSecret === undefined)) {
    throw new UsageError('--oauth-grant-type client_credentials needs --oauth-client-id and a secret (MCPO_OAUTH_CLIENT_SECRET or --oauth-client-secret)');
  }
  try {
    return resolveOAuthSpec(raw, 'oauth');
  } catch (err) {
    let message = (err as Error).message;
    for (const [key, flag] of Object.entries(OAUTH_FLAGS)) message = message.replaceAll(`oauth.${key}`, `--${flag}`);
    throw new UsageError(message);
  }
}
