/**
 * The pure parts of lib/http/body.ts: byte sizes and the check that keeps
 * prototype-polluting keys and runaway nesting away from validators and
 * servers. Reading bodies over HTTP is covered by test/security.test.ts.
 */
import { expect } from 'chai';
import { MAX_BODY_DEPTH, parseByteSize, unsafeBodyProblem } from '../../lib/http/body.js';

describe('parseByteSize', () => {
  it('reads bytes and kb, mb, gb in any case', () => {
    expect(parseByteSize(100)).to.equal(100);
    expect(parseByteSize('100')).to.equal(100);
    expect(parseByteSize('1kb')).to.equal(1024);
    expect(parseByteSize(' 1.5 MB ')).to.equal(1.5 * 1024 * 1024);
    expect(parseByteSize('1gb')).to.equal(1024 ** 3);
  });

  it('refuses what is not a positive size', () => {
    for (const value of [0, -1, 1.5, Number.NaN, Infinity, '', 'mb', '1 tb', '-1kb', '0kb', null, undefined, {}]) {
      expect(parseByteSize(value), String(value)).to.equal(undefined);
    }
  });
});

describe('unsafeBodyProblem', () => {
  const parsed = (text: string) => JSON.parse(text) as unknown;

  it('passes ordinary arguments, including keys named constructor or prototype on their own', () => {
    for (const body of [{}, { a: 1, b: [1, { c: null }] }, { constructor: 'x' }, { prototype: { a: 1 } }, { constructor: { other: 1 } }]) {
      expect(unsafeBodyProblem(body), JSON.stringify(body)).to.equal(undefined);
    }
  });

  it('finds __proto__ at any depth, however it was spelled in the JSON', () => {
    for (const text of ['{"__proto__":{}}', '{"a":[{"b":{"__proto__":1}}]}', '{"\\u005f_proto__":{}}', '[[[{"__proto__":null}]]]']) {
      expect(unsafeBodyProblem(parsed(text))?.code, text).to.equal('forbidden_key');
    }
  });

  it('finds constructor.prototype at any depth', () => {
    for (const text of ['{"constructor":{"prototype":{}}}', '{"x":[{"constructor":{"prototype":1}}]}']) {
      expect(unsafeBodyProblem(parsed(text))).to.deep.equal({ code: 'forbidden_key', message: 'The key "constructor.prototype" is not allowed in a request body' });
    }
  });

  it(`refuses nesting deeper than ${MAX_BODY_DEPTH}, without recursing itself`, () => {
    const nest = (n: number) => parsed(`{"a":${'['.repeat(n - 2)}{}${']'.repeat(n - 2)}}`);
    expect(unsafeBodyProblem(nest(MAX_BODY_DEPTH))).to.equal(undefined);
    expect(unsafeBodyProblem(nest(MAX_BODY_DEPTH + 1))?.code).to.equal('too_deep');
    expect(unsafeBodyProblem(nest(500_000))?.code).to.equal('too_deep');
  });
});
