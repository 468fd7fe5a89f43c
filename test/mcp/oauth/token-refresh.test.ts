/**
 * lib/mcp/oauth/token-refresh.ts: when tokens are due for a refresh, and
 * `refreshOnce`, which lets exactly one of many callers in many processes
 * spend a rotating refresh token. The processes are AuthRecords over
 * redisStore instances of their own on one real redis-server; the
 * authorization server is a fake whose refresh tokens work once.
 */
import { OAuthError, OAuthErrorCode, type OAuthTokens } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dueForRefresh, expiresAt, refreshOnce, type RefreshTarget, type StoredTokens } from '../../../lib/mcp/oauth/token-refresh.js';
import { AuthRecords, callerKey, type ServerRef } from '../../../lib/state/auth-records.js';
import { FileStore } from '../../../lib/state/file-store.js';
import { sealerFromEnv } from '../../../lib/state/sealed.js';
import { redisReplicas } from '../../helpers/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GITHUB: ServerRef = { name: 'github', url: 'https://mcp.github.example/mcp' };
const ALICE = callerKey('oidc', 'alice@example.com');
const sealer = () => sealerFromEnv({ MCPO_STATE_KEY: Buffer.alloc(32, 0x24).toString('hex') });

/**
 * An authorization server whose refresh tokens are good once (rotation):
 * each refresh answers a new access token and a new refresh token, and a
 * refresh token used again is refused with invalid_grant.
 */
function rotatingServer(options: { delayMs?: number; rotates?: boolean } = {}) {
  const { delayMs = 200, rotates = true } = options;
  const valid = new Set(['refresh-0']);
  let issued = 0;
  const server = {
    calls: 0,
    async refresh(refreshToken: string): Promise<OAuthTokens> {
      server.calls++;
      await sleep(delayMs);
      if (!valid.has(refreshToken)) throw new OAuthError(OAuthErrorCode.InvalidGrant, 'The refresh token was used already');
      issued++;
      if (!rotates) return { access_token: `access-${issued}`, token_type: 'Bearer', expires_in: 3600 };
      valid.delete(refreshToken);
      valid.add(`refresh-${issued}`);
      return { access_token: `access-${issued}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${issued}` };
    },
  };
  return server;
}

/** Tokens obtained an hour and a bit ago that lasted an hour: expired. */
const expired = (): StoredTokens => ({ access_token: 'access-0', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-0', obtainedAt: Date.now() - 3_700_000 });

describe('token refresh', function () {
  this.timeout(60_000);

  describe('expiresAt and dueForRefresh', () => {
    const now = 1_800_000_000_000;
    const lasting = (expiresIn: number, leftMs: number, extra: Partial<StoredTokens> = {}): StoredTokens => ({
      access_token: 'a',
      token_type: 'Bearer',
      refresh_token: 'r',
      expires_in: expiresIn,
      obtainedAt: now + leftMs - expiresIn * 1000,
      ...extra,
    });

    it('says when the access token lapses, if it says how long it lasts and when it was obtained', () => {
      expect(expiresAt({ access_token: 'a', token_type: 'Bearer', expires_in: 60, obtainedAt: 1000 })).to.equal(61_000);
      expect(expiresAt({ access_token: 'a', token_type: 'Bearer', expires_in: 60 })).to.equal(undefined);
      expect(expiresAt({ access_token: 'a', token_type: 'Bearer', obtainedAt: 1000 })).to.equal(undefined);
    });

    it('refreshes a long-lived token within its last minute, not before', () => {
      expect(dueForRefresh(lasting(3600, 61_000), now)).to.equal(false);
      expect(dueForRefresh(lasting(3600, 60_000), now)).to.equal(true);
      expect(dueForRefresh(lasting(3600, 1), now)).to.equal(true);
      expect(dueForRefresh(lasting(86_400, 60_001), now)).to.equal(false);
    });

    it('refreshes a short-lived token within the last tenth of its life', () => {
      expect(dueForRefresh(lasting(100, 10_001), now)).to.equal(false);
      expect(dueForRefresh(lasting(100, 10_000), now)).to.equal(true);
      expect(dueForRefresh(lasting(300, 30_001), now)).to.equal(false);
      expect(dueForRefresh(lasting(300, 30_000), now)).to.equal(true);
      expect(dueForRefresh(lasting(600, 60_001), now)).to.equal(false);
      expect(dueForRefresh(lasting(600, 60_000), now)).to.equal(true);
    });

    it('refreshes a token that has already lapsed', () => {
      expect(dueForRefresh(lasting(3600, 0), now)).to.equal(true);
      expect(dueForRefresh(lasting(3600, -3_600_000), now)).to.equal(true);
    });

    it('never asks for a refresh without a refresh token, or without knowing when the token lapses', () => {
      const { refresh_token: _dropped, ...noRefresh } = lasting(3600, -1000);
      expect(dueForRefresh(noRefresh, now)).to.equal(false);
      expect(dueForRefresh({ access_token: 'a', token_type: 'Bearer', refresh_token: 'r', expires_in: 3600 }, now)).to.equal(false);
      expect(dueForRefresh({ access_token: 'a', token_type: 'Bearer', refresh_token: 'r', obtainedAt: 0 }, now)).to.equal(false);
    });

    it('uses the current time when not told', () => {
      expect(dueForRefresh(expired())).to.equal(true);
      expect(dueForRefresh({ ...expired(), obtainedAt: Date.now() })).to.equal(false);
    });
  });

  describe('refreshOnce across processes sharing Redis', () => {
    // One AuthRecords per replica, each over a Redis connection of its own.
    const { replica: processOnRedis } = redisReplicas(sealer);

    it('checks the fake: a refresh token works once, and a second use is an OAuthError invalid_grant', async () => {
      const server = rotatingServer({ delayMs: 0 });
      expect((await server.refresh('refresh-0')).access_token).to.equal('access-1');
      const error = await server.refresh('refresh-0').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(OAuthError);
      expect((error as OAuthError).code).to.equal('invalid_grant');
    });

    for (const [who, caller] of [
      ['a caller’s', ALICE],
      ['the server’s own', undefined],
    ] as const) {
      it(`refreshes ${who} tokens exactly once for 20 concurrent calls from 3 processes, and all get the new token`, async () => {
        const processes = await Promise.all([processOnRedis(), processOnRedis(), processOnRedis()]);
        const stale = { ...expired(), issuer: 'https://auth.example' };
        await processes[0]!.saveTokens(GITHUB, caller, stale);
        const server = rotatingServer();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const target: RefreshTarget = { records: processes[i % 3]!, ref: GITHUB, caller, refresh: (rt) => server.refresh(rt) };
            return refreshOnce(target, stale);
          }),
        );
        expect(server.calls).to.equal(1);
        for (const result of results) {
          expect(result?.access_token).to.equal('access-1');
          expect(result?.refresh_token).to.equal('refresh-1');
        }
        for (const records of processes) {
          const stored = (await records.tokens(GITHUB, caller)) as StoredTokens | undefined;
          expect(stored).to.include({ access_token: 'access-1', refresh_token: 'refresh-1', issuer: 'https://auth.example' });
          expect(stored!.obtainedAt).to.be.a('number').within(Date.now() - 10_000, Date.now());
          expect(dueForRefresh(stored!)).to.equal(false);
          expect(await records.lockHeld(GITHUB, caller)).to.equal(false);
        }
        // The next expiry is refreshed with the new refresh token, once again.
        const next = await refreshOnce({ records: processes[2]!, ref: GITHUB, caller, refresh: (rt) => server.refresh(rt) }, results[0]!);
        expect(next?.access_token).to.equal('access-2');
        expect(server.calls).to.equal(2);
      });
    }

    it('answers the stored tokens without a refresh to a process whose copy is older than the store’s', async () => {
      const [one, two] = await Promise.all([processOnRedis(), processOnRedis()]);
      const stale = expired();
      await one.saveTokens(GITHUB, ALICE, stale);
      const server = rotatingServer({ delayMs: 0 });
      const fresh = await refreshOnce({ records: one, ref: GITHUB, caller: ALICE, refresh: (rt) => server.refresh(rt) }, stale);
      expect(fresh?.access_token).to.equal('access-1');
      // The second process still holds the expired copy it read before.
      const seen = await refreshOnce({ records: two, ref: GITHUB, caller: ALICE, refresh: (rt) => server.refresh(rt) }, stale);
      expect(seen).to.deep.equal(fresh);
      expect(server.calls).to.equal(1);
    });

    it('keeps the refresh token when the server does not rotate it', async () => {
      const [one] = await Promise.all([processOnRedis()]);
      const stale = expired();
      await one!.saveTokens(GITHUB, ALICE, stale);
      const server = rotatingServer({ delayMs: 0, rotates: false });
      const fresh = await refreshOnce({ records: one!, ref: GITHUB, caller: ALICE, refresh: (rt) => server.refresh(rt) }, stale);
      expect(fresh).to.include({ access_token: 'access-1', refresh_token: 'refresh-0' });
      expect(await one!.tokens(GITHUB, ALICE)).to.include({ access_token: 'access-1', refresh_token: 'refresh-0' });
    });

    it('deletes the stored tokens and answers undefined everywhere when the grant is refused (invalid_grant)', async () => {
      const processes = await Promise.all([processOnRedis(), processOnRedis(), processOnRedis()]);
      const stale = expired();
      await processes[0]!.saveTokens(GITHUB, ALICE, stale);
      await processes[0]!.saveTokens(GITHUB, undefined, { ...stale, access_token: 'own-access' });
      const server = rotatingServer();
      await server.refresh('refresh-0'); // spent elsewhere: the stored refresh token is refused from now on
      server.calls = 0;
      const results = await Promise.all(
        Array.from({ length: 9 }, (_, i) => refreshOnce({ records: processes[i % 3]!, ref: GITHUB, caller: ALICE, refresh: (rt) => server.refresh(rt) }, stale)),
      );
      expect(results).to.deep.equal(Array.from({ length: 9 }, () => undefined));
      expect(server.calls).to.equal(1);
      for (const records of processes) expect(await records.tokens(GITHUB, ALICE)).to.equal(undefined);
      // Only that caller's grant went.
      expect(await processes[1]!.tokens(GITHUB)).to.include({ access_token: 'own-access' });
    });

    it('answers the stale tokens and keeps them stored when the refresh fails otherwise', async () => {
      const [one, two] = await Promise.all([processOnRedis(), processOnRedis()]);
      const stale = expired();
      await one.saveTokens(GITHUB, ALICE, stale);
      let calls = 0;
      const down = async (): Promise<OAuthTokens> => {
        calls++;
        throw new Error('connect ECONNREFUSED 127.0.0.1:443');
      };
      expect(await refreshOnce({ records: one, ref: GITHUB, caller: ALICE, refresh: down }, stale)).to.deep.equal(stale);
      expect(calls).to.equal(1);
      expect(await two.tokens(GITHUB, ALICE)).to.deep.equal(stale);
      expect(await one.lockHeld(GITHUB, ALICE)).to.equal(false);
      // A refusal that is OAuth but not invalid_grant keeps the grant too.
      const busy = async (): Promise<OAuthTokens> => {
        throw new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'try later');
      };
      expect(await refreshOnce({ records: two, ref: GITHUB, caller: ALICE, refresh: busy }, stale)).to.deep.equal(stale);
      expect(await one.tokens(GITHUB, ALICE)).to.deep.equal(stale);
    });

    it('answers undefined, without a refresh, when the tokens were forgotten meanwhile', async () => {
      const one = await processOnRedis();
      const stale = expired();
      const server = rotatingServer({ delayMs: 0 });
      expect(await refreshOnce({ records: one, ref: GITHUB, caller: ALICE, refresh: (rt) => server.refresh(rt) }, stale)).to.equal(undefined);
      expect(server.calls).to.equal(0);
    });
  });

  describe('refreshOnce over a file store', () => {
    let root: string;
    let store: FileStore;
    beforeEach(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'mcpo-token-refresh-'));
      store = new FileStore(root);
    });
    afterEach(async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    });

    it('refreshes once for 20 concurrent calls, and keeps the new tokens on disk', async () => {
      const records = new AuthRecords(store, sealer());
      const stale = expired();
      await records.saveTokens(GITHUB, ALICE, stale);
      const server = rotatingServer();
      const results = await Promise.all(Array.from({ length: 20 }, () => refreshOnce({ records, ref: GITHUB, caller: ALICE, refresh: (rt) => server.refresh(rt) }, stale)));
      expect(server.calls).to.equal(1);
      expect(new Set(results.map((r) => r?.access_token))).to.deep.equal(new Set(['access-1']));
      await store.close();
      const again = new FileStore(root);
      try {
        expect(await new AuthRecords(again, sealer()).tokens(GITHUB, ALICE)).to.include({ access_token: 'access-1', refresh_token: 'refresh-1' });
      } finally {
        await again.close();
      }
    });
  });
});
