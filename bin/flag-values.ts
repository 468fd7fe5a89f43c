/**
 * The readers of one flag's value: the last of a repeated flag, a value that
 * must not be empty, a repeatable or comma-separated list, a number of
 * seconds or a count, the JSON of --header. Each refuses a bad value with a UsageError
 * (bin/usage-error.ts) that names the flag; which flags to read, and in what
 * order, is the parser's (bin/args.ts).
 */
import { UsageError } from './usage-error.js';

/**
 * The last value of a flag given several times, so that flags after an
 * image's ENTRYPOINT (or a shell alias) override the ones before.
 */
export function single(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof last !== 'string') throw new UsageError(`--${flag} needs a value`);
  return last;
}

export function required(value: unknown, flag: string): string | undefined {
  const text = single(value, flag);
  if (text === '') throw new UsageError(`--${flag} needs a value`);
  return text;
}

export function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A repeatable flag whose values may also be comma-separated, each normalized or refused with `problem`. */
export function commaList(parsed: Record<string, unknown>, flag: string, normalize: (entry: string) => string, problem: string): string[] {
  const out: string[] = [];
  for (const value of list(parsed[flag])) {
    for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
      try {
        out.push(normalize(entry));
      } catch {
        throw new UsageError(`--${flag}: ${JSON.stringify(entry)} ${problem}`);
      }
    }
  }
  return out;
}

export function seconds(value: unknown, flag: string): number | undefined {
  const text = required(value, flag);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A whole number of at least 1, such as --max-sessions. */
export function wholeNumber(value: unknown, flag: string): number | undefined {
  const text = required(value, flag);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`--${flag} must be a whole number of at least 1, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function parseHeaders(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--header must be a JSON object such as '{"Authorization": "Bearer token"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--header must be a JSON object such as '{"Authorization": "Bearer token"}'`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new UsageError(`--header: the value of "${name}" must be a string`);
    headers[name] = value;
  }
  return headers;
}
