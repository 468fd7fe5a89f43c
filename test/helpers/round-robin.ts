/**
 * A load balancer with no stickiness at all, for tests of mcpo replicas: each
 * incoming request goes to the next target in turn, headers and body passed
 * through as they are and the answer streamed back (SSE included). It counts
 * what each target got, so a test can show that every replica answered. It
 * does not retry, rewrite or inspect anything. A test may pin the next
 * requests to replicas of its choosing (`pinNext`), to make a sign-in's
 * callback land on another replica than its authorize page, say. It records which
 * replica served each request, by method and path (never the query, which
 * may hold a ticket or a code), and the request's `x-test-tag` header if it
 * has one, so a test can tell whose requests each replica served.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  /** The proxy's base URL, without a trailing slash. */
  url: string;
  /** Requests sent to each target so far, in the order of `targets`. */
  hits: number[];
  /** Every request forwarded so far: which target, `METHOD /path` without the query, and its `x-test-tag` header. */
  served: { target: number; request: string; tag?: string }[];
  /** The next requests go to these targets, in order (a queue), before round-robin resumes. */
  pinNext(...targets: number[]): void;
  close(): Promise<void>;
}

export async function roundRobin(targets: readonly string[]): Promise<RoundRobin> {
  // Its own agent, so that close() also ends the kept-alive sockets to the targets.
  const agent = new http.Agent({ keepAlive: true });
  const hits = targets.map(() => 0);
  const served: RoundRobin['served'] = [];
  const pinned: number[] = [];
  let turn = 0;
  const server = http.createServer(function forward(req, res) {
    const i = pinned.length > 0 ? pinned.shift()! : turn++ % targets.length;
    hits[i]!++;
    const tag = req.headers['x-test-tag'];
    served.push({ target: i, request: `${req.method} ${(req.url ?? '/').split('?')[0]}`, ...(typeof tag === 'string' ? { tag } : {}) });
    const upstream = http.request(new URL(req.url ?? '/', targets[i]), { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that hangs up (a closed SSE stream) hangs up on the target too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    served,
    pinNext(...next) {
      for (const i of next) {
        if (!Number.isInteger(i) || i < 0 || i >= targets.length) throw new RangeError(`no target ${i}`);
        pinned.push(i);
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
