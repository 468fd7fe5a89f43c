/**
 * `hostCheck()`: answers only requests addressed to a host name mcpo serves.
 *
 * A page on an attacker's domain can make its name resolve to 127.0.0.1
 * after it has loaded (DNS rebinding) and then call a loopback-bound mcpo as
 * "same origin", with no CORS in the way. The one thing such a request cannot
 * fake is its `Host` header, which still names the attacker's domain; so on a
 * loopback bind only loopback names are answered. `isLoopbackHost` tells the
 * caller (bin/mcpo.ts) when that applies.
 */
import net from 'node:net';
import type { RequestHandler } from 'express';
import { ForbiddenError } from './errors.js';

export interface HostCheckOptions {
  /**
   * Host names to answer besides the loopback ones (`localhost`,
   * `*.localhost`, `127.x.x.x`, `[::1]`, which no other site can put in a
   * Host header), without port: `api.example.com`, `*.example.com` (any
   * subdomain), or `*` (any host, i.e. no check). @default [] (loopback names only)
   */
  allowed?: readonly string[];
}

/** True for an address or name that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  if (net.isIPv6(name)) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}

/** The host name of a `Host` header, lower case, without the port; IPv6 keeps no brackets. */
function hostName(header: string): string {
  const lower = header.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']') === -1 ? undefined : lower.indexOf(']'));
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** Throws a TypeError for an entry that is not a host name pattern. */
export function normalizeAllowedHost(entry: string): string {
  const value = entry.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (value === '*' || net.isIP(value) !== 0 || /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(value)) return value;
  throw new TypeError(`allowed hosts: ${JSON.stringify(entry)} is not a host name; write it like api.example.com or *.example.com`);
}

export function hostCheck(options: Readonly<HostCheckOptions> = {}): RequestHandler {
  const entries = (options.allowed ?? []).map(normalizeAllowedHost);
  const exact = new Set(entries.filter((e) => !e.startsWith('*')));
  const suffixes = entries.filter((e) => e.startsWith('*.')).map((e) => e.slice(1));
  const any = entries.includes('*');

  const allowed = (name: string): boolean =>
    any || exact.has(name) || isLoopbackHost(name) || suffixes.some((s) => name.endsWith(s));

  // The same few Host values arrive again and again; a bounded memo keeps the check off the hot path.
  const seen = new Map<string, boolean>();
  const check = (header: string): boolean => {
    let ok = seen.get(header);
    if (ok === undefined) {
      ok = allowed(hostName(header));
      if (seen.size < 64) seen.set(header, ok);
    }
    return ok;
  };

  return function checkHost(req, _res, next) {
    const header = req.headers.host;
    if (header !== undefined && check(header)) return next();
    next(new ForbiddenError('This server does not answer to that Host name; start mcpo with --allowed-hosts to add it', 'host_not_allowed'));
  };
}
