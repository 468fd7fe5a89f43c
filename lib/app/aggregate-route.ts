/**
 * `GET <prefix>/openapi.json` in config mode: every mounted server's document
 * as one, as the request's caller sees it: each server's document for them
 * (a router's `documentFor`), and no trace of a server whose access does not
 * admit them. The JSON is built once per combination of those documents and
 * rebuilt only when the table was replaced or some server's document changed
 * (a reconnect, a new tool list), not per request.
 */
import type { RequestHandler } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import { callerOf } from '../auth/caller.js';
import { aggregateDocuments, type DocumentPart } from '../openapi/aggregate.js';
import { servedDocument, serversUrl } from '../openapi/document.js';
import type { Mounted } from './server-table.js';

/** Combinations kept for one state of the servers; more callers than this with different sets rebuild. */
const MAX_COMBINATIONS = 64;

export function aggregatedDocument(
  table: () => ReadonlyMap<string, Mounted>,
  info: Parameters<typeof aggregateDocuments>[1],
  rootPath: string,
): RequestHandler {
  let cached: { table: unknown; key: readonly unknown[]; byParts: Map<string, (url: string) => string> } | undefined;
  const ids = documentIds();
  return function aggregatedDocument(req, res) {
    const current = table();
    const key = [...current.values()].map(({ router }) => router.document());
    if (!cached || cached.table !== current || cached.key.some((d, i) => d !== key[i])) cached = { table: current, key, byParts: new Map() };
    const caller = callerOf(req);
    const parts: DocumentPart[] = [];
    let combination = '';
    for (const { entry, router, path } of current.values()) {
      if (!router.admits(caller)) {
        combination += '-,';
        continue;
      }
      const document = router.documentFor(caller);
      combination += `${ids(document)},`;
      parts.push({ name: entry.name, path, document, ...(entry.toolPrefix ? { prefixed: true } : {}) });
    }
    let json = cached.byParts.get(combination);
    if (!json) {
      json = servedDocument(aggregateDocuments(parts, info));
      if (cached.byParts.size >= MAX_COMBINATIONS) cached.byParts.clear();
      cached.byParts.set(combination, json);
    }
    res.type('json').send(json(serversUrl(rootPath, req.baseUrl)));
  };
}

/** A number for each document object, the same as long as the object lives. */
function documentIds(): (document: OpenAPIV3_1.Document | undefined) => number {
  const ids = new WeakMap<OpenAPIV3_1.Document, number>();
  let next = 1;
  return (document) => {
    if (!document) return 0;
    let id = ids.get(document);
    if (id === undefined) ids.set(document, (id = next++));
    return id;
  };
}
