/**
 * Where mcpo is reached, as a deployment names it: the path a reverse proxy
 * strips in front of it (`--root-path`, `--path-prefix`) and the public URL
 * behind a proxy (`--public-url`). Each normaliser checks once and returns
 * the one form that joins with any path; the routes only read the results.
 */
/** '' or '/a/b': a leading slash, no trailing one, so it joins with any mount path. */
export function normalizeRootPath(value: unknown, name = 'rootPath'): string {
  if (typeof value !== 'string' || /[?#\s]/.test(value)) {
    throw new TypeError(`"${name}" must be a URL path such as "/api", got ${JSON.stringify(value)}`);
  }
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * The URL mcpo is reached at from outside (behind a reverse proxy, its public
 * address), without a trailing slash: `https://tools.example.com/mcpo`.
 * Absolute http(s), no credentials, query or fragment, since paths are
 * appended to it.
 */
export function normalizePublicUrl(value: unknown, name = 'publicUrl'): string {
  const example = 'such as "https://tools.example.com" or "https://example.com/mcpo"';
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(`"${name}" must be an absolute http(s) URL ${example}, got ${JSON.stringify(value)}`);
  }
  if (url.search || url.hash || url.username || url.password || /[?#]/.test(value as string)) {
    throw new TypeError(`"${name}" must be a base URL ${example}, without credentials, query or fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
