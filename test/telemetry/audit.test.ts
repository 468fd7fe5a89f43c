/**
 * The audit trail from the real `mcpo` command: with `--audit-log <file>`,
 * one JSON line per tool call, resource read, prompt and MCP tools/call,
 * with exactly the documented fields, naming the caller by key name, in a
 * 0600 file that SIGHUP reopens for rotation without losing or repeating a
 * line; without the flag, the same lines in the log as `mcpo info: audit {…}`.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { modernStdio } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const OPS_KEY = 'audit-test-ops-key-8d3f1c';
const FIELDS = ['time', 'requestId', 'traceId', 'caller', 'server', 'tool', 'status', 'durationMs'];
const MODERN = modernStdio();

interface AuditLine {
  time: string;
  requestId: string | null;
  traceId: string | null;
  caller: string | null;
  server: string;
  tool: string;
  status: number;
  durationMs: number;
}

const newTraceId = (): string => randomBytes(16).toString('hex');
const traceparent = (traceId: string): string => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

/** Every line of `file` parsed; an empty or missing file has none. */
function linesOf(file: string): AuditLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  expect(text === '' || text.endsWith('\n'), 'whole lines only').to.equal(true);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

function expectWellFormed(line: AuditLine): void {
  expect(Object.keys(line).sort(), JSON.stringify(line)).to.deep.equal([...FIELDS].sort());
  expect(line.time).to.be.a('string');
  expect(new Date(line.time).toISOString(), 'ISO 8601').to.equal(line.time);
  expect(line.status).to.be.a('number');
  expect(line.durationMs).to.be.a('number').and.at.least(0);
  expect(line.requestId).to.be.a('string').and.not.equal('');
  expect(line.traceId).to.match(/^[0-9a-f]{32}$/);
  expect(line.server).to.be.a('string');
  expect(line.tool).to.be.a('string');
}

interface Answer {
  status: number;
  requestId: string | null;
}

async function call(base: string, route: string, init: { method?: string; body?: unknown; traceId?: string; key?: string | null } = {}): Promise<Answer> {
  const key = init.key === undefined ? OPS_KEY : init.key;
  const res = await fetch(`${base}/${route}`, {
    method: init.method ?? 'POST',
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(init.traceId ? { traceparent: traceparent(init.traceId) } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  await res.arrayBuffer();
  return { status: res.status, requestId: res.headers.get('x-request-id') };
}

describe('the audit log of the mcpo command', function () {
  this.timeout(30_000);
  let dir: string;
  let auditPath: string;
  /** mcpo with --audit-log and named keys. */
  let withFile: McpoProcess;
  /** mcpo without --audit-log: the lines go to stderr. */
  let toLog: McpoProcess;

  before(async function () {
    this.timeout(40_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-audit-'));
    auditPath = path.join(dir, 'audit.log');
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        auth: { keys: [{ name: 'ops', key: '${AUDIT_OPS_KEY}' }] },
        mcpServers: { modern: MODERN },
      }),
    );
    const env = { ...process.env, AUDIT_OPS_KEY: OPS_KEY };
    [withFile, toLog] = await Promise.all([
      startMcpo(['--config', config, '--port', '0', '--audit-log', auditPath], env),
      startMcpo(['--port', '0', '--', MODERN.command, ...MODERN.args], process.env),
    ]);
    await Promise.all([untilConnected(withFile.url, ['modern']), untilConnected(toLog.url)]);
  });

  after(async function () {
    this.timeout(20_000);
    await Promise.all([withFile?.stop('SIGTERM'), toLog?.stop('SIGTERM')]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes one well-formed line per call: tool (200, 422), resource, prompt and an MCP tools/call', async () => {
    const base = withFile.url;
    const before = linesOf(auditPath).length;
    const traces = { ok: newTraceId(), bad: newTraceId(), resource: newTraceId(), prompt: newTraceId(), mcp: newTraceId() };

    const ok = await call(base, 'modern/echo', { body: { message: 'hi' }, traceId: traces.ok });
    expect(ok.status).to.equal(200);
    const bad = await call(base, 'modern/echo', { body: { message: 42 }, traceId: traces.bad });
    expect(bad.status).to.equal(422);
    const resource = await call(base, `modern/resources/read?uri=${encodeURIComponent('test://static/text')}`, { method: 'GET', traceId: traces.resource });
    expect(resource.status).to.equal(200);
    const prompt = await call(base, 'modern/prompts/describe', { body: { topic: 'audits' }, traceId: traces.prompt });
    expect(prompt.status).to.equal(200);

    const client = new Client({ name: 'audit-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/modern/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${OPS_KEY}`, traceparent: traceparent(traces.mcp) } },
      }),
    );
    try {
      // Listing is no call: it writes no line.
      await client.listTools();
      const result = await client.callTool({ name: 'echo', arguments: { message: 'over mcp' } });
      expect(result.isError ?? false).to.equal(false);
    } finally {
      await client.close();
    }

    const lines = await waitFor(async () => {
      const all = linesOf(auditPath).slice(before);
      return all.length >= 5 ? all : undefined;
    }, 'five audit lines');
    // Give a stray extra line the chance to show up.
    await new Promise((r) => setTimeout(r, 300));
    const all = linesOf(auditPath).slice(before);
    expect(all, JSON.stringify(all, null, 1)).to.have.length(5);
    for (const line of lines.concat(all)) {
      expectWellFormed(line);
      expect(line.caller).to.equal('ops');
      expect(line.server).to.equal('modern');
    }
    const byTrace = new Map(all.map((l) => [l.traceId, l]));
    expect(byTrace.size, 'a trace id of its own per line').to.equal(5);
    expect(byTrace.get(traces.ok)).to.include({ tool: 'echo', status: 200, requestId: ok.requestId });
    expect(byTrace.get(traces.bad)).to.include({ tool: 'echo', status: 422, requestId: bad.requestId });
    expect(byTrace.get(traces.resource)).to.include({ tool: 'test://static/text', status: 200, requestId: resource.requestId });
    expect(byTrace.get(traces.prompt)).to.include({ tool: 'describe', status: 200, requestId: prompt.requestId });
    expect(byTrace.get(traces.mcp)).to.include({ tool: 'echo', status: 200 });

    const text = readFileSync(auditPath, 'utf8');
    expect(text).not.to.include(OPS_KEY);
    expect(text, 'no arguments').not.to.include('over mcp');
    expect(statSync(auditPath).mode & 0o777).to.equal(0o600);
    // With a file, the lines go there only.
    expect(withFile.stderr()).not.to.include('mcpo info: audit ');
    expect(withFile.stderr()).not.to.include(OPS_KEY);
  });

  it('loses and repeats no line across a rotation (rename, SIGHUP): later lines go to the new file', async () => {
    const base = withFile.url;
    const rotated = `${auditPath}.1`;
    const earlier = linesOf(auditPath).length;
    const N = 6;
    const M = 5;
    const first = Array.from({ length: N }, newTraceId);
    const later = Array.from({ length: M }, newTraceId);

    const answers = await Promise.all(first.map((traceId, i) => call(base, 'modern/echo', { body: { message: `n${i}` }, traceId })));
    expect(answers.map((a) => a.status)).to.deep.equal(first.map(() => 200));
    // Every one of the first lines is written before the rename, so each has one place to be.
    await waitFor(async () => (linesOf(auditPath).length >= earlier + N ? true : undefined), `${N} more lines`);

    renameSync(auditPath, rotated);
    process.kill(withFile.pid, 'SIGHUP');
    // The reopen creates the new file.
    await waitFor(async () => (existsSync(auditPath) ? true : undefined), 'the audit file to be opened again');
    expect(statSync(auditPath).mode & 0o777).to.equal(0o600);

    const laterAnswers = await Promise.all(later.map((traceId, i) => call(base, 'modern/echo', { body: { message: `m${i}` }, traceId })));
    expect(laterAnswers.map((a) => a.status)).to.deep.equal(later.map(() => 200));
    await waitFor(async () => (linesOf(rotated).length + linesOf(auditPath).length >= earlier + N + M ? true : undefined), 'every line');
    await new Promise((r) => setTimeout(r, 300));

    const old = linesOf(rotated);
    const fresh = linesOf(auditPath);
    expect(old.length + fresh.length, 'N + M lines in all').to.equal(earlier + N + M);
    const ids = [...old, ...fresh].map((l) => l.traceId);
    expect(new Set(ids).size, 'none repeated').to.equal(ids.length);
    expect(old.slice(earlier).map((l) => l.traceId).sort()).to.deep.equal([...first].sort());
    expect(fresh.map((l) => l.traceId).sort(), 'the new file holds the later lines').to.deep.equal([...later].sort());
    for (const line of fresh) expectWellFormed(line);
    // Still serving after the HUP (which also re-read the unchanged config).
    expect((await call(base, 'modern/echo', { body: { message: 'after' } })).status).to.equal(200);
  });

  it('writes the lines to the log as `mcpo info: audit {…}` without --audit-log', async () => {
    const traceId = newTraceId();
    const answer = await call(toLog.url, 'echo', { body: { message: 'to the log' }, traceId, key: null });
    expect(answer.status).to.equal(200);
    const line = await waitFor(
      async () => toLog.stderr().split('\n').find((l) => l.startsWith('mcpo info: audit ') && l.includes(traceId)),
      'the audit line in the log',
    );
    const record = JSON.parse(line.slice('mcpo info: audit '.length)) as AuditLine;
    expectWellFormed(record);
    expect(record).to.include({ traceId, requestId: answer.requestId, tool: 'echo', status: 200, caller: null });
    expect(toLog.stderr().split('\n').filter((l) => l.startsWith('mcpo info: audit ') && l.includes(traceId))).to.have.length(1);
    expect(line).not.to.include('to the log');
  });
});
