import { expect } from 'chai';
import { diffServers, isEmptyDiff } from '../../lib/app/config-diff.js';
import type { ServerEntry } from '../../lib/app/server-entry.js';

const stdio = (name: string, args: string[], env: Record<string, string> = {}, disabledTools: string[] = []): ServerEntry => ({
  name,
  spec: { command: 'node', args, env },
  type: 'stdio',
  disabledTools,
});

describe('diffServers', () => {
  it('sorts servers into unchanged, added, changed and removed by name and content', () => {
    const before = [stdio('a', ['a.js']), stdio('b', ['b.js']), stdio('c', ['c.js'])];
    const after = [stdio('a', ['a.js']), stdio('b', ['b.js', '--flag']), stdio('d', ['d.js'])];
    const diff = diffServers(before, after);
    expect(diff.unchanged.map((e) => e.name)).to.deep.equal(['a']);
    expect(diff.changed.map((e) => e.name)).to.deep.equal(['b']);
    expect(diff.added.map((e) => e.name)).to.deep.equal(['d']);
    expect(diff.removed).to.deep.equal(['c']);
    expect(isEmptyDiff(diff)).to.equal(false);
  });

  it('ignores the order of keys, but not the order of args', () => {
    const a = stdio('a', ['x', 'y'], { ONE: '1', TWO: '2' });
    const reordered: ServerEntry = { ...a, spec: { env: { TWO: '2', ONE: '1' }, args: ['x', 'y'], command: 'node' } };
    expect(isEmptyDiff(diffServers([a], [reordered]))).to.equal(true);
    expect(diffServers([a], [stdio('a', ['y', 'x'], { ONE: '1', TWO: '2' })]).changed).to.have.length(1);
  });

  it('counts a change of env, disabledTools, url or headers as a change', () => {
    const base = stdio('a', ['a.js'], { K: 'v' });
    expect(diffServers([base], [stdio('a', ['a.js'], { K: 'w' })]).changed).to.have.length(1);
    expect(diffServers([base], [stdio('a', ['a.js'], { K: 'v' }, ['t'])]).changed).to.have.length(1);
    const remote = (url: string, headers: Record<string, string>): ServerEntry => ({ name: 'r', spec: { type: 'sse', url, headers }, type: 'sse', disabledTools: [] });
    expect(diffServers([remote('http://h/sse', {})], [remote('http://h2/sse', {})]).changed).to.have.length(1);
    expect(diffServers([remote('http://h/sse', {})], [remote('http://h/sse', { X: '1' })]).changed).to.have.length(1);
  });

  it('counts a change of enabledTools, toolPrefix or a tool override as a change', () => {
    const base = stdio('a', ['a.js']);
    expect(diffServers([base], [{ ...base, enabledTools: ['get_*'] }]).changed).to.have.length(1);
    expect(diffServers([base], [{ ...base, toolPrefix: 'a' }]).changed).to.have.length(1);
    const renamed: ServerEntry = { ...base, tools: { echo: { name: 'say' } } };
    expect(diffServers([base], [renamed]).changed).to.have.length(1);
    expect(diffServers([renamed], [{ ...base, tools: { echo: { name: 'say', description: 'new' } } }]).changed).to.have.length(1);
    expect(isEmptyDiff(diffServers([renamed], [{ ...base, tools: { echo: { name: 'say' } } }]))).to.equal(true);
  });

  it('finds nothing to do for the same config', () => {
    const config = [stdio('a', ['a.js']), stdio('b', ['b.js'])];
    const diff = diffServers(config, config.map((e) => ({ ...e })));
    expect(isEmptyDiff(diff)).to.equal(true);
    expect(diff.unchanged).to.have.length(2);
  });
});
