/**
 * Caller templates: parts of the caller's request in a server's headers or
 * env (lib/mcp/users/caller-templates.ts).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { compileCallerTemplates, type CallerTemplateOptions, type CallerTemplates } from '../../../lib/mcp/users/caller-templates.js';
import { BadRequestError, isMcpoError } from '../../../lib/http/errors.js';
import { resolveSpec } from '../../../lib/mcp/spec.js';
import { loadError } from '../../helpers/load-error.js';

const KEYED: CallerTemplateOptions = { callersVerified: true };

function remote(headers: Record<string, string>, options: CallerTemplateOptions = KEYED): CallerTemplates | undefined {
  return compileCallerTemplates(resolveSpec({ type: 'streamable-http', url: 'http://localhost/mcp', headers }), options);
}

function stdio(env: Record<string, string>, options: CallerTemplateOptions = KEYED): CallerTemplates | undefined {
  return compileCallerTemplates(resolveSpec({ command: 'node', env }), options);
}

/** Compiles a remote spec that must have templates. */
function compiled(headers: Record<string, string>, options?: CallerTemplateOptions): CallerTemplates {
  const templates = remote(headers, options);
  if (!templates) throw new Error('expected templates');
  return templates;
}

function headersFor(value: string, request: IncomingHttpHeaders): Record<string, string> | undefined {
  return compiled({ 'X-Out': value }).resolve(request).headers;
}

function missingHeaderError(fn: () => unknown): BadRequestError {
  try {
    fn();
  } catch (err) {
    expect(isMcpoError(err)).to.equal(true);
    return err as BadRequestError;
  }
  throw new Error('expected a BadRequestError');
}

describe('compileCallerTemplates', () => {
  describe('a spec without templates', () => {
    it('gives undefined for a remote spec whose headers hold no {{', () => {
      expect(remote({ 'X-Static': 'abc', Other: 'a } b { c' })).to.equal(undefined);
    });

    it('gives undefined for a stdio spec whose env holds no {{', () => {
      expect(stdio({ TZ: 'UTC' })).to.equal(undefined);
    });

    it('gives undefined with no headers at all, even without an API key', () => {
      expect(remote({}, { callersVerified: false })).to.equal(undefined);
    });
  });

  describe('parsing', () => {
    it('lists the headers it reads, lower-case and once each', () => {
      const t = compiled({ A: '{{header.X-User-Id}}', B: '{{ header.x-user-id }} {{header.X-Team | default:"public"}}' });
      expect(t.reads).to.deep.equal(['x-user-id', 'x-team']);
      expect(t.field).to.equal('headers');
    });

    it('lists the required headers apart', () => {
      const t = compiled({ A: '{{header.X-Token | required}}', B: '{{header.X-Team}}' });
      expect(t.required).to.deep.equal(['x-token']);
    });

    it('allows whitespace around the source, the bar and the filter', () => {
      const t = compiled({ A: '{{   header.X-Team   |   default : "public"   }}' });
      expect(t.resolve({}).headers).to.deep.equal({ A: 'public' });
    });

    it('reads a default in single quotes, as is easier inside JSON', () => {
      expect(headersFor("{{header.X-Team | default:'public'}}", {})).to.deep.equal({ 'X-Out': 'public' });
    });

    it('lets a default hold "}}", "|" and the other quote', () => {
      expect(headersFor(`{{header.X | default:"a}}b|c'd"}}!`, {})).to.deep.equal({ 'X-Out': "a}}b|c'd!" });
    });

    it('reads \\{{ as a literal {{ and leaves other backslashes alone', () => {
      expect(headersFor('\\{{not a template}} C:\\dir {{header.X}}', { x: 'v' })).to.deep.equal({ 'X-Out': '{{not a template}} C:\\dir v' });
    });

    it('returns templates for a spec whose only {{ is escaped, reading no header and needing no API key', () => {
      const t = remote({ A: '\\{{literal}}' }, { callersVerified: false });
      expect(t?.reads).to.deep.equal([]);
      expect(t?.resolve({ x: 'ignored' }).headers).to.deep.equal({ A: '{{literal}}' });
    });

    const malformed: [string, string, RegExp][] = [
      ['an unclosed {{', 'Bearer {{header.X-Token', /headers\.X-Out has a "\{\{" with no closing "\}\}".*\\\{\{/],
      ['an unclosed quote in a default', '{{header.X | default:"abc}}', /no closing "\}\}" \(a " is not closed\)/],
      ['an empty template', '{{ }}', /empty template/],
      ['a template reading the body', '{{body.user}}', /reads "body\.user".*only request headers.*never the body/],
      ['a misspelt source', '{{headers.X-User}}', /reads "headers\.X-User"; a template reads only request headers \(\{\{header\.<Name>\}\}\) or the verified caller \(\{\{user\.id\}\}/],
      ['a source with no dot', '{{X-User}}', /reads "X-User"/],
      ['a header name that is not a token', '{{header.X User}}', /"X User", which is not a header name/],
      ['an empty header name', '{{header.}}', /"", which is not a header name/],
      ['an unknown filter', '{{header.X | upper}}', /unknown filter "upper"; use `\| default:"value"` or `\| required`/],
      ['an empty filter', '{{header.X | }}', /unknown filter ""/],
      ['an unquoted default', '{{header.X | default:public}}', /quote the default/],
      ['two filters', '{{header.X | required | default:"a"}}', /2 filters.*not both/],
    ];
    for (const [what, value, message] of malformed) {
      it(`refuses ${what} at load, naming the field`, () => {
        expect(loadError(() => remote({ 'X-Out': value }))).to.match(message).and.match(/^headers\.X-Out /);
      });
    }

    it('names the server when told where it is', () => {
      const message = loadError(() => remote({ A: '{{body.x}}' }, { callersVerified: true, where: 'mcpServers.github' }));
      expect(message).to.match(/^mcpServers\.github\.headers\.A reads "body\.x"/);
    });

    it('names the env variable of a stdio spec', () => {
      expect(loadError(() => stdio({ TOKEN: '{{header.X | shout}}' }))).to.match(/^env\.TOKEN has an unknown filter/);
    });

    it('does not mutate the spec it compiles', () => {
      const env = Object.freeze({ T: '{{header.X | default:"d"}}' });
      const spec = Object.freeze({ type: 'stdio' as const, command: 'node', args: [], env });
      expect(compileCallerTemplates(spec, KEYED)?.resolve({ x: 'v' }).env).to.deep.equal({ T: 'v' });
      expect(env).to.deep.equal({ T: '{{header.X | default:"d"}}' });
    });
  });

  describe('resolve', () => {
    it('fills in a present header', () => {
      expect(headersFor('{{header.X-User-Id}}', { 'x-user-id': 'u-42' })).to.deep.equal({ 'X-Out': 'u-42' });
    });

    it('matches header names whatever their case in the config', () => {
      expect(headersFor('{{header.X-USER-ID}}', { 'x-user-id': 'u-42' })).to.deep.equal({ 'X-Out': 'u-42' });
    });

    it('leaves a field out when its template reads an absent header with no default', () => {
      expect(compiled({ 'X-Out': '{{header.X-Team}}', Static: 's' }).resolve({}).headers).to.deep.equal({ Static: 's' });
    });

    it('gives "" for an absent header inside literal text', () => {
      expect(headersFor('team=[{{header.X-Team}}]', {})).to.deep.equal({ 'X-Out': 'team=[]' });
    });

    it('uses the default when the header is absent', () => {
      expect(headersFor('{{header.X-Team | default:"public"}}', {})).to.deep.equal({ 'X-Out': 'public' });
    });

    it('uses the default when the header is sent empty', () => {
      expect(headersFor('{{header.X-Team | default:"public"}}', { 'x-team': '' })).to.deep.equal({ 'X-Out': 'public' });
    });

    it('prefers the header over the default', () => {
      expect(headersFor('{{header.X-Team | default:"public"}}', { 'x-team': 'red' })).to.deep.equal({ 'X-Out': 'red' });
    });

    it('mixes several templates and literal text in one value', () => {
      const value = 'Bearer {{header.X-User-Token | required}}; team={{ header.X-Team | default:"public" }}; id={{header.X-Id}}';
      expect(headersFor(value, { 'x-user-token': 'tok-1', 'x-id': '7' })).to.deep.equal({ 'X-Out': 'Bearer tok-1; team=public; id=7' });
    });

    it('keeps the literal headers beside the templated ones', () => {
      const t = compiled({ 'X-Static': 'fixed', 'X-User': '{{header.X-User-Id}}' });
      expect(t.resolve({ 'x-user-id': 'u' }).headers).to.deep.equal({ 'X-Static': 'fixed', 'X-User': 'u' });
    });

    it('takes a caller\'s value as text, never as a template of its own', () => {
      const t = compiled({ A: '{{header.X-User}}', B: '{{header.X-Secret | default:"server-secret"}}' });
      expect(t.resolve({ 'x-user': '{{header.X-Secret}}' }).headers).to.deep.equal({ A: '{{header.X-Secret}}', B: 'server-secret' });
    });

    it('reads a header Node gave as a list joined with ", "', () => {
      expect(headersFor('{{header.X-Groups}}', { 'x-groups': ['a', 'b'] })).to.deep.equal({ 'X-Out': 'a, b' });
    });

    it('fills in env values of a stdio spec, keeping the literal ones', () => {
      const t = stdio({ TZ: 'UTC', USER_TOKEN: '{{header.X-User-Token | required}}' });
      expect(t?.field).to.equal('env');
      const resolved = t?.resolve({ 'x-user-token': 'abcd' });
      expect(resolved?.env).to.deep.equal({ TZ: 'UTC', USER_TOKEN: 'abcd' });
      expect(resolved).not.to.have.property('headers');
    });

    it('answers 400 missing_caller_header naming a missing required header', () => {
      const err = missingHeaderError(() => headersFor('Bearer {{header.X-User-Token | required}}', { 'x-other': 'v' }));
      expect(err).to.be.instanceOf(BadRequestError);
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('missing_caller_header');
      expect(err.message).to.equal('Missing request header "X-User-Token": this server takes it from each caller');
      expect(err.data).to.deep.equal({ headers: ['X-User-Token'] });
    });

    it('counts a required header sent empty as missing', () => {
      const err = missingHeaderError(() => headersFor('{{header.X-User-Token | required}}', { 'x-user-token': '' }));
      expect(err.code).to.equal('missing_caller_header');
    });

    it('names every missing required header at once, each once', () => {
      const t = compiled({ A: '{{header.X-A | required}}', B: '{{header.x-a | required}}{{header.X-B | required}}' });
      const err = missingHeaderError(() => t.resolve({}));
      expect(err.message).to.equal('Missing request headers "X-A", "X-B": this server takes them from each caller');
    });
  });

  describe('key and label', () => {
    const t = compiled({ 'X-User': '{{header.X-User-Id}}', 'X-Static': 'fixed' });

    it('gives equal keys for equal values, whatever else the request holds', () => {
      const a = t.resolve({ 'x-user-id': 'alice', 'x-noise': '1' });
      const b = t.resolve({ 'x-user-id': 'alice', accept: 'text/plain' });
      expect(a.key).to.equal(b.key);
    });

    it('gives different keys for different values', () => {
      expect(t.resolve({ 'x-user-id': 'alice' }).key).not.to.equal(t.resolve({ 'x-user-id': 'bob' }).key);
    });

    it('keeps the key the same from one compile to the next', () => {
      const again = compiled({ 'X-User': '{{header.X-User-Id}}', 'X-Static': 'fixed' });
      expect(again.resolve({ 'x-user-id': 'alice' }).key).to.equal(t.resolve({ 'x-user-id': 'alice' }).key);
    });

    it('tells apart values that only a naive join would confuse', () => {
      const two = compiled({ A: '{{header.X-A}}', B: '{{header.X-B}}' });
      expect(two.resolve({ 'x-a': 'p,B,q', 'x-b': 'r' }).key).not.to.equal(two.resolve({ 'x-a': 'p', 'x-b': 'q,B,r' }).key);
    });

    it('is an HMAC-SHA256 hex key with an 8-hex label from its start', () => {
      const { key, label } = t.resolve({ 'x-user-id': 'alice' });
      expect(key).to.match(/^[0-9a-f]{64}$/);
      expect(label).to.match(/^[0-9a-f]{8}$/);
      expect(key.startsWith(label)).to.equal(true);
    });

    it('is keyed, so a label cannot be found by hashing a guess at the values', () => {
      const values = { 'x-user-id': 'alice@example.com' };
      const spec = { 'X-User': '{{header.X-User-Id}}' };
      const one = compiled(spec, { ...KEYED, labelKey: 'one-secret-of-sixteen' }).resolve(values);
      const two = compiled(spec, { ...KEYED, labelKey: 'two-secret-of-sixteen' }).resolve(values);
      expect(one.key).not.to.equal(two.key);
      expect(compiled(spec, { ...KEYED, labelKey: 'one-secret-of-sixteen' }).resolve(values).key).to.equal(one.key);
      const guess = createHash('sha256').update(JSON.stringify(['headers', [['X-User', 'alice@example.com']]])).digest('hex');
      expect(compiled(spec).resolve(values).key).not.to.equal(guess);
    });

    it('never puts a value in the label', () => {
      expect(t.resolve({ 'x-user-id': 'abcdef01' }).label).not.to.equal('abcdef01');
    });
  });

  describe('secrets', () => {
    it('lists every non-empty value a template gave, each once, and no literal text', () => {
      const t = compiled({ Authorization: 'Bearer {{header.X-User-Token}}', 'X-Team': '{{header.X-Team | default:"public"}}', 'X-Static': 'fixed', 'X-None': '{{header.X-None}}' });
      const { secrets } = t.resolve({ 'x-user-token': 'tok-123', 'x-team': 'tok-123' });
      expect(secrets).to.deep.equal(['tok-123']);
      expect(t.resolve({ 'x-user-token': 'tok-123' }).secrets).to.have.members(['tok-123', 'public']).and.have.length(2);
    });
  });

  describe('refusals', () => {
    for (const name of ['Authorization', 'Cookie', 'Proxy-Authorization']) {
      it(`refuses to read ${name} unless trustedCallerHeaders names it`, () => {
        const message = loadError(() => remote({ A: `{{header.${name}}}` }));
        expect(message).to.match(new RegExp(`^headers\\.A reads the caller's "${name}": a caller's credentials are for mcpo.*list "${name}" in trustedCallerHeaders`));
      });
    }

    it('reads Cookie when trustedCallerHeaders names it, in any case', () => {
      const t = remote({ Cookie: '{{header.cookie}}' }, { callersVerified: true, trustedCallerHeaders: ['COOKIE'] });
      expect(t?.resolve({ cookie: 'sid=1' }).headers).to.deep.equal({ Cookie: 'sid=1' });
    });

    it('still refuses a trusted Authorization when no API key is set', () => {
      const message = loadError(() => remote({ Authorization: '{{header.Authorization}}' }, { callersVerified: false, trustedCallerHeaders: ['Authorization'] }));
      expect(message).to.match(/set --api-key or an auth block, or give the router a caller option: whoever can call mcpo could otherwise claim any user/);
    });

    it('refuses any template without an API key, naming the field', () => {
      const message = loadError(() => stdio({ USER: '{{header.X-User-Id}}' }, { callersVerified: false, where: 'mcpServers.files' }));
      expect(message).to.equal('mcpServers.files.env.USER takes values from the caller\'s request; set --api-key or an auth block, or give the router a caller option: whoever can call mcpo could otherwise claim any user');
    });

    for (const name of ['Host', 'Connection', 'Transfer-Encoding', 'Content-Length', 'Mcp-Session-Id', 'Set-Cookie']) {
      it(`never reads ${name}`, () => {
        expect(loadError(() => remote({ A: `{{header.${name}}}` }))).to.match(new RegExp(`reads "${name}", which belongs to the connection or to the MCP transport`));
      });

      it(`refuses ${name} in trustedCallerHeaders`, () => {
        expect(loadError(() => remote({ A: '{{header.X}}' }, { callersVerified: true, trustedCallerHeaders: [name] }))).to.match(new RegExp(`trustedCallerHeaders may not include "${name}"`));
      });
    }

    it('refuses a trustedCallerHeaders entry that is not a header name', () => {
      expect(loadError(() => remote({ A: '{{header.X}}' }, { callersVerified: true, trustedCallerHeaders: ['bad name'] }))).to.match(/must be an array of header names/);
    });
  });

  describe('defaults', () => {
    it('resolves as if no header were sent: defaults used, required ones empty, empty fields left out', () => {
      const t = compiled({ Authorization: 'Bearer {{header.X-User-Token | required}}', 'X-Team': '{{header.X-Team | default:"public"}}', 'X-User': '{{header.X-User}}', 'X-Static': 'fixed' });
      const probe = t.defaults();
      expect(probe.headers).to.deep.equal({ Authorization: 'Bearer ', 'X-Team': 'public', 'X-Static': 'fixed' });
      expect(probe.secrets).to.deep.equal(['public']);
    });

    it('shares its key with a caller who sends nothing that changes the values', () => {
      const t = compiled({ 'X-Team': '{{header.X-Team | default:"public"}}' });
      expect(t.defaults().key).to.equal(t.resolve({ 'x-team': 'public' }).key);
      expect(t.defaults().key).not.to.equal(t.resolve({ 'x-team': 'red' }).key);
    });
  });
});
