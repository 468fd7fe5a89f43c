#!/usr/bin/env node
/**
 * The `mcpo` command's entry. `--help` and `--version` are answered here
 * from the flag table and the help text alone, in the time Node takes to
 * start: loading the app (Express, the MCP SDK, zod, ajv) costs most of a
 * second, and a script or a person asking for help should not wait for it.
 * Everything else, a usage problem included (the full parse says what it
 * is), loads the command itself, bin/serve.ts.
 */
import { earlyKind, splitArgv } from './argv.js';

function early(argv: readonly string[]): 'help' | 'version' | undefined {
  try {
    return earlyKind(splitArgv(argv));
  } catch {
    return undefined;
  }
}

// Each loads only what it prints: every module is a few milliseconds of a start that is mostly Node's own.
const kind = early(process.argv.slice(2));
if (kind === 'help') process.stdout.write((await import('./help.js')).HELP);
else if (kind === 'version') process.stdout.write((await import('../lib/common/version.js')).VERSION + '\n');
else await import('./serve.js');
