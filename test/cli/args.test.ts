/**
 * The command line (bin/args.ts): every flag, its short form, its default,
 * and the one-line error for each bad value.
 */
import { expect } from 'chai';
import { appOptions } from '../../bin/app-options.js';
import { parseArgs } from '../../bin/args.js';
import type { CliOptions } from '../../bin/cli-options.js';
import { DEFAULTS, LONG_FLAGS } from '../../bin/flags.js';
import { HELP } from '../../bin/help.js';
import { UsageError } from '../../bin/usage-error.js';
import { SERVER_LIMIT_DEFAULTS } from '../../lib/http/server-limits.js';
import { silentLogger } from '../../lib/common/log.js';

const CMD = ['--', 'npx', 'server'];

function serve(argv: string[], env: Record<string, string> = {}): CliOptions {
  const result = parseArgs(argv, env);
  if (result.kind !== 'serve') throw new Error(`expected serve, got ${result.kind}`);
  return result.options;
}

function usage(argv: string[], pattern: RegExp, env: Record<string, string> = {}): void {
  expect(() => parseArgs(argv, env)).to.throw(UsageError, pattern);
}

describe('parseArgs', () => {
  it('has the documented defaults', () => {
    const o = serve(CMD);
    expect(o).to.deep.include({
      host: DEFAULTS.host,
      port: 8000,
      rootPath: '',
      pathPrefix: '/',
      strictAuth: false,
      allowUnauthenticated: false,
      corsAllowOrigins: [],
      allowedHosts: [],
      bodyLimit: 1024 * 1024,
      serverType: 'stdio',
      env: {},
      hotReload: false,
      toolPrefixServers: false,
      toolTimeout: 30,
      structuredOutput: false,
      logLevel: 'info',
      gracePeriod: 30,
      headersTimeout: 20,
      requestTimeout: 60,
      command: ['npx', 'server'],
    });
    expect(o.host).to.equal('127.0.0.1');
    for (const key of ['tls', 'apiKey', 'headers', 'envPath', 'config', 'toolTimeoutMax', 'maxTotalTimeout', 'name', 'description', 'version']) {
      expect(o, key).not.to.have.property(key);
    }
  });

  it('keeps everything after -- verbatim, flags and $ included', () => {
    expect(serve(['--port', '1', '--', 'cmd', '--port', '2', '$HOME', '-h', '']).command).to.deep.equal(['cmd', '--port', '2', '$HOME', '-h', '']);
  });

  describe('network', () => {
    it('reads --host and -h HOST, --port and -p', () => {
      expect(serve(['--host', 'localhost', '--port', '9000', ...CMD])).to.include({ host: 'localhost', port: 9000 });
      expect(serve(['-h', '127.0.0.2', '-p', '0', ...CMD])).to.include({ host: '127.0.0.2', port: 0 });
    });

    for (const port of ['abc', '-1', '70000', '1.5', '80a', '']) {
      it(`rejects --port ${JSON.stringify(port)}`, () => {
        usage(['--port', port, ...CMD], /--port/);
      });
    }

    it('reads --ssl-certfile/-t with --ssl-keyfile/-K, and wants both', () => {
      expect(serve(['--ssl-certfile', 'c.pem', '--ssl-keyfile', 'k.pem', ...CMD]).tls).to.deep.equal({ certFile: 'c.pem', keyFile: 'k.pem' });
      expect(serve(['-t', 'c.pem', '-K', 'k.pem', ...CMD]).tls).to.deep.equal({ certFile: 'c.pem', keyFile: 'k.pem' });
      usage(['-t', 'c.pem', ...CMD], /go together/);
      usage(['--ssl-keyfile', 'k.pem', ...CMD], /go together/);
    });

    it('reads --root-path and --path-prefix', () => {
      expect(serve(['--root-path', '/proxy', '--path-prefix', '/api', ...CMD])).to.include({ rootPath: '/proxy', pathPrefix: '/api' });
    });
  });

  describe('auth and CORS', () => {
    it('reads --api-key and -k, and MCPO_API_KEY when no flag is given', () => {
      expect(serve(['--api-key', 'k1', ...CMD]).apiKey).to.equal('k1');
      expect(serve(['-k', 'k2', ...CMD]).apiKey).to.equal('k2');
      expect(serve(CMD, { MCPO_API_KEY: 'from-env' }).apiKey).to.equal('from-env');
      expect(serve(['-k', 'flag', ...CMD], { MCPO_API_KEY: 'from-env' }).apiKey).to.equal('flag');
      expect(serve(CMD, { MCPO_API_KEY: '' })).not.to.have.property('apiKey');
    });

    it('takes the continuation secret from MCPO_CONTINUATION_SECRET only, and refuses a short one', () => {
      expect(serve(CMD, { MCPO_CONTINUATION_SECRET: 'a-long-enough-secret' }).continuationSecret).to.equal('a-long-enough-secret');
      expect(serve(CMD)).not.to.have.property('continuationSecret');
      expect(() => parseArgs(CMD, { MCPO_CONTINUATION_SECRET: 'short' })).to.throw(UsageError, /at least 16 characters/);
    });

    it('rejects an empty --api-key', () => {
      usage(['--api-key', '', ...CMD], /--api-key needs a value/);
      usage(['--api-key', '--strict-auth', ...CMD], /--api-key needs a value/);
    });

    it('reads --strict-auth, which needs a key', () => {
      expect(serve(['--strict-auth', '-k', 'k', ...CMD]).strictAuth).to.equal(true);
      usage(['--strict-auth', ...CMD], /--strict-auth needs an API key/);
    });

    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'api.localhost', '::1', '[::1]']) {
      it(`lets loopback ${host} listen without a key`, () => {
        expect(serve(['--host', host, ...CMD]).host).to.equal(host);
      });
    }

    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      it(`refuses ${host} without a key, saying how to set one`, () => {
        usage(['--host', host, ...CMD], /refusing to serve on .* without an API key.*--api-key or MCPO_API_KEY.*--allow-unauthenticated/);
        expect(serve(['--host', host, '-k', 'key', ...CMD]).host).to.equal(host);
        expect(serve(['--host', host, ...CMD], { MCPO_API_KEY: 'key' }).host).to.equal(host);
        expect(serve(['--host', host, '--allow-unauthenticated', ...CMD]).allowUnauthenticated).to.equal(true);
      });
    }

    it('reads --cors-allow-origins, repeated and comma-separated, as origins', () => {
      const o = serve(['--cors-allow-origins', 'https://a.example/', '--cors-allow-origins', 'HTTPS://B.example:8443, http://c.example', ...CMD]);
      expect(o.corsAllowOrigins).to.deep.equal(['https://a.example', 'https://b.example:8443', 'http://c.example']);
      expect(serve(['--cors-allow-origins', '*', ...CMD]).corsAllowOrigins).to.deep.equal(['*']);
      usage(['--cors-allow-origins', 'not an origin', ...CMD], /--cors-allow-origins: "not an origin" is not an origin/);
    });

    it('checks Host on a loopback bind by default, and elsewhere only with --allowed-hosts', () => {
      expect(serve(['--allowed-hosts', 'API.example.com', '--allowed-hosts', '*.corp.example, 10.0.0.5', ...CMD]).allowedHosts).to.deep.equal([
        'api.example.com',
        '*.corp.example',
        '10.0.0.5',
      ]);
      expect(serve(['--host', 'localhost', ...CMD]).allowedHosts).to.deep.equal([]);
      expect(serve(['--host', '0.0.0.0', '--api-key', 'k', ...CMD])).not.to.have.property('allowedHosts');
      expect(serve(['--host', '0.0.0.0', '--api-key', 'k', '--allowed-hosts', 'mcpo.example', ...CMD]).allowedHosts).to.deep.equal(['mcpo.example']);
      usage(['--allowed-hosts', 'http://x.example', ...CMD], /--allowed-hosts: "http:\/\/x.example" is not a host name/);
    });

    it('reads --body-limit as a size', () => {
      expect(serve(['--body-limit', '512kb', ...CMD]).bodyLimit).to.equal(512 * 1024);
      expect(serve(['--body-limit', '2048', ...CMD]).bodyLimit).to.equal(2048);
      usage(['--body-limit', 'lots', ...CMD], /--body-limit must be a size/);
    });
  });

  describe('server', () => {
    it('reads --server-type and --type, folding spellings', () => {
      const url = ['--', 'http://127.0.0.1:1/x'];
      expect(serve(['--server-type', 'sse', ...url]).serverType).to.equal('sse');
      expect(serve(['--type', 'streamable-http', ...url]).serverType).to.equal('streamable-http');
      expect(serve(['--type', 'streamable_http', ...url]).serverType).to.equal('streamable-http');
      expect(serve(['--type', 'stdio', ...CMD]).serverType).to.equal('stdio');
      usage(['--type', 'websocket', ...url], /--server-type must be stdio, sse or streamable-http/);
    });

    it('takes exactly one http(s) URL after -- for a remote server', () => {
      expect(serve(['--type', 'sse', '--', 'https://h/sse']).command).to.deep.equal(['https://h/sse']);
      usage(['--type', 'sse', '--', 'https://h/sse', 'extra'], /takes one URL after --/);
      usage(['--type', 'sse', '--', 'npx'], /must be the server's http\(s\) URL/);
      usage(['--type', 'sse', '--', 'ftp://h/x'], /must be the server's http\(s\) URL/);
    });

    it('reads --header and -H as a JSON object of strings', () => {
      const url = ['--type', 'sse', '--', 'http://h/sse'];
      expect(serve(['--header', '{"Authorization": "Bearer t", "X-A": "b"}', ...url]).headers).to.deep.equal({ Authorization: 'Bearer t', 'X-A': 'b' });
      expect(serve(['-H', '{}', ...url]).headers).to.deep.equal({});
      usage(['--header', '{bad', ...url], /--header must be a JSON object/);
      usage(['--header', '["a"]', ...url], /--header must be a JSON object/);
      usage(['--header', '{"X": 1}', ...url], /--header: the value of "X" must be a string/);
    });

    it('reads --env and -e as repeatable KEY=VALUE, keeping = in values', () => {
      expect(serve(['--env', 'A=1', '-e', 'B=x=y', '-e', 'C=', ...CMD]).env).to.deep.equal({ A: '1', B: 'x=y', C: '' });
      usage(['--env', 'NOEQUALS', ...CMD], /--env must look like KEY=VALUE/);
      usage(['--env', '=x', ...CMD], /--env must look like KEY=VALUE/);
    });

    it('reads --env-path', () => {
      expect(serve(['--env-path', '.env', ...CMD]).envPath).to.equal('.env');
    });
  });

  describe('oauth', () => {
    const REMOTE = ['--server-type', 'streamable-http', '--', 'https://mcp.example.com/mcp'];

    it('reads --public-url without its trailing slash, and refuses one with a query', () => {
      expect(serve(['--public-url', 'https://tools.example.com/mcpo/', ...CMD]).publicUrl).to.equal('https://tools.example.com/mcpo');
      usage(['--public-url', 'https://tools.example.com/?x=1', ...CMD], /^--public-url must be a base URL .*without credentials, query or fragment/);
      usage(['--public-url', 'tools.example.com', ...CMD], /^--public-url must be an absolute http\(s\) URL/);
    });

    it('reads --state-dir, else MCPO_STATE_DIR', () => {
      expect(serve(['--state-dir', '/srv/state', ...CMD], { MCPO_STATE_DIR: '/env' }).stateDir).to.equal('/srv/state');
      expect(serve(CMD, { MCPO_STATE_DIR: '/env' }).stateDir).to.equal('/env');
      expect(serve(CMD)).not.to.have.property('stateDir');
    });

    it('builds the single remote server’s oauth block from the --oauth-* flags', () => {
      const o = serve(['--oauth-client-id', 'mcpo', '--oauth-client-secret', 'flag-secret', '--oauth-scope', 'read write', '--oauth-grant-type', 'client_credentials', ...REMOTE]);
      expect(o.oauth).to.deep.equal({ grantType: 'client_credentials', clientId: 'mcpo', clientSecret: 'flag-secret', scope: 'read write' });
      expect(serve(['--oauth-client-metadata-url', 'https://mcpo.example.com/client.json', ...REMOTE]).oauth)
        .to.deep.equal({ grantType: 'authorization_code', clientMetadataUrl: 'https://mcpo.example.com/client.json' });
      expect(serve(['--oauth-client-id', 'mcpo', '--oauth-client-metadata-url', 'https://mcpo.example.com/client.json', ...REMOTE]).oauth)
        .to.deep.equal({ grantType: 'authorization_code', clientId: 'mcpo', clientMetadataUrl: 'https://mcpo.example.com/client.json' });
    });

    it('takes the client secret from MCPO_OAUTH_CLIENT_SECRET, the flag winning', () => {
      expect(serve(['--oauth-client-id', 'mcpo', ...REMOTE], { MCPO_OAUTH_CLIENT_SECRET: 'env-secret' }).oauth).to.include({ clientSecret: 'env-secret' });
      expect(serve(['--oauth-client-id', 'mcpo', '--oauth-client-secret', 'flag', ...REMOTE], { MCPO_OAUTH_CLIENT_SECRET: 'env' }).oauth).to.include({ clientSecret: 'flag' });
    });

    it('has no oauth block without the flags, and ignores MCPO_OAUTH_CLIENT_SECRET where no remote server can use it', () => {
      expect(serve(REMOTE)).not.to.have.property('oauth');
      expect(serve(CMD, { MCPO_OAUTH_CLIENT_SECRET: 'x' })).not.to.have.property('oauth');
      expect(serve(['--config', 'c.json'], { MCPO_OAUTH_CLIENT_SECRET: 'x' })).not.to.have.property('oauth');
    });

    it('refuses --oauth-* flags for a stdio server or with --config', () => {
      usage(['--oauth-client-id', 'x', ...CMD], /^--oauth-client-id is for a remote server \(--server-type sse or streamable-http\)/);
      usage(['--oauth-scope', 'x', '--config', 'c.json'], /^--oauth-scope is for a single remote server; with --config, write an "oauth" block/);
    });

    it('names the flags in the oauth block’s errors', () => {
      usage(['--oauth-grant-type', 'client_credentials', ...REMOTE], /^--oauth-grant-type client_credentials needs --oauth-client-id and a secret \(MCPO_OAUTH_CLIENT_SECRET/);
      usage(['--oauth-client-secret', 'x', ...REMOTE], /^--oauth-client-secret needs --oauth-client-id/);
      usage(['--oauth-grant-type', 'password', ...REMOTE], /^--oauth-grant-type must be "authorization_code" or "client_credentials"/);
      usage(['--oauth-client-metadata-url', 'http://a.example/c.json', ...REMOTE], /^--oauth-client-metadata-url must be an https: URL/);
    });

    it('says in the help that the secret is better set in the environment', () => {
      expect(HELP).to.match(/--oauth-client-secret <s>\s+its secret; better set MCPO_OAUTH_CLIENT_SECRET, since ps shows flags/);
    });
  });

  describe('config', () => {
    it('reads --config and -c, which need no command', () => {
      expect(serve(['--config', 'c.json'])).to.include({ config: 'c.json' });
      expect(serve(['-c', 'c.json']).command).to.deep.equal([]);
    });

    it('rejects --config together with a command', () => {
      usage(['--config', 'c.json', ...CMD], /either --config or a server command/);
    });

    it('reads --hot-reload', () => {
      expect(serve(['--config', 'c.json', '--hot-reload']).hotReload).to.equal(true);
    });

    it('reads --tool-prefix-servers, off by default', () => {
      expect(serve(['--config', 'c.json', '--tool-prefix-servers']).toolPrefixServers).to.equal(true);
      expect(serve(['--config', 'c.json']).toolPrefixServers).to.equal(false);
    });

    it('rejects --tool-prefix-servers without --config', () => {
      usage(['--tool-prefix-servers', ...CMD], /--tool-prefix-servers is for --config/);
    });

    it('reads --mcp-separator with --config, and refuses one that would break function names', () => {
      expect(serve(['--config', 'c.json', '--mcp-separator', '__']).mcpSeparator).to.equal('__');
      expect(serve(['--config', 'c.json'])).not.to.have.property('mcpSeparator');
      usage(['--config', 'c.json', '--mcp-separator', '.'], /--mcp-separator must be 1 to 8 letters/);
      usage(['--mcp-separator', '_', ...CMD], /--mcp-separator is for --config/);
    });
  });

  describe('calls', () => {
    it('reads --tool-timeout and --tool-timeout-max as seconds', () => {
      expect(serve(['--tool-timeout', '2.5', '--tool-timeout-max', '10', ...CMD])).to.include({ toolTimeout: 2.5, toolTimeoutMax: 10 });
    });

    for (const value of ['0', '-1', 'abc', 'Infinity', ' ']) {
      it(`rejects --tool-timeout ${JSON.stringify(value)}`, () => {
        usage(['--tool-timeout', value, ...CMD], /--tool-timeout/);
      });
    }

    it('reads --max-total-timeout as seconds, and rejects a --tool-timeout above it', () => {
      expect(serve(['--max-total-timeout', '3600', ...CMD])).to.include({ maxTotalTimeout: 3600 });
      expect(serve(CMD)).to.not.have.property('maxTotalTimeout');
      usage(['--tool-timeout', '20', '--max-total-timeout', '10', ...CMD], /--tool-timeout \(20\) is above --max-total-timeout \(10\)/);
      usage(['--max-total-timeout', '0', ...CMD], /--max-total-timeout/);
    });

    it('rejects a --tool-timeout above --tool-timeout-max', () => {
      usage(['--tool-timeout', '20', '--tool-timeout-max', '10', ...CMD], /--tool-timeout \(20\) is above --tool-timeout-max \(10\)/);
    });

    it('reads --session-idle-timeout as seconds (fractions too) and --max-sessions as a whole number, unset by default', () => {
      expect(serve(['--session-idle-timeout', '0.5', '--max-sessions', '20', ...CMD])).to.include({ sessionIdleTimeout: 0.5, maxSessions: 20 });
      expect(serve(CMD)).not.to.have.any.keys('sessionIdleTimeout', 'maxSessions');
      for (const bad of ['0', 'abc', 'Infinity']) usage(['--session-idle-timeout', bad, ...CMD], /--session-idle-timeout must be a positive number of seconds/);
      for (const bad of ['0', '-3', '1.5', '1e3', 'many', ' ']) usage(['--max-sessions', bad, ...CMD], /--max-sessions (must be a whole number of at least 1|needs a value)/);
    });

    it('passes --session-idle-timeout and --max-sessions to every router', () => {
      const options = serve(['--session-idle-timeout', '60', '--max-sessions', '5', ...CMD]);
      expect(appOptions(options, { server: { command: 'npx' } }, silentLogger).router).to.include({ sessionIdleTimeout: 60, maxSessions: 5 });
      expect(appOptions(serve(CMD), { server: { command: 'npx' } }, silentLogger).router).not.to.have.any.keys('sessionIdleTimeout', 'maxSessions');
    });

    it('reads --structured-output', () => {
      expect(serve(['--structured-output', ...CMD]).structuredOutput).to.equal(true);
    });
  });

  describe('docs, logging and process', () => {
    it('reads --name/-n, --description/-d and --version/-v with values', () => {
      expect(serve(['--name', 'N', '--description', 'D', '--version', '1.2', ...CMD])).to.include({ name: 'N', description: 'D', version: '1.2' });
      expect(serve(['-n', 'N2', '-d', 'D2', '-v', '3', ...CMD])).to.include({ name: 'N2', description: 'D2', version: '3' });
    });

    it('answers a bare --version or -v with the version, and --help or a bare -h with help', () => {
      expect(parseArgs(['--version'])).to.deep.equal({ kind: 'version' });
      expect(parseArgs(['-v'])).to.deep.equal({ kind: 'version' });
      expect(parseArgs(['--help'])).to.deep.equal({ kind: 'help' });
      expect(parseArgs(['-h'])).to.deep.equal({ kind: 'help' });
      expect(parseArgs(['-h', '--port', '1', ...CMD])).to.deep.equal({ kind: 'help' });
    });

    it('reads --log-level in the original’s spellings too', () => {
      const levels: Record<string, string> = { debug: 'debug', info: 'info', warning: 'warn', WARNING: 'warn', warn: 'warn', error: 'error', CRITICAL: 'error' };
      for (const [given, level] of Object.entries(levels)) expect(serve(['--log-level', given, ...CMD]).logLevel, given).to.equal(level);
      usage(['--log-level', 'loud', ...CMD], /--log-level must be one of/);
    });

    it('reads --grace-period', () => {
      expect(serve(['--grace-period', '5', ...CMD]).gracePeriod).to.equal(5);
      usage(['--grace-period', '0', ...CMD], /--grace-period must be a positive number/);
    });

    it('reads --headers-timeout and --request-timeout in seconds, fractions too, the headers within the request', () => {
      expect(serve(['--headers-timeout', '0.5', '--request-timeout', '2', ...CMD])).to.deep.include({ headersTimeout: 0.5, requestTimeout: 2 });
      expect(serve(['--request-timeout', '90', ...CMD])).to.deep.include({ headersTimeout: 20, requestTimeout: 90 });
      usage(['--headers-timeout', '0', ...CMD], /--headers-timeout must be a positive number/);
      usage(['--request-timeout', 'soon', ...CMD], /--request-timeout must be a positive number/);
      usage(['--headers-timeout', '90', ...CMD], /--headers-timeout \(90\) is above --request-timeout \(60\)/);
    });

    it('shows the library’s own defaults for the server limits', () => {
      expect({ headersTimeout: DEFAULTS.headersTimeout, requestTimeout: DEFAULTS.requestTimeout }).to.deep.equal(SERVER_LIMIT_DEFAULTS);
    });

    it('lists every long flag in the help', () => {
      for (const flag of LONG_FLAGS) expect(HELP, flag).to.match(new RegExp(`--${flag}\\b`));
    });
  });

  describe('mistakes', () => {
    it('names an unknown flag', () => {
      usage(['--bogus', ...CMD], /^unknown option --bogus$/);
      usage(['--bogus=1', ...CMD], /^unknown option --bogus$/);
      usage(['-x', ...CMD], /^unknown option -x$/);
    });

    it('suggests the flag meant when an unknown one is close to it, and only then', () => {
      usage(['--confg', 'c.json'], /^unknown option --confg; did you mean --config\?$/);
      usage(['--prot=8000', ...CMD], /^unknown option --prot; did you mean --port\?$/);
      usage(['--api_key', 'k', ...CMD], /^unknown option --api_key; did you mean --api-key\?$/);
      usage(['--hotreload', ...CMD], /^unknown option --hotreload; did you mean --hot-reload\?$/);
      usage(['--verbose', ...CMD], /^unknown option --verbose$/);
    });

    it('suggests -- for a command given without it', () => {
      usage(['npx', 'server'], /put the server command after --, as in: mcpo -- npx/);
    });

    it('wants something to serve', () => {
      usage([], /nothing to serve/);
      usage(['--'], /no server command after --/);
    });

    it('takes the last value of a flag given twice, so later flags override earlier ones', () => {
      expect(serve(['--host', '0.0.0.0', '--host', '127.0.0.1', '--port', '1', '--port', '2', ...CMD])).to.include({ host: '127.0.0.1', port: 2 });
    });
  });
});
