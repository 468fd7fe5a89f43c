/**
 * `lingerOnClose(req)`: a connection mcpo closes in the middle of an upload
 * (an answer that needed none of the body, after `discardBody` in
 * lib/http/body.ts gave up on the rest) half-closes after the answer and
 * keeps reading, and dropping, what the client still sends, until the client
 * closes too or `LINGER_MS` runs out. Only then is the socket destroyed.
 *
 * Node's server ends a `Connection: close` answer with `destroySoon()`, which
 * closes the socket as soon as the answer is flushed, with the client's
 * bytes still unread. The kernel then answers them with a reset, and a client
 * still writing meets EPIPE or ECONNRESET before it has read the answer that
 * is sitting in its own receive buffer. RFC 9112 §9.6 asks a server to close
 * in two steps for that reason.
 */
import type { IncomingMessage } from 'node:http';

/**
 * How long a closing connection goes on reading after its answer. Bounded in
 * time only, as nginx's and Apache's lingering close are: a client may write
 * many megabytes before its event loop gets to read, and bytes arriving at
 * network speed cost no more than any other upload.
 */
export const LINGER_MS = 2000;

/** Call before sending an answer with `Connection: close` to a request whose body is still arriving. */
export function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket;
  // The one place Node closes a `Connection: close` response's socket; this socket alone gets the two-step close.
  socket.destroySoon = function lingeringClose() {
    const close = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER_MS);
    // Flowing, the request drops what the parser still reads of its body.
    req.resume();
    // The client has read the answer and closed its side, or it has gone.
    socket.once('end', close);
    socket.once('close', close);
    socket.end();
  };
}
