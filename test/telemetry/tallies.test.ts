/**
 * The tallied metrics (lib/telemetry/tallies.ts) against prom-client's own
 * Counter and Histogram fed the same calls: the exposition must be the same,
 * line for line, before and after more calls.
 */
import { expect } from 'chai';
import { Counter, Histogram, Registry } from 'prom-client';
import { callTallies, talliedCallCounter, TalliedHistogram, talliedRequestCounter } from '../../lib/telemetry/tallies.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const lines = async (registry: Registry) => (await registry.metrics()).split('\n').filter(Boolean).sort();

describe('tallied metrics', () => {
  it('expose exactly what prom-client counters and a histogram fed the same calls expose', async () => {
    const theirs = new Registry();
    const calls = new Counter({ name: 'calls_total', help: 'h', labelNames: ['server', 'tool', 'status'] as const, registers: [theirs] });
    const times = new Histogram({ name: 'call_seconds', help: 'd', labelNames: ['server', 'tool'] as const, buckets: BOUNDS, registers: [theirs] });
    const requests = new Counter({ name: 'requests_total', help: 'r', labelNames: ['route', 'status'] as const, registers: [theirs] });

    const ours = new Registry();
    const tallies = callTallies(BOUNDS);
    talliedCallCounter(tallies, { name: 'calls_total', help: 'h', registers: [ours] });
    new TalliedHistogram(tallies, { name: 'call_seconds', help: 'd', registers: [ours] });
    const ourRequests = talliedRequestCounter({ name: 'requests_total', help: 'r', registers: [ours] });

    // Bounds themselves (le is inclusive), values between, and above the last bound.
    const samples: [string, string, number, number][] = [
      ['a', 'ping', 200, 0.005], ['a', 'ping', 200, 0.0051], ['a', 'ping', 502, 1], ['a', 'echo', 422, 0.0001],
      ['b', 'ping', 200, 301], ['b', 'ping', 504, 299.9], ['a', 'ping', 200, 2.5],
    ];
    const feed = (batch: typeof samples) => {
      for (const [server, tool, status, seconds] of batch) {
        calls.inc({ server, tool, status: String(status) });
        times.observe({ server, tool }, seconds);
        tallies.add(server, tool, status, seconds);
        requests.inc({ route: 'tool', status: String(status) });
        ourRequests.count('tool', status);
      }
    };
    feed(samples);
    expect(await lines(ours)).to.deep.equal(await lines(theirs));
    // A second scrape adds only what came since the first.
    feed(samples.slice(2, 5));
    const second = await lines(ours);
    expect(second).to.deep.equal(await lines(theirs));
    expect(second).to.include('calls_total{server="a",tool="ping",status="502"} 2');
    expect(second).to.include('call_seconds_count{server="b",tool="ping"} 3');
  });
});
