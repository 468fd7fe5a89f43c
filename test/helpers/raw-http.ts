/**
 * HTTP exchanges a fuzz test can judge byte for byte: a request as a method,
 * a target, a list of header lines (duplicates allowed) and body bytes, sent
 * through Node's client (`httpExchange`) or written as raw bytes on a fresh
 * socket (`rawExchange`) when Node's client would refuse or repair it; and
 * the responses read back, each with its status, headers and body. Event
 * streams that stay open (an MCP session's GET) are read up to their headers.
 */
import http from 'node:http';
import net from 'node:net';

export interface Req {
  method: string;
  /** The request target, sent as it is. */
  path: string;
  headers: [string, string][];
  body?: Buffer;
}

export interface Answer {
  status: number;
  /** Lower-case names; a repeated header has several values. */
  headers: Record<string, string[]>;
  body: Buffer;
}

/** What came back: the answers in order, and why the exchange ended without (another) answer, if it did. */
export interface Outcome {
  answers: Answer[];
  /** The connection failed or timed out. */
  error?: string;
  /** Bytes came back that are not a whole HTTP response. */
  malformed?: string;
}

/** The request as bytes on the wire. */
export function serialize(req: Req): Buffer {
  const head = `${req.method} ${req.path} HTTP/1.1\r\n${req.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), req.body ?? Buffer.alloc(0)]);
}

const isStream = (res: http.IncomingMessage) => /^text\/event-stream/.test(res.headers['content-type'] ?? '');

/** Through Node's client; throws synchronously when the client refuses the request (an invalid path or header). */
export function httpExchange(agent: http.Agent, port: number, req: Req, timeoutMs: number): Promise<Outcome> {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of req.headers) (headers[k.toLowerCase()] ??= []).push(v);
  const request = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent, setHost: false });
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    request.on('response', (res) => {
      const answer: Answer = { status: res.statusCode!, headers: multiHeaders(res.rawHeaders), body: Buffer.alloc(0) };
      // A GET that opens a session's event stream stays open by design: its headers are the answer.
      if (req.method === 'GET' && isStream(res)) {
        request.destroy();
        return done({ answers: [answer] });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ answers: [{ ...answer, body: Buffer.concat(chunks) }] }));
      res.on('error', (err) => done({ answers: [{ ...answer, body: Buffer.concat(chunks) }], malformed: `the response was cut: ${err.message}` }));
    });
    request.on('error', (err) => done({ answers: [], error: (err as NodeJS.ErrnoException).code ?? err.message }));
    request.end(req.body);
  });
}

function multiHeaders(raw: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < raw.length; i += 2) (out[raw[i]!.toLowerCase()] ??= []).push(raw[i + 1]!);
  return out;
}

/**
 * Writes `bytes` on a fresh socket and reads until the server closes it.
 * `halfClose`: end our side after writing, as a client that gives up on a
 * request does; otherwise the request must make the server answer and close.
 */
export function rawExchange(port: number, bytes: Buffer, halfClose: boolean, headRequest: boolean, timeoutMs: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let streamed = false;
    const socket = net.connect(port, '127.0.0.1', () => (halfClose ? socket.end(bytes) : socket.write(bytes)));
    const timer = setTimeout(() => {
      error = `no close within ${timeoutMs} ms`;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // An event stream (an MCP session's GET) stays open by design: its head is the answer.
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end > 0 && /^HTTP\/1\.1 200[^]*\r\ncontent-type: text\/event-stream/i.test(data.subarray(0, end).toString('latin1'))) {
        chunks.splice(0, chunks.length, data.subarray(0, end + 4));
        streamed = true;
        socket.destroy();
      }
    });
    // A server may answer and close while we still write; what it sent is still read.
    socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
    socket.on('close', () => {
      clearTimeout(timer);
      const parsed = parseResponses(Buffer.concat(chunks), headRequest || streamed);
      resolve({ answers: parsed.answers, ...(error ? { error } : {}), ...(parsed.error ? { malformed: parsed.error } : {}) });
    });
  });
}

/** Every response in `data`, in order; `error` says what was left that is not a whole response. */
export function parseResponses(data: Buffer, headRequest: boolean): { answers: Answer[]; error?: string } {
  const answers: Answer[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) return { answers, error: `a response cut inside its head: ${JSON.stringify(data.subarray(at, at + 200).toString('latin1'))}` };
    const [statusLine, ...lines] = data.subarray(at, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine!);
    if (!match) return { answers, error: `not a status line: ${JSON.stringify(statusLine)}` };
    const headers: Record<string, string[]> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
    }
    const status = Number(match[1]);
    let next = end + 4;
    let body: Buffer = Buffer.alloc(0);
    // A server that could not parse a HEAD does not know it was one, and may send a body: the next bytes tell.
    const headAnswer = headRequest && answers.length === 0 && (next === data.length || data.subarray(next, next + 5).toString('latin1') === 'HTTP/');
    const noBody = status < 200 || status === 204 || status === 304 || headAnswer;
    if (!noBody && /chunked/i.test(headers['transfer-encoding']?.join(',') ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf('\r\n', next);
        const size = lineEnd < 0 ? NaN : parseInt(data.subarray(next, lineEnd).toString('latin1'), 16);
        if (!Number.isFinite(size) || lineEnd + 2 + size + 2 > data.length) return { answers, error: `a chunked body cut short (status ${status})` };
        parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        next = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (!noBody && headers['content-length']) {
      const length = Number(headers['content-length'][0]);
      if (next + length > data.length) return { answers, error: `a body shorter than its Content-Length (status ${status})` };
      body = data.subarray(next, next + length);
      next += length;
    } else if (!noBody) {
      body = data.subarray(next);
      next = data.length;
    }
    if (status >= 200) answers.push({ status, headers, body });
    at = next;
  }
  return { answers };
}
