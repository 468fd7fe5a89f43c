/**
 * Raw 2026-07-28 requests to an MCP endpoint, as the v2 client sends them
 * without a session: the `_meta` envelope in each request, and the
 * `Mcp-Method` / `Mcp-Name` headers that mirror a single message's body.
 * For suites that must see the HTTP answer itself (a status, a header)
 * rather than what an SDK client makes of it.
 */

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A `tools/call` message with the envelope. */
export function modernToolsCall(id: number, tool: string, args: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args, _meta: MODERN_META } };
}

/** POSTs one message or a batch; a single message's method and name go in the headers too. */
export function modernPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const single = !Array.isArray(body) ? (body as { method: string; params: { name?: string } }) : undefined;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      ...(single ? { 'mcp-method': single.method, ...(single.params.name !== undefined ? { 'mcp-name': single.params.name } : {}) } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}
