/** The message of the TypeError `fn` throws, as a config or an option fails at load; fails the test when it throws none. */
import { expect } from 'chai';

export function loadError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error('expected a TypeError');
}
