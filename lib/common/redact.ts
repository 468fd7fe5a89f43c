/**
 * Removes secrets from text that may reach a client or a log: the API key,
 * env values and headers from the config, and credentials in URLs. Text from
 * MCP servers and transports (a connection error, say) can quote any of them.
 * Pure.
 */

/** Values shorter than this are not treated as secrets: replacing "1" everywhere would garble text and protect nothing. */
const MIN_SECRET_LENGTH = 4;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

export type Redactor = (text: string) => string;

export function createRedactor(secrets: Iterable<string>): Redactor {
  // Longest first, so a secret that contains another is replaced whole.
  const list = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return function redact(text: string): string {
    let out = text.replace(URL_CREDENTIALS, '$1***@');
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  };
}

/** The secret-looking parts of a URL: its user, password and query values. */
export function urlSecrets(url: URL): string[] {
  const found = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
  for (const value of url.searchParams.values()) found.push(value);
  return found.filter(Boolean);
}
