/**
 * The REST caller the conformance driver plays: what a user of mcpo's HTTP
 * API does, nothing more. It reads the tool table from `/openapi.json`, posts
 * arguments to `POST /<tool>`, and answers an `input_required` reply (409) by
 * posting the input responses back with the `Mcp-Continuation` header.
 *
 * It never speaks MCP itself: every MCP message the scenario server sees comes
 * from mcpo. It does not judge results either; the scenario's checks do.
 */

export interface Reply {
  status: number;
  body: unknown;
}

/** An `input_required` reply: what the server asks for, and the token to resume with. */
export interface InputRequired {
  inputRequests: Record<string, { method: string; params?: Record<string, unknown> }>;
  continuation: string;
}

interface Operation {
  'x-mcp-tool'?: string;
  requestBody?: { content?: { 'application/json'?: { schema?: unknown } } };
}

type Paths = Record<string, { post?: Operation }>;

export class RestCaller {
  #paths: Paths = {};

  constructor(readonly baseUrl: string, private readonly log: (line: string) => void) {}

  /** Reads the tool table mcpo publishes; call again after mcpo relists. */
  async loadDocument(): Promise<void> {
    const res = await fetch(`${this.baseUrl}/openapi.json`);
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    this.#paths = ((await res.json()) as { paths?: Paths }).paths ?? {};
  }

  /** Tool names mcpo serves, as the document lists them. */
  tools(): string[] {
    return Object.values(this.#paths).flatMap((item) => (item.post?.['x-mcp-tool'] ? [item.post['x-mcp-tool']] : []));
  }

  /** The request-body schema mcpo publishes for a tool: all a REST caller knows of its inputSchema. */
  inputSchema(tool: string): unknown {
    return this.#operation(tool)?.[1].requestBody?.content?.['application/json']?.schema;
  }

  /**
   * `POST /<tool>`. A tool mcpo does not list is still posted to, at the path
   * its name would have, so that "mcpo refused it" is observed, not assumed.
   */
  async call(tool: string, args: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const path = this.#operation(tool)?.[0] ?? `/${encodeURIComponent(tool)}`;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(args),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text for the log.
    }
    this.log(`POST ${path} ${JSON.stringify(args)} -> ${res.status} ${text.slice(0, 500)}`);
    return { status: res.status, body };
  }

  /** Posts the answers to an `input_required` reply: same path, the continuation in a header. */
  resume(tool: string, input: InputRequired, responses: Record<string, unknown>): Promise<Reply> {
    return this.call(tool, responses, { 'Mcp-Continuation': input.continuation });
  }

  #operation(tool: string): [string, Operation] | undefined {
    for (const [path, item] of Object.entries(this.#paths)) {
      if (item.post?.['x-mcp-tool'] === tool) return [path, item.post];
    }
    return undefined;
  }
}

/** The `input_required` part of a 409 reply, or undefined for any other reply. */
export function inputRequired(reply: Reply): InputRequired | undefined {
  if (reply.status !== 409) return undefined;
  const error = (reply.body as { error?: Record<string, unknown> } | null)?.error;
  if (error?.code !== 'input_required' || typeof error.continuation !== 'string') return undefined;
  return { inputRequests: (error.inputRequests ?? {}) as InputRequired['inputRequests'], continuation: error.continuation };
}

/**
 * What a person at a form would answer: every elicitation accepted, each
 * requested field filled with a plain value of its type (a boolean `true`).
 * Requests of other kinds (sampling, roots) get no answer, so the server can
 * see which it was not given.
 */
export function acceptAll(requests: InputRequired['inputRequests']): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(requests)) {
    if (request.method !== 'elicitation/create') continue;
    const schema = request.params?.requestedSchema as { properties?: Record<string, { type?: string }> } | undefined;
    const content: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(schema?.properties ?? {})) {
      content[name] = property.type === 'boolean' ? true : property.type === 'number' || property.type === 'integer' ? 1 : 'yes';
    }
    answers[key] = { action: 'accept', content };
  }
  return answers;
}
