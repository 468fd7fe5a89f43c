import { expect } from 'chai';
import { createConsoleLogger, discard, logs, silentLogger, withFields, type Logger } from '../../lib/common/log.js';
import { serverLogger } from '../../lib/app/secrets.js';

describe('logs(): whether a logger may write a level', () => {
  it('reads the levels of a console logger, and a silent logger writes none', () => {
    const warn = createConsoleLogger('warn');
    expect([logs(warn, 'debug'), logs(warn, 'info'), logs(warn, 'warn'), logs(warn, 'error')]).to.deep.equal([false, false, true, true]);
    expect(logs(createConsoleLogger('debug'), 'debug')).to.equal(true);
    expect(['debug', 'info', 'warn', 'error'].map((l) => logs(silentLogger, l as 'info'))).to.deep.equal([false, false, false, false]);
  });

  it('keeps a level off through withFields and a server logger, and on where the parent writes', () => {
    const lines: unknown[][] = [];
    const own: Logger = { debug: discard, info: (m, f) => lines.push([m, f]), warn: discard, error: discard };
    const tagged = serverLogger(withFields(own, { user: 'u1' }), 's1', (t) => t.replace('secret', '***'));
    expect(logs(tagged, 'debug')).to.equal(false);
    expect(logs(tagged, 'info')).to.equal(true);
    tagged.info('a secret line', { extra: 1 });
    expect(lines).to.deep.equal([['a *** line', { user: 'u1', server: 's1', extra: 1 }]]);
  });

  it('takes any logger not built by mcpo as writing every level', () => {
    const custom: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    expect(logs(custom, 'debug')).to.equal(true);
  });
});
