/**
 * The MCP endpoints the bench loads, as raw JSON-RPC POSTs (the load
 * generator sends bytes, not an SDK client): a 2025-era session opened as a
 * client opens one (`initialize`, then `notifications/initialized`, then
 * every call under `Mcp-Session-Id`), or a 2026-07-28 stateless request,
 * built as `@modelcontextprotocol/client` builds one in auto mode (captured
 * from it: the `Mcp-Method`/`Mcp-Name` headers and the `_meta` envelope on
 * every request, no session). A target sends one of four methods to the
 * bench server (test/bench/server.ts): `tools/call` of `ping` (the default),
 * `tools/list`, `resources/read` of its resource, `prompts/get` of `greet`.
 *
 * It opens and checks targets; it does not generate load (run.ts does).
 */

export type McpMethod = 'tools/call' | 'tools/list' | 'resources/read' | 'prompts/get';

/** What autocannon needs to load an endpoint: its URL, the headers of every call, and the body of call `id`. */
export interface McpTarget {
  url: string;
  method: McpMethod;
  headers: Record<string, string>;
  body(id: number): string;
  /** The same endpoint, era and session, sending `method` instead. */
  withMethod(method: McpMethod): McpTarget;
}

const ACCEPT = 'application/json, text/event-stream';
const LEGACY_VERSION = '2025-11-25';
const MODERN_VERSION = '2026-07-28';
const CLIENT_INFO = { name: 'bench', version: '0' };

// As test/bench/server.ts serves them; a check fails if the two drift apart.
const RESOURCE_URI = 'bench://static/text';
const RESOURCE_TEXT = 'A small static text.';
const PROMPT_TEXT = 'Hello, Ada.';

type Result = Record<string, unknown> | undefined;
const first = (list: unknown): Record<string, unknown> | undefined => (Array.isArray(list) ? list[0] : undefined);

/**
 * Each method's params, the param that the 2026-07-28 `Mcp-Name` header repeats (none for
 * tools/list), and whether a result is the bench server's right answer.
 */
const METHODS: Record<McpMethod, { params: Record<string, unknown>; named?: 'name' | 'uri'; answered(result: Result): boolean }> = {
  'tools/call': { params: { name: 'ping', arguments: {} }, named: 'name', answered: (r) => first(r?.content)?.text === 'pong' },
  'tools/list': { params: {}, answered: (r) => Array.isArray(r?.tools) && r.tools.some((tool: { name?: unknown }) => tool?.name === 'ping') },
  'resources/read': { params: { uri: RESOURCE_URI }, named: 'uri', answered: (r) => first(r?.contents)?.text === RESOURCE_TEXT },
  'prompts/get': {
    params: { name: 'greet', arguments: { name: 'Ada' } },
    named: 'name',
    answered: (r) => (first(r?.messages)?.content as Result)?.text === PROMPT_TEXT,
  },
};

const request = (id: number, method: McpMethod, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...METHODS[method].params, ...extra } });

/** The JSON-RPC message of a response, whichever of JSON or one SSE `message` event the server chose. */
async function message(response: Response): Promise<{ result?: unknown; error?: unknown }> {
  const text = await response.text();
  if (!response.ok) throw new Error(`status ${response.status}: ${text.slice(0, 300)}`);
  if (!response.headers.get('content-type')?.includes('text/event-stream')) return JSON.parse(text);
  // Skips a priming event (an id, and empty data), which a resumable stream opens with.
  const data = text.split('\n').find((line) => line.startsWith('data: ') && line.length > 'data: '.length);
  if (!data) throw new Error(`no message in the event stream: ${text.slice(0, 300)}`);
  return JSON.parse(data.slice('data: '.length));
}

/**
 * Opens a 2025-era session at `url` and sends its calls with the version the
 * server agreed to (supergateway's SDK and mcpo's both agree to 2025-11-25).
 */
export async function sessionTarget(url: string, method: McpMethod = 'tools/call'): Promise<McpTarget> {
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: CLIENT_INFO } }),
  });
  const session = init.headers.get('mcp-session-id');
  const { result } = await message(init);
  const version = (result as { protocolVersion?: string } | undefined)?.protocolVersion;
  if (!session || !version) throw new Error(`${url} opened no session (status ${init.status})`);
  const headers = { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': session, 'mcp-protocol-version': version };
  const initialized = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await initialized.text();
  if (!initialized.ok) throw new Error(`${url} refused notifications/initialized (status ${initialized.status})`);
  const inSession = (method: McpMethod): McpTarget => ({ url, method, headers, body: (id) => request(id, method), withMethod: inSession });
  return inSession(method);
}

/** 2026-07-28 calls at `url`: no session, each request carrying its version, client info and capabilities. */
export function statelessTarget(url: string, method: McpMethod = 'tools/call'): McpTarget {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const { params, named } = METHODS[method];
  return {
    url,
    method,
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': method,
      ...(named ? { 'mcp-name': String(params[named]) } : {}),
    },
    body: (id) => request(id, method, { _meta: meta }),
    withMethod: (other) => statelessTarget(url, other),
  };
}

/** Sends one call as the load will, and throws unless its answer is the bench server's for that method. */
export async function checkTarget(target: McpTarget): Promise<void> {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body(-1) });
  const reply = (await message(response)) as { result?: Result };
  if (!METHODS[target.method].answered(reply.result)) throw new Error(`${target.url} did not answer ${target.method} rightly: ${JSON.stringify(reply).slice(0, 300)}`);
}
