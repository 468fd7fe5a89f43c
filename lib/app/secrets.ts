/**
 * What the app must never show, and the loggers that hide it: every value a
 * config holds that may be a secret (env values, headers, URL credentials,
 * OAuth client secrets and private keys, the API keys and JWT secrets),
 * kept in a redactor that only grows, since text logged before a reload may
 * still quote the old config's values.
 */
import { createRedactor, type Redactor } from '../common/redact.js';
import { discard, logs, type Logger, type LogLevel } from '../common/log.js';
import { resolveSpec, specSecrets } from '../mcp/spec.js';
import type { ServerEntry } from './server-entry.js';
import type { ResolvedAuth } from '../auth/auth-config.js';

/** Every value a server's config holds that must not be shown: env values, headers, URL credentials, OAuth client secrets and keys. */
export function secretsOf(entries: readonly ServerEntry[], auth: ResolvedAuth | undefined): string[] {
  const secrets: string[] = [...authSecrets(auth)];
  for (const { spec } of entries) secrets.push(...specSecrets(resolveSpec(spec)));
  return secrets;
}

/** The API keys and the JWT issuers' shared secrets. */
function* authSecrets(auth: ResolvedAuth | undefined): Iterable<string> {
  for (const { key } of auth?.keys ?? []) yield key;
  for (const { keys } of auth?.jwt ?? []) if (keys.kind === 'secret') yield keys.secret;
}

export interface GrowingRedactor {
  readonly redact: Redactor;
  /** Adds secrets; they are masked from now on, and never removed. */
  add(secrets: Iterable<string>): void;
}

export function growingRedactor(initial: Iterable<string>): GrowingRedactor {
  const secrets = new Set(initial);
  let current: Redactor = createRedactor(secrets);
  return {
    redact: (text) => current(text),
    add(more) {
      const size = secrets.size;
      for (const secret of more) secrets.add(secret);
      if (secrets.size !== size) current = createRedactor(secrets);
    },
  };
}

/** Tags a server's log lines with its name and redacts what the server or transport wrote into them. */
export function serverLogger(parent: Logger, server: string, redact: Redactor): Logger {
  const clean = (fields?: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { server };
    // The app's name for the server wins over the one its router tags its lines with.
    for (const [k, v] of Object.entries(fields ?? {})) if (k !== 'server') out[k] = typeof v === 'string' ? redact(v) : v;
    return out;
  };
  const at = (level: LogLevel): Logger[LogLevel] => (logs(parent, level) ? (m, f) => parent[level](redact(m), clean(f)) : discard);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
