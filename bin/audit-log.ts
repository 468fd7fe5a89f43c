/**
 * `--audit-log <file>`: the audit lines (lib/telemetry/audit.ts) appended to
 * a file of their own, reopened on SIGHUP so a rotated file is let go (in
 * config mode SIGHUP also re-reads the config, bin/reload.ts). A file that
 * cannot be opened stops the start, with the reason in one line.
 */
import { auditFile, type AuditFile } from '../lib/telemetry/audit.js';
import type { Logger } from '../lib/common/log.js';
import { StartupError } from './startup-error.js';

export function openAuditLog(path: string, logger: Logger): AuditFile {
  let file: AuditFile;
  try {
    file = auditFile(path, (err) => logger.error('cannot write the audit log', { file: path, reason: err.message }));
  } catch (err) {
    throw new StartupError(`--audit-log: cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  process.on('SIGHUP', () => file.reopen());
  return file;
}
