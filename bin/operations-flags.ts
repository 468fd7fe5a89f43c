/**
 * The flags of what an operator reads: `--metrics-public` opens `/metrics`
 * to callers without a key, `--audit-log <file>` sends the audit lines to a
 * file of their own (bin/audit-log.ts opens it).
 */
import type { ParsedFlags } from './argv.js';
import type { CliOptions } from './cli-options.js';
import { required } from './flag-values.js';

export function readOperations(parsed: ParsedFlags): Pick<CliOptions, 'metricsPublic' | 'auditLog'> {
  const auditLog = required(parsed['audit-log'], 'audit-log');
  return { metricsPublic: Boolean(parsed['metrics-public']), ...(auditLog !== undefined ? { auditLog } : {}) };
}
