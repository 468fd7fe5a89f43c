import { expect } from 'chai';
import { backoffDelay } from '../../lib/mcp/backoff.js';

describe('backoffDelay', () => {
  const options = { initialMs: 500, maxMs: 30_000 };

  it('starts near the initial delay and doubles, within the upper half of each step', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const ceiling = 500 * 2 ** attempt;
      expect(backoffDelay(attempt, options, () => 0), `attempt ${attempt}, low`).to.equal(ceiling / 2);
      expect(backoffDelay(attempt, options, () => 0.999999), `attempt ${attempt}, high`).to.be.closeTo(ceiling, 1);
    }
  });

  it('never exceeds the cap, even after very many attempts', () => {
    for (const attempt of [6, 7, 10, 50, 1000, 1e9]) {
      const delay = backoffDelay(attempt, options, () => 0.999999);
      expect(delay, `attempt ${attempt}`).to.be.at.most(30_000).and.at.least(29_000);
      expect(Number.isFinite(delay)).to.equal(true);
    }
  });

  it('spreads retries: real jitter gives different delays for the same attempt', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, options)));
    expect(delays.size).to.be.greaterThan(10);
    for (const d of delays) expect(d).to.be.within(2000, 4000);
  });
});
