/**
 * The closing line of a test run is its summary (test/reporter.cjs): CI and
 * docs/development.md quote it, so a run with failures and skips still ends
 * with `tests: N passed, N failed, N skipped`, after the failures' details.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPORTER = fileURLToPath(new URL('./reporter.cjs', import.meta.url));
const MOCHA = fileURLToPath(new URL('../node_modules/mocha/bin/mocha.js', import.meta.url));

describe('the test reporter', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpo-reporter-'));
    writeFileSync(
      join(dir, 'sample.spec.cjs'),
      "it('passes', () => {});\nit('fails', () => { throw new Error('on purpose'); });\nit.skip('is skipped', () => {});\n",
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ends the output with the summary line, after the failures', () => {
    // --no-config: this run is the sample's alone, not the suite's (.mocharc.json).
    const run = spawnSync(process.execPath, [MOCHA, '--no-config', '--reporter', REPORTER, join(dir, 'sample.spec.cjs')], { encoding: 'utf8' });
    expect(run.status).to.equal(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).to.equal('tests: 1 passed, 1 failed, 1 skipped');
    expect(run.stdout.indexOf('on purpose')).to.be.within(0, run.stdout.lastIndexOf('tests: '));
  });
});
