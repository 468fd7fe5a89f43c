/**
 * One attempt at a connection: an SDK client over a fresh transport (a new
 * child process, a new HTTP session), with the child's stderr tail and the
 * words for why it ended. upstream-supervisor.ts opens one per attempt and
 * decides what happens next; this module only builds, wires and explains.
 *
 * The client negotiates the protocol era itself (`versionNegotiation: auto`):
 * a server that answers `server/discover` is spoken to in 2026-07-28, without
 * a handshake or a session, and every request carries the `_meta` envelope;
 * any other gets the 2025 `initialize` handshake. `input_required` results
 * come back as values (manual mode), for the router to hand to its caller.
 */
import { Client, SdkError, SdkErrorCode, type Implementation, type OAuthClientProvider, type Tool } from '@modelcontextprotocol/client';
import { VERSION } from '../common/version.js';
import { exitMessage, silenceMessage, spawnFailure, spawnFailureMessage } from './exit-report.js';
import type { ResolvedSpec } from './spec.js';
import { endsSession, httpStatusOf, messageOf } from './transport-errors.js';
import { callPeer, createTransport, type BuiltTransport } from './transports.js';
import { declaresElicitation, solePeer, type Peer } from './peer.js';
import { offers, type CatalogFeature } from './catalog.js';

const CLIENT_INFO: Implementation = { name: 'mcpo', version: VERSION };

/** A chatty child costs at most this much memory per tail kept. */
export const STDERR_TAIL_CHARS = 8192;

/** One attempt's client and transport; replaced whole on every reconnect. */
export interface Session {
  client: Client;
  built: BuiltTransport;
  /** Tools whose parameters this session mirrors as `Mcp-Param-*` headers (set when the tools are listed). */
  mirrored: Map<string, Tool>;
  /** The server answered 401 on this session: it wants authorization. */
  unauthorized: boolean;
  /** What this attempt's child wrote to stderr (a bounded tail), quoted when it exits. */
  stderr: string;
}

export interface SessionEvents {
  /** A chunk of the stdio child's stderr. */
  onStderr(chunk: string): void;
  /** The server said its tool list changed. */
  onToolsChanged(): void;
  /** The server said its resource or prompt list changed. */
  onCatalogChanged(feature: CatalogFeature): void;
  /** The server said the resource at `uri` changed (a subscription of subscriptions.ts). */
  onResourceUpdated(uri: string): void;
  /** The connection is gone; `reason` says why, in words. */
  onClosed(reason: string): void;
  /** The transport reported, on its own, an error that ends the session; `now` when a new one may start at once. */
  onBroken(reason: string, now: boolean): void;
  /** Any other transport error, for the debug log. */
  onTransportError(message: string): void;
  /** A 2025-era server asked for input mid-call, and was declined. */
  onElicitationDeclined(): void;
}

export function openSession(spec: ResolvedSpec, name: string, events: SessionEvents, authProvider?: OAuthClientProvider): Session {
  const client = new Client(CLIENT_INFO, {
    // Form elicitation is the one kind of input a REST caller can give (the 409 flow); nothing else is offered.
    capabilities: { elicitation: { form: {} } },
    versionNegotiation: { mode: 'auto' },
    inputRequired: { autoFulfill: false },
  });
  const built = createTransport(spec, {
    onStderr: (chunk) => {
      session.stderr = (session.stderr + chunk).slice(-STDERR_TAIL_CHARS);
      events.onStderr(chunk);
    },
    ...(authProvider ? { authProvider, onUnauthorized: () => (session.unauthorized = true) } : {}),
    traceInMeta: () => client.getProtocolEra() === 'modern',
  });
  const session: Session = { client, built, mirrored: new Map(), unauthorized: false, stderr: '' };
  client.setNotificationHandler('notifications/tools/list_changed', () => events.onToolsChanged());
  client.setNotificationHandler('notifications/resources/list_changed', () => events.onCatalogChanged('resources'));
  client.setNotificationHandler('notifications/prompts/list_changed', () => events.onCatalogChanged('prompts'));
  client.setNotificationHandler('notifications/resources/updated', (n) => events.onResourceUpdated(String(n.params.uri)));
  // A log line goes to the MCP endpoint's client whose request it came on (peer.ts); a REST caller has no use for it.
  client.setNotificationHandler('notifications/message', (n) => peerOf(client)?.onLog?.(n.params as Record<string, unknown>));
  // A 2025-era server asks for input with a request in the middle of the call. An MCP endpoint's client that
  // declared the mode is asked in turn; a REST call cannot be held open across two HTTP requests, so it is declined, and said so.
  client.setRequestHandler('elicitation/create', async (request) => {
    const peer = peerOf(client);
    const params = request.params as Record<string, unknown>;
    if (peer?.ask && declaresElicitation(peer.capabilities, params)) return (await peer.ask('elicitation/create', params)) as never;
    events.onElicitationDeclined();
    return { action: 'decline' };
  });
  client.onclose = () =>
    events.onClosed(endReason(spec, name, session, true) ?? (spec.type === 'stdio' ? 'the server process exited' : 'the connection closed'));
  client.onerror = (err) => {
    const withSessionId = (session.built.transport as { sessionId?: string }).sessionId !== undefined;
    if (!endsSession(err, spec.type, client.getProtocolEra(), withSessionId)) return events.onTransportError(messageOf(err));
    // A failed send is reported here first, then thrown to its call; wait a turn, so that call can
    // see the real error (and retry on a new session) before the old session is closed under it.
    setImmediate(() => events.onBroken(messageOf(err), httpStatusOf(err) === 404));
  };
  return session;
}

/** The peer a message from the server is for: the one whose request's stream it came on, else the only one in flight. */
const peerOf = (client: Client): Peer | undefined => callPeer() ?? solePeer(client);

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

/**
 * Why a stdio child that still runs failed its attempt: it did not answer in
 * time. Named and quoted as an exit is; undefined for any other failure.
 */
export function silenceReason(spec: ResolvedSpec, name: string, session: Session, err: unknown, timeoutMs: number): string | undefined {
  if (spec.type !== 'stdio' || session.built.exit() !== undefined) return undefined;
  if (!(err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout)) return undefined;
  return silenceMessage(name, spec.command, timeoutMs, session.stderr);
}

/** A change-notification stream that ends sooner than this after it opened is not opened again. */
const RELISTEN_MIN_MS = 1000;

export interface ListenEvents {
  /** Whether the session is still the one in use; a stream of an old one is left closed. */
  current(): boolean;
  /** The stream was opened again: a change may have passed while it was closed. */
  reopened(): void;
  /** The stream cannot be kept open: the server is gone. */
  gone(reason: string): void;
}

/**
 * On a 2026-07-28 connection change notifications come only on a
 * `subscriptions/listen` stream; open one for the tool list, and for the
 * `catalog` features (catalog.ts), as far as the server says it announces
 * changes, and open it again when it ends (a proxy's idle timeout ends the
 * stream of a healthy server). A stream that cannot be opened again, or
 * keeps ending at once, means the server is gone. A 2025-era server sends its
 * notifications unasked.
 */
export async function listenForChanges(session: Session, catalog: readonly CatalogFeature[], events: ListenEvents): Promise<void> {
  const { client } = session;
  if (client.getProtocolEra() !== 'modern') return;
  const changes = (feature: CatalogFeature) => catalog.includes(feature) && offers(client, feature).listChanged;
  const filter = {
    ...(client.getServerCapabilities()?.tools?.listChanged ? { toolsListChanged: true } : {}),
    ...(changes('resources') ? { resourcesListChanged: true } : {}),
    ...(changes('prompts') ? { promptsListChanged: true } : {}),
  };
  if (Object.keys(filter).length === 0) return;
  const openedAt = Date.now();
  const subscription = await client.listen(filter);
  void subscription.closed.then((how) => {
    if (how === 'local' || !events.current()) return;
    if (Date.now() - openedAt < RELISTEN_MIN_MS) return events.gone('the server keeps ending the change notification stream');
    listenForChanges(session, catalog, events).then(
      () => events.reopened(),
      (err: unknown) => events.gone(`the change notification stream ended and could not be opened again: ${messageOf(err)}`),
    );
  });
}

/**
 * True when a stdio server ended the connection during the era probe: the
 * shape of a 2025-era server that exits on any request before `initialize`.
 * The next attempt skips the probe.
 */
export function diedOfProbe(spec: ResolvedSpec, err: unknown): boolean {
  return spec.type === 'stdio' && err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed && /closed|probed in place/.test(err.message);
}

/**
 * Ends a session: the client, and the transport under it. While the client
 * probes the era it does not own its transport yet, so closing the client
 * alone would leave a child process running.
 */
export async function closeSession(session: Session): Promise<void> {
  await Promise.allSettled([session.client.close(), session.built.transport.close()]);
}
