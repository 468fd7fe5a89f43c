/**
 * A connection's catalog: the resources, URI templates and prompts the
 * server lists, kept so the documents can describe them (openapi/features.ts).
 * Listed at connect and again when the server says a list changed, only for
 * the features the router asked for and the server's capabilities offer.
 *
 * A list that fails is logged and left out: the catalog describes, it never
 * keeps a server from being served. The REST routes still ask the server on
 * each request (resource-routes.ts); this is not a cache for them.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { Logger } from '../common/log.js';
import { messageOf } from './transport-errors.js';
import { listPrompts, type ListedPrompt } from './prompts.js';
import { listResources, listResourceTemplates } from './resources.js';

export type CatalogFeature = 'resources' | 'prompts';

/** What the server lists; a field is absent when the server does not offer it, it was not asked for, or listing it failed. */
export interface Catalog {
  readonly resources?: readonly Record<string, unknown>[];
  readonly resourceTemplates?: readonly Record<string, unknown>[];
  readonly prompts?: readonly ListedPrompt[];
}

/** Whether the server offers `feature`, and says when its list changes. */
export function offers(client: Client, feature: CatalogFeature): { offered: boolean; listChanged: boolean } {
  const capability = client.getServerCapabilities()?.[feature] as { listChanged?: boolean } | undefined;
  return { offered: capability !== undefined, listChanged: capability?.listChanged === true };
}

async function settle<T>(what: string, logger: Logger, list: () => Promise<T>): Promise<T | undefined> {
  try {
    return await list();
  } catch (err) {
    logger.warn(`could not list ${what}; the documents leave them out`, { error: messageOf(err) });
    return undefined;
  }
}

/** The catalog of `features` over `client`, each list within `timeoutMs`. */
export async function listCatalog(client: Client, features: readonly CatalogFeature[], timeoutMs: number, logger: Logger): Promise<Catalog> {
  const pages = () => ({ pageTimeoutMs: timeoutMs, deadline: Date.now() + timeoutMs });
  const want = (feature: CatalogFeature) => features.includes(feature) && offers(client, feature).offered;
  const [resources, resourceTemplates, prompts] = await Promise.all([
    want('resources') ? settle('resources', logger, () => listResources(client, pages(), logger)) : undefined,
    want('resources') ? settle('resource templates', logger, () => listResourceTemplates(client, pages(), logger)) : undefined,
    want('prompts') ? settle('prompts', logger, () => listPrompts(client, pages(), logger)) : undefined,
  ]);
  return {
    ...(resources ? { resources } : {}),
    ...(resourceTemplates ? { resourceTemplates } : {}),
    ...(prompts ? { prompts } : {}),
  };
}
