/**
 * mcpo's Prometheus metrics, with `prom-client`. The names and labels are an
 * interface (dashboards and alerts depend on them; docs/operations.md lists
 * them): change one and you break someone's alert.
 *
 * Every label value comes from the configuration (server names, the tools a
 * server listed, a fixed set of routes, states and results), never from a
 * request: whoever reports a call passes names it found in its tables, so a
 * client cannot mint a series. The upstreams' state is read when Prometheus
 * scrapes, from `watchServers`, not pushed on every change; the per-call
 * counts are tallied in plain numbers and handed over then too
 * (telemetry/tallies.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { callTallies, talliedCallCounter, TalliedHistogram, talliedRequestCounter } from './tallies.js';

/** The `route` label of `mcpo_http_requests_total`: what kind of route answered, never its path. */
export type RouteLabel = 'tool' | 'resource' | 'prompt' | 'document' | 'docs' | 'mcp' | 'oauth' | 'health' | 'metrics' | 'other';

/** One server as a scrape reads it (a router's status). */
export interface ServerReading {
  readonly name: string;
  readonly state: string;
  /** The protocol version of the current or last connection; null before the first. */
  readonly protocolVersion: string | null;
  /** Connection attempts after the first. */
  readonly restarts: number;
  /** Per-user connections, for a server with caller templates or per-caller sign-in. */
  readonly users?: { readonly busy: number; readonly idle: number; readonly waiting: number };
}

export interface McpoMetrics {
  readonly registry: Registry;
  /** The exposition's content type, for the `/metrics` response. */
  readonly contentType: string;
  toolCall(server: string, tool: string, status: number, seconds: number): void;
  httpRequest(route: RouteLabel, status: number): void;
  reload(result: 'applied' | 'rejected'): void;
  rateLimited(scope: string): void;
  /** Where a scrape reads the servers from; the last one given wins. */
  watchServers(read: () => Iterable<ServerReading>): void;
  /** The exposition text. */
  text(): Promise<string>;
}

export interface MetricsOptions {
  /** The registry to register mcpo's metrics in; a new one by default, so two apps in one process do not collide. */
  registry?: Registry;
  /** Add prom-client's process and Node.js metrics to the exposition. @default true */
  defaultMetrics?: boolean;
}

/**
 * prom-client's process and Node.js metrics, collected once per process:
 * they describe the process, not an app, and each collection keeps
 * observers (GC, event loop delay) that a registry per app would multiply.
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** 5 ms to 5 min: a tool call is anything from a lookup to a long job. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The era label: `modern` for 2026-07-28 and later, `legacy` for the 2025 handshake. */
export function eraOf(protocolVersion: string | null): 'modern' | 'legacy' | undefined {
  if (protocolVersion === null) return undefined;
  return protocolVersion < '2026-07-28' ? 'legacy' : 'modern';
}

export function createMetrics(options: MetricsOptions = {}): McpoMetrics {
  const registry = options.registry ?? new Registry();
  // Merged at the first scrape, once every metric below is registered.
  let exposed: Registry | undefined;
  let servers: () => Iterable<ServerReading> = () => [];
  const registers = [registry];

  const tallies = callTallies(DURATION_BUCKETS);
  talliedCallCounter(tallies, { name: 'mcpo_tool_calls_total', help: 'Tool calls over REST and MCP, by the HTTP status a REST caller got (or would have got)', registers });
  new TalliedHistogram(tallies, { name: 'mcpo_tool_call_duration_seconds', help: 'The whole tool call, from request to answer', registers });
  const requests = talliedRequestCounter({ name: 'mcpo_http_requests_total', help: 'HTTP requests by the kind of route that answered and status', registers });
  const reloads = new Counter({ name: 'mcpo_reloads_total', help: 'Config reloads, applied or rejected', labelNames: ['result'] as const, registers });
  const limited = new Counter({ name: 'mcpo_rate_limited_total', help: 'Calls refused with 429 by a rate limit, by the limit that refused them', labelNames: ['scope'] as const, registers });
  serverMetrics(registers, () => servers());

  return {
    registry,
    contentType: registry.contentType,
    toolCall: (server, tool, status, seconds) => tallies.add(server, tool, status, seconds),
    httpRequest: (route, status) => requests.count(route, status),
    reload: (result) => reloads.inc({ result }),
    rateLimited: (scope) => limited.inc({ scope }),
    watchServers(read) {
      servers = read;
    },
    text: () => (exposed ??= options.defaultMetrics !== false ? Registry.merge([processRegistry(), registry]) : registry).metrics(),
  };
}

/** The servers' state, read from `servers` at each scrape. */
function serverMetrics(registers: Registry[], servers: () => Iterable<ServerReading>): void {
  new Gauge({
    name: 'mcpo_upstream_up',
    help: '1 while the MCP server is connected and its tools listed, else 0',
    labelNames: ['server'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of servers()) this.set({ server: s.name }, s.state === 'ready' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mcpo_upstream_protocol_era',
    help: '1 for the protocol era of the connection in use (modern: 2026-07-28 and later; legacy: 2025)',
    labelNames: ['server', 'era'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of servers()) {
        const era = eraOf(s.protocolVersion);
        if (era) this.set({ server: s.name, era }, 1);
      }
    },
  });
  new Gauge({
    name: 'mcpo_user_connections',
    help: 'Per-user connections (or processes) by state; waiting counts calls waiting for a free slot',
    labelNames: ['server', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of servers()) {
        if (!s.users) continue;
        for (const state of ['busy', 'idle', 'waiting'] as const) this.set({ server: s.name, state }, s.users[state]);
      }
    },
  });
  // A counter read from each router's count at scrape time; a router replaced by a reload starts at 0, and the counter only ever grows.
  const seen = new Map<string, number>();
  new Counter({
    name: 'mcpo_upstream_reconnects_total',
    help: 'Connection attempts after the first (restarts of a child, new sessions)',
    labelNames: ['server'] as const,
    registers,
    collect() {
      for (const s of servers()) {
        const last = seen.get(s.name);
        const grown = last === undefined || s.restarts < last ? s.restarts : s.restarts - last;
        seen.set(s.name, s.restarts);
        this.inc({ server: s.name }, grown);
      }
    },
  });
}
