/**
 * mcpo's public surface: re-exports only.
 */
export { mcpoRouter, type McpoRouter, type RouterStatus } from './router/mcpo-router.js';
export type { ServerSpec, StdioServerSpec, RemoteServerSpec, TransportType } from './mcp/spec.js';
export type { OAuthSpec, OAuthInput, GrantType } from './mcp/oauth-spec.js';
export { DEFAULT_OPTIONS, type RouterOptions } from './router/options.js';
export type { ToolOverride } from './openapi/tool-rules.js';
export { consoleLogger, silentLogger, createConsoleLogger, type Logger, type LogLevel } from './common/log.js';
export { createApp, type McpoApp } from './app/app.js';
export type { AppConfig, SingleServerConfig } from './app/server-entries.js';
export type { ReloadResult } from './app/server-table.js';
export type { AppOptions, SharedRouterOptions } from './app/app-options.js';
export { watchConfig, type ConfigWatcher, type ConfigWatchOptions } from './app/config-watch.js';
export { loadConfig, parseConfig, ConfigError, type McpoConfig, type ParseConfigOptions } from './app/config.js';
export type { ServerEntry } from './app/server-entry.js';
export { apiKeyAuth, type ApiKeyAuthOptions } from './http/auth.js';
export { callerOf, type Caller } from './auth/caller.js';
export type { Access } from './auth/access.js';
export type { AuthConfig, ApiKeyConfig, JwtIssuerConfig } from './auth/auth-config.js';
export { hostCheck, isLoopbackHost, type HostCheckOptions } from './http/hosts.js';
export { requestId } from './http/request-id.js';
export { jsonErrorHandler } from './http/error-handler.js';
export type { ConfigProblem, HealthReport, HealthStatus, ServerHealth } from './app/health.js';
export { createDispatcher, type Dispatcher } from './http/dispatcher.js';
export { applyServerLimits, type ServerLimits } from './http/server-limits.js';
export {
  McpoError,
  isMcpoError,
  BadRequestError,
  UnknownToolError,
  NotFoundError,
  UnauthorizedError,
  InvalidTokenError,
  ForbiddenError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  InvalidArgumentsError,
  ToolError,
  UpstreamError,
  UnavailableError,
  TimeoutError,
  type ErrorBody,
} from './http/errors.js';
export { createMetrics, type McpoMetrics, type MetricsOptions, type RouteLabel, type ServerReading } from './telemetry/metrics.js';
export { auditToLog, auditFile, type AuditRecord, type AuditSink, type AuditFile } from './telemetry/audit.js';
export { rateLimiter, bothLimits, RateLimitedError, type RateLimit, type CallLimiter, type LimiterOptions } from './telemetry/rate-limits.js';
export type { Telemetry } from './telemetry/telemetry.js';
export type { SuccessBody, OutputItem, OutputItemType } from './http/results.js';
export type { UpstreamState, UpstreamStatus } from './mcp/upstream.js';
