/**
 * examples/per-user-oauth.json as a user would start it, with the OAuth
 * fixture standing in for Linear: each key's first call answers 403 with its
 * own sign-in link, and after one sign-in each caller's calls run with their
 * own tokens.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Person } from '../conformance/person.js';
import { ROOT, startMcpo, type McpoProcess } from '../helpers/mcpo.js';
import { freePort, startOAuthServer, type RunningServer } from '../helpers/servers.js';

const EXAMPLE = path.join(ROOT, 'examples/per-user-oauth.json');
const KEYS = { ALICE_KEY: 'example-alice-key-7c1e', BOB_KEY: 'example-bob-key-94d2' };

describe('examples/per-user-oauth.json', function () {
  this.timeout(60_000);
  let fixture: RunningServer;
  let mcpo: McpoProcess;
  let base: string;
  const stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-per-user-example-'));

  before(async () => {
    fixture = await startOAuthServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    mcpo = await startMcpo(['--config', EXAMPLE, '--port', String(port), '--public-url', base, '--state-dir', stateDir], { ...process.env, ...KEYS, LINEAR_MCP_URL: fixture.url }, `${base}/healthz`);
  });

  after(async () => {
    await mcpo?.stop();
    await fixture?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const whoami = async (key: string) => {
    const res = await fetch(`${base}/linear/whoami`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
    return { status: res.status, body: (await res.json()) as { result?: { subject: string }; error?: { code: string; authorizeUrl?: string } } };
  };

  it('signs each key in on its own, through the link in its first 403', async () => {
    const subjects: string[] = [];
    for (const key of [KEYS.ALICE_KEY, KEYS.BOB_KEY]) {
      const first = await whoami(key);
      expect(first.status).to.equal(403);
      expect(first.body.error!.code).to.equal('authorization_required');
      expect(first.body.error!.authorizeUrl).to.match(new RegExp(`^${base}/oauth/linear/authorize\\?ticket=`));
      const landing = await new Person(base, 'linear', () => {}).authorize(first.body.error!.authorizeUrl!);
      expect(landing.status).to.equal(200);
      const after = await whoami(key);
      expect(after.status, JSON.stringify(after.body)).to.equal(200);
      subjects.push(after.body.result!.subject);
    }
    expect(subjects[0]).not.to.equal(subjects[1]);
    // Each keeps their own: alice's next call is still alice's upstream identity.
    expect((await whoami(KEYS.ALICE_KEY)).body.result!.subject).to.equal(subjects[0]);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { servers: { linear: { authorizedCallers: number } } };
    expect(health.servers.linear.authorizedCallers).to.equal(2);
    for (const key of Object.values(KEYS)) expect(mcpo.stderr()).not.to.include(key);
  });
});
