/**
 * SignInTickets (lib/mcp/oauth/sign-in-tickets.ts): the signed, ten-minute,
 * once-only tickets in a `perUser` server's sign-in links. Redeemed once,
 * refused when replayed, expired, for another server or tampered with; and
 * shared by replicas through a real Redis, replays included.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BadRequestError } from '../../../lib/http/errors.js';
import { SignInTickets, TICKET_TTL_MS } from '../../../lib/mcp/oauth/sign-in-tickets.js';
import { AuthRecords, callerKey, type ServerRef } from '../../../lib/state/auth-records.js';
import { FileStore } from '../../../lib/state/file-store.js';
import { sealerFromEnv } from '../../../lib/state/sealed.js';
import { redisReplicas } from '../../helpers/redis.js';
import { rejection } from '../../helpers/wait.js';

const GITHUB: ServerRef = { name: 'github', url: 'https://mcp.github.example/mcp' };
const GITHUB_MOVED: ServerRef = { name: 'github', url: 'https://moved.github.example/mcp' };
const GITLAB: ServerRef = { name: 'gitlab', url: 'https://mcp.gitlab.example/mcp' };
const ALICE = callerKey('oidc', 'alice@example.com');
const BOB = callerKey('oidc', 'bob@example.com');
const sealer = () => sealerFromEnv({ MCPO_STATE_KEY: Buffer.alloc(32, 0x42).toString('hex') });

/** `promise` must reject with a 400 invalid_ticket; answers its message. */
async function refused(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(BadRequestError);
  const e = error as BadRequestError;
  expect(e.status).to.equal(400);
  expect(e.code).to.equal('invalid_ticket');
  return e.message;
}

/** `ticket` with its claims changed by `change` and the original MAC kept. */
function forge(ticket: string, change: (claims: Record<string, unknown>) => void): string {
  const [payload, mac] = ticket.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
}

/** Runs `fn` with Date.now moved `ms` ahead, and puts the clock back afterwards. */
async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow.call(Date) + ms;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

describe('sign-in tickets', function () {
  this.timeout(30_000);

  describe('over a file store', () => {
    let root: string;
    let store: FileStore;
    let records: AuthRecords;

    beforeEach(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'mcpo-tickets-'));
      store = new FileStore(root);
      records = new AuthRecords(store, sealer());
    });
    afterEach(async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    });

    it('redeems a minted ticket to its caller once, and refuses a replay', async () => {
      const tickets = new SignInTickets(records, GITHUB);
      const ticket = await tickets.mint(ALICE);
      expect(ticket).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(ticket).not.to.include('alice');
      expect(await tickets.redeem(ticket)).to.equal(ALICE);
      expect(await refused(tickets.redeem(ticket))).to.match(/used already/);
    });

    it('refuses a replay even when both uses race', async () => {
      const tickets = new SignInTickets(records, GITHUB);
      const ticket = await tickets.mint(ALICE);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => tickets.redeem(ticket)));
      expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value)).to.deep.equal([ALICE]);
    });

    it('keeps the tickets of two callers apart, and mints with mintNow once ready', async () => {
      const tickets = new SignInTickets(records, GITHUB);
      expect(() => tickets.mintNow(ALICE)).to.throw(/ready\(\) first/);
      await tickets.ready();
      const forAlice = tickets.mintNow(ALICE);
      const forBob = tickets.mintNow(BOB);
      const againForAlice = tickets.mintNow(ALICE);
      expect(forAlice).not.to.equal(againForAlice);
      expect(await tickets.redeem(forBob)).to.equal(BOB);
      expect(await tickets.redeem(forAlice)).to.equal(ALICE);
      expect(await tickets.redeem(againForAlice)).to.equal(ALICE);
    });

    it('accepts a ticket until its ten minutes are up, and refuses it after', async () => {
      const tickets = new SignInTickets(records, GITHUB);
      const early = await tickets.mint(ALICE);
      const late = await tickets.mint(ALICE);
      expect(await later(TICKET_TTL_MS - 2000, () => tickets.redeem(early))).to.equal(ALICE);
      expect(await later(TICKET_TTL_MS + 1000, () => refused(tickets.redeem(late)))).to.match(/expired/);
      // Refused for its age, not spent: it stays refused, and is not counted as used.
      expect(await later(TICKET_TTL_MS + 1000, () => refused(tickets.redeem(late)))).to.match(/expired/);
    });

    it('refuses a ticket for another server over the same store, or the same name at another URL', async () => {
      const ticket = await new SignInTickets(records, GITHUB).mint(ALICE);
      expect(await refused(new SignInTickets(records, GITLAB).redeem(ticket))).to.match(/another server/);
      expect(await refused(new SignInTickets(records, GITHUB_MOVED).redeem(ticket))).to.match(/another server/);
      // Refused elsewhere, it was not spent: it still works where it belongs.
      expect(await new SignInTickets(records, GITHUB).redeem(ticket)).to.equal(ALICE);
    });

    it('refuses a ticket whose payload or MAC was tampered with', async () => {
      const tickets = new SignInTickets(records, GITHUB);
      const ticket = await tickets.mint(ALICE);
      const [payload, mac] = ticket.split('.') as [string, string];
      const flipped = (text: string) => text.slice(0, 5) + (text[5] === 'A' ? 'B' : 'A') + text.slice(6);
      const tampered = [
        forge(ticket, (c) => (c.c = BOB)),
        forge(ticket, (c) => (c.e = Number(c.e) + 3_600_000)),
        forge(ticket, (c) => (c.n = 'another-nonce')),
        `${flipped(payload)}.${mac}`,
        `${payload}.${flipped(mac)}`,
        `${payload}.${mac.slice(0, -1)}`,
        `${payload}.`,
        `${payload}.${mac}.extra`,
        payload,
        '',
        '..',
      ];
      for (const bad of tampered) expect(await refused(tickets.redeem(bad)), bad).to.match(/not one mcpo made/);
      expect(await tickets.redeem(ticket)).to.equal(ALICE);
    });

    it('refuses a ticket signed with another store’s key', async () => {
      const otherRoot = await mkdtemp(path.join(os.tmpdir(), 'mcpo-tickets-other-'));
      const otherStore = new FileStore(otherRoot);
      try {
        const foreign = await new SignInTickets(new AuthRecords(otherStore, sealer()), GITHUB).mint(ALICE);
        expect(await refused(new SignInTickets(records, GITHUB).redeem(foreign))).to.match(/not one mcpo made/);
      } finally {
        await otherStore.close();
        await rm(otherRoot, { recursive: true, force: true });
      }
    });

    it('accepts after a restart over the same directory a ticket minted before it', async () => {
      const ticket = await new SignInTickets(records, GITHUB).mint(ALICE);
      await store.close();
      const again = new FileStore(root);
      try {
        // The signing key is kept on disk, so a link minted before the restart still works after it.
        expect(await new SignInTickets(new AuthRecords(again, sealer()), GITHUB).redeem(ticket)).to.equal(ALICE);
      } finally {
        await again.close();
      }
    });
  });

  describe('shared by replicas through Redis', () => {
    // One AuthRecords per replica, each over a Redis connection of its own.
    const { replica, server: redisServer } = redisReplicas(sealer);

    it('accepts on one replica a ticket minted on another, in both directions', async () => {
      const [one, two] = await Promise.all([replica(), replica()]);
      const onOne = new SignInTickets(one, GITHUB);
      const onTwo = new SignInTickets(two, GITHUB);
      await Promise.all([onOne.ready(), onTwo.ready()]);
      expect(await onTwo.redeem(onOne.mintNow(ALICE))).to.equal(ALICE);
      expect(await onOne.redeem(onTwo.mintNow(BOB))).to.equal(BOB);
    });

    it('refuses on the second replica a ticket already used on the first', async () => {
      const [one, two] = await Promise.all([replica(), replica()]);
      const onOne = new SignInTickets(one, GITHUB);
      const onTwo = new SignInTickets(two, GITHUB);
      const ticket = await onOne.mint(ALICE);
      expect(await onOne.redeem(ticket)).to.equal(ALICE);
      expect(await refused(onTwo.redeem(ticket))).to.match(/used already/);
      const raced = await onTwo.mint(BOB);
      const results = await Promise.allSettled([onOne.redeem(raced), onTwo.redeem(raced), onOne.redeem(raced), onTwo.redeem(raced)]);
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    });

    it('stores neither the signing key nor a caller in clear', async () => {
      const one = await replica();
      const tickets = new SignInTickets(one, GITHUB);
      await tickets.redeem(await tickets.mint(ALICE));
      const dump = await redisServer().dump();
      const key = await one.secret('sign-in-tickets');
      const text = JSON.stringify(dump);
      expect(text).not.to.include(key.toString('base64url'));
      expect(text).not.to.include(ALICE);
      expect(text).not.to.include('alice');
    });
  });
});
