/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) in
 * server mode, three ways: against the conformance fixture (test/fixtures/
 * conformance-server.ts) alone, which must pass every scenario by itself, in
 * every era each belongs to, 2025-era `initialize` clients and 2026-07-28
 * stateless ones on the same endpoint; through mcpo's endpoint in front of
 * it (mcpo speaking 2026-07-28 upstream); and through mcpo in front of the
 * fixture speaking only 2025 (so mcpo does too, upstream).
 *
 * The fixture is started once. The suite runs once per era, every server
 * scenario of that era in one process (its start-up costs more than a
 * scenario does), two eras at a time; only the scenarios listed here are
 * judged. SCENARIOS (the core) and FIDELITY (sampling, elicitation, logging,
 * resource subscriptions, resumable streams, the 2026-07-28 input_required
 * flows, Mcp-Param headers) are judged for every target, so a failure
 * through mcpo that the fixture alone passes is mcpo's. DNS rebinding is
 * mcpo's door (DOORS), not the fixture's, and extension scenarios are not
 * run. A test fails on any FAILURE check, or when the suite saved nothing for
 * its scenario; WARNING checks are shown, not failed, as in client.test.ts,
 * except in a `strict` scenario, whose SHOULDs are its point.
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
  /** Its WARNING checks fail the test too. */
  strict?: boolean;
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

/** What an MCP client loses through a proxy that drops it: the rest of the suite's server scenarios. */
const FIDELITY: readonly Scenario[] = [
  { name: 'server-session-lifecycle', eras: HANDSHAKE, title: 'ends a session on DELETE and answers 404 for its id afterwards' },
  { name: 'logging-set-level', eras: HANDSHAKE, title: 'accepts logging/setLevel with an empty result' },
  { name: 'tools-call-with-logging', eras: HANDSHAKE, title: 'sends three log notifications while a tool runs' },
  { name: 'resources-subscribe', eras: HANDSHAKE, title: 'accepts a subscription to a resource' },
  { name: 'resources-unsubscribe', eras: HANDSHAKE, title: 'accepts the end of a resource subscription' },
  { name: 'tools-call-sampling', eras: HANDSHAKE, title: 'asks the client for sampling during a tool call and uses the reply' },
  { name: 'tools-call-elicitation', eras: HANDSHAKE, title: 'asks the user for input during a tool call and uses the answer' },
  { name: 'elicitation-sep1034-defaults', eras: ['2025-11-25'], title: 'elicits fields with a default for every primitive type' },
  { name: 'elicitation-sep1330-enums', eras: ['2025-11-25'], title: 'elicits fields of all five enum shapes' },
  { name: 'server-sse-polling', eras: ['2025-11-25'], title: 'primes a POST SSE stream with an event id and a retry, and resumes it after a GET with Last-Event-ID', strict: true },
  { name: 'server-sse-multiple-streams', eras: ['2025-11-25', '2026-07-28'], title: 'serves several POST SSE streams at once' },
  { name: 'caching', eras: ['2026-07-28'], title: 'gives valid ttlMs and cacheScope hints on list results' },
  { name: 'http-custom-header-server-validation', eras: ['2026-07-28'], title: 'checks Mcp-Param headers (Base64 included) against an x-mcp-header tool’s arguments' },
  { name: 'input-required-result-basic-elicitation', eras: ['2026-07-28'], title: 'answers input_required with an elicitation, then completes with the answer' },
  { name: 'input-required-result-basic-sampling', eras: ['2026-07-28'], title: 'answers input_required with a sampling request, then completes with the reply' },
  { name: 'input-required-result-basic-list-roots', eras: ['2026-07-28'], title: 'answers input_required with roots/list, then completes with the roots' },
  { name: 'input-required-result-request-state', eras: ['2026-07-28'], title: 'round-trips requestState and checks it on the retry' },
  { name: 'input-required-result-multiple-input-requests', eras: ['2026-07-28'], title: 'asks for elicitation, sampling and roots in one input_required' },
  { name: 'input-required-result-multi-round', eras: ['2026-07-28'], title: 'asks over two rounds with a new requestState each, then completes' },
  { name: 'input-required-result-missing-input-response', eras: ['2026-07-28'], title: 'asks again when the retry lacks the answer' },
  { name: 'input-required-result-non-tool-request', eras: ['2026-07-28'], title: 'answers input_required to prompts/get too' },
  { name: 'input-required-result-result-type', eras: ['2026-07-28'], title: 'names resultType input_required explicitly' },
  { name: 'input-required-result-unsupported-methods', eras: ['2026-07-28'], title: 'never answers input_required to list requests' },
  { name: 'input-required-result-tampered-state', eras: ['2026-07-28'], title: 'refuses a requestState that fails its integrity check' },
  { name: 'input-required-result-capability-check', eras: ['2026-07-28'], title: 'asks only for what the client declared it can answer' },
  { name: 'input-required-result-ignore-extra-params', eras: ['2026-07-28'], title: 'ignores inputResponses it did not ask for' },
  { name: 'input-required-result-validate-input', eras: ['2026-07-28'], title: 'does not complete with malformed inputResponses' },
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

/**
 * mcpo (serveApp: set up as the command is on loopback) with the fixture as
 * server "conf": its per-server endpoint, <prefix>/conf/mcp. `legacyOnly`:
 * the fixture speaks only 2025, so mcpo does too, upstream.
 */
async function mcpoInFront(legacyOnly = false): Promise<Target> {
  const fixture = await startConformanceServer(legacyOnly);
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

interface TargetPlan {
  label: string;
  start: () => Promise<Target>;
  scenarios: readonly Scenario[];
  /** The eras the suite is run at. @default ERAS */
  eras?: readonly Era[];
}

/**
 * In front of a 2025-era server, mcpo's one shared connection declares what
 * a REST caller can answer (form elicitation): such a server never asks for
 * sampling, so tools-call-sampling is the one scenario it cannot carry
 * (docs/reference.md, MCP endpoints, "What does not").
 */
const BEHIND_2025 = [...SCENARIOS, ...FIDELITY, ...DOORS].filter((s) => s.name !== 'tools-call-sampling');

const TARGETS: readonly TargetPlan[] = [
  { label: 'the conformance fixture as the server', start: () => startConformanceServer(), scenarios: [...SCENARIOS, ...FIDELITY] },
  { label: 'mcpo\'s endpoint for the fixture (<name>/mcp) as the server', start: () => mcpoInFront(), scenarios: [...SCENARIOS, ...FIDELITY, ...DOORS] },
  { label: 'mcpo\'s endpoint for the fixture speaking only 2025 (mcpo speaks 2025 upstream)', start: () => mcpoInFront(true), scenarios: BEHIND_2025, eras: HANDSHAKE },
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
      runs = inLanes(target.eras ?? ERAS, (era) => runServerEra(url, era));
    });

    after(async () => {
      stopAll();
      await server?.close();
    });

    for (const era of target.eras ?? ERAS) {
      describe(`at protocol ${era}`, () => {
        for (const s of target.scenarios.filter((k) => k.eras.includes(era))) {
          it(`${s.title} (${s.name})`, async () => {
            const run = await runs.get(era)!;
            const checks = run.checks.get(s.name) ?? [];
            expect(checks, `the suite saved no checks for ${s.name}\n${explain(run, s.name)}`).to.not.be.empty;
            expect(failingChecks({ checks }), explain(run, s.name)).to.be.empty;
            if (s.strict) expect(checks.filter((c) => c.status === 'WARNING').map(checkLine), explain(run, s.name)).to.be.empty;
          });
        }
      });
    }
  });
}
