/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) in
 * server mode, against the conformance fixture (test/fixtures/
 * conformance-server.ts) alone: the upstream mcpo will be put in front of
 * must pass these scenarios by itself first, in every era each belongs to,
 * 2025-era `initialize` clients and 2026-07-28 stateless ones on the same
 * endpoint.
 *
 * The fixture is started once. The suite runs once per era, every server
 * scenario of that era in one process (its start-up costs more than a
 * scenario does), two eras at a time; only the scenarios listed here are
 * judged. The others (sampling, elicitation, logging, subscriptions, DNS
 * rebinding, input_required flows) are the fixture's business only if mcpo
 * comes to need them. A test fails on any FAILURE check, or when the suite
 * saved nothing for its scenario; WARNING checks are shown, not failed, as in
 * client.test.ts.
 */
import { expect } from 'chai';
import { serveApp, type ServedApp } from '../helpers/app-server.js';
import { startConformanceServer, type RunningServer } from '../helpers/servers.js';
import { checkLine, failingChecks, inLanes, lastLines, RUN_LIMIT_MS, runServerEra, stopAll, suiteAvailable, type EraRun } from './suite-run.js';

type Era = '2025-06-18' | '2025-11-25' | '2026-07-28';

const ERAS: readonly Era[] = ['2025-06-18', '2025-11-25', '2026-07-28'];
const ALL: readonly Era[] = ERAS;
const HANDSHAKE: readonly Era[] = ['2025-06-18', '2025-11-25'];

interface Scenario {
  name: string;
  /** The eras `conformance list --server` gives it. */
  eras: readonly Era[];
  title: string;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'server-initialize', eras: HANDSHAKE, title: 'completes the initialize handshake' },
  { name: 'ping', eras: HANDSHAKE, title: 'answers ping with an empty result' },
  { name: 'server-stateless', eras: ['2026-07-28'], title: 'serves stateless requests: _meta checked, server/discover, version errors, -32021, 404 for removed methods, listen streams' },
  { name: 'tools-list', eras: ALL, title: 'lists its tools with names, descriptions and input schemas' },
  { name: 'tools-call-simple-text', eras: ALL, title: 'answers a tool call with text' },
  { name: 'tools-call-image', eras: ALL, title: 'answers a tool call with an image' },
  { name: 'tools-call-audio', eras: ALL, title: 'answers a tool call with audio/wav' },
  { name: 'tools-call-embedded-resource', eras: ALL, title: 'answers a tool call with an embedded resource' },
  { name: 'tools-call-mixed-content', eras: ALL, title: 'answers a tool call with text, an image and a resource together' },
  { name: 'tools-call-error', eras: ALL, title: 'reports a tool error as isError with a message' },
  { name: 'tools-call-with-progress', eras: ALL, title: 'sends three rising progress notifications for the caller’s progressToken' },
  { name: 'json-schema-2020-12', eras: ['2025-11-25', '2026-07-28'], title: 'lists a tool schema with its JSON Schema 2020-12 keywords intact' },
  { name: 'resources-list', eras: ALL, title: 'lists its resources' },
  { name: 'resources-read-text', eras: ALL, title: 'reads a text resource' },
  { name: 'resources-read-binary', eras: ALL, title: 'reads a binary resource as a blob' },
  { name: 'resources-templates-read', eras: ALL, title: 'reads a resource through a URI template, with the parameter filled in' },
  { name: 'sep-2164-resource-not-found', eras: ['2026-07-28'], title: 'answers -32602 with the URI for a resource that does not exist' },
  { name: 'prompts-list', eras: ALL, title: 'lists its prompts' },
  { name: 'prompts-get-simple', eras: ALL, title: 'gets a prompt without arguments' },
  { name: 'prompts-get-with-args', eras: ALL, title: 'gets a prompt with its arguments filled in' },
  { name: 'prompts-get-embedded-resource', eras: ALL, title: 'gets a prompt that embeds a resource' },
  { name: 'prompts-get-with-image', eras: ALL, title: 'gets a prompt with an image' },
  { name: 'completion-complete', eras: ALL, title: 'completes a prompt argument' },
];

function explain(era: EraRun, scenario: string): string {
  const checks = era.checks.get(scenario) ?? [];
  const failing = failingChecks({ checks }).map(checkLine);
  const warnings = checks.filter((c) => c.status === 'WARNING').map(checkLine);
  return [
    failing.length ? `failing checks:\n${failing.join('\n')}` : 'no failing check',
    ...(warnings.length ? [`warnings:\n${warnings.join('\n')}`] : []),
    ...(checks.length === 0 ? [`scenarios with results: ${[...era.checks.keys()].join(', ') || 'none'}`, `suite output (last lines):\n${lastLines(era.suiteLog, 20)}`] : []),
  ].join('\n');
}

/** The scenarios mcpo answers itself, in front of any server: its doors. */
const DOORS: readonly Scenario[] = [
  { name: 'dns-rebinding-protection', eras: ['2025-11-25', '2026-07-28'], title: 'refuses a request whose Host or Origin is not its own (DNS rebinding)' },
  { name: 'http-header-validation', eras: ['2026-07-28'], title: 'checks the MCP headers against the body' },
];

interface Target {
  url: string;
  close(): Promise<void>;
}

/** mcpo (serveApp: set up as the command is on loopback) with the fixture as server "conf": its per-server endpoint, <prefix>/conf/mcp. */
async function mcpoInFront(): Promise<Target> {
  const fixture = await startConformanceServer();
  let served: ServedApp;
  try {
    served = await serveApp({ mcpServers: { conf: { type: 'streamable-http', url: fixture.url } } });
  } catch (err) {
    await fixture.close();
    throw err;
  }
  return {
    // By name: the DNS-rebinding scenario sends this Host, and then a foreign one.
    url: `${served.base.replace('127.0.0.1', 'localhost')}/conf/mcp`,
    async close() {
      await served.close();
      await fixture.close();
    },
  };
}

const TARGETS: readonly { label: string; start: () => Promise<Target>; scenarios: readonly Scenario[] }[] = [
  { label: 'the conformance fixture as the server', start: startConformanceServer, scenarios: SCENARIOS },
  { label: 'mcpo\'s endpoint for the fixture (<name>/mcp) as the server', start: mcpoInFront, scenarios: [...SCENARIOS, ...DOORS] },
];

for (const target of TARGETS) {
  describe(`the MCP conformance suite, with ${target.label}`, function () {
    this.timeout(RUN_LIMIT_MS);
    let server: Target | undefined;
    let runs = new Map<Era, Promise<EraRun>>();

    before(async function () {
      if (!suiteAvailable) this.skip();
      server = await target.start();
      const url = server.url;
      runs = inLanes(ERAS, (era) => runServerEra(url, era));
    });

    after(async () => {
      stopAll();
      await server?.close();
    });

    for (const era of ERAS) {
      describe(`at protocol ${era}`, () => {
        for (const s of target.scenarios.filter((k) => k.eras.includes(era))) {
          it(`${s.title} (${s.name})`, async () => {
            const run = await runs.get(era)!;
            const checks = run.checks.get(s.name) ?? [];
            expect(checks, `the suite saved no checks for ${s.name}\n${explain(run, s.name)}`).to.not.be.empty;
            expect(failingChecks({ checks }), explain(run, s.name)).to.be.empty;
          });
        }
      });
    }
  });
}
