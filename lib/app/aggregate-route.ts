/**
 * `GET <prefix>/openapi.json` in config mode: every mounted server's document
 * as one. The JSON is rebuilt only when the table was replaced or some
 * server's document changed (a reconnect, a new tool list), not per request.
 */
import type { RequestHandler } from 'express';
import { aggregateDocuments, type DocumentPart } from '../openapi/aggregate.js';
import { servedDocument, serversUrl } from '../openapi/document.js';
import type { Mounted } from './server-table.js';

export function aggregatedDocument(
  table: () => ReadonlyMap<string, Mounted>,
  info: Parameters<typeof aggregateDocuments>[1],
  rootPath: string,
): RequestHandler {
  let cached: { table: unknown; key: readonly unknown[]; json: (url: string) => string } | undefined;
  return function aggregatedDocument(req, res) {
    const current = table();
    const parts: DocumentPart[] = [...current.values()].map(({ entry, router, path }) => ({
      name: entry.name,
      path,
      document: router.document(),
      ...(entry.toolPrefix ? { prefixed: true } : {}),
    }));
    const key = parts.map((p) => p.document);
    if (!cached || cached.table !== current || cached.key.some((d, i) => d !== key[i])) {
      cached = { table: current, key, json: servedDocument(aggregateDocuments(parts, info)) };
    }
    res.type('json').send(cached.json(serversUrl(rootPath, req.baseUrl)));
  };
}
