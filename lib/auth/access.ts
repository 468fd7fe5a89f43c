/**
 * Access lists: who may see and call a server, or one of its tools.
 * `{ users, groups, keys }`: any match admits; no list at all admits every
 * caller. `users` match the id of a caller vouched for by a JWT or by the
 * app, `keys` the name of an API key, `groups` any caller's groups. A
 * request without a verified caller is admitted only where no list is set.
 */
import type { Caller } from './caller.js';

export interface Access {
  /** Caller ids (a JWT's user id, or the id the app's `caller` option gives). */
  users?: readonly string[];
  groups?: readonly string[];
  /** API key names. */
  keys?: readonly string[];
}

const FIELDS = ['users', 'groups', 'keys'] as const;

/** Whether `caller` may see and use what `access` guards. */
export function admits(access: Access | undefined, caller: Caller | undefined): boolean {
  if (access === undefined) return true;
  if (caller === undefined) return false;
  if (caller.via === 'key' ? access.keys?.includes(caller.id) : access.users?.includes(caller.id)) return true;
  return access.groups !== undefined && caller.groups.some((group) => access.groups!.includes(group));
}

/** `value` checked as an access list (`where` names it in the TypeError); frozen copies of its lists. */
export function checkAccess(value: unknown, where: string): Access {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} must be an object such as { "groups": ["admins"] }, got ${JSON.stringify(value)}`);
  }
  const out: { -readonly [K in keyof Access]: Access[K] } = {};
  for (const [key, list] of Object.entries(value)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new TypeError(`${where} has an unknown key "${key}"; it takes ${FIELDS.map((f) => `"${f}"`).join(', ')}`);
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
      throw new TypeError(`${where}.${key} must be a list of non-empty strings, got ${JSON.stringify(list)}`);
    }
    out[key as (typeof FIELDS)[number]] = Object.freeze([...list]);
  }
  return Object.freeze(out);
}
