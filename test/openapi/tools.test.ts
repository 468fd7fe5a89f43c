/**
 * The tool table (lib/openapi/tools.ts): the URL path and operationId each tool gets,
 * and the two forms of its input schema.
 */
import { expect } from 'chai';
import type { Tool } from '@modelcontextprotocol/client';
import { buildToolTable, OPERATION_ID_PATTERN, servedAsListed, type ToolTable } from '../../lib/openapi/tools.js';

interface Warning {
  tool: string;
  message: string;
  pointer: string;
}

function tool(name: string, inputSchema: Record<string, unknown> = { type: 'object' }, extra: Partial<Tool> = {}): Tool {
  return { name, inputSchema, ...extra } as Tool;
}

function build(tools: readonly Tool[], warnings: Warning[] = []): ToolTable {
  return buildToolTable(servedAsListed(tools), {
    maxRecursion: 3,
    onWarning: (t, message, pointer) => warnings.push({ tool: t, message, pointer }),
  });
}

function entryFor(table: ToolTable, name: string) {
  const entry = table.entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no entry for ${JSON.stringify(name)}`);
  return entry;
}

/** Every `$ref` value anywhere inside a JSON value. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

const URL_SAFE = /^[A-Za-z0-9_.~-]+$/;
const RESERVED = ['docs', 'openapi.json', '.', '..'];

/** Names that exercise every naming rule at once. */
const MESSY_NAMES = [
  'get_weather',
  'get-weather',
  'get.weather',
  'get weather',
  'get/weather',
  'get?weather#x',
  'météo',
  '天気',
  'emoji 🚀',
  '',
  'a'.repeat(80),
  `${'b'.repeat(70)} with spaces ${'c'.repeat(100)}`,
  'Upper',
  'upper',
  'docs',
  'Docs',
  'DOCS',
  'openapi.json',
  'OpenAPI.json',
  '.',
  '..',
  '%2e%2e',
  'a b',
  'a/b',
  'a_b',
];

describe('buildToolTable', () => {
  describe('paths', () => {
    it('keeps a clean name as its own path and operationId', () => {
      const entry = entryFor(build([tool('get_weather')]), 'get_weather');
      expect(entry.path).to.equal('get_weather');
      expect(entry.operationId).to.equal('get_weather');
    });

    it('keeps dots, dashes and tildes in a path', () => {
      const table = build([tool('fs.read-file'), tool('v1.2~beta')]);
      expect(entryFor(table, 'fs.read-file').path).to.equal('fs.read-file');
      expect(entryFor(table, 'v1.2~beta').path).to.equal('v1.2~beta');
    });

    it('keeps a clean name of 80 characters whole as its path', () => {
      const name = 'a'.repeat(80);
      expect(entryFor(build([tool(name)]), name).path).to.equal(name);
    });

    it('gives names with spaces, slashes and unicode a URL-safe path that needs no encoding', () => {
      const table = build(MESSY_NAMES.map((n) => tool(n)));
      for (const entry of table.entries) {
        expect(entry.path, entry.name).to.match(URL_SAFE);
        expect(encodeURIComponent(entry.path), entry.name).to.equal(entry.path);
        expect(entry.path.length, entry.name).to.be.within(1, 128);
      }
    });

    it('makes a sanitized path read like the name it came from', () => {
      const table = build([tool('get weather'), tool('get/weather'), tool('météo')]);
      expect(entryFor(table, 'get weather').path).to.match(/^get_weather_[0-9a-f]{8}$/);
      expect(entryFor(table, 'get/weather').path).to.match(/^get_weather_[0-9a-f]{8}$/);
      expect(entryFor(table, 'météo').path).to.match(/^m_t_o_[0-9a-f]{8}$/);
    });

    it('gives every tool a different path, even names that sanitize alike', () => {
      const table = build(MESSY_NAMES.map((n) => tool(n)));
      const paths = table.entries.map((e) => e.path);
      expect(new Set(paths).size).to.equal(MESSY_NAMES.length);
      expect(table.byPath.size).to.equal(MESSY_NAMES.length);
    });

    it('gives the same name the same path on every call', () => {
      const a = build(MESSY_NAMES.map((n) => tool(n)));
      const b = build(MESSY_NAMES.map((n) => tool(n)));
      for (const name of MESSY_NAMES) {
        expect(entryFor(b, name).path, name).to.equal(entryFor(a, name).path);
        expect(entryFor(b, name).operationId, name).to.equal(entryFor(a, name).operationId);
      }
    });

    it('does not rename a tool when the other tools change order or go away', () => {
      const forward = build(MESSY_NAMES.map((n) => tool(n)));
      const reversed = build([...MESSY_NAMES].reverse().map((n) => tool(n)));
      for (const name of MESSY_NAMES) {
        expect(entryFor(reversed, name).path, name).to.equal(entryFor(forward, name).path);
        expect(entryFor(reversed, name).operationId, name).to.equal(entryFor(forward, name).operationId);
        const alone = build([tool(name)]);
        expect(entryFor(alone, name).path, name).to.equal(entryFor(forward, name).path);
        expect(entryFor(alone, name).operationId, name).to.equal(entryFor(forward, name).operationId);
      }
    });

    it('never lets a tool take docs, openapi.json, ".", ".." or a case variant of them as its path', () => {
      const names = ['docs', 'Docs', 'DOCS', 'openapi.json', 'OpenAPI.JSON', '.', '..'];
      const table = build(names.map((n) => tool(n)));
      for (const entry of table.entries) {
        expect(RESERVED, entry.name).not.to.include(entry.path.toLowerCase());
      }
      for (const reserved of RESERVED) expect(table.byPath.has(reserved), reserved).to.equal(false);
      expect(table.entries).to.have.length(names.length);
    });

    it('still lets a tool named docs keep docs as its operationId', () => {
      expect(entryFor(build([tool('docs')]), 'docs').operationId).to.equal('docs');
    });

    it('maps every path back to its entry in byPath', () => {
      const table = build(MESSY_NAMES.map((n) => tool(n)));
      for (const entry of table.entries) expect(table.byPath.get(entry.path)).to.equal(entry);
    });
  });

  describe('operationIds', () => {
    it('gives every tool an operationId matching ^[a-zA-Z0-9_-]{1,64}$', () => {
      const table = build(MESSY_NAMES.map((n) => tool(n)));
      for (const entry of table.entries) {
        expect(entry.operationId, entry.name).to.match(/^[a-zA-Z0-9_-]{1,64}$/);
        expect(OPERATION_ID_PATTERN.test(entry.operationId), entry.name).to.equal(true);
      }
    });

    it('exports a pattern that rejects dots, spaces, empty ids and ids over 64 characters', () => {
      expect(OPERATION_ID_PATTERN.test('a'.repeat(64))).to.equal(true);
      expect(OPERATION_ID_PATTERN.test('a'.repeat(65))).to.equal(false);
      expect(OPERATION_ID_PATTERN.test('')).to.equal(false);
      expect(OPERATION_ID_PATTERN.test('a.b')).to.equal(false);
      expect(OPERATION_ID_PATTERN.test('a b')).to.equal(false);
    });

    it('gives every tool a unique operationId', () => {
      const table = build(MESSY_NAMES.map((n) => tool(n)));
      const ids = table.entries.map((e) => e.operationId);
      expect(new Set(ids).size).to.equal(ids.length);
    });

    it('starts a sanitized operationId with the sanitized name', () => {
      const names = ['get.weather', 'get weather', 'a/b', 'météo', 'emoji 🚀', 'get?weather#x'];
      const table = build(names.map((n) => tool(n)));
      for (const name of names) {
        const sanitized = name.replace(/[^A-Za-z0-9_-]+/g, '_');
        const id = entryFor(table, name).operationId;
        expect(id.startsWith(sanitized), `${name} → ${id}`).to.equal(true);
        expect(id).to.match(/_[0-9a-f]{8}$/);
      }
    });

    it('gives an empty name a usable operationId and path', () => {
      const entry = entryFor(build([tool('')]), '');
      expect(entry.operationId).to.match(OPERATION_ID_PATTERN);
      expect(entry.path).to.match(URL_SAFE);
    });

    it('cuts an 80-character name to at most 64 characters and adds a hash', () => {
      const name = 'a'.repeat(80);
      const id = entryFor(build([tool(name)]), name).operationId;
      expect(id.length).to.be.at.most(64);
      expect(id).to.match(/^a+_[0-9a-f]{8}$/);
    });

    it('keeps two long names that share their first 64 characters apart', () => {
      const one = `${'x'.repeat(70)}_one`;
      const two = `${'x'.repeat(70)}_two`;
      const table = build([tool(one), tool(two)]);
      expect(entryFor(table, one).operationId).not.to.equal(entryFor(table, two).operationId);
      expect(entryFor(table, one).operationId.length).to.be.at.most(64);
      expect(entryFor(table, two).operationId.length).to.be.at.most(64);
    });

    it('keeps Upper and upper distinct, each with its own name', () => {
      const table = build([tool('Upper'), tool('upper')]);
      expect(entryFor(table, 'Upper').path).to.equal('Upper');
      expect(entryFor(table, 'upper').path).to.equal('upper');
      expect(entryFor(table, 'Upper').operationId).to.equal('Upper');
      expect(entryFor(table, 'upper').operationId).to.equal('upper');
    });

    it('lets a clean name keep itself even when a messy name sanitizes to it', () => {
      const table = build([tool('a b'), tool('a_b')]);
      expect(entryFor(table, 'a_b').path).to.equal('a_b');
      expect(entryFor(table, 'a_b').operationId).to.equal('a_b');
      expect(entryFor(table, 'a b').path).not.to.equal('a_b');
      expect(entryFor(table, 'a b').operationId).not.to.equal('a_b');
    });

    it('names the validation component after the operationId', () => {
      const entry = entryFor(build([tool('get weather')]), 'get weather');
      expect(entry.validationComponent).to.equal(`${entry.operationId}_input`);
    });
  });

  describe('duplicates', () => {
    it('serves a tool listed twice once, keeps the first, and warns', () => {
      const warnings: Warning[] = [];
      const first = tool('echo', { type: 'object' }, { description: 'first' });
      const second = tool('echo', { type: 'object' }, { description: 'second' });
      const table = build([first, second, tool('other')], warnings);
      expect(table.entries.map((e) => e.name)).to.deep.equal(['echo', 'other']);
      expect(entryFor(table, 'echo').tool.description).to.equal('first');
      const dup = warnings.filter((w) => w.tool === 'echo');
      expect(dup).to.have.length(1);
      expect(dup[0]!.message).to.match(/twice/);
    });

    it('does not warn about a list without duplicates', () => {
      const warnings: Warning[] = [];
      build([tool('a'), tool('b')], warnings);
      expect(warnings).to.deep.equal([]);
    });
  });

  describe('schemas', () => {
    const recursive = {
      type: 'object',
      properties: {
        tree: { $ref: '#/$defs/Node' },
        label: { type: 'string' },
      },
      required: ['tree'],
      $defs: {
        Node: {
          type: 'object',
          properties: {
            value: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/Node' } },
          },
        },
      },
    };

    it('requires a body when the schema has required properties', () => {
      const table = build([tool('t', { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })]);
      expect(entryFor(table, 't').bodyRequired).to.equal(true);
    });

    it('does not require a body when nothing is required', () => {
      const table = build([
        tool('none', { type: 'object', properties: { a: { type: 'string' } } }),
        tool('empty', { type: 'object', properties: { a: { type: 'string' } }, required: [] }),
      ]);
      expect(entryFor(table, 'none').bodyRequired).to.equal(false);
      expect(entryFor(table, 'empty').bodyRequired).to.equal(false);
    });

    it('inlines every $ref in inputSchema, even for a recursive schema', () => {
      const entry = entryFor(build([tool('tree', recursive)]), 'tree');
      expect(JSON.stringify(entry.inputSchema)).not.to.include('$ref');
      expect(JSON.stringify(entry.inputSchema)).to.include('"label"');
    });

    it('keeps recursion in validationSchemas, each ref pointing at one of its components', () => {
      const entry = entryFor(build([tool('tree', recursive)]), 'tree');
      const names = Object.keys(entry.validationSchemas);
      expect(names).to.include(entry.validationComponent);
      const refs = refsIn(entry.validationSchemas);
      expect(refs).not.to.be.empty;
      for (const ref of refs) {
        expect(names.map((n) => `#/components/schemas/${n}`), ref).to.include(ref);
      }
    });

    it('names the components of a messy-named tool after its sanitized operationId', () => {
      const entry = entryFor(build([tool('tree view', recursive)]), 'tree view');
      expect(entry.validationComponent).to.match(/^tree_view_[0-9a-f]{8}_input$/);
      for (const name of Object.keys(entry.validationSchemas)) {
        expect(name.startsWith(entry.validationComponent), name).to.equal(true);
        expect(name).to.match(/^[A-Za-z0-9._-]+$/);
      }
    });

    it('keeps the original tool on its entry', () => {
      const original = tool('keep', { type: 'object' }, { description: 'd' });
      expect(entryFor(build([original]), 'keep').tool).to.equal(original);
    });

    it('gives an outputSchema only to tools that declare one, with no $ref left', () => {
      const table = build([
        tool('with', { type: 'object' }, { outputSchema: recursive as Tool['outputSchema'] }),
        tool('without'),
      ]);
      const withOut = entryFor(table, 'with');
      expect(withOut.outputSchema).to.not.equal(undefined);
      expect(JSON.stringify(withOut.outputSchema)).not.to.include('$ref');
      expect(entryFor(table, 'without')).not.to.have.property('outputSchema');
    });
  });
});
