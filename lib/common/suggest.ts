/**
 * "Did you mean": the known name nearest to one that is not known, for the
 * messages about unknown config keys (lib/app/config.ts,
 * lib/app/server-entry.ts, lib/mcp/spec.ts, lib/mcp/oauth-spec.ts) and
 * command-line flags (bin/argv.ts).
 *
 * Names are compared with case, `_` and `-` folded away (`clientID`,
 * `client-secret`, `disabled_tool`), by edit distance with adjacent swaps
 * counted as one edit. A suggestion is made only when the name is close: a
 * wrong guess is worse than none.
 */

/** Lower case without `_` and `-`. */
const fold = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/** The edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  // Three rows of the optimal-string-alignment table: the one before last, the last, and this one.
  let before: number[] = [];
  let last = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(last[j]! + 1, row[j - 1]! + 1, last[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      row.push(best);
    }
    before = last;
    last = row;
  }
  return last[b.length]!;
}

/** The known name closest to `name`, or undefined when none is close (about one edit in three letters, at most three). */
export function closest(name: string, known: Iterable<string>): string | undefined {
  const folded = fold(name);
  const allowed = Math.min(3, Math.max(1, Math.floor(folded.length / 3)));
  let found: string | undefined;
  let distance = allowed + 1;
  for (const candidate of known) {
    const d = editDistance(folded, fold(candidate));
    if (d < distance) {
      found = candidate;
      distance = d;
    }
  }
  return found;
}

/** `; did you mean "<name>"?` for the closest known name, or "" when none is close. */
export function didYouMean(name: string, known: Iterable<string>, quote = (s: string) => `"${s}"`): string {
  const near = closest(name, known);
  return near === undefined ? '' : `; did you mean ${quote(near)}?`;
}

/** `; did you mean "command" for "comand"?` when one of `keys` is near one of `wanted`, else "": for a required key that is missing. */
export function misspeltKey(keys: Iterable<string>, wanted: readonly string[]): string {
  for (const key of keys) {
    const near = closest(key, wanted);
    if (near !== undefined) return `; did you mean "${near}" for "${key}"?`;
  }
  return '';
}
