/**
 * What a REST caller does in each conformance scenario, once mcpo is
 * connected to the scenario's server. Each plan is the REST counterpart of
 * what the suite's reference client (examples/clients/typescript/
 * everything-client.ts in modelcontextprotocol/conformance) does over MCP:
 * the scenario's server sees only mcpo's side of it and scores that.
 *
 * A plan throws when mcpo answers a call that should have worked with an
 * error, so the run shows the REST reason next to the scenario's checks.
 */
import { acceptAll, inputRequired, type Reply, type RestCaller } from './rest.js';

/** `MCP_CONFORMANCE_CONTEXT`: the scenario's own data (only some scenarios send it). */
export interface ScenarioContext {
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
}

export type Plan = (rest: RestCaller, context: ScenarioContext) => Promise<void>;

function expectOk(reply: Reply, what: string): Reply {
  if (reply.status < 200 || reply.status > 299) {
    throw new Error(`${what}: mcpo answered ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply;
}

/** Connecting is the whole test: the scenario scores mcpo's handshake and tools/list. */
const connectOnly: Plan = async (rest) => {
  await rest.loadDocument();
};

/**
 * SEP-2322: two tools answer input_required (one with requestState, one
 * without); a third, called between the first round and its retry, must not
 * see the other call's state; a fourth answers without resultType, which
 * means complete.
 */
const requestState: Plan = async (rest) => {
  await rest.loadDocument();
  const first = await rest.call('test_mrtr_echo_state', {});
  const echo = inputRequired(first);
  if (!echo) throw new Error(`test_mrtr_echo_state: expected 409 input_required, got ${first.status} ${JSON.stringify(first.body)}`);
  expectOk(await rest.call('test_mrtr_unrelated', {}), 'test_mrtr_unrelated');
  expectOk(await rest.resume('test_mrtr_echo_state', echo, acceptAll(echo.inputRequests)), 'test_mrtr_echo_state (retry)');

  const second = await rest.call('test_mrtr_no_state', {});
  const noState = inputRequired(second);
  if (!noState) throw new Error(`test_mrtr_no_state: expected 409 input_required, got ${second.status} ${JSON.stringify(second.body)}`);
  expectOk(await rest.resume('test_mrtr_no_state', noState, acceptAll(noState.inputRequests)), 'test_mrtr_no_state (retry)');

  // A 2026-07-28 result must carry resultType; the SDK refuses one without it (the absent-means-complete rule is
  // for earlier revisions). The scenario checks only that nothing is retried; mcpo answers 502 malformed_result.
  const bare = await rest.call('test_mrtr_no_result_type', {});
  if (bare.status !== 502 || (bare.body as { error?: { code?: string } } | undefined)?.error?.code !== 'malformed_result') {
    throw new Error(`test_mrtr_no_result_type: expected 502 malformed_result, got ${bare.status} ${JSON.stringify(bare.body)}`);
  }
};

/** Arguments for the invalid tools of http-invalid-tool-headers: each tool's required fields. */
const INVALID_TOOL_ARGS: Readonly<Record<string, Record<string, unknown>>> = {
  invalid_empty_header: { value: 'x' },
  invalid_object_header: { data: {} },
  invalid_array_header: { items: ['x'] },
  invalid_null_header: { nil: null },
  invalid_duplicate_same_case: { field1: 'a', field2: 'b' },
  invalid_duplicate_diff_case: { field1: 'a', field2: 'b' },
  invalid_space_in_name: { value: 'x' },
  invalid_colon_in_name: { value: 'x' },
  invalid_non_ascii_name: { value: 'x' },
  invalid_control_char_name: { value: 'x' },
};

export const PLANS: Readonly<Record<string, Plan>> = {
  initialize: connectOnly,
  'request-metadata': connectOnly,

  tools_call: async (rest) => {
    await rest.loadDocument();
    expectOk(await rest.call('add_numbers', { a: 2, b: 3 }), 'add_numbers');
  },

  // The server answers the call on a GET stream after closing the POST's: mcpo must reconnect to get it.
  'sse-retry': async (rest) => {
    await rest.loadDocument();
    expectOk(await rest.call('test_reconnection', {}), 'test_reconnection');
  },

  // Mcp-Method and Mcp-Name come from mcpo's MCP client; the hyphen tests Mcp-Name with a special character.
  'http-standard-headers': async (rest) => {
    await rest.loadDocument();
    for (const tool of ['test_headers', 'my-hyphenated-tool']) expectOk(await rest.call(tool, {}), tool);
  },

  // The scenario names the calls; mcpo's MCP client must mirror x-mcp-header arguments into Mcp-Param-* headers.
  'http-custom-headers': async (rest, context) => {
    await rest.loadDocument();
    if (!context.toolCalls?.length) throw new Error('http-custom-headers: MCP_CONFORMANCE_CONTEXT has no toolCalls');
    for (const call of context.toolCalls) expectOk(await rest.call(call.name, call.arguments), call.name);
  },

  // Every tool is asked for; mcpo must serve valid_tool and refuse the ten whose x-mcp-header is invalid.
  'http-invalid-tool-headers': async (rest) => {
    await rest.loadDocument();
    expectOk(await rest.call('valid_tool', { region: 'us-west1' }), 'valid_tool');
    for (const [tool, args] of Object.entries(INVALID_TOOL_ARGS)) await rest.call(tool, args);
  },

  // Publishing the document makes mcpo process the schema; it must not fetch the network $ref while doing so.
  'json-schema-ref-no-deref': async (rest) => {
    await rest.loadDocument();
    if (!rest.tools().includes('lookup_user')) throw new Error(`lookup_user is not served; tools: ${rest.tools().join(', ')}`);
  },

  // The schema a REST caller sees is the published request body; it goes back to the server verbatim.
  'json-schema-2020-12-preservation': async (rest) => {
    await rest.loadDocument();
    const schema = rest.inputSchema('json_schema_2020_12_tool');
    if (schema === undefined) throw new Error(`json_schema_2020_12_tool is not served; tools: ${rest.tools().join(', ')}`);
    expectOk(await rest.call('json_schema_echo', { schema }), 'json_schema_echo');
  },

  'sep-2322-client-request-state': requestState,
};
