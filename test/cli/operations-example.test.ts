/**
 * examples/operations.json as an operator would run it, and what they point
 * at it: every metric name the Grafana dashboard (examples/grafana/) and the
 * alert rules (examples/prometheus/) read is in a scrape of the running
 * command, read with the scraper's own key; the audit file names the caller;
 * the rate limits in the file hold.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, startMcpo, untilConnected, type McpoProcess } from '../helpers/mcpo.js';
import { parseMetrics, sample } from '../helpers/prometheus.js';
import { freePort } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const EXAMPLE = path.join(ROOT, 'examples/operations.json');
const KEYS = { OPS_KEY: 'example-ops-key-51c2', WEBUI_KEY: 'example-webui-key-0d8e' };

/** The metric names a PromQL text reads: `name{` or `name[` or `name)`… , without histogram suffixes. */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name] of text.matchAll(/\b((?:mcpo|process|nodejs)_[a-z0-9_]+)/g)) names.add(name!.replace(/_(bucket|count|sum)$/, ''));
  return names;
}

describe('examples/operations.json with the Prometheus and Grafana examples', function () {
  this.timeout(60_000);
  let mcpo: McpoProcess;
  let base: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpo-operations-example-'));
  const audit = path.join(dir, 'audit.jsonl');

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    mcpo = await startMcpo(['--config', EXAMPLE, '--port', String(port), '--audit-log', audit], { ...process.env, ...KEYS }, `${base}/healthz`);
    await untilConnected(base, ['time', 'todo']);
  });

  after(async () => {
    await mcpo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (server: string, tool: string, body: unknown, key = KEYS.WEBUI_KEY) =>
    fetch(`${base}/${server}/${tool}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const scrape = async () => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEYS.OPS_KEY}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };

  it('serves every metric the dashboard and the alert rules read, to the scraper key only', async () => {
    expect((await call('time', 'get_current_time', { timezone: 'UTC' })).status).to.equal(200);
    expect((await fetch(`${base}/metrics`)).status).to.equal(401);
    const families = await scrape();
    const served = new Set(families.map((f) => f.name));
    const dashboard = readFileSync(path.join(ROOT, 'examples/grafana/mcpo-dashboard.json'), 'utf8');
    JSON.parse(dashboard);
    const alerts = readFileSync(path.join(ROOT, 'examples/prometheus/mcpo-alerts.yml'), 'utf8');
    const read = new Set([...metricNames(dashboard), ...metricNames(alerts)]);
    expect(read.size).to.be.greaterThan(8);
    expect([...read].filter((name) => !served.has(name))).to.deep.equal([]);
    expect(readFileSync(path.join(ROOT, 'examples/prometheus/prometheus.yml'), 'utf8')).to.match(/metrics_path: \/metrics/);
    expect(sample(families, 'mcpo_tool_calls_total', { server: 'time', tool: 'get_current_time', status: '200' })).to.equal(1);
    expect(sample(families, 'mcpo_upstream_protocol_era', { server: 'todo', era: 'modern' })).to.equal(1);
    expect(sample(families, 'mcpo_upstream_protocol_era', { server: 'time', era: 'legacy' })).to.equal(1);
  });

  it("holds the todo server's own limit of 10 a minute per caller, and names the caller in the audit file", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await call('todo', 'list_todos', {})).status);
    expect(statuses.slice(0, 10).every((s) => s === 200), statuses.join(',')).to.equal(true);
    expect(statuses[10]).to.equal(429);
    const refused = await call('todo', 'list_todos', {});
    expect(refused.status).to.equal(429);
    expect(Number(refused.headers.get('retry-after'))).to.be.at.least(1);
    expect(refused.headers.get('ratelimit-policy')).to.equal('"server:todo";q=10;w=60');
    // Another caller has a limit of their own.
    expect((await call('todo', 'list_todos', {}, KEYS.OPS_KEY)).status).to.equal(200);
    expect(sample(await scrape(), 'mcpo_rate_limited_total', { scope: 'server:todo' })).to.equal(2);

    const lines = await waitFor(async () => {
      const text = readFileSync(audit, 'utf8').trim().split('\n');
      return text.length >= 14 ? text : undefined;
    }, 'the audit lines of 14 calls');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.filter((r) => r.server === 'todo' && r.caller === 'webui' && r.status === 429)).to.have.length(2);
    expect(records.filter((r) => r.server === 'todo' && r.caller === 'prometheus')).to.have.length(1);
    const text = lines.join('\n');
    for (const key of Object.values(KEYS)) expect(text).not.to.include(key);
    expect(statSync(audit).mode & 0o777).to.equal(0o600);
  });
});
