/**
 * createRedactor and urlSecrets (lib/common/redact.ts).
 */
import { expect } from 'chai';
import { createRedactor, urlSecrets } from '../../lib/common/redact.js';

describe('createRedactor', () => {
  it('replaces every occurrence of every secret', () => {
    const redact = createRedactor(['hunter22', 'tok-abc']);
    expect(redact('pw hunter22, again hunter22, token tok-abc')).to.equal('pw ***, again ***, token ***');
  });

  it('leaves values shorter than 4 characters alone', () => {
    expect(createRedactor(['1', 'ab', 'xyz'])('1 ab xyz')).to.equal('1 ab xyz');
  });

  it('replaces a secret that contains another one whole', () => {
    expect(createRedactor(['abcd', 'abcdefgh'])('abcdefgh abcd')).to.equal('*** ***');
  });

  it('removes credentials from URLs even when they are not listed', () => {
    expect(createRedactor([])('fetch https://user:pa55@host.example/sse failed')).to.equal('fetch https://***@host.example/sse failed');
  });
});

describe('urlSecrets', () => {
  it('returns the user, password and query values, decoded', () => {
    const url = new URL('https://us%40er:p%2Fw@h.example/x?token=t%20k&empty=');
    expect(urlSecrets(url)).to.deep.equal(['us@er', 'p/w', 't k']);
  });

  it('returns nothing for a plain URL', () => {
    expect(urlSecrets(new URL('http://h.example/sse'))).to.deep.equal([]);
  });
});
