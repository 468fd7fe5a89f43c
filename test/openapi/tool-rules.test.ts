/**
 * Which tools are served and under what name (lib/openapi/tool-rules.ts):
 * the glob matcher, the allow- and deny-lists, the prefix and the overrides.
 */
import { expect } from 'chai';
import type { Tool } from '@modelcontextprotocol/client';
import { applyToolRules, compileToolRules, globMatcher, type ToolSelection } from '../../lib/openapi/tool-rules.js';
import { buildToolTable, OPERATION_ID_PATTERN } from '../../lib/openapi/tools.js';

function tool(name: string, description?: string): Tool {
  return { name, inputSchema: { type: 'object' }, ...(description !== undefined ? { description } : {}) } as Tool;
}

interface Reported {
  clashes: [string, string, string][];
  unknown: string[];
}

function apply(selection: ToolSelection, names: readonly string[], reported: Reported = { clashes: [], unknown: [] }) {
  return applyToolRules(compileToolRules(selection), names.map((n) => tool(n, `about ${n}`)), {
    onClash: (kept, skipped, name) => reported.clashes.push([kept, skipped, name]),
    onUnknownOverride: (t) => reported.unknown.push(t),
  });
}

describe('globMatcher', () => {
  it('matches a plain name exactly and nothing else', () => {
    const match = globMatcher(['get_time']);
    expect(match('get_time')).to.equal(true);
    expect(match('get_time2')).to.equal(false);
    expect(match('xget_time')).to.equal(false);
  });

  it('reads * as any run of characters, also none, anchored at both ends', () => {
    const match = globMatcher(['get_*']);
    expect(['get_', 'get_time', 'get_a/b c'].map(match)).to.deep.equal([true, true, true]);
    expect(['get', 'forget_time', 'Get_time'].map(match)).to.deep.equal([false, false, false]);
    expect(globMatcher(['*_time'])('get_time')).to.equal(true);
    expect(globMatcher(['*'])('')).to.equal(true);
  });

  it('reads ? as exactly one character, a whole code point', () => {
    const match = globMatcher(['v?']);
    expect(['v1', 'vé', 'v🚀'].map(match)).to.deep.equal([true, true, true]);
    expect(['v', 'v12'].map(match)).to.deep.equal([false, false]);
  });

  it('is case-sensitive, as MCP tool names are', () => {
    expect(globMatcher(['Upper*'])('upper')).to.equal(false);
    expect(globMatcher(['Upper*'])('Upper')).to.equal(true);
  });

  it('takes every other character literally, regex syntax included', () => {
    expect(globMatcher(['a.b'])('axb')).to.equal(false);
    expect(globMatcher(['a.*'])('a.b')).to.equal(true);
    expect(globMatcher(['a.*'])('axb')).to.equal(false);
    expect(globMatcher(['(a|b)+[x]{2}\\d$*'])('(a|b)+[x]{2}\\d$!')).to.equal(true);
    expect(globMatcher(['(a|b)+*'])('aa')).to.equal(false);
  });

  it('matches any of several patterns, and nothing for none', () => {
    const match = globMatcher(['echo', 'get_*']);
    expect(['echo', 'get_x', 'set_x'].map(match)).to.deep.equal([true, true, false]);
    expect(globMatcher([])('anything')).to.equal(false);
  });
});

describe('applyToolRules', () => {
  const NAMES = ['echo', 'get_time', 'get_date', 'set_time', 'slow'];

  it('serves every tool under its own name and description by default', () => {
    expect(apply({}, NAMES).map((s) => [s.name, s.description])).to.deep.equal(NAMES.map((n) => [n, `about ${n}`]));
  });

  it('serves only the enabled tools, by name or glob', () => {
    expect(apply({ enabledTools: ['get_*', 'echo'] }, NAMES).map((s) => s.name)).to.deep.equal(['echo', 'get_time', 'get_date']);
  });

  it('serves nothing for an empty allow-list', () => {
    expect(apply({ enabledTools: [] }, NAMES)).to.deep.equal([]);
  });

  it('hides the disabled tools, by name or glob', () => {
    expect(apply({ disabledTools: ['*_time'] }, NAMES).map((s) => s.name)).to.deep.equal(['echo', 'get_date', 'slow']);
  });

  it('serves enabled minus disabled when both are given', () => {
    expect(apply({ enabledTools: ['get_*', 'set_*'], disabledTools: ['*_date'] }, NAMES).map((s) => s.name)).to.deep.equal(['get_time', 'set_time']);
  });

  it('puts the prefix and "_" before every name, and keeps the MCP tool', () => {
    const served = apply({ toolPrefix: 'clock' }, ['get_time']);
    expect(served.map((s) => [s.name, s.tool.name])).to.deep.equal([['clock_get_time', 'get_time']]);
  });

  it('matches globs and override keys against MCP names, not prefixed ones', () => {
    const served = apply({ toolPrefix: 'c', enabledTools: ['get_*'], tools: { get_time: { name: 'now' } } }, NAMES);
    expect(served.map((s) => s.name)).to.deep.equal(['c_now', 'c_get_date']);
  });

  it('renames a tool and rewrites its description, leaving the others', () => {
    const served = apply({ tools: { echo: { name: 'say', description: 'Repeats what you say.' }, slow: { description: 'Takes a while.' } } }, ['echo', 'slow', 'get_time']);
    expect(served.map((s) => [s.name, s.description, s.tool.name])).to.deep.equal([
      ['say', 'Repeats what you say.', 'echo'],
      ['slow', 'Takes a while.', 'slow'],
      ['get_time', 'about get_time', 'get_time'],
    ]);
  });

  it('skips the later of two tools that a rename puts on one name, and names both', () => {
    const reported: Reported = { clashes: [], unknown: [] };
    const served = apply({ toolPrefix: 'p', tools: { get_time: { name: 'echo' } } }, ['get_time', 'echo'], reported);
    expect(served.map((s) => [s.name, s.tool.name])).to.deep.equal([['p_echo', 'get_time']]);
    expect(reported.clashes).to.deep.equal([['get_time', 'echo', 'p_echo']]);
  });

  it('reports an override for a tool the server does not list', () => {
    const reported: Reported = { clashes: [], unknown: [] };
    apply({ tools: { nowhere: { description: 'x' }, echo: { description: 'y' } } }, ['echo'], reported);
    expect(reported.unknown).to.deep.equal(['nowhere']);
  });

  it('keeps prefixed names function-safe in the tool table, even past 64 characters', () => {
    const long = 'x'.repeat(70);
    const served = apply({ toolPrefix: 'server' }, [long, 'dotted.name', 'echo']);
    const table = buildToolTable(served, { maxRecursion: 3, onWarning: () => {} });
    expect(table.entries.map((e) => e.operationId).every((id) => OPERATION_ID_PATTERN.test(id))).to.equal(true);
    expect(table.entries.map((e) => e.name)).to.deep.equal([long, 'dotted.name', 'echo']);
    expect(table.entries.find((e) => e.name === 'echo')).to.include({ path: 'server_echo', operationId: 'server_echo', servedName: 'server_echo' });
  });
});

describe('compileToolRules', () => {
  it('accepts a rename that is a function name with the prefix', () => {
    expect(compileToolRules({ toolPrefix: 'p', tools: { a: { name: 'A-b_9' } } }).servedName('a')).to.equal('p_A-b_9');
  });

  it('refuses a rename that the prefix pushes past 64 characters', () => {
    const name = 'n'.repeat(62);
    expect(compileToolRules({ tools: { a: { name } } }).servedName('a')).to.equal(name);
    expect(() => compileToolRules({ toolPrefix: 'pp', tools: { a: { name } } })).to.throw(TypeError, /"tools\.a\.name".*"pp_"/);
  });

  it('allows two tools to swap names', () => {
    const rules = compileToolRules({ tools: { a: { name: 'b' }, b: { name: 'a' } } });
    expect([rules.servedName('a'), rules.servedName('b')]).to.deep.equal(['b', 'a']);
  });

  it('keeps a tool\'s access with the served tool, checked and frozen', () => {
    const served = apply({ tools: { a: { access: { groups: ['admins'], users: ['alice'] } } } }, ['a', 'b']);
    expect(served[0]!.access).to.deep.equal({ groups: ['admins'], users: ['alice'] });
    expect(Object.isFrozen(served[0]!.access)).to.equal(true);
    expect(served[1]).to.not.have.property('access');
  });

  it('refuses an access that is not an access list, naming the key', () => {
    expect(() => compileToolRules({ tools: { a: { access: ['admins'] as never } } })).to.throw(TypeError, /^"tools\.a\.access" must be an object/);
    expect(() => compileToolRules({ tools: { a: { access: { group: ['x'] } as never } } })).to.throw(TypeError, /"tools\.a\.access" has an unknown key "group"/);
    expect(() => compileToolRules({ tools: { a: { access: { users: [''] } } } })).to.throw(TypeError, /"tools\.a\.access"\.users must be a list of non-empty strings/);
  });

  it('does not read an inherited key as an override', () => {
    expect(compileToolRules({ tools: Object.create({ echo: { name: 'x' } }) as Record<string, never> }).servedName('echo')).to.equal('echo');
    expect(compileToolRules({}).servedName('constructor')).to.equal('constructor');
  });
});
