/**
 * The state directory as earlier versions wrote it: one JSON file per server
 * name and URL, `<readable name>-<hash of name>-<hash of name and url>.json`,
 * holding that server's tokens, registered client and discovery state.
 * state/auth-records.ts reads such a file once, moves what it holds into the
 * store and removes it, so an upgrade keeps its sign-ins. Nothing writes
 * this layout any more.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../common/is-record.js';

const hash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

const FILE = /^(.*)-([0-9a-f]{8})-([0-9a-f]{16})\.json$/;

function namePart(name: string): { readable: string; nameHash: string } {
  return { readable: name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64), nameHash: hash(name, 8) };
}

function fileName(name: string, url: string): string {
  const { readable, nameHash } = namePart(name);
  return `${readable}-${nameHash}-${hash(`${name}\0${url}`, 16)}.json`;
}

/** What an earlier version kept for the server `name` at `url`, or undefined; `remove()` once it is safe elsewhere. */
export async function readLegacyAuth(dir: string, name: string, url: string): Promise<{ auth: Record<string, unknown>; remove(): Promise<void> } | undefined> {
  const file = path.join(dir, fileName(name, url));
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const remove = () => unlink(file).catch(() => {});
  if (!isRecord(parsed)) return { auth: {}, remove };
  return { auth: parsed, remove };
}

/** Removes every file an earlier version kept for the server `name` (all its URLs). */
export async function removeLegacyAuth(dir: string, name: string): Promise<void> {
  const { readable, nameHash } = namePart(name);
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    return;
  }
  for (const file of files) {
    const match = FILE.exec(file);
    if (match?.[1] === readable && match[2] === nameHash) await unlink(path.join(dir, file)).catch(() => {});
  }
}
