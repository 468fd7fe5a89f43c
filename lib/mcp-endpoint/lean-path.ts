/**
 * The lean path in front of the SDK's 2026-07-28 handler: a request
 * lean-admission.ts admits is answered by lean-answers.ts and written here
 * as the SDK writes a JSON answer (HTTP 200, `application/json`); how any
 * other call ended goes to `handOff`, the SDK's path, to be answered there.
 * A caller that hangs up cancels the call upstream, as over REST.
 */
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { Implementation } from '@modelcontextprotocol/server';
import { callerOf } from '../auth/caller.js';
import { giveBack, takeController } from '../http/abort-pool.js';
import { requestIdOf } from '../http/request-id.js';
import { traceOf } from '../telemetry/observe.js';
import { leanRequest } from './lean-admission.js';
import { encodeFinished, finishedResult, leanCall, leanTally, toolList } from './lean-answers.js';
import { declaresParamHeaders } from './param-header-check.js';
import type { Settled } from './replayed-source.js';
import type { McpSource } from './source.js';

/** Answers `body` and returns true, or returns false, having done nothing, for the SDK to answer it. */
export type LeanPath = (req: ExpressRequest, res: ExpressResponse, body: unknown) => boolean;

export type HandOff = (req: ExpressRequest, res: ExpressResponse, body: unknown, settled: Settled) => void;

export function leanPath(source: McpSource, serverInfo: Implementation, handOff: HandOff): LeanPath {
  return (req, res, body) => {
    const request = leanRequest(body, req.headers);
    if (!request) return false;
    const caller = callerOf(req);
    const write = (result: Record<string, unknown>): void => {
      leanTally.direct++;
      const text = encodeFinished(request, result, serverInfo);
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json');
      res.end(text);
    };
    if (request.method === 'tools/list') {
      write(toolList(source, caller));
      return true;
    }
    // A tool with x-mcp-header parameters has its headers checked on the SDK's path (modern-requests.ts).
    if (request.method === 'tools/call' && declaresParamHeaders(source.tool(request.params.name as string, caller)?.tool.inputSchema)) return false;
    const controller = takeController();
    const hangUp = (): void => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    };
    res.on('close', hangUp);
    // What endpoint-peer.ts's peerOf makes of a 2026-07-28 request without a log level: no log lines, no asking.
    const peer = { capabilities: request.capabilities, logLevel: undefined, onLog: undefined, ask: undefined };
    const settle = (settled: Settled | undefined, result?: Record<string, unknown>): void => {
      res.off('close', hangUp);
      giveBack(controller);
      if (result) return write(result);
      leanTally.replayed++;
      handOff(req, res, body, settled!);
    };
    leanCall(source, request.method, request.params, { signal: controller.signal, headers: req.headers, caller, trace: traceOf(res), requestId: requestIdOf(res), peer })
      .then(
        (value) => {
          const result = finishedResult(request.method, value);
          settle(result ? undefined : { value }, result);
        },
        (error: unknown) => settle({ error }),
      )
      // Only a result that cannot be written as JSON gets here; the SDK answers the failure as it answers a handler's.
      .catch((error: unknown) => (res.headersSent ? res.destroy() : handOff(req, res, body, { error })));
    return true;
  };
}
