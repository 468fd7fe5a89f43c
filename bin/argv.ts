/**
 * argv split in two at `--`: the flags before it, read with minimist by the
 * flag table (bin/flags.ts), and the server's command words after it. An
 * unknown option or a stray word is refused here, first, with a UsageError
 * (bin/usage-error.ts); what the flags' values mean is the parser's
 * (bin/args.ts).
 */
import minimist from 'minimist';
import { didYouMean } from '../lib/common/suggest.js';
import { ALIASES, BOOLEANS, LONG_FLAGS, STRINGS } from './flags.js';
import { UsageError } from './usage-error.js';

/** The flags by long name, as minimist gives them. */
export type ParsedFlags = Record<string, unknown>;

export interface SplitArgv {
  /** The words before `--` (all of argv without one). */
  flags: string[];
  /** The words after `--`: a command and its arguments, or one URL. */
  command: string[];
  /** Whether `--` was given, even with nothing after it. */
  dashes: boolean;
  parsed: ParsedFlags;
}

export function splitArgv(argv: readonly string[]): SplitArgv {
  const dashes = argv.indexOf('--');
  const flags = dashes === -1 ? [...argv] : argv.slice(0, dashes);
  const command = dashes === -1 ? [] : argv.slice(dashes + 1);
  const unknown: string[] = [];
  const parsed = minimist(flags, {
    string: STRINGS,
    boolean: BOOLEANS,
    alias: ALIASES,
    unknown: (arg) => {
      unknown.push(arg);
      return false;
    },
  });
  const first = unknown[0];
  if (first !== undefined) refuseUnknown(flags, first);
  return { flags, command, dashes: dashes !== -1, parsed };
}

/**
 * What needs no other flag read: help (`--help`, or a bare `-h`, where the
 * original wants a host) and the version (a bare `-v`/`--version`). Help
 * and version win over every other flag and value, as they always have.
 */
export function earlyKind({ parsed, flags }: SplitArgv): 'help' | 'version' | undefined {
  if (parsed.help || (parsed.host === '' && flags.includes('-h'))) return 'help';
  if (parsed.version === '') return 'version';
  return undefined;
}

function refuseUnknown(flags: readonly string[], first: string): never {
  // `--port -1`: minimist leaves the flag empty and calls "-1" an unknown option.
  const before = flags[flags.indexOf(first) - 1];
  const named = before?.startsWith('-') && !before.includes('=') ? before.replace(/^-+/, '') : undefined;
  const flag = named === undefined ? undefined : Object.hasOwn(ALIASES, named) ? ALIASES[named] : named;
  if (flag !== undefined && STRINGS.includes(flag)) {
    throw new UsageError(`--${flag} needs a value, got ${JSON.stringify(first)}; write --${flag}=${first} if you mean it`);
  }
  if (!first.startsWith('-')) {
    throw new UsageError(`unexpected argument ${JSON.stringify(first)}; put the server command after --, as in: mcpo -- ${first}`);
  }
  const option = first.split('=')[0]!;
  const long = /^--[^-]/.test(option) ? didYouMean(option.slice(2), LONG_FLAGS, (name) => `--${name}`) : '';
  throw new UsageError(`unknown option ${option}${long}`);
}
