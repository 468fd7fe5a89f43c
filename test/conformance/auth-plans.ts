/**
 * What the person and the REST caller do in each `auth/*` conformance
 * scenario, and what mcpo must show for the driver to finish ("done"). The
 * scenario's own checks score mcpo's OAuth traffic; a plan only plays its
 * part and says, in the run's log, where mcpo let it down.
 *
 * Four kinds of plan:
 * - `authorize`: mcpo asks (`needs-authorization`), the person authorizes,
 *   mcpo gets ready, the tool call works. A call answered 503
 *   `authorization_required` (step-up, a new authorization server) sends the
 *   person round again, then the call is retried.
 * - `machine`: client_credentials; nobody is asked, mcpo gets ready alone.
 * - `refuse`: mcpo must not get ready. With `mustAsk` it must send the person
 *   to the authorization server and turn the answer away at its callback
 *   (the bad `iss`); without, it may also refuse before asking anyone.
 * - `give-up`: every token is refused; mcpo must stop asking before the
 *   person's patience (MAX_AUTHORIZATIONS) runs out, and the call must fail.
 */
import type { Person, ServerHealth } from './person.js';
import type { Reply, RestCaller } from './rest.js';

/** `MCP_CONFORMANCE_CONTEXT` of the auth scenarios: the pre-registered client, where there is one. */
export interface AuthContext {
  client_id?: string;
  client_secret?: string;
  private_key_pem?: string;
  signing_algorithm?: string;
}

export interface AuthPlan {
  kind: 'authorize' | 'machine' | 'refuse' | 'give-up';
  /** `oauth` keys beyond the context's credentials. */
  oauth?: Record<string, string>;
  /** `refuse`: the bad answer comes from the authorization server, so mcpo must ask first. */
  mustAsk?: boolean;
}

/** The URL the suite's CIMD scenario expects as client_id; it need not resolve. */
const CIMD_URL = 'https://conformance-test.local/client-metadata.json';
/** One more than the three re-authorizations auth/scope-retry-limit allows, so a limitless mcpo shows in its check. */
const MAX_AUTHORIZATIONS = 4;
const SETTLE_MS = 8_000;
/** The one tool every auth scenario's server serves. */
const TOOL = 'test-tool';

const authorize: AuthPlan = { kind: 'authorize' };
const rejectAtCallback: AuthPlan = { kind: 'refuse', mustAsk: true };

export const AUTH_PLANS: Readonly<Record<string, AuthPlan>> = {
  'auth/metadata-default': authorize,
  'auth/metadata-var1': authorize,
  'auth/metadata-var2': authorize,
  'auth/metadata-var3': authorize,
  'auth/basic-cimd': { kind: 'authorize', oauth: { clientMetadataUrl: CIMD_URL } },
  'auth/scope-from-www-authenticate': authorize,
  'auth/scope-from-scopes-supported': authorize,
  'auth/scope-omitted-when-undefined': authorize,
  'auth/scope-step-up': authorize,
  'auth/scope-retry-limit': { kind: 'give-up' },
  'auth/token-endpoint-auth-basic': authorize,
  'auth/token-endpoint-auth-post': authorize,
  'auth/token-endpoint-auth-none': authorize,
  'auth/pre-registration': authorize,
  'auth/resource-mismatch': { kind: 'refuse' },
  'auth/offline-access-scope': authorize,
  'auth/offline-access-not-supported': authorize,
  'auth/authorization-server-migration': authorize,
  'auth/iss-supported': authorize,
  'auth/iss-not-advertised': authorize,
  'auth/iss-supported-missing': rejectAtCallback,
  'auth/iss-wrong-issuer': rejectAtCallback,
  'auth/iss-unexpected': rejectAtCallback,
  'auth/iss-normalized': rejectAtCallback,
  'auth/metadata-issuer-mismatch': { kind: 'refuse' },
  'auth/2025-03-26-oauth-metadata-backcompat': authorize,
  'auth/2025-03-26-oauth-endpoint-fallback': authorize,
  'auth/client-credentials-basic': { kind: 'machine', oauth: { grantType: 'client_credentials' } },
  'auth/client-credentials-jwt': { kind: 'machine', oauth: { grantType: 'client_credentials' } },
};

/**
 * The server's `oauth` block: the plan's keys and the context's credentials;
 * undefined when there is nothing to say. `withDocument` adds the metadata
 * document's URL to every block, so a scenario that pre-registers a client
 * runs with both (the suite's authorization servers know every client id, so
 * a made-up one would be used where a scenario expects registration).
 */
export function oauthBlock(plan: AuthPlan, context: AuthContext, withDocument = false): Record<string, string> | undefined {
  const block: Record<string, string> = { ...plan.oauth, ...(withDocument ? { clientMetadataUrl: CIMD_URL } : {}) };
  if (context.client_id !== undefined) block.clientId = context.client_id;
  if (context.client_secret !== undefined) block.clientSecret = context.client_secret;
  if (context.private_key_pem !== undefined) block.privateKey = context.private_key_pem;
  if (context.signing_algorithm !== undefined) block.signingAlgorithm = context.signing_algorithm;
  return Object.keys(block).length > 0 ? block : undefined;
}

function isOk(reply: Reply): boolean {
  return reply.status >= 200 && reply.status <= 299;
}

function errorCode(reply: Reply): unknown {
  return (reply.body as { error?: { code?: unknown } } | null)?.error?.code;
}

function stateOf(health: ServerHealth): string {
  return `state ${health.state}${health.lastError ? `: ${health.lastError}` : ''}`;
}

/**
 * The person authorizes for as long as mcpo asks, each time landing back on mcpo's callback with a 200;
 * with `refusalEnds`, a callback that says the server still refuses (502) ends the asking.
 */
async function authorizeWhileAsked(person: Person, since: number, refusalEnds = false): Promise<ServerHealth> {
  let health = await person.settled(since, SETTLE_MS);
  while (health.state === 'needs-authorization') {
    if (person.authorizations >= MAX_AUTHORIZATIONS) {
      throw new Error(`mcpo still asks for authorization after ${person.authorizations} authorizations`);
    }
    if (!health.authorizeUrl) throw new Error('/healthz says needs-authorization but gives no authorizeUrl');
    const landing = await person.authorize(health.authorizeUrl);
    if (!landing.hops.some((url) => !person.isMcpo(url))) {
      throw new Error(`mcpo's authorize did not lead to the authorization server (${landing.status} at ${landing.url})`);
    }
    if (!person.isMcpo(landing.url) || !new URL(landing.url).pathname.endsWith('/callback')) {
      throw new Error(`the redirects did not end at mcpo's callback but at ${landing.url} (${landing.status})`);
    }
    if (refusalEnds && landing.status === 502) {
      person.log(`callback ${person.authorizations}: the server still refuses, and mcpo stopped asking`);
      return person.settled(landing.at, SETTLE_MS);
    }
    if (landing.status !== 200) throw new Error(`mcpo's callback answered ${landing.status}`);
    health = await person.settled(landing.at, SETTLE_MS);
    person.log(`after authorization ${person.authorizations}: ${stateOf(health)}`);
  }
  return health;
}

/** Calls the tool, sending the person round again whenever mcpo answers that it needs authorization. */
async function callTool(person: Person, rest: RestCaller): Promise<Reply> {
  for (;;) {
    const reply = await rest.call(TOOL, {});
    if (reply.status !== 503 || errorCode(reply) !== 'authorization_required') return reply;
    const before = person.authorizations;
    const health = await authorizeWhileAsked(person, 0);
    if (person.authorizations === before) throw new Error(`${TOOL} answered authorization_required, but /healthz says ${stateOf(health)}`);
    if (health.state !== 'ready') return reply;
    await rest.loadDocument();
  }
}

async function authorizeAndCall(person: Person, rest: RestCaller): Promise<void> {
  const health = await authorizeWhileAsked(person, 0, true);
  if (person.authorizations === 0) throw new Error(`mcpo did not ask for authorization (${stateOf(health)})`);
  if (health.state === 'needs-authorization') throw new Error(`mcpo still asks after ${person.authorizations} authorizations`);
  if (health.state !== 'ready') throw new Error(`mcpo did not connect after authorization (${stateOf(health)})`);
  await rest.loadDocument();
  const reply = await callTool(person, rest);
  if (!isOk(reply)) throw new Error(`${TOOL}: mcpo answered ${reply.status} ${JSON.stringify(reply.body)}`);
}

async function machine(person: Person, rest: RestCaller): Promise<void> {
  const health = await person.settled(0, SETTLE_MS);
  if (health.state === 'needs-authorization') throw new Error('mcpo asks a person to authorize a client_credentials server');
  if (health.state !== 'ready') throw new Error(`mcpo did not connect (${stateOf(health)})`);
  await rest.loadDocument();
  const reply = await rest.call(TOOL, {});
  if (!isOk(reply)) throw new Error(`${TOOL}: mcpo answered ${reply.status} ${JSON.stringify(reply.body)}`);
}

async function refuse(person: Person, rest: RestCaller, mustAsk: boolean): Promise<void> {
  let health = await person.settled(0, SETTLE_MS);
  if (health.state === 'needs-authorization') {
    if (!health.authorizeUrl) throw new Error('/healthz says needs-authorization but gives no authorizeUrl');
    const landing = await person.authorize(health.authorizeUrl);
    const reachedServer = landing.hops.some((url) => !person.isMcpo(url));
    if (mustAsk && !reachedServer) throw new Error(`mcpo's authorize did not lead to the authorization server (${landing.status} at ${landing.url})`);
    if (person.isMcpo(landing.url) && landing.status >= 200 && landing.status <= 299) {
      throw new Error(`mcpo accepted the authorization response: ${landing.url} answered ${landing.status}`);
    }
    person.log(`mcpo refused: ${landing.status} at ${landing.url}`);
    // Time for a wrongly accepted code to turn into a connection, were mcpo to do that anyway.
    await new Promise((resolve) => setTimeout(resolve, 300));
    health = await person.health();
  } else if (mustAsk) {
    throw new Error(`mcpo did not ask for authorization (${stateOf(health)})`);
  } else {
    person.log(`mcpo did not ask for authorization (${stateOf(health)})`);
  }
  if (health.state === 'ready') throw new Error('mcpo connected although it should have refused');
  const reply = await rest.call(TOOL, {});
  if (isOk(reply)) throw new Error(`${TOOL} went through although mcpo should have refused`);
}

async function giveUp(person: Person, rest: RestCaller): Promise<void> {
  const health = await authorizeWhileAsked(person, 0, true);
  if (person.authorizations === 0) throw new Error(`mcpo did not ask for authorization (${stateOf(health)})`);
  if (health.state === 'needs-authorization') throw new Error(`mcpo still asks after ${person.authorizations} authorizations`);
  const reply = health.state === 'ready' ? await callTool(person, rest) : await rest.call(TOOL, {});
  if (isOk(reply)) throw new Error(`${TOOL} went through although every token lacks the scope`);
  person.log(`mcpo gave up after ${person.authorizations} authorizations (${stateOf(await person.health())})`);
}

export function runAuthPlan(plan: AuthPlan, person: Person, rest: RestCaller): Promise<void> {
  switch (plan.kind) {
    case 'authorize':
      return authorizeAndCall(person, rest);
    case 'machine':
      return machine(person, rest);
    case 'refuse':
      return refuse(person, rest, plan.mustAsk ?? false);
    case 'give-up':
      return giveUp(person, rest);
  }
}
