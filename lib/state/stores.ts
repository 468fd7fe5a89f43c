/**
 * The state of this process: one store per place (a directory, a Redis URL)
 * and the records over it (state/auth-records.ts), made on first use and
 * shared by every router and reload that names the same place, so saves of
 * one server are serialised and one Redis connection serves them all. The
 * records are sealed with the key the environment gives (state/sealed.ts).
 */
import type { Logger } from '../common/log.js';
import { AuthRecords } from './auth-records.js';
import { fileStore } from './file-store.js';
import { parseRedisUrl, redisStore } from './redis-store.js';
import { sealerFromEnv, type Sealer } from './sealed.js';

export interface StatePlace {
  /** The file store's directory; ignored when `stateStore` is given. */
  stateDir: string;
  /** A Redis URL (`redis://[user:pass@]host:port[/db]`): the state then lives there, shared by replicas. */
  stateStore?: string | undefined;
  /** Where the Redis store says it went away or came back. */
  logger: Logger;
}

/** The records of each place, and how many apps hold them open. */
const places = new Map<string, { records: AuthRecords; holders: number }>();

const placeId = (place: StatePlace): string => (place.stateStore !== undefined ? `redis ${place.stateStore}` : `file ${place.stateDir}`);

/** The records of that place, made (and, for Redis, connecting in the background) on first use. */
export function stateRecords(place: StatePlace): AuthRecords {
  const id = placeId(place);
  let found = places.get(id);
  if (!found) {
    // Read at first use, so a bad key fails the start that needs it, with a message naming the variable.
    const sealer: Sealer = sealerFromEnv(process.env);
    const records =
      place.stateStore !== undefined
        ? new AuthRecords(redisStore(place.stateStore, { logger: place.logger }), sealer)
        : new AuthRecords(fileStore(place.stateDir), sealer, place.stateDir);
    places.set(id, (found = { records, holders: 0 }));
  }
  return found.records;
}

/** Holds the place open for an app; the returned function lets go, and the last to let go closes it. */
export function holdState(place: StatePlace): { records: AuthRecords; release(): Promise<void> } {
  const id = placeId(place);
  const records = stateRecords(place);
  const held = places.get(id)!;
  held.holders++;
  let released = false;
  return {
    records,
    async release() {
      if (released) return;
      released = true;
      if (--held.holders > 0 || places.get(id) !== held) return;
      places.delete(id);
      await records.store.close();
    },
  };
}

/** A state store URL as an option gives it, checked (`where` names the option); a TypeError naming the fix otherwise. */
export function checkStateStore(url: unknown, where: string): string {
  if (typeof url !== 'string') throw new TypeError(`${where}: "stateStore" must be a redis:// URL`);
  try {
    parseRedisUrl(url);
  } catch (err) {
    throw new TypeError(`${where}: "stateStore": ${(err as Error).message}`);
  }
  return url;
}
