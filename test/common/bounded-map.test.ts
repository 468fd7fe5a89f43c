import { expect } from 'chai';
import { setBounded } from '../../lib/common/bounded-map.js';

describe('setBounded', () => {
  it('keeps at most `limit` entries, dropping the one set longest ago', () => {
    const map = new Map<string, number>();
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) setBounded(map, key, i, 3);
    expect([...map.keys()]).to.deep.equal(['b', 'c', 'd']);
  });

  it('makes a key set again the newest, so it is dropped last', () => {
    const map = new Map<string, number>();
    for (const key of ['a', 'b', 'c', 'a', 'd']) setBounded(map, key, 0, 3);
    expect([...map.keys()]).to.deep.equal(['c', 'a', 'd']);
  });

  it('holds the newest entry alone at a limit of 0 or 1, without looping', () => {
    for (const limit of [0, 1]) {
      const map = new Map([['a', 1]]);
      setBounded(map, 'b', 2, limit);
      expect([...map.entries()], String(limit)).to.deep.equal([['b', 2]]);
    }
  });
});
