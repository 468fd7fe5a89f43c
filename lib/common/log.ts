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
    LOG_LEVELS.indexOf(l) >= min
      ? (message: string, fields?: Record<string, unknown>) => process.stderr.write(`${line(l, message, fields)}\n`)
      : () => {};
  return Object.freeze({ debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') });
}

/** A library should be quiet: only warnings and errors, on stderr. */
export const consoleLogger: Logger = createConsoleLogger('warn');

/** Discards everything; handy in tests. */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });

/** `parent` with `fields` added to every line (a line's own fields win). */
export function withFields(parent: Logger, fields: Record<string, unknown>): Logger {
  const add = (own?: Record<string, unknown>): Record<string, unknown> => ({ ...fields, ...own });
  return {
    debug: (m, f) => parent.debug(m, add(f)),
    info: (m, f) => parent.info(m, add(f)),
    warn: (m, f) => parent.warn(m, add(f)),
    error: (m, f) => parent.error(m, add(f)),
  };
}
