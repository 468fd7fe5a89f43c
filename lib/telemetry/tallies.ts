/**
 * The per-call metrics counted in plain numbers and handed to prom-client
 * when it collects (a scrape), not on every call: prom-client's labelled
 * `inc` and `observe` check and hash the labels each time, which costs more
 * than the rest of a call's bookkeeping together. The exposition is
 * prom-client's own: the counters get the counts since the last scrape
 * through their `collect` hook; the histogram's series are read from the
 * tallies by `TalliedHistogram`.
 *
 * Label values come from the caller's tables (telemetry/metrics.ts): the
 * maps grow with the configuration, never with requests.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** One (server, tool, status) series: calls, and their durations by bucket. */
interface CallTally {
  count: number;
  /** The count prom-client's counter has been given. */
  told: number;
  sum: number;
  /** Calls per bucket (not cumulative); the last slot is above the highest bound. */
  readonly buckets: number[];
}

/** One (route, status) series of a request counter. */
interface RequestTally {
  count: number;
  told: number;
}

/** `map`'s value at `key`, made by `make` the first time. */
function slot<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

const newMap = <K, V>(): Map<K, V> => new Map<K, V>();

export interface CallTallies {
  add(server: string, tool: string, status: number, seconds: number): void;
  /** Every (server, tool, status) series. */
  each(visit: (server: string, tool: string, status: number, tally: CallTally) => void): void;
  readonly bounds: readonly number[];
}

export function callTallies(bounds: readonly number[]): CallTallies {
  const byServer = new Map<string, Map<string, Map<number, CallTally>>>();
  const fresh = (): CallTally => ({ count: 0, told: 0, sum: 0, buckets: new Array<number>(bounds.length + 1).fill(0) });
  return {
    bounds,
    add(server, tool, status, seconds) {
      const tally = slot(slot(slot(byServer, server, newMap<string, Map<number, CallTally>>), tool, newMap<number, CallTally>), status, fresh);
      tally.count++;
      tally.sum += seconds;
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      tally.buckets[i]!++;
    },
    each(visit) {
      for (const [server, tools] of byServer) for (const [tool, statuses] of tools) for (const [status, tally] of statuses) visit(server, tool, status, tally);
    },
  };
}

interface MetricNaming {
  name: string;
  help: string;
  registers: Registry[];
}

/** A counter of the tallies' calls by server, tool and status: what they counted since the last collection is added at each. */
export function talliedCallCounter(tallies: CallTallies, naming: MetricNaming): Counter<'server' | 'tool' | 'status'> {
  return new Counter({
    ...naming,
    labelNames: ['server', 'tool', 'status'] as const,
    collect() {
      tallies.each((server, tool, status, tally) => {
        if (tally.count === tally.told) return;
        this.inc({ server, tool, status: String(status) }, tally.count - tally.told);
        tally.told = tally.count;
      });
    },
  });
}

type HistogramData = Awaited<ReturnType<Histogram<'server' | 'tool'>['get']>>;
type BucketValue = { labels: Record<string, string | number>; value: number; metricName: string };

/** A histogram of the tallies' durations by server and tool (their statuses summed), in prom-client's exposition. */
export class TalliedHistogram extends Histogram<'server' | 'tool'> {
  constructor(
    private readonly tallies: CallTallies,
    private readonly naming: MetricNaming,
  ) {
    super({ ...naming, labelNames: ['server', 'tool'] as const, buckets: [...tallies.bounds] });
  }

  /** What the registry formats: cumulative buckets, `+Inf`, `_sum` and `_count` per series. */
  override async get(): Promise<HistogramData> {
    const series = new Map<string, { server: string; tool: string; buckets: number[]; sum: number; count: number }>();
    this.tallies.each((server, tool, _status, tally) => {
      const key = `${server}\u0000${tool}`;
      let one = series.get(key);
      if (!one) series.set(key, (one = { server, tool, buckets: new Array<number>(tally.buckets.length).fill(0), sum: 0, count: 0 }));
      for (let i = 0; i < tally.buckets.length; i++) one.buckets[i]! += tally.buckets[i]!;
      one.sum += tally.sum;
      one.count += tally.count;
    });
    const values: BucketValue[] = [];
    for (const { server, tool, buckets, sum, count } of series.values()) {
      let cumulative = 0;
      this.tallies.bounds.forEach((le, i) => {
        cumulative += buckets[i]!;
        values.push({ labels: { le, server, tool }, value: cumulative, metricName: `${this.naming.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', server, tool }, value: count, metricName: `${this.naming.name}_bucket` });
      values.push({ labels: { server, tool }, value: sum, metricName: `${this.naming.name}_sum` });
      values.push({ labels: { server, tool }, value: count, metricName: `${this.naming.name}_count` });
    }
    // As prom-client's own histogram returns it; its declared type has no `le` label and a numeric `type`, unlike the objects it builds.
    return { name: this.naming.name, help: this.naming.help, type: 'histogram', values, aggregator: 'sum' } as unknown as HistogramData;
  }

  /** The registry asks this one first when it writes the text format (prom-client 15). */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }
}

/** Requests by route and status, counted here and added to `counter` at each collection. */
export function talliedRequestCounter(naming: MetricNaming): { count(route: string, status: number): void; counter: Counter<'route' | 'status'> } {
  const byRoute = new Map<string, Map<number, RequestTally>>();
  const fresh = (): RequestTally => ({ count: 0, told: 0 });
  const counter = new Counter({
    ...naming,
    labelNames: ['route', 'status'] as const,
    collect() {
      for (const [route, statuses] of byRoute)
        for (const [status, tally] of statuses) {
          if (tally.count === tally.told) continue;
          this.inc({ route, status: String(status) }, tally.count - tally.told);
          tally.told = tally.count;
        }
    },
  });
  return {
    counter,
    count(route, status) {
      slot(slot(byRoute, route, newMap<number, RequestTally>), status, fresh).count++;
    },
  };
}
