/**
 * The audit trail: one JSON line per tool call, resource read and prompt,
 * with exactly the fields of `AuditRecord` (docs/operations.md lists them;
 * log pipelines parse them). A line names the caller by key name or user id
 * and the tool, URI or prompt; never arguments, results or credentials.
 *
 * The lines go to the ordinary log at info (`auditToLog`), or to a file of
 * their own (`auditFile`), appended and reopened on request so a rotated
 * file is let go: a line written before the reopen lands in the old file,
 * one written after in the new, and none is lost between.
 */
import fs from 'node:fs';
import type { Logger } from '../common/log.js';

export interface AuditRecord {
  /** When the call ended, ISO 8601. */
  time: string;
  requestId: string | null;
  traceId: string | null;
  /** The caller's key name or user id; null for an unauthenticated call. */
  caller: string | null;
  server: string;
  /** The tool's name, the resource's URI or the prompt's name. */
  tool: string;
  status: number;
  durationMs: number;
}

export type AuditSink = (record: AuditRecord) => void;

/** Each record as an info line of `logger`. */
export function auditToLog(logger: Logger): AuditSink {
  return function auditLine(record) {
    logger.info('audit', record as unknown as Record<string, unknown>);
  };
}

export interface AuditFile {
  readonly write: AuditSink;
  /** Lets go of the file and opens the path again (after a rotation renamed it). */
  reopen(): void;
  /** Flushes and closes; records written after are dropped. */
  close(): Promise<void>;
}

/** How long a line may wait for others, and how much may wait, before they are written. */
const FLUSH_MS = 100;
const FLUSH_BYTES = 64 * 1024;

/** Appends records to `path` (created 0600: the trail says who called what). */
export function auditFile(path: string, onError: (err: Error) => void = () => {}): AuditFile {
  const open = (): fs.WriteStream => fs.createWriteStream(path, { flags: 'a', mode: 0o600 }).on('error', onError);
  // Opened once synchronously, so a path that cannot be written fails the start rather than the first call.
  fs.closeSync(fs.openSync(path, 'a', 0o600));
  let stream = open();
  let closed = false;
  // Lines go out together, at most FLUSH_MS after the first of them: under load a write per call costs more than the line.
  // reopen() and close() write what is pending first, so a rotation or a shutdown loses none.
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    stream.write(pending);
    pending = '';
  };
  return {
    write(record) {
      if (closed) return;
      pending += `${JSON.stringify(record)}\n`;
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    reopen() {
      if (closed) return;
      flush();
      const old = stream;
      stream = open();
      // What the old stream still holds is flushed to the file it opened (the rotated one), then it closes.
      old.end();
    },
    close() {
      flush();
      closed = true;
      return new Promise((resolve) => stream.end(resolve));
    },
  };
}
