/**
 * One attempt at a connection: an SDK client over a fresh transport (a new
 * child process, a new HTTP session), with the child's stderr tail and the
 * words for why it ended. upstream.ts opens one per attempt and decides what
 * happens next; this module only builds, wires and explains.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema, type Implementation } from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../common/version.js';
import { exitMessage, spawnFailure, spawnFailureMessage } from './exit-report.js';
import type { ResolvedSpec } from './spec.js';
import { endsSession, httpStatusOf, messageOf } from './transport-errors.js';
import { createTransport, type BuiltTransport } from './transports.js';

const CLIENT_INFO: Implementation = { name: 'mcpo', version: VERSION };

/** A chatty child costs at most this much memory per tail kept. */
export const STDERR_TAIL_CHARS = 8192;

/** One attempt's client and transport; replaced whole on every reconnect. */
export interface Session {
  client: Client;
  built: BuiltTransport;
  /** What this attempt's child wrote to stderr (a bounded tail), quoted when it exits. */
  stderr: string;
}

export interface SessionEvents {
  /** A chunk of the stdio child's stderr. */
  onStderr(chunk: string): void;
  /** The server said its tool list changed. */
  onToolsChanged(): void;
  /** The connection is gone; `reason` says why, in words. */
  onClosed(reason: string): void;
  /** The transport reported, on its own, an error that ends the session; `now` when a new one may start at once. */
  onBroken(reason: string, now: boolean): void;
  /** Any other transport error, for the debug log. */
  onTransportError(message: string): void;
}

export function openSession(spec: ResolvedSpec, name: string, events: SessionEvents): Session {
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const built = createTransport(spec, {
    onStderr: (chunk) => {
      session.stderr = (session.stderr + chunk).slice(-STDERR_TAIL_CHARS);
      events.onStderr(chunk);
    },
  });
  const session: Session = { client, built, stderr: '' };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => events.onToolsChanged());
  client.onclose = () =>
    events.onClosed(endReason(spec, name, session, true) ?? (spec.type === 'stdio' ? 'the server process exited' : 'the connection closed'));
  client.onerror = (err) => {
    if (!endsSession(err, spec.type)) return events.onTransportError(messageOf(err));
    // A failed send is reported here first, then thrown to its call; wait a turn, so that call can
    // see the real error (and retry on a new session) before the old session is closed under it.
    setImmediate(() => events.onBroken(messageOf(err), httpStatusOf(err) === 404));
  };
  return session;
}

/**
 * Why a stdio session ended, naming the server and quoting its stderr: the
 * command could not be run, or the child exited. Undefined while the child
 * runs (a timeout, say) and for remote servers. The transport reports its
 * close only after the child's stderr has ended, so the tail is whole.
 */
export function endReason(spec: ResolvedSpec, name: string, session: Session, ready: boolean, err?: unknown): string | undefined {
  if (spec.type !== 'stdio') return undefined;
  const spawnError = spawnFailure(err);
  if (spawnError) return spawnFailureMessage(name, spec.command, spec.cwd, spawnError);
  const exit = session.built.exit();
  return exit && exitMessage(name, exit, ready, session.stderr);
}
