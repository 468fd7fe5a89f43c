/**
 * lib/state/sealed.ts: the state key (MCPO_STATE_KEY) as it may be written,
 * values sealed with AES-256-GCM and opened again, what a sealed value
 * hides, what tampering and a wrong key give, and rotation with
 * MCPO_STATE_KEY_PREVIOUS.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createSealer, parseStateKey, sealerFromEnv } from '../../lib/state/sealed.js';

const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);

/** The TypeError `fn` throws, which it must. */
function typeError(fn: () => unknown): TypeError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error('expected a TypeError');
}

/** `sealed` with the character at `index` of its last `:`-separated part changed. */
function flipPart(sealed: string, part: number): string {
  const parts = sealed.split(':');
  const target = parts[part]!;
  const i = Math.floor(target.length / 2);
  parts[part] = target.slice(0, i) + (target[i] === 'A' ? 'B' : 'A') + target.slice(i + 1);
  return parts.join(':');
}

describe('sealed state values', () => {
  describe('parseStateKey', () => {
    it('accepts 32 bytes written as 64 hex characters, in either case and with surrounding blanks', () => {
      const bytes = randomBytes(32);
      expect(parseStateKey(bytes.toString('hex')).equals(bytes)).to.equal(true);
      expect(parseStateKey(bytes.toString('hex').toUpperCase()).equals(bytes)).to.equal(true);
      expect(parseStateKey(`  ${bytes.toString('hex')}\n`).equals(bytes)).to.equal(true);
    });

    it('accepts 32 bytes written as standard base64, with or without padding', () => {
      for (let i = 0; i < 20; i++) {
        const bytes = randomBytes(32);
        const standard = bytes.toString('base64');
        expect(standard).to.have.length(44);
        expect(parseStateKey(standard).equals(bytes)).to.equal(true);
        expect(parseStateKey(standard.replace(/=+$/, '')).equals(bytes)).to.equal(true);
      }
      // One with both + and / in it, so the standard alphabet is truly exercised.
      const plusSlash = Buffer.from('fb' + 'ff'.repeat(31), 'hex');
      expect(plusSlash.toString('base64')).to.match(/[+/]/);
      expect(parseStateKey(plusSlash.toString('base64')).equals(plusSlash)).to.equal(true);
    });

    it('accepts 32 bytes written as url-safe base64', () => {
      const bytes = Buffer.from('fb' + 'ff'.repeat(31), 'hex');
      const urlSafe = bytes.toString('base64url');
      expect(urlSafe).to.match(/[-_]/);
      expect(parseStateKey(urlSafe).equals(bytes)).to.equal(true);
      for (let i = 0; i < 20; i++) {
        const random = randomBytes(32);
        expect(parseStateKey(random.toString('base64url')).equals(random)).to.equal(true);
      }
    });

    it('refuses anything that is not 32 bytes with a TypeError naming MCPO_STATE_KEY, never quoting the value', () => {
      const bad = [
        '',
        '   ',
        'correct horse battery staple-secret',
        randomBytes(31).toString('hex'),
        randomBytes(33).toString('hex'),
        `${randomBytes(32).toString('hex')}0`,
        randomBytes(16).toString('base64'),
        randomBytes(31).toString('base64'),
        randomBytes(33).toString('base64'),
        randomBytes(48).toString('base64url'),
        `${randomBytes(32).toString('base64').slice(0, 20)} ${randomBytes(32).toString('base64').slice(20)}`,
        `${randomBytes(32).toString('base64').slice(0, 40)}!!!!`,
        'zz'.repeat(32),
      ];
      for (const text of bad) {
        const error = typeError(() => parseStateKey(text));
        expect(error.message, text).to.include('MCPO_STATE_KEY');
        if (text.trim().length > 0) expect(error.message, text).not.to.include(text.trim());
        expect(error.message).to.match(/32/);
      }
    });

    it('names the variable it is given, as for MCPO_STATE_KEY_PREVIOUS', () => {
      const error = typeError(() => parseStateKey('too-short', 'MCPO_STATE_KEY_PREVIOUS'));
      expect(error.message).to.include('MCPO_STATE_KEY_PREVIOUS');
      expect(error.message).not.to.include('too-short');
      const fromEnv = typeError(() => sealerFromEnv({ MCPO_STATE_KEY: keyA.toString('hex'), MCPO_STATE_KEY_PREVIOUS: 'not-a-key' }));
      expect(fromEnv.message).to.include('MCPO_STATE_KEY_PREVIOUS');
      expect(fromEnv.message).not.to.include('not-a-key');
    });
  });

  describe('createSealer', () => {
    it('opens what it sealed', () => {
      const sealer = createSealer(keyA);
      expect(sealer.sealing).to.equal(true);
      for (const plain of ['', 'x', '{"access_token":"t1","refresh_token":"r1"}', 'ünïcødé ✓ 🔑', 'a'.repeat(100_000)]) {
        expect(sealer.open(sealer.seal(plain))).to.equal(plain);
      }
    });

    it('seals into a value that does not contain the plain text, and differs each time', () => {
      const sealer = createSealer(keyA);
      const plain = '{"access_token":"secret-access-token-123","refresh_token":"secret-refresh-456"}';
      const once = sealer.seal(plain);
      const twice = sealer.seal(plain);
      expect(once).to.match(/^sealed:v1:/);
      expect(once).not.to.equal(twice);
      for (const sealed of [once, twice]) {
        expect(sealed).not.to.include('secret-access-token-123');
        expect(sealed).not.to.include('secret-refresh-456');
        expect(sealed).not.to.include(Buffer.from(plain).toString('base64url').slice(0, 16));
      }
    });

    it('opens a tampered value to undefined, whichever part was changed', () => {
      const sealer = createSealer(keyA);
      const sealed = sealer.seal('{"access_token":"t1"}');
      // sealed:v1:<id>:<iv>:<tag>:<data>
      for (const part of [2, 3, 4, 5]) expect(sealer.open(flipPart(sealed, part)), `part ${part}`).to.equal(undefined);
      const parts = sealed.split(':');
      expect(sealer.open(parts.slice(0, 5).join(':'))).to.equal(undefined); // no data
      expect(sealer.open(`${parts.slice(0, 5).join(':')}:`)).to.equal(undefined); // empty data
      expect(sealer.open(`${parts.slice(0, 5).join(':')}:${parts[5]!.slice(0, -2)}`)).to.equal(undefined); // cut short
    });

    it('opens a value whose authentication tag was cut short to undefined', () => {
      const sealer = createSealer(keyA);
      const sealed = sealer.seal('{"access_token":"t1"}');
      const parts = sealed.split(':');
      const tag = Buffer.from(parts[4]!, 'base64url');
      expect(tag).to.have.length(16);
      // GCM accepts tags as short as 4 bytes unless told their length: a cut tag must not pass for a whole one.
      for (const length of [4, 8, 12]) {
        const cut = [...parts.slice(0, 4), tag.subarray(0, length).toString('base64url'), parts[5]].join(':');
        expect(sealer.open(cut), `a ${length}-byte tag`).to.equal(undefined);
      }
    });

    it('opens a value sealed with another key to undefined', () => {
      const sealed = createSealer(keyA).seal('{"access_token":"t1"}');
      expect(createSealer(keyB).open(sealed)).to.equal(undefined);
      expect(createSealer(undefined).open(sealed)).to.equal(undefined);
      // Even under the other key's id, the authentication fails rather than yielding garbage.
      const forgedId = createSealer(keyB).seal('x').split(':')[2]!;
      const parts = sealed.split(':');
      parts[2] = forgedId;
      expect(createSealer(keyB).open(parts.join(':'))).to.equal(undefined);
    });

    it('rotates: with current B and previous A it opens values sealed by A and by B, and seals with B', () => {
      const byA = createSealer(keyA).seal('sealed by A');
      const byB = createSealer(keyB).seal('sealed by B');
      const rotating = createSealer(keyB, [keyA]);
      expect(rotating.open(byA)).to.equal('sealed by A');
      expect(rotating.open(byB)).to.equal('sealed by B');
      const fresh = rotating.seal('sealed while rotating');
      expect(createSealer(keyB).open(fresh)).to.equal('sealed while rotating');
      expect(createSealer(keyA).open(fresh)).to.equal(undefined);
    });

    it('rotates through the environment: MCPO_STATE_KEY is current and MCPO_STATE_KEY_PREVIOUS only opens', () => {
      const byA = sealerFromEnv({ MCPO_STATE_KEY: keyA.toString('base64') }).seal('sealed by A');
      const rotating = sealerFromEnv({ MCPO_STATE_KEY: keyB.toString('hex'), MCPO_STATE_KEY_PREVIOUS: keyA.toString('base64url') });
      expect(rotating.open(byA)).to.equal('sealed by A');
      expect(createSealer(keyB).open(rotating.seal('new'))).to.equal('new');
      expect(sealerFromEnv({}).sealing).to.equal(false);
    });

    it('reads a plain (unsealed) value as it is, with or without a key', () => {
      const plain = '{"access_token":"from before the key was set"}';
      expect(createSealer(keyA).open(plain)).to.equal(plain);
      expect(createSealer(keyB, [keyA]).open(plain)).to.equal(plain);
      expect(createSealer(undefined).open(plain)).to.equal(plain);
    });

    it('without a key, seals nothing: the value is kept as it is', () => {
      const sealer = createSealer(undefined);
      expect(sealer.sealing).to.equal(false);
      expect(sealer.seal('plain')).to.equal('plain');
      // A previous key alone still opens what it sealed, so dropping the current key is no lock-out.
      const byA = createSealer(keyA).seal('sealed by A');
      expect(createSealer(undefined, [keyA]).open(byA)).to.equal('sealed by A');
    });
  });
});
