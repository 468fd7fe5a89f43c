/**
 * Caller templates fed by the verified caller: `{{user.*}}` and
 * `{{claim.*}}` in a server's headers or env (lib/mcp/users/caller-templates.ts,
 * template-parse.ts, template-values.ts).
 */
import { expect } from 'chai';
import type { Caller } from '../../../lib/auth/caller.js';
import { compileCallerTemplates, type CallerTemplateOptions, type CallerTemplates } from '../../../lib/mcp/users/caller-templates.js';
import { claimText } from '../../../lib/mcp/users/template-values.js';
import { BadRequestError, ForbiddenError, type McpoError } from '../../../lib/http/errors.js';
import { resolveSpec } from '../../../lib/mcp/spec.js';
import { loadError } from '../../helpers/load-error.js';

const VERIFIED: CallerTemplateOptions = { callersVerified: true };

const alice: Caller = Object.freeze({
  id: 'u-alice',
  name: 'Alice Example',
  email: 'alice@example.com',
  groups: ['eng', 'ops'],
  via: 'jwt',
  claims: { tenant: 'acme', level: 3, admin: false, roles: ['reader', 'writer'], org: { id: 7 }, 'https://example.com/team': 'red', 'a.b': 'dotted', nothing: null },
});
const bob: Caller = Object.freeze({ id: 'u-bob', groups: [], via: 'key' });

function stdio(env: Record<string, string>, options: CallerTemplateOptions = VERIFIED): CallerTemplates {
  const t = compileCallerTemplates(resolveSpec({ command: 'node', env }), options);
  if (!t) throw new Error('expected templates');
  return t;
}

function remote(headers: Record<string, string>, options: CallerTemplateOptions = VERIFIED): CallerTemplates {
  const t = compileCallerTemplates(resolveSpec({ type: 'streamable-http', url: 'http://localhost/mcp', headers }), options);
  if (!t) throw new Error('expected templates');
  return t;
}

const envOf = (value: string, caller?: Caller) => stdio({ V: value }).resolve({}, caller).env;

function thrown(fn: () => unknown): McpoError {
  try {
    fn();
  } catch (err) {
    return err as McpoError;
  }
  throw new Error('expected an error');
}

describe('caller templates that read the verified caller', () => {
  describe('parsing', () => {
    it('reads no header and says it reads the caller', () => {
      const t = stdio({ A: '{{user.id}}', B: '{{ user.email | required }}', C: '{{claim.tenant | default:"public"}}', D: '{{header.X-Team}}' });
      expect(t.reads).to.deep.equal(['x-team']);
      expect(t.required).to.deep.equal([]);
      expect(t.readsCaller).to.equal(true);
      expect(t.requiredCaller).to.deep.equal(['user.email']);
    });

    it('lists required caller values once each, as written', () => {
      const t = stdio({ A: '{{user.email | required}}', B: '{{user.email | required}} {{claim.tenant | required}}', C: '{{header.X-T | required}}' });
      expect(t.requiredCaller).to.deep.equal(['user.email', 'claim.tenant']);
      expect(t.required).to.deep.equal(['x-t']);
    });

    it('says a header-only spec does not read the caller', () => {
      expect(stdio({ A: '{{header.X}}' }).readsCaller).to.equal(false);
    });

    const malformed: [string, string, RegExp][] = [
      ['an unknown user field', '{{user.phone}}', /reads "user\.phone"; a caller's fields are \{\{user\.id\}\}, \{\{user\.name\}\}, \{\{user\.email\}\} and \{\{user\.groups\}\}; read any other part of a verified token as \{\{claim\.<name>\}\}/],
      ['a user field in another case', '{{user.Email}}', /reads "user\.Email"/],
      ['user with no field', '{{user.}}', /reads "user\."/],
      ['a claim name with a space', '{{claim.my claim}}', /reads "claim\.my claim", whose claim name is not letters, digits/],
      ['a claim name with a bracket', '{{claim.roles[0]}}', /whose claim name is not/],
      ['an empty claim name', '{{claim.}}', /reads "claim\.", whose claim name is not/],
      ['a bare user', '{{user}}', /reads "user"; a template reads only request headers .* or the verified caller/],
      ['two filters on a claim', '{{claim.t | required | default:"x"}}', /gives \{\{claim\.t\}\} 2 filters/],
      ['an unknown filter on a user field', '{{user.id | lower}}', /unknown filter "lower"/],
    ];
    for (const [what, value, message] of malformed) {
      it(`refuses ${what} at load, naming the field`, () => {
        expect(loadError(() => stdio({ V: value }))).to.match(message).and.match(/^env\.V /);
      });
    }

    it('refuses user and claim templates when no caller is verified, naming the fix', () => {
      expect(loadError(() => stdio({ V: '{{user.email}}' }, { callersVerified: false, where: 'mcpServers.mail' }))).to.equal(
        'mcpServers.mail.env.V takes values from the verified caller; set --api-key or an auth block, or give the router a caller option: whoever can call mcpo could otherwise claim any user',
      );
      expect(loadError(() => remote({ A: 'Bearer {{claim.tenant | default:"x"}}' }, { callersVerified: false }))).to.match(/^headers\.A takes values from the verified caller; set --api-key or an auth block/);
    });

    it('needs no trustedCallerHeaders to read the caller', () => {
      expect(remote({ Authorization: 'Bearer {{claim.upstream_token}}' }).resolve({}, { ...bob, claims: { upstream_token: 't-1' } }).headers).to.deep.equal({ Authorization: 'Bearer t-1' });
    });
  });

  describe('resolve', () => {
    it('fills in the caller\'s id, name and email', () => {
      expect(envOf('{{user.id}}|{{user.name}}|{{user.email}}', alice)).to.deep.equal({ V: 'u-alice|Alice Example|alice@example.com' });
    });

    it('joins the caller\'s groups with commas, and gives "" for none', () => {
      expect(envOf('{{user.groups}}', alice)).to.deep.equal({ V: 'eng,ops' });
      expect(envOf('[{{user.groups}}]', bob)).to.deep.equal({ V: '[]' });
    });

    it('reads claims: a string as it is, numbers and booleans written out, a list of strings joined, others as JSON', () => {
      const t = stdio({ S: '{{claim.tenant}}', N: '{{claim.level}}', B: '{{claim.admin}}', L: '{{claim.roles}}', O: '{{claim.org}}', U: '{{claim.https://example.com/team}}', D: '{{claim.a.b}}' });
      expect(t.resolve({}, alice).env).to.deep.equal({ S: 'acme', N: '3', B: 'false', L: 'reader,writer', O: '{"id":7}', U: 'red', D: 'dotted' });
    });

    it('writes claims of every JSON type as text', () => {
      expect(claimText('x')).to.equal('x');
      expect(claimText(0)).to.equal('0');
      expect(claimText(true)).to.equal('true');
      expect(claimText(['a', 'b'])).to.equal('a,b');
      expect(claimText([])).to.equal('');
      expect(claimText([1, 'a'])).to.equal('[1,"a"]');
      expect(claimText({ a: [1] })).to.equal('{"a":[1]}');
      expect(claimText(null)).to.equal('');
      expect(claimText(undefined)).to.equal('');
    });

    it('reads a dot as part of the claim\'s name, never as a path', () => {
      expect(envOf('{{claim.org.id}}', alice)).to.deep.equal({});
    });

    it('gives "" (or the default) for an absent field, a null claim, a caller without claims and no caller', () => {
      expect(envOf('{{user.email}}', bob)).to.deep.equal({});
      expect(envOf('{{claim.nothing | default:"none"}}', alice)).to.deep.equal({ V: 'none' });
      expect(envOf('{{claim.tenant | default:"public"}}', bob)).to.deep.equal({ V: 'public' });
      expect(envOf('{{user.id | default:"anonymous"}}')).to.deep.equal({ V: 'anonymous' });
    });

    it('answers 403 missing_caller_claim naming the missing values of a caller without them', () => {
      const t = stdio({ A: '{{user.email | required}}', B: '{{claim.tenant | required}}{{user.id | required}}' });
      const err = thrown(() => t.resolve({}, bob));
      expect(err).to.be.instanceOf(ForbiddenError);
      expect(err.status).to.equal(403);
      expect(err.code).to.equal('missing_caller_claim');
      expect(err.message).to.equal('The verified caller has no "user.email", "claim.tenant": this server takes them from each caller\'s identity');
      expect(err.data).to.deep.equal({ missing: ['user.email', 'claim.tenant'] });
    });

    it('answers 403 saying there is no verified caller when none came', () => {
      const err = thrown(() => stdio({ A: '{{user.id | required}}' }).resolve({}));
      expect(err.code).to.equal('missing_caller_claim');
      expect(err.message).to.match(/^No verified caller: this server takes "user\.id" from each caller's identity/);
    });

    it('answers the 403 before the 400 when a caller value and a header are both missing', () => {
      const t = stdio({ A: '{{user.email | required}}', B: '{{header.X-T | required}}' });
      expect(thrown(() => t.resolve({}, bob)).code).to.equal('missing_caller_claim');
      const err = thrown(() => t.resolve({}, alice));
      expect(err).to.be.instanceOf(BadRequestError);
      expect(err.code).to.equal('missing_caller_header');
    });

    it('takes no header in place of a caller value', () => {
      expect(envOf('{{user.id | default:"none"}}', undefined)).to.deep.equal({ V: 'none' });
      expect(stdio({ V: '{{user.id}}' }).resolve({ 'user.id': 'mallory', 'x-user-id': 'mallory' }).env).to.deep.equal({});
    });

    it('sends a caller\'s non-ASCII text in a header as its UTF-8 bytes, and keeps it as text in env', () => {
      const jose: Caller = { ...bob, name: 'José 山田' };
      const sent = remote({ 'X-Name': '{{user.name}}' }).resolve({}, jose).headers?.['X-Name'];
      expect(Buffer.from(sent!, 'latin1').toString('utf8')).to.equal('José 山田');
      expect(envOf('{{user.name}}', jose)).to.deep.equal({ V: 'José 山田' });
    });

    it('gives the probe "" for every caller value: defaults only', () => {
      const t = stdio({ A: '{{user.email | required}}', B: '{{claim.tenant | default:"public"}}' });
      expect(t.defaults().env).to.deep.equal({ B: 'public' });
    });
  });

  describe('key and secrets', () => {
    const t = stdio({ USER_ID: '{{user.id}}', TEAM: '{{claim.tenant | default:"public"}}' });

    it('gives two callers with different ids two keys, and one caller the same key twice', () => {
      expect(t.resolve({}, alice).key).not.to.equal(t.resolve({}, bob).key);
      expect(t.resolve({}, alice).key).to.equal(t.resolve({}, { ...alice, groups: ['other'] }).key);
    });

    it('keys by the values alone: a header that states the same value shares the key', () => {
      const both = stdio({ A: '{{user.id}}', B: '{{header.X-B}}' });
      expect(both.resolve({ 'x-b': '1' }, alice).key).to.equal(both.resolve({ 'x-b': '1' }, { ...bob, id: 'u-alice' }).key);
      expect(both.resolve({ 'x-b': '1' }, alice).key).not.to.equal(both.resolve({ 'x-b': '2' }, alice).key);
    });

    it('lists every non-empty caller value as a secret, for the redactor', () => {
      expect(t.resolve({}, alice).secrets).to.have.members(['u-alice', 'acme']).and.have.length(2);
      expect(t.resolve({}, bob).secrets).to.have.members(['u-bob', 'public']).and.have.length(2);
    });
  });
});
