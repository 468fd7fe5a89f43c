/**
 * The two MCP eras the behaviour suites run their core cases against: the
 * 2025 era (initialize, sessions; the kitchen-sink fixture) and 2026-07-28
 * (stateless; the modern fixture). A suite loops over ERAS and reads from the
 * row what differs; the rows name the tools by role, so a body never spells a
 * fixture's tool names itself. Cases that exist only with sessions (an expired
 * session, SSE) do not belong here: they stay legacy-only in their suites.
 */
import { kitchenSinkStdio, modernStdio, startKitchenSink, startModernHttp, type RunningServer, type StdioSpec } from './servers.js';

export interface Era {
  /** How test titles name it, e.g. `2026-07-28`. */
  name: string;
  /** Whether the era has sessions (`initialize`, Mcp-Session-Id); 2026-07-28 is stateless. */
  sessions: boolean;
  /** What status() and /healthz report once connected. */
  protocolVersion: string;
  /** A stdio spec for its fixture; `tag` goes into the environment, so two tags are two different configs. */
  stdio(tag?: string): StdioSpec;
  /** Starts its fixture over Streamable HTTP, on `port` or an ephemeral one. */
  startHttp(port?: number): Promise<RunningServer>;
  /** A substring of the fixture's command line, to find its processes. */
  processMarker: string;
  /** The last line the fixture writes to stderr as its exit tool ends the process. */
  exitLine: RegExp;
  tools: {
    /** Answers its `message`. */
    echo: string;
    /** Answers `done after <ms>ms` after `ms`, and stops when cancelled. */
    slow: string;
    /** How many slow calls were cancelled: `{ cancelled }`. */
    cancellations: string;
    /** Exits the process mid-call, never answering. */
    exit: string;
    /** Adds a tool and answers its name; announces list_changed. */
    addTool: string;
    /** Removes the tool named by `name`; announces list_changed. */
    removeTool: string;
  };
}

const SAME_TOOLS: Era['tools'] = Object.freeze({
  echo: 'echo',
  slow: 'slow',
  cancellations: 'cancellations',
  exit: 'exit',
  addTool: 'add_tool',
  removeTool: 'remove_tool',
});

const tagged = (spec: StdioSpec, tag: string | undefined): StdioSpec => (tag === undefined ? spec : { ...spec, env: { MCPO_TEST_TAG: tag } });

export const LEGACY: Era = Object.freeze({
  name: '2025-11-25',
  sessions: true,
  protocolVersion: '2025-11-25',
  stdio: (tag?: string) => tagged(kitchenSinkStdio(), tag),
  startHttp: (port?: number) => startKitchenSink('http', port === undefined ? [] : ['--port', String(port)]),
  processMarker: 'kitchen-sink',
  exitLine: /^kitchen-sink\[\d+\]: exit tool called; exiting with code 1$/,
  tools: SAME_TOOLS,
});

export const MODERN: Era = Object.freeze({
  name: '2026-07-28',
  sessions: false,
  protocolVersion: '2026-07-28',
  stdio: (tag?: string) => tagged(modernStdio(), tag),
  startHttp: (port?: number) => startModernHttp(port),
  processMarker: 'fixtures/modern.ts',
  exitLine: /^modern\[\d+\]: exit tool called; exiting with code 1$/,
  tools: SAME_TOOLS,
});

export const ERAS: readonly Era[] = Object.freeze([LEGACY, MODERN]);
