/**
 * The logger interface mcpo writes to, and the default one. Callers plug in
 * their own (pino, winston, …) through the `logger` option; mcpo never logs
 * tool arguments, results, headers or environment values above debug.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What a logger's method is when its level is off. A logger built here (or
 * tagged with withFields) says so by this identity, and `logs` reads it: a
 * line nobody writes, per request (the access log, the audit at info), is
 * then not even built.
 */
export const discard = (): void => {};

/** False when `logger` surely drops lines at `level`; true when it may write them (any logger not built here). */
export function logs(logger: Logger, level: LogLevel): boolean {
  return logger[level] !== discard;
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  return fields && Object.keys(fields).length > 0
    ? `mcpo ${level}: ${message} ${JSON.stringify(fields)}`
    : `mcpo ${level}: ${message}`;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Writes lines at `level` and above to stderr (stdout stays free for a program's own output). */
export function createConsoleLogger(level: LogLevel): Logger {
  const min = LOG_LEVELS.indexOf(level);
  if (min === -1) throw new TypeError(`createConsoleLogger: level must be one of ${LOG_LEVELS.join(', ')}`);
  const at = (l: LogLevel) =>
    LOG_LEVELS.indexOf(l) >= min ? (message: string, fields?: Record<string, unknown>) => process.stderr.write(`${line(l, message, fields)}\n`) : discard;
  return Object.freeze({ debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') });
}

/** A library should be quiet: only warnings and errors, on stderr. */
export const consoleLogger: Logger = createConsoleLogger('warn');

/** Discards everything; handy in tests. */
export const silentLogger: Logger = Object.freeze({ debug: discard, info: discard, warn: discard, error: discard });

/** `parent` with `fields` added to every line (a line's own fields win). */
export function withFields(parent: Logger, fields: Record<string, unknown>): Logger {
  const add = (own?: Record<string, unknown>): Record<string, unknown> => ({ ...fields, ...own });
  const at = (level: LogLevel): Logger[LogLevel] => (logs(parent, level) ? (m, f) => parent[level](m, add(f)) : discard);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
