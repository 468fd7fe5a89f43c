import { expect } from 'chai';
import { coalesced } from '../../lib/common/coalesce.js';

describe('coalesced', () => {
  it('folds every call made during a run into exactly one more run, never overlapping', async () => {
    let runs = 0;
    let running = 0;
    let maxRunning = 0;
    const task = coalesced(async () => {
      runs++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
    });
    const first = task();
    const during = [task(), task(), task()];
    expect(during.every((p) => p === first), 'callers during a run share its promise').to.equal(true);
    await first;
    expect(runs).to.equal(2);
    expect(maxRunning).to.equal(1);
    await task();
    expect(runs, 'a call after the series starts a new one').to.equal(3);
  });

  it('lets the next call start afresh after a run that threw', async () => {
    let runs = 0;
    const task = coalesced(async () => {
      runs++;
      if (runs === 1) throw new Error('first run fails');
    });
    let failure: unknown;
    await task().catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(Error);
    await task();
    expect(runs).to.equal(2);
  });
});
