/**
 * The MCP endpoints the bench loads with `tools/call` of `ping`, as raw
 * JSON-RPC POSTs (the load generator sends bytes, not an SDK client): a
 * 2025-era session opened as a client opens one (`initialize`, then
 * `notifications/initialized`, then every call under `Mcp-Session-Id`), or
 * a 2026-07-28 stateless request, built as `@modelcontextprotocol/client`
 * builds one in auto mode (captured from it: the `Mcp-Method`/`Mcp-Name`
 * headers and the `_meta` envelope on every request, no session).
 *
 * It opens and checks targets; it does not generate load (run.ts does).
 */

/** What autocannon needs to load an endpoint: its URL, the headers of every call, and the body of call `id`. */
export interface McpTarget {
  url: string;
  headers: Record<string, string>;
  body(id: number): string;
}

const ACCEPT = 'application/json, text/event-stream';
const LEGACY_VERSION = '2025-11-25';
const MODERN_VERSION = '2026-07-28';
const CLIENT_INFO = { name: 'bench', version: '0' };

const call = (id: number, params: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ping', arguments: {}, ...params } });

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
export async function sessionTarget(url: string): Promise<McpTarget> {
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
  return { url, headers, body: (id) => call(id) };
}

/** 2026-07-28 calls at `url`: no session, each request carrying its version, client info and capabilities. */
export function statelessTarget(url: string): McpTarget {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  return {
    url,
    headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'ping' },
    body: (id) => call(id, { _meta: meta }),
  };
}

/** Sends one call as the load will, and throws unless its answer holds `ping`'s result. */
export async function checkTarget(target: McpTarget): Promise<void> {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body(-1) });
  const reply = (await message(response)) as { result?: { content?: { text?: string }[] } };
  if (reply.result?.content?.[0]?.text !== 'pong') throw new Error(`${target.url} did not answer ping: ${JSON.stringify(reply)}`);
}
