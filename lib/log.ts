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

/** A library should be quiet: only warnings and errors, on stderr. */
export const consoleLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn(message: string, fields?: Record<string, unknown>) {
    console.warn(line('warn', message, fields));
  },
  error(message: string, fields?: Record<string, unknown>) {
    console.error(line('error', message, fields));
  },
});

/** Discards everything; handy in tests. */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
