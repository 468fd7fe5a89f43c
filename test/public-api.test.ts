/**
 * The public surface, by name: everything lib/index.ts exports, values and
 * types apart. A change to this list is a change to what users may import,
 * so it should be made here on purpose, never arrive by accident with a
 * refactor. The names come from the type checker, so a type re-exported
 * without `type` still counts as a type.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';
import * as mcpo from '../lib/index.js';

const INDEX = fileURLToPath(new URL('../lib/index.ts', import.meta.url));

const VALUES = [
    'BadRequestError',
    'ConfigError',
    'DEFAULT_OPTIONS',
    'ForbiddenError',
    'InvalidArgumentsError',
    'InvalidTokenError',
    'McpoError',
    'MethodNotAllowedError',
    'NotFoundError',
    'PayloadTooLargeError',
    'RateLimitedError',
    'TimeoutError',
    'ToolError',
    'UnauthorizedError',
    'UnavailableError',
    'UnknownToolError',
    'UnsupportedMediaTypeError',
    'UpstreamError',
    'apiKeyAuth',
    'applyServerLimits',
    'auditFile',
    'auditToLog',
    'bothLimits',
    'callerOf',
    'consoleLogger',
    'createApp',
    'createConsoleLogger',
    'createDispatcher',
    'createMetrics',
    'hostCheck',
    'isLoopbackHost',
    'isMcpoError',
    'jsonErrorHandler',
    'loadConfig',
    'mcpoRouter',
    'parseConfig',
    'rateLimiter',
    'requestId',
    'silentLogger',
    'watchConfig',
];

const TYPES = [
    'Access',
    'ApiKeyAuthOptions',
    'ApiKeyConfig',
    'AppConfig',
    'AppOptions',
    'AuditFile',
    'AuditRecord',
    'AuditSink',
    'AuthConfig',
    'CallLimiter',
    'Caller',
    'ConfigProblem',
    'ConfigWatchOptions',
    'ConfigWatcher',
    'Dispatcher',
    'ErrorBody',
    'GrantType',
    'HealthReport',
    'HealthStatus',
    'HostCheckOptions',
    'JwtIssuerConfig',
    'LimiterOptions',
    'LogLevel',
    'Logger',
    'McpoApp',
    'McpoConfig',
    'McpoMetrics',
    'McpoRouter',
    'MetricsOptions',
    'OAuthInput',
    'OAuthSpec',
    'OutputItem',
    'OutputItemType',
    'ParseConfigOptions',
    'RateLimit',
    'ReloadResult',
    'RemoteServerSpec',
    'RouteLabel',
    'RouterOptions',
    'RouterStatus',
    'ServerEntry',
    'ServerHealth',
    'ServerLimits',
    'ServerReading',
    'ServerSpec',
    'SharedRouterOptions',
    'SingleServerConfig',
    'StdioServerSpec',
    'SuccessBody',
    'Telemetry',
    'ToolOverride',
    'TransportType',
    'UpstreamState',
    'UpstreamStatus',
];

function exportedNames(): { values: string[]; types: string[] } {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.resolve(INDEX));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error('lib/index.ts did not load');
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
  }
  return { values: values.sort(), types: types.sort() };
}

describe('the public API (lib/index.ts)', function () {
  this.timeout(60_000);

  it('exports exactly the listed values and types', () => {
    const names = exportedNames();
    expect(names.values, 'values').to.deep.equal(VALUES);
    expect(names.types, 'types').to.deep.equal(TYPES);
  });

  it('exports the listed values at run time', () => {
    expect(Object.keys(mcpo).sort()).to.deep.equal(VALUES);
  });
});
