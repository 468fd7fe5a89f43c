/**
 * Server specs and their one normal form (lib/mcp/spec.ts).
 */
import { expect } from 'chai';
import { redactUrl, resolveSpec } from '../../lib/mcp/spec.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('resolveSpec', () => {
  describe('stdio', () => {
    it('fills in empty args and env for a bare command', () => {
      expect(resolveSpec({ command: 'node' })).to.deep.equal({ type: 'stdio', command: 'node', args: [], env: {} });
    });

    it('keeps args, env and cwd', () => {
      expect(
        resolveSpec({ type: 'stdio', command: 'uvx', args: ['mcp-server-time'], env: { TZ: 'UTC' }, cwd: '/tmp' }),
      ).to.deep.equal({ type: 'stdio', command: 'uvx', args: ['mcp-server-time'], env: { TZ: 'UTC' }, cwd: '/tmp' });
    });

    it('has no cwd key when none was given', () => {
      expect(resolveSpec({ command: 'node' })).not.to.have.property('cwd');
    });

    it('prefers stdio when both command and url are given without a type', () => {
      expect(resolveSpec({ command: 'node', url: 'http://localhost/' }).type).to.equal('stdio');
    });
  });

  describe('remote', () => {
    for (const spelling of ['streamable-http', 'streamable_http', 'streamableHttp', 'http']) {
      it(`folds type "${spelling}" into streamable-http`, () => {
        const spec = resolveSpec({ type: spelling, url: 'http://localhost:8000/mcp' });
        expect(spec.type).to.equal('streamable-http');
      });
    }

    it('reads a url with no type as sse', () => {
      const spec = resolveSpec({ url: 'https://example.com/sse' });
      expect(spec.type).to.equal('sse');
    });

    it('accepts an explicit sse type', () => {
      expect(resolveSpec({ type: 'sse', url: 'https://example.com/sse' }).type).to.equal('sse');
    });

    it('parses the url into a URL and keeps the headers', () => {
      const spec = resolveSpec({ type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer t' } });
      if (spec.type === 'stdio') throw new Error('expected a remote spec');
      expect(spec.url).to.be.instanceOf(URL);
      expect(spec.url.href).to.equal('https://example.com/mcp');
      expect(spec.headers).to.deep.equal({ Authorization: 'Bearer t' });
    });

    it('gives empty headers when none were given', () => {
      const spec = resolveSpec({ url: 'https://example.com/sse' });
      if (spec.type === 'stdio') throw new Error('expected a remote spec');
      expect(spec.headers).to.deep.equal({});
    });
  });

  describe('rejects', () => {
    function expectTypeError(spec: unknown, pattern: RegExp): void {
      expect(() => resolveSpec(spec)).to.throw(TypeError, pattern);
    }

    for (const notAnObject of [null, undefined, 'node server.js', 42, ['node']]) {
      it(`a spec that is not an object: ${JSON.stringify(notAnObject)}`, () => {
        expectTypeError(notAnObject, /object/);
      });
    }

    it('an unknown type, naming "type"', () => {
      expectTypeError({ type: 'websocket', url: 'ws://localhost/' }, /"type"/);
    });

    it('a type that is not a string, naming "type"', () => {
      expectTypeError({ type: 42, command: 'node' }, /"type"/);
    });

    for (const inherited of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      it(`a type that names an Object.prototype property ("${inherited}"), naming "type"`, () => {
        expectTypeError({ type: inherited, url: 'http://localhost/' }, /"type"/);
      });
    }

    it('a spec with neither command nor url, naming both', () => {
      expectTypeError({ args: ['x'] }, /"command".*"url"|"url".*"command"/);
    });

    it('a stdio type without a command, naming "command"', () => {
      expectTypeError({ type: 'stdio', args: [] }, /"command"/);
    });

    it('an empty command, naming "command"', () => {
      expectTypeError({ command: '' }, /"command"/);
    });

    it('args that are a string, naming "args"', () => {
      expectTypeError({ command: 'node', args: 'server.js --port 1' }, /"args"/);
    });

    it('args holding a non-string, naming "args"', () => {
      expectTypeError({ command: 'node', args: ['server.js', 8080] }, /"args"/);
    });

    it('an env value that is not a string, naming the env key', () => {
      expectTypeError({ command: 'node', env: { PORT: 8080 } }, /"env\.PORT"/);
    });

    it('an env that is not an object, naming "env"', () => {
      expectTypeError({ command: 'node', env: ['A=1'] }, /"env"/);
    });

    it('a cwd that is not a string, naming "cwd"', () => {
      expectTypeError({ command: 'node', cwd: 1 }, /"cwd"/);
    });

    it('a remote type without a url, naming "url"', () => {
      expectTypeError({ type: 'sse', command: 'node' }, /"url"/);
    });

    it('a url that does not parse, naming "url"', () => {
      expectTypeError({ url: 'not a url' }, /"url"/);
    });

    it('an ftp: url, naming "url" and the scheme', () => {
      expectTypeError({ type: 'streamable-http', url: 'ftp://example.com/mcp' }, /"url".*ftp:/);
    });

    it('a header value that is not a string, naming the header', () => {
      expectTypeError({ url: 'https://example.com/', headers: { 'X-Retry': 3 } }, /"headers\.X-Retry"/);
    });
  });

  describe('its input', () => {
    it('is not mutated: a deeply frozen stdio spec resolves and stays equal', () => {
      const input = deepFreeze({ command: 'node', args: ['a', 'b'], env: { A: '1' }, cwd: '/tmp' });
      const before = JSON.stringify(input);
      const spec = resolveSpec(input);
      expect(JSON.stringify(input)).to.equal(before);
      if (spec.type !== 'stdio') throw new Error('expected a stdio spec');
      expect(spec.args).not.to.equal(input.args);
      expect(spec.env).not.to.equal(input.env);
    });

    it('is not mutated: a deeply frozen remote spec resolves and stays equal', () => {
      const input = deepFreeze({ type: 'streamableHttp', url: 'https://example.com/mcp', headers: { A: '1' } });
      const before = JSON.stringify(input);
      const spec = resolveSpec(input);
      expect(JSON.stringify(input)).to.equal(before);
      if (spec.type === 'stdio') throw new Error('expected a remote spec');
      expect(spec.headers).not.to.equal(input.headers);
    });

    it('is not shared with the result: changing the result leaves the input alone', () => {
      const input = { command: 'node', args: ['a'], env: { A: '1' } };
      const spec = resolveSpec(input);
      if (spec.type !== 'stdio') throw new Error('expected a stdio spec');
      spec.args.push('b');
      spec.env.B = '2';
      expect(input).to.deep.equal({ command: 'node', args: ['a'], env: { A: '1' } });
    });
  });
});

describe('redactUrl', () => {
  it('drops the user, password, query and fragment', () => {
    const url = new URL('https://alice:s3cret@example.com:8443/mcp/sse?token=abc&x=1#frag');
    const shown = redactUrl(url);
    expect(shown).to.equal('https://example.com:8443/mcp/sse');
    for (const secret of ['alice', 's3cret', 'token', 'abc', 'frag']) expect(shown).not.to.include(secret);
  });

  it('keeps a plain URL as it is', () => {
    expect(redactUrl(new URL('http://localhost:8000/mcp'))).to.equal('http://localhost:8000/mcp');
  });

  it('redacts the url of a resolved spec', () => {
    const spec = resolveSpec({ url: 'https://u:p@example.com/sse?key=k' });
    if (spec.type === 'stdio') throw new Error('expected a remote spec');
    expect(redactUrl(spec.url)).to.equal('https://example.com/sse');
  });
});
