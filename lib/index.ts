/**
 * mcpo's public surface: re-exports only.
 */
export { mcpoRouter, type McpoRouter, type RouterStatus } from './router.js';
export type { ServerSpec, StdioServerSpec, RemoteServerSpec, TransportType } from './spec.js';
export { DEFAULT_OPTIONS, type RouterOptions } from './options.js';
export { consoleLogger, silentLogger, createConsoleLogger, type Logger, type LogLevel } from './log.js';
export { createApp, type AppConfig, type AppOptions, type McpoApp, type ReloadResult, type SingleServerConfig, type SharedRouterOptions } from './app.js';
export { watchConfig, type ConfigWatcher, type ConfigWatchOptions } from './config-watch.js';
export { loadConfig, parseConfig, ConfigError, type McpoConfig, type ServerEntry, type ParseConfigOptions } from './config.js';
export { apiKeyAuth, type ApiKeyAuthOptions } from './auth.js';
export { hostCheck, isLoopbackHost, type HostCheckOptions } from './hosts.js';
export { requestId } from './request-id.js';
export { jsonErrorHandler } from './error-handler.js';
export type { ConfigProblem, HealthReport, ServerHealth } from './health.js';
export { createDispatcher, type Dispatcher } from './dispatcher.js';
export {
  McpoError,
  isMcpoError,
  BadRequestError,
  UnknownToolError,
  NotFoundError,
  UnauthorizedError,
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
} from './errors.js';
export type { SuccessBody, OutputItem, OutputItemType } from './results.js';
export type { UpstreamState, UpstreamStatus } from './upstream.js';
