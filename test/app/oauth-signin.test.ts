/**
 * Signing in again, and which client signs in: createApp in front of the
 * OAuth fixture, with a "person" following the redirects.
 *
 * - The authorize page of a server that is authorized and connected keeps
 *   its tokens: it says so (HTML, or JSON when asked), and only
 *   `?reauthorize=1` starts a new sign-in, while the old tokens keep serving
 *   calls until the callback brings new ones. The fixture names a new
 *   subject for each authorization, so a call shows which token it carried.
 * - An `oauth` block with both a pre-registered client and a Client ID
 *   Metadata Document URL uses the pre-registered client where the
 *   authorization server knows it, and the document's URL where it does not.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, silentLogger } from '../../lib/index.js';
import { Person } from '../conformance/person.js';
import { serveAtOwnAddress, type ServedApp } from '../helpers/app-server.js';
import { startOAuthServer, type RunningServer } from '../helpers/servers.js';

const CIMD_URL = 'https://mcpo.test/client-metadata.json';

/** mcpo at its own address as `publicUrl`, in front of `fixture` with this `oauth` block. */
function serve(fixture: RunningServer, oauth: Record<string, string> | undefined, stateDir: string): Promise<ServedApp> {
  const entry = { type: 'streamable-http', url: fixture.url, ...(oauth ? { oauth } : {}) };
  return serveAtOwnAddress((base) => createApp({ mcpServers: { remote: entry } }, { stateDir, publicUrl: base, logger: silentLogger }));
}

interface Whoami {
  subject: string;
  clientId: string;
}

async function whoami(served: ServedApp): Promise<Whoami> {
  const res = await fetch(`${served.base}/remote/whoami`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await res.json()) as { result: Whoami };
  expect(res.status, JSON.stringify(body)).to.equal(200);
  return body.result;
}

async function stats(fixture: RunningServer): Promise<{ registrations: number; authorizations: number }> {
  return (await fetch(new URL('/_control/stats', fixture.url))).json() as never;
}

/** The person opens the page while mcpo asks, is sent to the authorization server and back to mcpo's callback: what it answers. */
async function authorize(person: Person): Promise<{ status: number; text: string }> {
  const health = await person.settled(0, 10_000);
  expect(health.state, health.lastError ?? '').to.equal('needs-authorization');
  const started = await fetch(health.authorizeUrl!, { redirect: 'manual' });
  expect(started.status).to.equal(302);
  const approved = await fetch(started.headers.get('location')!, { redirect: 'manual' });
  const callback = approved.headers.get('location') ?? '';
  expect(callback).to.match(/\/oauth\/remote\/callback\?/);
  const back = await fetch(callback);
  return { status: back.status, text: await back.text() };
}

describe('signing in to a protected MCP server again, and with which client', function () {
  this.timeout(30_000);
  let stateDir: string;
  let fixture: RunningServer | undefined;
  let served: ServedApp | undefined;

  beforeEach(() => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-oauth-signin-'));
  });
  afterEach(async () => {
    await served?.close();
    await fixture?.close();
    served = fixture = undefined;
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('answers the authorize page of an authorized server with a page, keeps its tokens, and signs in again only with ?reauthorize=1', async () => {
    fixture = await startOAuthServer();
    served = await serve(fixture, undefined, stateDir);
    const person = new Person(served.base, 'remote', () => {});
    expect((await authorize(person)).status).to.equal(200);
    expect((await whoami(served)).subject).to.equal('user-1');
    const page = `${served.base}/oauth/remote/authorize`;

    const html = await fetch(page, { redirect: 'manual' });
    expect(html.status).to.equal(200);
    expect(html.headers.get('content-type')).to.match(/^text\/html/);
    expect(html.headers.get('cache-control')).to.equal('no-store');
    expect(html.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(html.headers.get('content-security-policy')).to.be.a('string');
    const text = await html.text();
    expect(text).to.include('remote is already authorized');
    expect(text).to.include('<a href="/oauth/remote/authorize?reauthorize=1">');

    const asJson = await fetch(page, { headers: { accept: 'application/json' } });
    expect(asJson.status).to.equal(200);
    expect(await asJson.json()).to.deep.equal({ server: 'remote', authorized: true, reauthorize: '/oauth/remote/authorize?reauthorize=1' });
    expect((await whoami(served)).subject, 'the old token still serves calls').to.equal('user-1');
    expect((await stats(fixture)).authorizations).to.equal(1);

    const started = await fetch(`${page}?reauthorize=1`, { redirect: 'manual' });
    expect(started.status).to.equal(302);
    const atServer = started.headers.get('location')!;
    expect(atServer.startsWith(new URL('/authorize', fixture.url).href), atServer).to.equal(true);
    expect((await person.health()).state).to.equal('ready');
    expect((await whoami(served)).subject, 'calls go on while the sign-in is pending').to.equal('user-1');

    const approved = await fetch(atServer, { redirect: 'manual' });
    const callback = approved.headers.get('location')!;
    expect(callback.startsWith(`${served.base}/oauth/remote/callback?`), callback).to.equal(true);
    expect((await whoami(served)).subject, 'the person is approved but not back yet').to.equal('user-1');
    const back = await fetch(callback);
    expect(back.status, await back.clone().text()).to.equal(200);
    expect((await person.health()).state).to.equal('ready');
    expect((await whoami(served)).subject, 'the new token once the callback brought it').to.equal('user-2');
    expect((await fetch(callback)).status, 'a replayed callback').to.equal(400);
  });

  it('uses the pre-registered client where the authorization server knows it, though a metadata document is configured too', async () => {
    fixture = await startOAuthServer(['--cimd', '--client', 'mcpo-pre:pre-secret']);
    served = await serve(fixture, { clientId: 'mcpo-pre', clientSecret: 'pre-secret', clientMetadataUrl: CIMD_URL }, stateDir);
    const person = new Person(served.base, 'remote', () => {});
    expect((await authorize(person)).status).to.equal(200);
    expect((await person.settled(0, 10_000)).state).to.equal('ready');
    expect((await whoami(served)).clientId).to.equal('mcpo-pre');
    expect((await stats(fixture)).registrations).to.equal(0);
  });

  it('uses the metadata document’s URL where the authorization server does not know the pre-registered client', async () => {
    fixture = await startOAuthServer(['--cimd']);
    served = await serve(fixture, { clientId: 'mcpo-pre', clientSecret: 'pre-secret', clientMetadataUrl: CIMD_URL }, stateDir);
    const person = new Person(served.base, 'remote', () => {});
    const refused = await authorize(person);
    expect(refused.status).to.equal(400);
    expect(refused.text).to.include('unauthorized_client');
    expect(refused.text).to.include('client metadata document');

    expect((await authorize(person)).status).to.equal(200);
    expect((await person.settled(0, 10_000)).state).to.equal('ready');
    expect((await whoami(served)).clientId).to.equal(CIMD_URL);
    expect((await stats(fixture)).registrations).to.equal(0);

    // Remembered across a restart: the next sign-in goes straight to the document.
    await served.close();
    served = await serve(fixture, { clientId: 'mcpo-pre', clientSecret: 'pre-secret', clientMetadataUrl: CIMD_URL }, stateDir);
    expect((await new Person(served.base, 'remote', () => {}).settled(0, 10_000)).state).to.equal('ready');
    const again = await fetch(`${served.base}/oauth/remote/authorize?reauthorize=1`, { redirect: 'manual' });
    expect(new URL(again.headers.get('location')!).searchParams.get('client_id')).to.equal(CIMD_URL);
  });
});
