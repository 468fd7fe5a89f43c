/**
 * Config files (lib/app/config.ts): JSON with comments, ${VAR} expansion, and
 * errors that name the file, line, server and key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { printParseErrorCode } from 'jsonc-parser';
import { ConfigError, loadConfig, normalizeConfig, parseConfig } from '../../lib/app/config.js';
import { describeParseError } from '../../lib/app/parse-errors.js';

/** The example config from the original's README, comments and all. */
const ORIGINAL_EXAMPLE = `{
  "mcpServers": {
    "memory": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-memory"]
    },
    "time": {
      "command": "uvx",
      "args": ["mcp-server-time", "--local-timezone=America/New_York"]
    },
    "mcp_sse": {
      "type": "sse", // Explicitly define type
      "url": "http://127.0.0.1:8001/sse",
      "headers": {
        "Authorization": "Bearer token",
        "X-Custom-Header": "value"
      }
    },
    "mcp_streamable_http": {
      "type": "streamable-http",
      "url": "http://127.0.0.1:8002/mcp"
    } // Streamable HTTP MCP Server
  }
}`;

const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { env, file: 'c.json' });
const one = (server: Record<string, unknown>, env: Record<string, string> = {}) =>
  parse(JSON.stringify({ mcpServers: { s: server } }), env).servers[0]!;

function expectConfigError(fn: () => unknown, pattern: RegExp): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(pattern);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  describe('syntax', () => {
    it('reads the original README’s example, comments included', () => {
      const config = parse(ORIGINAL_EXAMPLE);
      expect(config.servers.map((s) => [s.name, s.type])).to.deep.equal([
        ['memory', 'stdio'],
        ['time', 'stdio'],
        ['mcp_sse', 'sse'],
        ['mcp_streamable_http', 'streamable-http'],
      ]);
      expect(config.servers[2]!.spec).to.deep.equal({
        type: 'sse',
        url: 'http://127.0.0.1:8001/sse',
        headers: { Authorization: 'Bearer token', 'X-Custom-Header': 'value' },
      });
      expect(config.warnings).to.deep.equal([]);
    });

    it('accepts block comments and trailing commas', () => {
      const config = parse('/* head */ { "mcpServers": { "a": { "command": "x", "args": ["1",], }, }, }');
      expect(config.servers[0]!.spec).to.deep.equal({ command: 'x', args: ['1'] });
    });

    it('names the file, line and column of a syntax error', () => {
      const err = expectConfigError(() => parse('{\n  "mcpServers": {\n    "a": 1\n    "b": 2\n  }\n}'), /^c\.json:4:5: not valid JSON: expected a comma$/);
      expect([err.line, err.column]).to.deep.equal([4, 5]);
    });

    it('rejects an empty file, saying it is empty', () => {
      expectConfigError(() => parse(''), /^c\.json:1:1: not valid JSON: the file is empty$/);
    });

    const syntaxErrors: [string, string, string][] = [
      ['{\n  "a": 1\n  "b": 2\n}', '3:3', 'expected a comma'],
      ['{ "a": }', '1:8', 'expected a value'],
      ['{ "a" 1 }', '1:7', 'expected a colon after the property name'],
      ['{ "a": 1,, }', '1:10', 'expected a property name in double quotes'],
      ['{ a: 1 }', '1:3', 'unexpected character "a" (property names and strings need double quotes)'],
      ['{ "a": @ }', '1:8', 'unexpected character "@"'],
      ['{ "mcpServers": {\n', '2:1', 'unexpected end of file (expected a closing brace "}")'],
      ['[1, 2', '1:6', 'unexpected end of file (expected a closing bracket "]")'],
      ['{ "a": ', '1:8', 'unexpected end of file (expected a value)'],
      ['{} {}', '1:4', 'expected the end of the file after the value'],
      ['{ "a": [1 }', '1:11', 'expected a comma'],
      ['/* a comment', '1:1', 'a comment that is never closed (a "/*" without "*/")'],
      ['{ "a": "text }', '1:8', 'a string that is never closed (a missing closing quote)'],
      ['{ "a": 1. }', '1:8', 'a number that ends too early'],
      ['{ "a": "\\u12" }', '1:8', 'not a valid unicode escape (write \\u followed by 4 hex digits)'],
      ['{ "a": "\\q" }', '1:8', 'not a valid escape in a string (write \\\\ for a backslash)'],
      ['{ "a": "tab\there" }', '1:8', 'a control character in a string (write \\n for a new line, \\t for a tab)'],
    ];
    for (const [text, where, words] of syntaxErrors) {
      it(`says "${words}" at ${where} for ${JSON.stringify(text)}`, () => {
        const err = expectConfigError(() => parse(text), /not valid JSON/);
        expect(err.message).to.equal(`c.json:${where}: not valid JSON: ${words}`);
        expect(`${err.line}:${err.column}`).to.equal(where);
      });
    }

    it('has words, not a code name, for every error code the parser has', () => {
      for (let code = 1; printParseErrorCode(code) !== '<unknown ParseErrorCode>'; code++) {
        const words = describeParseError({ error: code, offset: 0, length: 1 }, '{ "a": 1 }');
        expect(words, printParseErrorCode(code)).not.to.match(/^a syntax error|[a-z][A-Z]/);
      }
    });

    it('reads the repository’s examples/config.json', async () => {
      const file = fileURLToPath(new URL('../../examples/config.json', import.meta.url));
      const config = await loadConfig(file, { env: {} });
      expect(config.servers.map((s) => s.name)).to.deep.equal(['time', 'todo', 'memory', 'everything']);
      const memory = config.servers.find((s) => s.name === 'memory')!;
      expect((memory.spec as { env: Record<string, string> }).env).to.deep.equal({ MEMORY_FILE_PATH: 'data/memory.jsonl' });
    });
  });

  describe('${VAR}', () => {
    it('expands variables in strings at any depth, and nowhere in keys', () => {
      const entry = one(
        { command: '${CMD}', args: ['--tz=${TZ}', 'plain'], env: { '${KEY}': 'v-${V}' }, cwd: '/home/${USER_NAME}' },
        { CMD: 'node', TZ: 'UTC', KEY: 'nope', V: '1', USER_NAME: 'ada' },
      );
      expect(entry.spec).to.deep.equal({ command: 'node', args: ['--tz=UTC', 'plain'], env: { '${KEY}': 'v-1' }, cwd: '/home/ada' });
    });

    it('expands variables in a remote server’s url and headers', () => {
      const entry = one({ type: 'sse', url: 'http://${HOST}/sse', headers: { Authorization: 'Bearer ${TOKEN}' } }, { HOST: 'h:1', TOKEN: 't' });
      expect(entry.spec).to.deep.equal({ type: 'sse', url: 'http://h:1/sse', headers: { Authorization: 'Bearer t' } });
    });

    it('uses ${VAR:-default} when VAR is unset or empty, and VAR when set', () => {
      expect(one({ command: '${A:-fallback}' }).spec).to.include({ command: 'fallback' });
      expect(one({ command: '${A:-fallback}' }, { A: '' }).spec).to.include({ command: 'fallback' });
      expect(one({ command: '${A:-fallback}' }, { A: 'set' }).spec).to.include({ command: 'set' });
      expect(one({ command: 'x', args: ['${A:-}'] }).spec).to.deep.include({ args: [''] });
    });

    it('gives an empty ${VAR} its empty value', () => {
      expect(one({ command: 'x', args: ['a${A}b'] }, { A: '' }).spec).to.deep.include({ args: ['ab'] });
    });

    it('rejects an unset ${VAR} without a default, naming the server, key and variable', () => {
      expectConfigError(() => one({ command: 'x', args: ['ok', '${MISSING}'] }), /^c\.json: mcpServers\.s\.args\[1\] uses \$\{MISSING\}, which is not set/);
    });

    it('writes $${VAR} as a literal ${VAR}', () => {
      expect(one({ command: 'x', args: ['$${HOME}'] }, { HOME: '/h' }).spec).to.deep.include({ args: ['${HOME}'] });
    });

    it('reads process.env when no env is given', () => {
      process.env.MCPO_CONFIG_TEST_VAR = 'from-process';
      try {
        const config = parseConfig('{ "mcpServers": { "s": { "command": "${MCPO_CONFIG_TEST_VAR}" } } }');
        expect(config.servers[0]!.spec).to.include({ command: 'from-process' });
      } finally {
        delete process.env.MCPO_CONFIG_TEST_VAR;
      }
    });
  });

  describe('servers', () => {
    it('folds every spelling of Streamable HTTP, and reads a bare url as SSE', () => {
      for (const type of ['streamable-http', 'streamable_http', 'streamableHttp', 'http']) {
        expect(one({ type, url: 'http://h/mcp' }).type, type).to.equal('streamable-http');
      }
      expect(one({ url: 'http://h/sse' }).type).to.equal('sse');
    });

    it('reads disabledTools and the original’s disabled_tools', () => {
      expect(one({ command: 'x', disabledTools: ['a'] }).disabledTools).to.deep.equal(['a']);
      expect(one({ command: 'x', disabled_tools: ['b'] }).disabledTools).to.deep.equal(['b']);
      expect(one({ command: 'x' }).disabledTools).to.deep.equal([]);
    });

    it('reads enabledTools, toolPrefix and tools, and leaves them out when absent', () => {
      const entry = one({ command: 'x', enabledTools: ['get_*'], toolPrefix: 'clock', tools: { get_time: { name: 'now', description: 'The time.' } } });
      expect(entry).to.deep.include({ enabledTools: ['get_*'], toolPrefix: 'clock', tools: { get_time: { name: 'now', description: 'The time.' } } });
      const plain = one({ command: 'x' });
      for (const key of ['enabledTools', 'toolPrefix', 'tools']) expect(plain, key).not.to.have.property(key);
    });

    it('does not warn about the tool-rule keys', () => {
      const config = parse(JSON.stringify({ mcpServers: { s: { command: 'x', enabledTools: ['a'], toolPrefix: 'p', tools: {} } } }));
      expect(config.warnings).to.deep.equal([]);
    });

    it('skips servers with enabled: false or disabled: true', () => {
      const config = parse(JSON.stringify({ mcpServers: { a: { command: 'x', enabled: false }, b: { command: 'x', disabled: true }, c: { command: 'x', enabled: true } } }));
      expect(config.servers.map((s) => s.name)).to.deep.equal(['c']);
      expect(config.skipped).to.deep.equal(['a', 'b']);
    });

    it('keeps only the keys of the server’s transport in its spec, and warns about the rest', () => {
      const config = parse(JSON.stringify({ mcpServers: { s: { command: 'x', url: 'http://h', headers: {}, colour: 'red', autoApprove: [] } } }));
      expect(config.servers[0]!.spec).to.deep.equal({ command: 'x' });
      expect(config.warnings).to.have.length(3);
      expect(config.warnings[0]).to.equal('mcpServers.s.url is ignored: it applies to remote servers only');
      expect(config.warnings[2]).to.equal('mcpServers.s.colour is not a known key and is ignored');
    });

    it('suggests the key meant for a misspelt one, and only when one is close', () => {
      const config = parse(JSON.stringify({ mcpServers: { s: { command: 'x', disabledTool: ['a'], enviroment: {} }, r: { url: 'http://h/sse', header: {} } } }));
      expect(config.warnings).to.deep.equal([
        'mcpServers.s.disabledTool is not a known key and is ignored; did you mean "disabledTools"?',
        'mcpServers.s.enviroment is not a known key and is ignored',
        'mcpServers.r.header is not a known key and is ignored; did you mean "headers"?',
      ]);
      expect(() => parse(JSON.stringify({ mcpServers: { s: { comand: 'npx' } } }))).to.throw(ConfigError, /needs a "command" \(stdio\) or a "url" \(sse, streamable-http\); did you mean "command" for "comand"\?$/);
      expect(() => parse(JSON.stringify({ mcpServer: {} }))).to.throw(ConfigError, /"mcpServers" is missing; .*; did you mean "mcpServers" for "mcpServer"\?$/);
    });

    it('warns about unknown top-level keys, suggesting the one meant, and not about $schema', () => {
      const config = parse(JSON.stringify({ $schema: 'https://example.com/s.json', mcpServers: {}, publicURL: 'https://x.example', globalShortcut: 'Ctrl+M' }));
      expect(config.warnings).to.deep.equal([
        '"publicURL" is not a known top-level key and is ignored; did you mean "publicUrl"?',
        '"globalShortcut" is not a known top-level key and is ignored',
      ]);
    });

    it('accepts an empty mcpServers', () => {
      expect(parse('{ "mcpServers": {} }').servers).to.deep.equal([]);
    });
  });

  describe('oauth', () => {
    it('expands ${VAR} in an oauth block and keeps it in its normal form', () => {
      const entry = one(
        { type: 'streamable-http', url: 'https://h/mcp', oauth: { grant_type: 'client_credentials', client_id: '${ID}', client_secret: '${SECRET}', scope: '${SCOPE:-read}' } },
        { ID: 'mcpo', SECRET: 'from-env-secret' },
      );
      expect(entry.spec).to.deep.include({ oauth: { grantType: 'client_credentials', clientId: 'mcpo', clientSecret: 'from-env-secret', scope: 'read' } });
    });

    it('names an unset ${VAR} in an oauth block', () => {
      expectConfigError(() => one({ url: 'https://h/sse', oauth: { clientSecret: '${NOPE}' } }), /mcpServers\.s\.oauth\.clientSecret uses \$\{NOPE\}, which is not set/);
    });

    it('rejects a broken oauth block, naming the server and the key', () => {
      expectConfigError(() => one({ url: 'https://h/sse', oauth: { clientSecret: 'x' } }), /^c\.json: mcpServers\.s: oauth\.clientSecret needs oauth\.clientId/);
    });

    it('rejects oauth on a stdio server', () => {
      expectConfigError(() => one({ command: 'x', oauth: { clientId: 'a' } }), /mcpServers\.s: "oauth" is for sse and streamable-http servers/);
    });

    it('passes on the warnings about the Python original’s oauth keys', () => {
      const config = parse(JSON.stringify({ mcpServers: { s: { type: 'streamable-http', url: 'http://h/mcp', oauth: { server_url: 'http://h', client_metadata: { scope: 'x' } } } } }));
      expect(config.servers[0]!.spec).to.deep.include({ oauth: { grantType: 'authorization_code', scope: 'x' } });
      expect(config.warnings).to.have.length(1);
      expect(config.warnings[0]).to.match(/^mcpServers\.s\.oauth\.server_url \(from the Python mcpo\) is ignored/);
    });
  });

  describe('top-level settings', () => {
    it('reads publicUrl and stateDir, expanding ${VAR}', () => {
      const config = parse(JSON.stringify({ publicUrl: 'https://${HOST}/mcpo/', stateDir: '${DIR}/state', mcpServers: {} }), { HOST: 'tools.example.com', DIR: '/var/lib' });
      expect(config).to.include({ publicUrl: 'https://tools.example.com/mcpo', stateDir: '/var/lib/state' });
    });

    it('has neither when the file sets neither', () => {
      const config = parse('{ "mcpServers": {} }');
      expect(config).not.to.have.property('publicUrl');
      expect(config).not.to.have.property('stateDir');
    });

    for (const [value, pattern] of [
      ['tools.example.com', /"publicUrl" must be an absolute http\(s\) URL/],
      ['https://tools.example.com/?a=1', /"publicUrl" must be a base URL .*without credentials, query or fragment/],
      ['https://u:p@tools.example.com', /without credentials/],
    ] as const) {
      it(`rejects the publicUrl ${value}`, () => {
        expectConfigError(() => parse(JSON.stringify({ publicUrl: value, mcpServers: {} })), pattern);
      });
    }

    it('rejects a stateDir that is not a path', () => {
      expectConfigError(() => parse(JSON.stringify({ stateDir: 7, mcpServers: {} })), /"stateDir" must be a directory path/);
    });
  });

  describe('errors name the server and the key', () => {
    const cases: [string, unknown, RegExp][] = [
      ['a top level that is not an object', [], /must hold a JSON object/],
      ['a missing mcpServers', { servers: {} }, /"mcpServers" is missing/],
      ['an mcpServers that is not an object', { mcpServers: [] }, /"mcpServers" must be an object/],
      ['a server that is not an object', { mcpServers: { s: 'npx' } }, /mcpServers\.s must be an object/],
      ['args that are not an array', { mcpServers: { s: { command: 'x', args: 'a b' } } }, /mcpServers\.s: "args" must be an array of strings/],
      ['an env value that is not a string', { mcpServers: { s: { command: 'x', env: { A: 1 } } } }, /mcpServers\.s: "env\.A" must be a string/],
      ['an unknown type', { mcpServers: { s: { type: 'websocket', url: 'ws://h' } } }, /mcpServers\.s: Unknown server "type" "websocket"/],
      ['a remote server without a url', { mcpServers: { s: { type: 'sse' } } }, /mcpServers\.s: A sse server needs a "url"/],
      ['a url that is not http', { mcpServers: { s: { type: 'sse', url: 'file:///etc/passwd' } } }, /mcpServers\.s: "url" must be http: or https:/],
      ['neither command nor url', { mcpServers: { s: {} } }, /mcpServers\.s: A server spec needs a "command"/],
      ['disabledTools that is not a list', { mcpServers: { s: { command: 'x', disabledTools: 'a' } } }, /mcpServers\.s\.disabledTools must be an array/],
      ['disabled_tools with a number', { mcpServers: { s: { command: 'x', disabled_tools: [1] } } }, /mcpServers\.s\.disabled_tools must be an array/],
      ['enabledTools that is not a list', { mcpServers: { s: { command: 'x', enabledTools: 'a*' } } }, /mcpServers\.s\.enabledTools must be an array/],
      ['an empty disabledTools pattern', { mcpServers: { s: { command: 'x', disabledTools: [''] } } }, /mcpServers\.s\.disabledTools must be an array of tool names or globs/],
      ['a toolPrefix that is not a function name', { mcpServers: { s: { command: 'x', toolPrefix: 'a.b' } } }, /mcpServers\.s\.toolPrefix must be letters, digits/],
      ['a rename that is not a function name', { mcpServers: { s: { command: 'x', tools: { a: { name: 'a b' } } } } }, /mcpServers\.s\.tools\.a\.name must be letters/],
      ['an unknown key in a tool override', { mcpServers: { s: { command: 'x', tools: { a: { title: 'A' } } } } }, /mcpServers\.s\.tools\.a\.title is not a known key/],
      ['two renames onto one name', { mcpServers: { s: { command: 'x', tools: { a: { name: 'x' }, b: { name: 'x' } } } } }, /mcpServers\.s\.tools: the tools "a" and "b" would both be served as "x"/],
      ['a rename onto another overridden tool’s name', { mcpServers: { s: { command: 'x', toolPrefix: 'p', tools: { a: { name: 'b' }, b: { description: 'B' } } } } }, /the tools "a" and "b" would both be served as "p_b"/],
      ['enabled that is not a boolean', { mcpServers: { s: { command: 'x', enabled: 'no' } } }, /mcpServers\.s\.enabled must be true or false/],
      ['a name with a space', { mcpServers: { 'my server': { command: 'x' } } }, /"my server" cannot be a URL path/],
      ['a name with a slash', { mcpServers: { 'a/b': { command: 'x' } } }, /"a\/b" cannot be a URL path/],
      ['an empty name', { mcpServers: { '': { command: 'x' } } }, /"" cannot be a URL path/],
    ];
    for (const [what, config, pattern] of cases) {
      it(`rejects ${what}`, () => {
        expectConfigError(() => parse(JSON.stringify(config)), pattern);
      });
    }

    for (const name of ['docs', 'openapi.json', 'healthz', 'readyz', 'oauth', 'Docs', 'HEALTHZ', 'ReadyZ', 'OAuth']) {
      it(`rejects the reserved server name ${name}`, () => {
        expectConfigError(() => parse(JSON.stringify({ mcpServers: { [name]: { command: 'x' } } })), /is taken by mcpo's own route/);
      });
    }
  });

  it('does not change the object it checks', () => {
    const config = Object.freeze({ mcpServers: Object.freeze({ s: Object.freeze({ command: 'x', args: Object.freeze(['${A}']), disabledTools: Object.freeze(['t']) }) }) });
    const copy = structuredClone(config);
    const result = normalizeConfig(config);
    expect(config).to.deep.equal(copy);
    // In code there is no expansion: the value is taken as written.
    expect(result.servers[0]!.spec).to.deep.equal({ command: 'x', args: ['${A}'] });
  });
});

describe('loadConfig', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a relative stateDir as relative to the file', async () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{ "stateDir": "state", "mcpServers": {} }');
    expect((await loadConfig(file)).stateDir).to.equal(path.join(dir, 'state'));
  });

  it('reads and parses a file', async () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, ORIGINAL_EXAMPLE);
    expect((await loadConfig(file)).servers).to.have.length(4);
  });

  it('names a missing file', async () => {
    const err = await loadConfig(path.join(dir, 'nope.json')).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.equal(`${path.join(dir, 'nope.json')}: no such file`);
  });

  it('names a directory', async () => {
    const err = await loadConfig(dir).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.equal(`${dir}: is a directory`);
  });

  it('puts the path in parse errors', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{ "mcpServers": ');
    const err = await loadConfig(file).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.match(new RegExp(`^${file.replace(/[.]/g, '\\.')}:1:\\d+: not valid JSON`));
  });
});
