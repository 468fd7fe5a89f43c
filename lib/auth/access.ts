/**
 * Access lists: who may see and call a server, or one of its tools.
 * `{ users, groups, keys }`: any match admits; no list at all admits every
 * caller. `users` match the id of a caller vouched for by a JWT or by the
 * app, `keys` the name of an API key, `groups` any caller's groups. A
 * request without a verified caller is admitted only where no list is set.
 */
import { isRecord } from '../common/is-record.js';
import type { Caller } from './caller.js';
import { refuseUnknownKeys, stringList } from './config-check.js';

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
  if (!isRecord(value)) throw new TypeError(`${where} must be an object such as { "groups": ["admins"] }, got ${JSON.stringify(value)}`);
  refuseUnknownKeys(value, FIELDS, where);
  const out: { -readonly [K in keyof Access]: Access[K] } = {};
  for (const field of FIELDS) if (value[field] !== undefined) out[field] = stringList(value[field], `${where}.${field}`);
  return Object.freeze(out);
}
