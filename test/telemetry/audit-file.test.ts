/** auditFile's batching (lib/telemetry/audit.ts): lines wait for each other, and reopen and close write them first. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditFile, type AuditRecord } from '../../lib/telemetry/audit.js';

const record = (n: number): AuditRecord => ({ time: new Date(0).toISOString(), requestId: `r${n}`, traceId: null, caller: null, server: 's', tool: 't', status: 200, durationMs: n });
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('auditFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-audit-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a burst of lines together, soon after the first, and each once', async () => {
    const file = path.join(dir, 'audit.log');
    const audit = auditFile(file);
    for (let n = 0; n < 5; n++) audit.write(record(n));
    expect(lines(file), 'nothing written at once').to.have.length(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lines(file).map((l) => (JSON.parse(l) as AuditRecord).requestId)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4']);
    await audit.close();
  });

  it('writes what is pending into the rotated file on reopen, and on close; drops what comes after close', async () => {
    const file = path.join(dir, 'audit.log');
    const audit = auditFile(file);
    // As in a running mcpo, the file has been open (and written) for a while before it is rotated.
    audit.write(record(0));
    await new Promise((resolve) => setTimeout(resolve, 300));
    audit.write(record(1));
    renameSync(file, `${file}.1`);
    audit.reopen();
    audit.write(record(2));
    await audit.close();
    audit.write(record(3));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lines(`${file}.1`).map((l) => (JSON.parse(l) as AuditRecord).requestId)).to.deep.equal(['r0', 'r1']);
    expect(lines(file).map((l) => (JSON.parse(l) as AuditRecord).requestId)).to.deep.equal(['r2']);
  });
});
