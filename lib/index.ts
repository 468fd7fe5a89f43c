/**
 * mcpo's public surface: re-exports only.
 */
export { mcpoRouter, type McpoRouter, type RouterStatus } from './router.js';
export type { ServerSpec, StdioServerSpec, RemoteServerSpec, TransportType } from './spec.js';
export { DEFAULT_OPTIONS, type RouterOptions } from './options.js';
export { consoleLogger, silentLogger, type Logger } from './log.js';
export { createDispatcher, type Dispatcher } from './dispatcher.js';
export {
  McpoError,
  isMcpoError,
  BadRequestError,
  UnknownToolError,
  MethodNotAllowedError,
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
