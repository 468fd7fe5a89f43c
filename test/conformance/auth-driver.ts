/**
 * The "client" the MCP conformance suite runs for its `auth/*` scenarios:
 * `auth-driver.ts [--with-document] <server-url>`, with the scenario's name in
 * `MCP_CONFORMANCE_SCENARIO` and its pre-registered client, if any, in
 * `MCP_CONFORMANCE_CONTEXT`.
 *
 * It serves mcpo (createApp, in this process) in front of the scenario's
 * protected server, on 127.0.0.1 with that address as mcpo's `publicUrl`, so
 * the authorization server's redirect reaches mcpo's callback; and with a
 * state directory of its own, removed at the end. The context's credentials
 * go into the server's `oauth` block, and with `--with-document` the
 * metadata document's URL as well (auth-plans.ts). Then it plays the person (person.ts) and
 * the REST caller (rest.ts) as the scenario's plan says (auth-plans.ts). The
 * client under test is mcpo; this file talks only to mcpo's HTTP side.
 *
 * The socket is opened before createApp, not with app.listen, because mcpo
 * needs its public URL (the port) when it is created.
 *
 * Exit codes as driver.ts: 0 done (last stderr line `[driver] done`), 1 the
 * plan failed (the reason on stderr), 2 usage, 3 out of time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type AppOptions } from '../../lib/index.js';
import { AUTH_PLANS, oauthBlock, runAuthPlan, type AuthContext } from './auth-plans.js';
import { Person } from './person.js';
import { RestCaller } from './rest.js';
import { armDeadline, drive, log, openLoopback } from './drive.js';

/** The server's name: it appears in mcpo's `/oauth/<name>/…` routes and in `/healthz`. */
const SERVER_NAME = 'conformance';


async function main(): Promise<number> {
  const withDocument = process.argv[2] === '--with-document';
  const url = process.argv[withDocument ? 3 : 2];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const plan = AUTH_PLANS[scenario];
  if (!url || !plan) {
    log(`usage: MCP_CONFORMANCE_SCENARIO=<${Object.keys(AUTH_PLANS).join('|')}> auth-driver.ts <server-url>`);
    return 2;
  }
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as AuthContext;
  const oauth = oauthBlock(plan, context, withDocument);
  log(`scenario ${scenario} at ${url} (protocol ${process.env.MCP_CONFORMANCE_PROTOCOL_VERSION ?? 'unset'}), plan ${plan.kind}`);
  // Key names only: the values include a client secret or a private key.
  log(`oauth block: ${oauth ? Object.keys(oauth).join(', ') : 'none'}`);

  const loopback = await openLoopback();
  const { baseUrl } = loopback;
  const stateDir = mkdtempSync(path.join(tmpdir(), 'mcpo-oauth-state-'));
  // On 'exit', so that running out of time (process.exit) removes it too.
  process.once('exit', () => rmSync(stateDir, { recursive: true, force: true }));
  const spec = { type: 'streamable-http' as const, url, ...(oauth ? { oauth } : {}) };
  const options: AppOptions = { stateDir, publicUrl: baseUrl };
  let app: ReturnType<typeof createApp> | undefined;
  return drive(loopback, async () => {
    app = createApp({ name: SERVER_NAME, server: spec }, options);
    loopback.serve(app);
    await runAuthPlan(plan, new Person(baseUrl, SERVER_NAME, log), new RestCaller(baseUrl, log));
  }, () => app?.close());
}

armDeadline();

process.exitCode = await main();
