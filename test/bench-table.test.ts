/**
 * The bench's table formatter (test/bench/table.ts): every ratio it prints is
 * the quotient of the two numbers printed beside it, to the ratio's two
 * decimals, as a reader dividing them by hand would get it; and the block
 * above a run's tables names its date, machine and command.
 */
import os from 'node:os';
import { expect } from 'chai';
import { atLeast, atMost, commandLine, markdownTable, quantity, resultsTable, runHeader, type Row } from './bench/table.js';

/** A printed number as an exact fraction: "1,234.5" is 12345 / 10. */
function exact(text: string): { num: bigint; den: bigint } {
  const match = /^(-?)([\d,]+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a printed number: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  const num = BigInt(`${whole!.replace(/,/g, '')}${fraction}`);
  return { num: sign ? -num : num, den: 10n ** BigInt(fraction.length) };
}

const leadingNumber = (cell: string): string => {
  const match = /^(-?[\d,]+(?:\.\d+)?) /.exec(cell);
  if (!match) throw new Error(`no number leads the cell: ${cell}`);
  return match[1]!;
};

/** The data rows of a printed markdown table, split into trimmed cells. */
function parse(markdown: string): string[][] {
  const lines = markdown.split('\n');
  expect(lines[1]).to.match(/^\|(---\|)+$/);
  return lines.slice(2).map((line) => {
    expect(line.startsWith('| ') && line.endsWith(' |'), line).to.equal(true);
    return line.slice(2, -2).split(' | ');
  });
}

/**
 * Whether `ratio` (two decimals) is figure ÷ baseline rounded half up: with q the exact quotient,
 * ratio − 0.005 ≤ q < ratio + 0.005, checked in integers.
 */
function isRoundedQuotient(ratio: string, figure: string, baseline: string): boolean {
  const r = exact(ratio);
  expect(r.den, `${ratio} has two decimals`).to.equal(100n);
  const a = exact(figure);
  const b = exact(baseline);
  // q = (a.num / a.den) / (b.num / b.den); compare 200·q with 2·r.num ± 1, all over a common positive denominator.
  const qNum = 200n * a.num * b.den;
  const qDen = a.den * b.num;
  const [n, d] = qDen < 0n ? [-qNum, -qDen] : [qNum, qDen];
  return (2n * r.num - 1n) * d <= n && n < (2n * r.num + 1n) * d;
}

const req = (value: number, after = '') => quantity(value, 0, 'req/s', after);
const ms = (value: number, digits = 3, after = '') => quantity(value, digits, 'ms', after);

/** Rows with awkward numbers, and what a careless formatter would have put in the ratio column instead. */
const ROWS: Row[] = [
  // Large figures with thousands separators; unrounded the quotient is 1.24999…, just under its target, and printed it is 1.25.
  { scenario: 'large', figure: req(1_234_567.891), baseline: req(987_654.5, ' (bare Express)'), target: atLeast(1.25) },
  // The docs' own case: medians 1,712 and 1,272 with a median of per-round ratios of 1.19.
  {
    scenario: 'paired',
    figure: req(1712.4, '; mcpo CPU 0.662 ms per call'),
    baseline: req(1271.6, '; 0.867 ms (supergateway)'),
    named: { label: 'median of 30 paired 1 s bursts', ratios: [['req/s', 1.19], ['CPU per call', 0.97]] },
    target: 'for reference',
  },
  // Figures that round differently at different precisions: 2.0049 is 2.005 at 3 decimals, 2.00 at 2, 2 at 0.
  { scenario: 'precision 3', figure: ms(2.0049), baseline: ms(0.9995), target: 'for reference' },
  { scenario: 'precision 1', figure: quantity(2.0049, 1, 'MB'), baseline: quantity(0.9995, 1, 'MB'), target: 'for reference' },
  { scenario: 'precision 0', figure: quantity(2.0049, 0, 'MB'), baseline: quantity(1.4999, 0, 'MB'), target: 'for reference' },
  // A tiny baseline: 0.0123 / 0.0042 is 2.93, but the printed 0.012 / 0.004 is 3.00.
  { scenario: 'tiny', figure: ms(0.0123), baseline: ms(0.0042, 3, ' (p50 0.003)'), target: atMost(2.95) },
  // Ratios at a rounding edge: 845 / 1,000 is 0.845 and rounds up to 0.85, though 845.4 / 1,000.3 is 0.8451, short of its target.
  { scenario: 'edge', figure: req(845.4), baseline: req(1000.3), target: atLeast(0.85) },
  // 0.009 / 0.024 is 0.375 by hand, but 0.37499… in doubles, which would print as 0.37.
  { scenario: 'edge in doubles', figure: ms(0.0091), baseline: ms(0.0238), target: 'for reference' },
  { scenario: 'edge below', figure: ms(1.0044, 2), baseline: ms(1.1833, 2), target: atLeast(0.85) },
  // A tiny quotient, as the memory row has: 0.19 MB against 191.0 MB.
  { scenario: 'memory', figure: quantity(0.1936, 2, 'MB', ' (RSS 0.19, heap 0.15)'), baseline: quantity(190.98, 1, 'MB', ' RSS'), target: { text: '≤ 5 MB', met: (p) => p.figure <= 5 } },
  // A latency row: the p99s are its numbers, the p50s ride along.
  { scenario: 'latency', figure: ms(3.1824, 3, ' (p50 0.688)'), baseline: ms(0.7536, 3, ' (p50 0.258) (direct SDK call)'), target: { text: '≤ +1 ms', met: (p) => p.figure - p.baseline <= 1 } },
];

describe('bench tables (test/bench/table.ts)', () => {
  let printed: string[][];
  before(() => {
    printed = parse(resultsTable(ROWS));
  });

  it('prints every ratio as the quotient of the two numbers printed beside it, to two decimals', () => {
    expect(printed).to.have.length(ROWS.length);
    for (const cells of printed) {
      expect(cells, cells.join(' | ')).to.have.length(6);
      const [scenario, figureCell, baselineCell, ratioCell] = cells as [string, string, string, string];
      const ratio = /^([\d,]+\.\d{2})×$/.exec(ratioCell)?.[1];
      expect(ratio, `${scenario}: ratio cell ${ratioCell}`).to.be.a('string');
      expect(isRoundedQuotient(ratio!, leadingNumber(figureCell), leadingNumber(baselineCell)), `${scenario}: ${figureCell} ÷ ${baselineCell} printed as ${ratioCell}`).to.equal(true);
    }
  });

  it('rounds each number before dividing, and rounds the quotient half up', () => {
    const byScenario = Object.fromEntries(printed.map((cells) => [cells[0], cells]));
    expect(byScenario.large!.slice(1, 4)).to.deep.equal(['1,234,568 req/s', '987,655 req/s (bare Express)', '1.25×']);
    expect(byScenario['precision 3']!.slice(1, 4)).to.deep.equal(['2.005 ms', '1.000 ms', '2.01×']);
    expect(byScenario['precision 1']!.slice(1, 4)).to.deep.equal(['2.0 MB', '1.0 MB', '2.00×']);
    expect(byScenario['precision 0']!.slice(1, 4)).to.deep.equal(['2 MB', '1 MB', '2.00×']);
    expect(byScenario.tiny!.slice(1, 4)).to.deep.equal(['0.012 ms', '0.004 ms (p50 0.003)', '3.00×']);
    expect(byScenario.edge!.slice(1, 4)).to.deep.equal(['845 req/s', '1,000 req/s', '0.85×']);
    expect(byScenario['edge below']![3]).to.equal('0.85×');
    expect(byScenario['edge in doubles']!.slice(1, 4)).to.deep.equal(['0.009 ms', '0.024 ms', '0.38×']);
    expect(byScenario.memory![3]).to.equal('0.00×');
  });

  it('keeps a median of paired ratios under its own name in the baseline cell, out of the ratio column', () => {
    const [, figure, baseline, ratio] = printed.find((cells) => cells[0] === 'paired')!;
    expect(figure).to.equal('1,712 req/s; mcpo CPU 0.662 ms per call');
    expect(baseline).to.equal('1,272 req/s; 0.867 ms (supergateway); median of 30 paired 1 s bursts: req/s 1.19×, CPU per call 0.97×');
    expect(ratio).to.equal('1.35×');
  });

  it('decides "met" on the printed numbers', () => {
    const met = Object.fromEntries(printed.map((cells) => [cells[0], [cells[4], cells[5]]]));
    // 1.2499… unrounded, 1.25 printed.
    expect(met.large).to.deep.equal(['≥ 1.25×', 'yes']);
    // 0.8451 unrounded, 0.85 printed; and 1.00 / 1.18 = 0.847…, printed 0.85.
    expect(met.edge).to.deep.equal(['≥ 0.85×', 'yes']);
    expect(met['edge below']).to.deep.equal(['≥ 0.85×', 'yes']);
    // 2.93 unrounded, 3.00 printed.
    expect(met.tiny).to.deep.equal(['≤ 2.95×', '**no**']);
    expect(met.latency).to.deep.equal(['≤ +1 ms', '**no**']);
    expect(met.memory).to.deep.equal(['≤ 5 MB', 'yes']);
    expect(met.paired).to.deep.equal(['for reference', '—']);
  });

  it('prints a dash for the ratio when the baseline prints as zero', () => {
    const [cells] = parse(resultsTable([{ scenario: 'zero', figure: ms(0.0123), baseline: ms(0.0004), target: atLeast(1) }]));
    expect(cells!.slice(1)).to.deep.equal(['0.012 ms', '0.000 ms', '—', '≥ 1×', '**no**']);
  });

  it('refuses a table row with the wrong number of cells', () => {
    expect(() => markdownTable(['a', 'b'], [['1']])).to.throw(/1 cells under 2 headings/);
  });

});

describe('the block above a run of the bench (test/bench/table.ts)', () => {
  it('names the date, the machine and the command', () => {
    const date = new Date('2026-12-07T10:11:12.345Z');
    const header = runHeader({
      date,
      argv: ['/usr/bin/node', '/work/main/test/bench/run.ts'],
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { BENCH_ONLY: 'command', BENCH_ROUNDS: '1', BENCH_COMPARE: '../a dir/mcpo.js', HOME: '/root' },
    });
    expect(header).to.include('2026-12-07T10:11:12.345Z');
    expect(header).to.include(os.cpus()[0]!.model.trim());
    expect(header).to.include(`${os.cpus().length} cores`);
    expect(header).to.include(process.version);
    expect(header).to.include("`BENCH_COMPARE='../a dir/mcpo.js' BENCH_ONLY=command BENCH_ROUNDS=1 /usr/bin/node --expose-gc --import tsx /work/main/test/bench/run.ts`");
    expect(header).not.to.include('HOME');
  });

  it('takes this process for the command by default', () => {
    const header = runHeader();
    expect(header).to.match(/^- date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    expect(header).to.include(process.argv[1]!);
    expect(commandLine({ argv: ['node', 'x.ts'], execArgv: [], env: { BENCH_SECONDS: '5', BENCH_X: undefined } })).to.equal('BENCH_SECONDS=5 node x.ts');
  });
});
