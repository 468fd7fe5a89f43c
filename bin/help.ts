/**
 * The help text `mcpo --help` prints, with the defaults from the flag table
 * (bin/flags.ts) and the router's (lib/router/options.ts, which holds only
 * data). Text only: it parses nothing, and it imports nothing from the app,
 * so that help can be answered without loading it.
 */
import { DEFAULT_OPTIONS } from '../lib/router/options.js';
import { DEFAULTS } from './flags.js';

export const HELP = `Usage:
  mcpo [options] -- <command> [args...]     serve one stdio MCP server at /
  mcpo [options] --server-type sse -- <url> serve one remote MCP server (sse | streamable-http)
  mcpo [options] --config <file>            serve every server in a Claude-Desktop style file at /<name>

Network:
  -h, --host <host>              address to listen on (default ${DEFAULTS.host}; any other needs an API key)
  -p, --port <port>              port to listen on (default ${DEFAULTS.port}; 0 picks a free one)
  -t, --ssl-certfile <file>      serve HTTPS with this certificate (PEM), together with --ssl-keyfile
  -K, --ssl-keyfile <file>       the certificate's private key (PEM)
      --root-path <path>         path a reverse proxy strips in front of mcpo, for the documents' URLs
      --path-prefix <path>       mount servers under this path (default /)

Auth and CORS:
  -k, --api-key <key>            require "Authorization: Bearer <key>" on tool calls (or set MCPO_API_KEY);
                                 named keys and JWT issuers go in the config file's "auth" block
      --strict-auth              require a key or token on every route, docs included (not /healthz, /readyz)
      --allow-unauthenticated    allow a non-loopback --host without an API key
      --cors-allow-origins <o>   allow browser calls from this origin, or *; repeatable (default: none;
                                 other origins get 403, the docs page's own origin always works)
      --allowed-hosts <h>        also answer to this Host name (api.example.com, *.example.com, or *);
                                 repeatable. On a loopback --host only loopback names are answered
                                 by default (DNS rebinding); elsewhere there is no Host check unless given

Server (single-server mode):
      --server-type, --type <t>  stdio (default), sse or streamable-http; for the last two the word after -- is the URL
  -H, --header <json>            headers for a remote server, as a JSON object
  -e, --env <KEY=VALUE>          add a variable to the environment of stdio servers; repeatable
      --env-path <file>          read more variables from a dotenv file

OAuth (to remote servers that ask for it):
      --public-url <url>         the URL mcpo is reached at, behind a reverse proxy: the OAuth redirect URI
                                 is <url><path-prefix>/oauth/<name>/callback (or "publicUrl" in the config file)
      --state-dir <dir>          where OAuth tokens and registered clients are kept (or set MCPO_STATE_DIR, or
                                 "stateDir" in the config file; default $XDG_STATE_HOME/mcpo or ~/.local/state/mcpo)
      --state-store <url>        keep them in Redis instead, shared by replicas: redis://[user:pass@]host:port[/db]
                                 (or set MCPO_STATE_STORE); MCPO_STATE_KEY (64 hex characters) encrypts tokens
      --forget-tokens <name>     forget every caller's tokens for that server in the state store, and exit
  For a single remote server (with --config, write an "oauth" block per server instead):
      --oauth-client-id <id>     a client registered with the server's authorization server
      --oauth-client-secret <s>  its secret; better set MCPO_OAUTH_CLIENT_SECRET, since ps shows flags to all
      --oauth-scope <scopes>     space-separated scopes to ask for, instead of the ones the server names
      --oauth-grant-type <g>     authorization_code (default: a person signs in once) or client_credentials
                                 (no person: needs --oauth-client-id and a secret)
      --oauth-client-metadata-url <url>
                                 an https Client ID Metadata Document to identify mcpo, instead of a client id

Config:
  -c, --config <file>            JSON with comments; \${VAR} and \${VAR:-default} are expanded
      --hot-reload               watch the config file and apply changes without a restart
      --tool-prefix-servers      serve every tool as <server>_<tool> (unless its server sets "toolPrefix"),
                                 so names from different servers cannot clash in one function list
      --mcp-separator <s>        join server and tool names with <s> on the aggregate MCP endpoint /mcp
                                 (default _): /mcp serves every server, /<name>/mcp one, both MCP eras

Calls:
      --tool-timeout <s>         seconds a tool call may go without answering or reporting progress
                                 before it answers 504 (default ${DEFAULTS.toolTimeout})
      --tool-timeout-max <s>     most seconds a caller may ask for with X-Tool-Timeout or ?timeout= (default 600)
      --max-total-timeout <s>    most seconds a call may run while its progress keeps restarting
                                 --tool-timeout (default: --tool-timeout-max)
      --body-limit <size>        largest request body, e.g. 512kb or 2mb (default ${DEFAULTS.bodyLimit}); more gets 413
      --headers-timeout <s>      seconds a client has to send a request's headers (default ${DEFAULTS.headersTimeout});
                                 a slower one gets 408
      --request-timeout <s>      seconds a client has to send a whole request, headers and body (default
                                 ${DEFAULTS.requestTimeout}); never limits a tool call's answer or an event stream
      --structured-output        add an "output" collection of typed items to every result
                                 A tool that needs input answers 409 with a continuation, signed with
                                 MCPO_CONTINUATION_SECRET (else derived from the API key, else random):
                                 give replicas the same one

MCP endpoints (/mcp, /<name>/mcp): the sessions 2025-era clients open (2026-07-28 ones need none)
      --session-idle-timeout <s> close a session with no request and no open stream for this many seconds
                                 (default ${DEFAULT_OPTIONS.sessionIdleTimeout}); its client gets 404 and starts a new one
      --max-sessions <n>         most sessions per endpoint (default ${DEFAULT_OPTIONS.maxSessions}); a new one closes the
                                 longest idle, and when all are active initialize gets 503

Docs, logging, process:
  -n, --name <name>              the docs' title
  -d, --description <text>       the docs' description
  -v, --version <version>        the docs' version (a bare -v or --version prints mcpo's version)
      --log-level <level>        debug, info, warning or error (default ${DEFAULTS.logLevel})
      --audit-log <file>         write one JSON line per call to this file (reopened on SIGHUP, for rotation)
                                 instead of to the log
      --metrics-public           serve /metrics without a key (it needs one whenever a key is set)
  Traces go to an OpenTelemetry collector when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set
      --grace-period <s>         on SIGTERM/SIGINT, seconds calls in flight may take to finish (default ${DEFAULTS.gracePeriod})
      --help                     show this help
`;
