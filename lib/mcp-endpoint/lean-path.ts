/**
 * The lean path in front of the SDK's 2026-07-28 handler: a request
 * lean-admission.ts admits is answered by lean-answers.ts and written here
 * as the SDK writes a JSON answer (HTTP 200, `application/json`); how any
 * other call ended goes to `replay`, the SDK's path, to be answered there.
 * A caller that hangs up cancels the call upstream, as over REST.
 */
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { Implementation } from '@modelcontextprotocol/server';
import { callerOf } from '../auth/caller.js';
import { giveBack, takeController } from '../http/abort-pool.js';
import { requestIdOf } from '../http/request-id.js';
import { traceOf } from '../telemetry/observe.js';
import { leanRequest } from './lean-admission.js';
import { encodeFinished, leanAnswer, leanTally, type Settled } from './lean-answers.js';
import { declaresParamHeaders } from './param-header-check.js';
import type { McpSource } from './source.js';

/** Answers `body` and returns true, or returns false, having done nothing, for the SDK to answer it. */
export type LeanPath = (req: ExpressRequest, res: ExpressResponse, body: unknown) => boolean;

export function leanPath(source: McpSource, serverInfo: Implementation, replay: (req: ExpressRequest, res: ExpressResponse, body: unknown, settled: Settled) => void): LeanPath {
  return (req, res, body) => {
    const request = leanRequest(body, req.headers);
    if (!request) return false;
    const caller = callerOf(req);
    // A tool with x-mcp-header parameters has its headers checked on the SDK's path (modern-requests.ts).
    if (request.method === 'tools/call' && declaresParamHeaders(source.tool(request.params.name as string, caller)?.tool.inputSchema)) return false;
    const controller = takeController();
    const hangUp = (): void => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    };
    res.on('close', hangUp);
    leanAnswer(source, request, { signal: controller.signal, headers: req.headers, caller, trace: traceOf(res), requestId: requestIdOf(res) })
      .then((outcome) => {
        res.off('close', hangUp);
        giveBack(controller);
        if ('settled' in outcome) {
          leanTally.replayed++;
          return replay(req, res, body, outcome.settled);
        }
        leanTally.direct++;
        const text = encodeFinished(request, outcome.result, serverInfo);
        res.statusCode = 200;
        res.setHeader('content-type', 'application/json');
        res.end(text);
      })
      // Only a result that cannot be written as JSON gets here; the SDK answers the failure as it answers a handler's.
      .catch((err: unknown) => (res.headersSent ? res.destroy() : replay(req, res, body, { error: err })));
    return true;
  };
}
