/**
 * A bad command line: the one line that names the problem. The parser
 * (bin/args.ts) and its readers throw it; the entry point (bin/mcpo.ts)
 * prints it and exits 2, never with a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
