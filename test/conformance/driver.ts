/**
 * The "client" the MCP conformance suite runs in client mode:
 * `driver.ts <server-url>`, with the scenario's name in
 * `MCP_CONFORMANCE_SCENARIO` and its data in `MCP_CONFORMANCE_CONTEXT`.
 *
 * It serves mcpo (createApp, in this process) in front of the scenario's
 * server, waits until `/healthz` reports the server connected, makes the
 * scenario's REST calls (plans.ts) and closes everything. The client under
 * test is mcpo's MCP client; this file only plays the REST caller.
 *
 * createApp rather than the CLI: one process per scenario instead of two, a
 * port the OS picks with nothing to parse, and the same in-process shape as
 * the other app tests (the CLI's flags have their own suite in test/cli/).
 * Every scenario here speaks Streamable HTTP (sse-retry too: its SSE streams
 * are Streamable HTTP responses), so the server type is fixed.
 *
 * Exit codes: 0 done (and a last `[driver] done` line on stderr, which the
 * suite keeps in the results, so a test can tell "finished" from "killed"),
 * 1 mcpo did not connect or a call went wrong (the reason on stderr), 2 usage,
 * 3 out of time.
 */
import { createApp } from '../../lib/index.js';
import { PLANS, type ScenarioContext } from './plans.js';
import { RestCaller } from './rest.js';
import { armDeadline, drive, log, openLoopback } from './drive.js';

interface ServerHealth {
  connected: boolean;
  state: string;
  lastError: string | null;
}

async function main(): Promise<number> {
  const url = process.argv[2];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const plan = PLANS[scenario];
  if (!url || !plan) {
    log(`usage: MCP_CONFORMANCE_SCENARIO=<${Object.keys(PLANS).join('|')}> driver.ts <server-url>`);
    return 2;
  }
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ScenarioContext;
  log(`scenario ${scenario} at ${url} (protocol ${process.env.MCP_CONFORMANCE_PROTOCOL_VERSION ?? 'unset'})`);

  const loopback = await openLoopback();
  const app = createApp({ server: { type: 'streamable-http', url } });
  loopback.serve(app);
  const { baseUrl } = loopback;
  return drive(loopback, async () => {
    // ready() resolves after the first attempt, connected or not; /healthz says which.
    await app.ready();
    const health = (await (await fetch(`${baseUrl}/healthz`)).json()) as { servers: Record<string, ServerHealth> };
    const upstream = Object.values(health.servers)[0];
    if (!upstream?.connected) throw new Error(`mcpo did not connect: ${upstream?.state} ${upstream?.lastError}`);
    await plan(new RestCaller(baseUrl, log), context);
  }, () => app.close());
}

armDeadline();

process.exitCode = await main();
