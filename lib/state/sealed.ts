/**
 * Token records sealed with `MCPO_STATE_KEY` (AES-256-GCM), so a copy of the
 * store (a Redis dump, a backup of `--state-dir`) holds no usable token.
 *
 * A sealed value is `sealed:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url);
 * the key id is a hash of the key, so a value sealed with a key no longer
 * given is recognised and refused rather than decrypted into garbage. To
 * rotate, give the new key as `MCPO_STATE_KEY` and the old one as
 * `MCPO_STATE_KEY_PREVIOUS`: values are read with either and written with
 * the new one. A plain value is read as it is (a store from before the key
 * was set) and sealed when next written.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'sealed:v1:';

export interface Sealer {
  /** Whether values are sealed at all (a key was given). */
  readonly sealing: boolean;
  seal(plain: string): string;
  /** The plain text, or undefined for a value sealed with a key this sealer does not hold. */
  open(stored: string): string | undefined;
}

/** 32 bytes, written as 64 hex characters or as base64; a TypeError naming the fix otherwise. */
export function parseStateKey(text: string, name = 'MCPO_STATE_KEY'): Buffer {
  const trimmed = text.trim();
  const hex = /^[0-9a-fA-F]{64}$/.test(trimmed);
  // Node's base64 decoder also reads the URL-safe alphabet; anything outside both is refused, not skipped.
  const key = hex ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new TypeError(`${name} must be 32 random bytes, written as 64 hex characters or as base64 (try: openssl rand -hex 32)`);
  return key;
}

const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/** Seals with `current` (when given), opens with `current` or any of `previous`. */
export function createSealer(current: Buffer | undefined, previous: readonly Buffer[] = []): Sealer {
  const keys = new Map<string, Buffer>();
  for (const key of [...(current ? [current] : []), ...previous]) keys.set(keyId(key), key);
  const id = current ? keyId(current) : undefined;
  return {
    sealing: current !== undefined,
    seal(plain) {
      if (!current || !id) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${id}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${data.toString('base64url')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [kid, iv, tag, data] = stored.slice(PREFIX.length).split(':');
      const key = kid !== undefined ? keys.get(kid) : undefined;
      if (!key || iv === undefined || tag === undefined || data === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined; // tampered with: as good as absent
      }
    },
  };
}

/** The sealer the environment asks for: `MCPO_STATE_KEY` and, while rotating, `MCPO_STATE_KEY_PREVIOUS`. */
export function sealerFromEnv(env: NodeJS.ProcessEnv): Sealer {
  const current = env.MCPO_STATE_KEY ? parseStateKey(env.MCPO_STATE_KEY) : undefined;
  const previous = env.MCPO_STATE_KEY_PREVIOUS ? [parseStateKey(env.MCPO_STATE_KEY_PREVIOUS, 'MCPO_STATE_KEY_PREVIOUS')] : [];
  return createSealer(current, previous);
}
