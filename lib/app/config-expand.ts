/**
 * `${VAR}` and `${VAR:-default}` in a config file's string values, from the
 * environment it is given; `$${` writes a literal `${`. Keys are left as they
 * are. It only expands: which parts of the file are expanded is config.ts's
 * choice, and what the values mean is checked after.
 */

const VARIABLE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Expands `${VAR}` and `${VAR:-default}` in every string value (not in keys). */
export function expand(value: unknown, env: Readonly<Record<string, string | undefined>>, where: string, fail: (m: string) => never): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (match, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped) return match.slice(1);
      const found = Object.hasOwn(env, name) ? env[name] : undefined;
      // As in the shell: ":-" also replaces an empty value.
      if (fallback !== undefined) return found ? found : fallback;
      if (found !== undefined) return found;
      return fail(`${where} uses \${${name}}, which is not set; set it, or write \${${name}:-default}`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expand(v, env, `${where}[${i}]`, fail));
  // Arrays were taken above: what is left of the objects are records.
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expand(v, env, `${where}.${k}`, fail);
    return out;
  }
  return value;
}
