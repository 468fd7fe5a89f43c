/**
 * Router options, their defaults and their validation (lib/router/options.ts, lib/router/resolve-options.ts).
 */
import { homedir } from 'node:os';
import { defaultStateDir } from '../../lib/state/state-dir.js';
import { expect } from 'chai';
import { consoleLogger, silentLogger } from '../../lib/common/log.js';
import { resolveSpec } from '../../lib/mcp/spec.js';
import { DEFAULT_OPTIONS, type RouterOptions } from '../../lib/router/options.js';
import { resolveOptions, serverName } from '../../lib/router/resolve-options.js';

const DEFAULTS = {
  toolTimeoutMs: 30_000,
  toolTimeoutMaxMs: 600_000,
  maxTotalTimeoutMs: 600_000,
  structuredOutput: false,
  mcp: true,
  // A 2025-era session nobody closes: half an hour idle, and ten thousand at most per endpoint.
  sessionIdleTimeoutMs: 1_800_000,
  maxSessions: 10_000,
  bodyLimit: 1024 * 1024,
  maxSchemaRecursion: 3,
  retryAfter: 1,
  connectTimeoutMs: 30_000,
  backoff: { initialMs: 500, maxMs: 30_000 },
  info: {},
  bearerAuth: false,
  // Open WebUI makes every operation a function for the model: tools only, unless asked.
  documents: ['tools'],
  rootPath: '',
  continuationTtlMs: 600_000,
  // Caller templates: off unless the router sits behind authentication (createApp turns them on with an API key).
  allowCallerTemplates: false,
  trustedCallerHeaders: [],
  idleTimeoutMs: 600_000,
  maxProcesses: 16,
  stateDir: defaultStateDir(process.env, homedir(), process.platform),
  // No metrics and no audit lines unless given; spans go through @opentelemetry/api either way.
  telemetry: {},
  logger: consoleLogger,
};

/** The resolved options without the compiled tool rules (functions, compared by what they do instead). */
function plain(resolved: ReturnType<typeof resolveOptions>): Record<string, unknown> {
  const { toolRules, ...rest } = resolved;
  expect(toolRules.served('anything')).to.equal(true);
  expect(toolRules.servedName('any_tool')).to.equal('any_tool');
  return rest;
}

/** For passing values the types rule out, as a JavaScript caller could. */
function loose(options: Record<string, unknown>): RouterOptions {
  return options as RouterOptions;
}

describe('resolveOptions', () => {
  describe('defaults', () => {
    it('resolves undefined to the defaults', () => {
      expect(plain(resolveOptions(undefined))).to.deep.equal(DEFAULTS);
    });

    it('resolves no argument to the defaults', () => {
      expect(plain(resolveOptions())).to.deep.equal(DEFAULTS);
    });

    it('resolves {} to the defaults', () => {
      expect(plain(resolveOptions({}))).to.deep.equal(DEFAULTS);
    });

    it('resolves a null-prototype object to the defaults', () => {
      expect(plain(resolveOptions(Object.create(null) as RouterOptions))).to.deep.equal(DEFAULTS);
    });

    it('matches DEFAULT_OPTIONS, in seconds', () => {
      const resolved = resolveOptions();
      expect(resolved.toolTimeoutMs).to.equal(DEFAULT_OPTIONS.toolTimeout * 1000);
      expect(resolved.toolTimeoutMaxMs).to.equal(DEFAULT_OPTIONS.toolTimeoutMax * 1000);
      expect(resolved.connectTimeoutMs).to.equal(DEFAULT_OPTIONS.connectTimeout * 1000);
    });

    it('freezes DEFAULT_OPTIONS', () => {
      expect(Object.isFrozen(DEFAULT_OPTIONS)).to.equal(true);
      // Throws in strict code, is ignored in sloppy code; either way nothing changes.
      try {
        (DEFAULT_OPTIONS as { toolTimeout: number }).toolTimeout = 1;
      } catch {
        // expected in strict mode
      }
      expect(DEFAULT_OPTIONS.toolTimeout).to.equal(30);
      expect(resolveOptions().toolTimeoutMs).to.equal(30_000);
    });

    it('freezes what it returns, info included', () => {
      const resolved = resolveOptions({ info: { title: 'T' } });
      expect(Object.isFrozen(resolved)).to.equal(true);
      expect(Object.isFrozen(resolved.info)).to.equal(true);
    });
  });

  describe('values', () => {
    it('turns sessionIdleTimeout seconds into milliseconds, fractions too, and keeps maxSessions', () => {
      expect(resolveOptions({ sessionIdleTimeout: 0.25, maxSessions: 2 })).to.include({ sessionIdleTimeoutMs: 250, maxSessions: 2 });
    });

    it('turns toolTimeout seconds into milliseconds', () => {
      expect(resolveOptions({ toolTimeout: 5 }).toolTimeoutMs).to.equal(5000);
      expect(resolveOptions({ toolTimeout: 0.25 }).toolTimeoutMs).to.equal(250);
    });

    it('keeps the documents sections it is given, in a frozen copy', () => {
      const given = ['prompts', 'tools'] as const;
      const { documents } = resolveOptions({ documents: given });
      expect(documents).to.deep.equal(['prompts', 'tools']);
      expect(documents).to.not.equal(given);
      expect(Object.isFrozen(documents)).to.equal(true);
      expect(resolveOptions({ documents: [] }).documents).to.deep.equal([]);
    });

    it('turns toolTimeoutMax and connectTimeout seconds into milliseconds', () => {
      const resolved = resolveOptions({ toolTimeoutMax: 60, connectTimeout: 2 });
      expect(resolved.toolTimeoutMaxMs).to.equal(60_000);
      expect(resolved.connectTimeoutMs).to.equal(2000);
    });

    it('raises the default toolTimeoutMax to a toolTimeout above it', () => {
      const resolved = resolveOptions({ toolTimeout: 900 });
      expect(resolved.toolTimeoutMs).to.equal(900_000);
      expect(resolved.toolTimeoutMaxMs).to.equal(900_000);
    });

    it('turns reconnectDelay and reconnectDelayMax seconds into the backoff in milliseconds', () => {
      expect(resolveOptions({ reconnectDelay: 0.2, reconnectDelayMax: 5 }).backoff).to.deep.equal({ initialMs: 200, maxMs: 5000 });
      // A first delay above the default cap raises the cap with it.
      expect(resolveOptions({ reconnectDelay: 45 }).backoff).to.deep.equal({ initialMs: 45_000, maxMs: 45_000 });
    });

    it('bounds a call that keeps reporting progress by maxTotalTimeout, toolTimeoutMax unless given', () => {
      expect(resolveOptions({ maxTotalTimeout: 3600 }).maxTotalTimeoutMs).to.equal(3_600_000);
      expect(resolveOptions({ toolTimeoutMax: 60 }).maxTotalTimeoutMs).to.equal(60_000);
      expect(resolveOptions({ toolTimeout: 900 }).maxTotalTimeoutMs).to.equal(900_000);
    });

    it('accepts toolTimeout equal to toolTimeoutMax', () => {
      expect(resolveOptions({ toolTimeout: 10, toolTimeoutMax: 10 }).toolTimeoutMaxMs).to.equal(10_000);
    });

    it('keeps the other options as given', () => {
      const resolved = resolveOptions({
        structuredOutput: true,
        bodyLimit: 2048,
        maxSchemaRecursion: 0,
        retryAfter: 7,
        info: { title: 'T', version: '2' },
        logger: silentLogger,
      });
      expect(resolved.structuredOutput).to.equal(true);
      expect(resolved.bodyLimit).to.equal(2048);
      expect(resolveOptions({ bodyLimit: '512kb' }).bodyLimit).to.equal(512 * 1024);
      expect(resolveOptions({ bodyLimit: '2MB' }).bodyLimit).to.equal(2 * 1024 * 1024);
      expect(resolved.maxSchemaRecursion).to.equal(0);
      expect(resolved.retryAfter).to.equal(7);
      expect(resolved.info).to.deep.equal({ title: 'T', version: '2' });
      expect(resolved.logger).to.equal(silentLogger);
    });
  });

  describe('rejects', () => {
    it('a documents list with an unknown or repeated section, naming the known ones', () => {
      for (const documents of [['tools', 'resource'], ['tools', 'tools'], 'tools', [1]]) {
        expect(() => resolveOptions(loose({ documents }))).to.throw(TypeError, /"documents" must be an array of "tools", "resources", "prompts", each at most once/);
      }
    });

    it('a toolTimeout above maxTotalTimeout', () => {
      expect(() => resolveOptions({ toolTimeout: 100, maxTotalTimeout: 50 })).to.throw(TypeError, /"toolTimeout".*"maxTotalTimeout"/);
    });

    it('a toolTimeout above toolTimeoutMax', () => {
      expect(() => resolveOptions({ toolTimeout: 100, toolTimeoutMax: 50 })).to.throw(
        TypeError,
        /"toolTimeout".*"toolTimeoutMax"/,
      );
    });

    it('a reconnectDelay above reconnectDelayMax', () => {
      expect(() => resolveOptions({ reconnectDelay: 10, reconnectDelayMax: 5 })).to.throw(TypeError, /"reconnectDelay".*"reconnectDelayMax"/);
    });

    it('an unknown option, naming it', () => {
      expect(() => resolveOptions(loose({ toolTimout: 5 }))).to.throw(TypeError, /"toolTimout"/);
    });

    it('a prototype-ish key as an unknown option', () => {
      expect(() => resolveOptions(loose({ constructor: 5 }))).to.throw(TypeError, /"constructor"/);
    });

    it('a continuationSecret shorter than 16 characters, or not a string', () => {
      expect(() => resolveOptions({ continuationSecret: 'short' })).to.throw(TypeError, /"continuationSecret"/);
      expect(() => resolveOptions(loose({ continuationSecret: 12345678901234567 }))).to.throw(TypeError, /"continuationSecret"/);
      expect(resolveOptions({ continuationSecret: 'sixteen-chars-ok' }).continuationSecret).to.equal('sixteen-chars-ok');
    });

    for (const key of ['toolTimeout', 'toolTimeoutMax', 'maxTotalTimeout', 'connectTimeout', 'retryAfter', 'reconnectDelay', 'reconnectDelayMax', 'continuationTtl', 'sessionIdleTimeout']) {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
        it(`${key}: ${String(bad)} (${typeof bad}), naming "${key}"`, () => {
          expect(() => resolveOptions(loose({ [key]: bad }))).to.throw(TypeError, new RegExp(`"${key}"`));
        });
      }
    }

    for (const bad of [0, -1, 1.5, Number.NaN, '5']) {
      it(`maxSessions: ${String(bad)} (${typeof bad}), naming "maxSessions"`, () => {
        expect(() => resolveOptions(loose({ maxSessions: bad }))).to.throw(TypeError, /"maxSessions" must be a whole number of at least 1/);
      });
    }

    for (const bad of [-1, 1.5, Number.NaN]) {
      it(`maxSchemaRecursion: ${bad}`, () => {
        expect(() => resolveOptions({ maxSchemaRecursion: bad })).to.throw(TypeError, /"maxSchemaRecursion"/);
      });
    }

    it('a bodyLimit that is not a positive size', () => {
      for (const bodyLimit of [true, 0, -1, 1.5, '1 lightyear', '', 'mb']) {
        expect(() => resolveOptions(loose({ bodyLimit })), String(bodyLimit)).to.throw(TypeError, /"bodyLimit"/);
      }
    });

    it('a name that is not a non-empty string', () => {
      for (const name of ['', '  ', 5, null]) {
        expect(() => resolveOptions(loose({ name })), String(name)).to.throw(TypeError, /"name" must be a non-empty string/);
      }
    });

    it('tool rules that cannot be used, naming the key', () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ enabledTools: 'echo' }, /"enabledTools" must be an array/],
        [{ disabledTools: [''] }, /"disabledTools" must be an array/],
        [{ toolPrefix: 'my prefix' }, /"toolPrefix" must be letters/],
        [{ toolPrefix: 'p'.repeat(63) }, /"toolPrefix"/],
        [{ tools: [] }, /"tools" must be an object/],
        [{ tools: { echo: { title: 'x' } } }, /"tools\.echo\.title" is not a known key/],
        [{ tools: { echo: { name: 'say it' } } }, /"tools\.echo\.name" must be letters/],
        [{ tools: { echo: { description: 5 } } }, /"tools\.echo\.description" must be a string/],
      ];
      for (const [options, message] of cases) {
        expect(() => resolveOptions(loose(options)), JSON.stringify(options)).to.throw(TypeError, message);
      }
    });

    it('two tools renamed to one name, naming both', () => {
      expect(() => resolveOptions({ tools: { a: { name: 'same' }, b: { name: 'same' } } })).to.throw(TypeError, /"a" and "b" would both be served as "same"/);
      expect(() => resolveOptions({ tools: { a: { name: 'b' }, b: { description: 'kept' } } })).to.throw(TypeError, /"a" and "b" would both be served as "b"/);
    });

    it('options that are not an object', () => {
      expect(() => resolveOptions(null as unknown as RouterOptions)).to.throw(TypeError);
      expect(() => resolveOptions(5 as unknown as RouterOptions)).to.throw(TypeError);
    });
  });

  describe('name', () => {
    it('is the given name', () => {
      const spec = resolveSpec({ command: '/usr/bin/npx', args: ['-y', 'x'] });
      expect(serverName(resolveOptions({ name: 'memory' }), spec)).to.equal('memory');
    });

    it('defaults to the command’s basename for stdio and the URL’s host for a remote server', () => {
      expect(serverName(resolveOptions(), resolveSpec({ command: '/usr/local/bin/uvx', args: ['mcp-server-time'] }))).to.equal('uvx');
      expect(serverName(resolveOptions(), resolveSpec({ command: 'npx' }))).to.equal('npx');
      expect(serverName(resolveOptions(), resolveSpec({ type: 'sse', url: 'http://user:pw@mcp.example.com:8001/sse' }))).to.equal('mcp.example.com:8001');
    });
  });

  describe('its input', () => {
    it('accepts a deeply frozen object and leaves it as it was', () => {
      const info = Object.freeze({ title: 'Frozen' });
      const input = Object.freeze({ toolTimeout: 5, structuredOutput: true, info });
      const resolved = resolveOptions(input);
      expect(resolved.toolTimeoutMs).to.equal(5000);
      expect(resolved.info).to.deep.equal({ title: 'Frozen' });
      expect(input).to.deep.equal({ toolTimeout: 5, structuredOutput: true, info: { title: 'Frozen' } });
    });

    it('copies info rather than sharing it', () => {
      const info = { title: 'A' };
      const resolved = resolveOptions({ info });
      expect(resolved.info).not.to.equal(info);
      info.title = 'B';
      expect(resolved.info.title).to.equal('A');
    });
  });
});
