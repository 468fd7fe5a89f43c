/**
 * How the bench prints its tables (docs/performance.md pastes them). A row
 * carries its two quantities as numbers, and its ratio is computed from them
 * as printed: a reader who divides the two numbers beside a ratio gets that
 * ratio, to its two decimals. A statistic of another kind, such as the median
 * of paired rounds' ratios, keeps a name of its own and is printed in the
 * baseline cell, never in the ratio column.
 *
 * It imports nothing of the bench, so test/bench-table.test.ts loads it
 * without starting anything.
 */
import os from 'node:os';

/** Thousands separators and fixed decimals: the one way the bench prints a number. */
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A number as fmt prints it, read back: what a reader of the table has to work with. */
export const shown = (n: number, digits = 0): number => Number(fmt(n, digits).replace(/,/g, ''));

export interface Quantity {
  value: number;
  /** Decimals it is printed with. */
  digits: number;
  unit: string;
  /** Free text printed after the unit: a p50, CPU per call, what the baseline is. */
  after?: string;
}

export const quantity = (value: number, digits: number, unit: string, after = ''): Quantity => ({ value, digits, unit, after });

/** A row's numbers as it prints them; `ratio` is NaN when the baseline prints as zero. */
export interface Printed {
  figure: number;
  baseline: number;
  ratio: number;
}

export interface Target {
  text: string;
  /** Decided on the printed numbers, so that the table agrees with itself. */
  met(printed: Printed): boolean;
}

export interface Row {
  scenario: string;
  /** mcpo's figure, the dividend of the ratio. */
  figure: Quantity;
  /** What it is set against, the divisor. */
  baseline: Quantity;
  /**
   * Ratios that are not the quotient of the two numbers (the median of paired rounds' ratios, which leaves
   * out the machine's drift between rounds), printed under `label` at the end of the baseline cell.
   */
  named?: { label: string; ratios: [what: string, ratio: number][] };
  /** A target, or the text of a row given for reference. */
  target: Target | string;
}

export const atLeast = (ratio: number, text = `≥ ${ratio}×`): Target => ({ text, met: (p) => p.ratio >= ratio });
export const atMost = (ratio: number, text = `≤ ${ratio}×`): Target => ({ text, met: (p) => p.ratio <= ratio });

export const RATIO_DIGITS = 2;

/** The printed digits of a number as an integer over a power of ten: 1,234.5 at 1 decimal is 12345 / 10. */
function printedDecimal(n: number, digits: number): { units: bigint; scale: bigint } {
  return { units: BigInt(fmt(n, digits).replace(/[,.]/g, '')), scale: 10n ** BigInt(digits) };
}

/**
 * The quotient of two printed numbers, rounded half away from zero to two decimals in exact decimal
 * arithmetic, as a reader dividing them by hand gets it: 0.009 / 0.024 is 0.375, so 0.38, though in
 * doubles it comes to 0.37499… and would print as 0.37. NaN when either is not finite or the divisor
 * prints as zero.
 */
export function printedRatio(figure: Pick<Quantity, 'value' | 'digits'>, baseline: Pick<Quantity, 'value' | 'digits'>): number {
  if (!Number.isFinite(figure.value) || !Number.isFinite(baseline.value)) return NaN;
  const a = printedDecimal(figure.value, figure.digits);
  const b = printedDecimal(baseline.value, baseline.digits);
  if (b.units === 0n) return NaN;
  const numerator = a.units * b.scale * 10n ** BigInt(RATIO_DIGITS);
  const denominator = b.units * a.scale;
  const negative = numerator < 0n !== denominator < 0n;
  const [num, den] = [numerator < 0n ? -numerator : numerator, denominator < 0n ? -denominator : denominator];
  const rounded = Number((2n * num + den) / (2n * den)) / 10 ** RATIO_DIGITS;
  return negative && rounded !== 0 ? -rounded : rounded;
}

/** The ratio as the table prints it; a dash when the printed numbers give none. */
export const ratioText = (figure: Pick<Quantity, 'value' | 'digits'>, baseline: Pick<Quantity, 'value' | 'digits'>): string => {
  const ratio = printedRatio(figure, baseline);
  return Number.isNaN(ratio) ? '—' : `${fmt(ratio, RATIO_DIGITS)}×`;
};

export const quantityText = (q: Quantity): string => `${fmt(q.value, q.digits)}${q.unit ? ` ${q.unit}` : ''}${q.after ?? ''}`;

const namedText = (named: Row['named']): string =>
  named ? `; ${named.label}: ${named.ratios.map(([what, r]) => `${what ? `${what} ` : ''}${fmt(r, RATIO_DIGITS)}×`).join(', ')}` : '';

/** A markdown table; every row must have the header's number of cells. */
export function markdownTable(header: string[], rows: string[][]): string {
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`a row of ${row.length} cells under ${header.length} headings: ${row.join(' | ')}`);
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---|').join('')}`, ...rows.map(line)].join('\n');
}

/** The bench's main table: scenario, mcpo, baseline, ratio, target, met. */
export function resultsTable(rows: Row[]): string {
  return markdownTable(
    ['scenario', 'mcpo', 'baseline', 'ratio', 'target', 'met'],
    rows.map((row) => {
      const printed: Printed = {
        figure: shown(row.figure.value, row.figure.digits),
        baseline: shown(row.baseline.value, row.baseline.digits),
        ratio: printedRatio(row.figure, row.baseline),
      };
      const target = typeof row.target === 'string' ? undefined : row.target;
      const met = target === undefined ? '—' : target.met(printed) ? 'yes' : '**no**';
      return [
        row.scenario,
        quantityText(row.figure),
        `${quantityText(row.baseline)}${namedText(row.named)}`,
        ratioText(row.figure, row.baseline),
        target?.text ?? (row.target as string),
        met,
      ];
    }),
  );
}

/** What produced a run; defaults to this process. */
export interface RunContext {
  date: Date;
  argv: readonly string[];
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The command line that ran the bench: its BENCH_* variables, then node, its own flags and the script's arguments. */
export function commandLine(context: Pick<RunContext, 'argv' | 'execArgv' | 'env'>): string {
  const vars = Object.keys(context.env)
    .filter((name) => name.startsWith('BENCH_') && context.env[name] !== undefined)
    .sort()
    .map((name) => `${name}=${shellWord(context.env[name]!)}`);
  const [node = 'node', ...rest] = context.argv;
  return [...vars, ...[node, ...context.execArgv, ...rest].map(shellWord)].join(' ');
}

/** The block printed above a run's tables: when, on what, and by which command, so a pasted table keeps its provenance. */
export function runHeader(context: RunContext = { date: new Date(), argv: process.argv, execArgv: process.execArgv, env: process.env }): string {
  const cpus = os.cpus();
  const memory = os.totalmem() / 1024 ** 3;
  return [
    `- date: ${context.date.toISOString()}`,
    `- machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(memory, 1)} GiB memory, Node ${process.version}`,
    `- command: \`${commandLine(context)}\``,
  ].join('\n');
}
