/**
 * mcpo's own version, read once from its package.json, which sits two levels
 * above this file in the source tree (lib/common/) and three when built
 * (dist/lib/common/).
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mcpo' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not this one
    }
  }
  return '0.0.0';
}

export const VERSION: string = readVersion();
