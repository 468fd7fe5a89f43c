/**
 * "Did you mean" (lib/common/suggest.ts): the edit distance, and which names
 * are close enough to suggest.
 */
import { expect } from 'chai';
import { closest, didYouMean, editDistance, misspeltKey } from '../../lib/common/suggest.js';

describe('suggestions', () => {
  it('counts inserts, deletes, replacements and swapped neighbours as one edit each', () => {
    expect(editDistance('command', 'command')).to.equal(0);
    expect(editDistance('comand', 'command')).to.equal(1);
    expect(editDistance('commmand', 'command')).to.equal(1);
    expect(editDistance('commend', 'command')).to.equal(1);
    expect(editDistance('comamnd', 'command')).to.equal(1);
    expect(editDistance('', 'url')).to.equal(3);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
  });

  it('finds the known name a near-miss meant, folding case, _ and -', () => {
    const keys = ['command', 'args', 'env', 'cwd', 'disabledTools', 'disabled_tools'];
    expect(closest('comand', keys)).to.equal('command');
    expect(closest('disabledTool', keys)).to.equal('disabledTools');
    expect(closest('DISABLED-TOOLS', keys)).to.equal('disabledTools');
    expect(closest('client_ID', ['clientId', 'clientSecret'])).to.equal('clientId');
    expect(closest('confg', ['config', 'port'])).to.equal('config');
  });

  it('suggests nothing when no name is close, so short or unrelated names get no wrong guess', () => {
    expect(closest('colour', ['command', 'args', 'env', 'cwd'])).to.equal(undefined);
    expect(closest('xyz', ['env', 'url'])).to.equal(undefined);
    expect(closest('enviroment', ['env'])).to.equal(undefined);
    expect(didYouMean('colour', ['command'])).to.equal('');
  });

  it('words the suggestion for a message, quoted as the caller likes', () => {
    expect(didYouMean('comand', ['command'])).to.equal('; did you mean "command"?');
    expect(didYouMean('confg', ['config'], (n) => `--${n}`)).to.equal('; did you mean --config?');
    expect(misspeltKey(['args', 'comand'], ['command', 'url'])).to.equal('; did you mean "command" for "comand"?');
    expect(misspeltKey(['args'], ['command', 'url'])).to.equal('');
  });
});
