/**
 * A JSON answer written as Express's `res.json` writes it for mcpo's
 * settings (no ETag, no replacer, no spacing): the same status, the same
 * `Content-Type` and `Content-Length`, the same bytes. `res.json` gets there
 * through `res.send`, which for every answer also asks whether the request
 * is fresh, looks the content type up again and sets the charset by parsing
 * the header it just set; on a tool call's success, which every REST call
 * ends in, that is work for nothing.
 */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
