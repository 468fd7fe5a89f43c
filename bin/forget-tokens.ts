/**
 * `mcpo --forget-tokens <name>`: an operator's sign-out of everyone. Every
 * token kept for that server (each caller's, and the server's own) is
 * deleted from the state store the other flags name (--state-store, else
 * --state-dir or the config file's `stateDir`, else the default directory),
 * and the command exits. Running replicas see it at their next call: with
 * Redis at once, with files after a restart.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/app/config.js';
import type { Logger } from '../lib/common/log.js';
import { defaultStateDir } from '../lib/state/state-dir.js';
import { holdState } from '../lib/state/stores.js';
import type { ForgetTokens } from './cli-options.js';
import { StartupError } from './startup-error.js';

/** How long to wait for Redis to answer before giving up. */
const CONNECT_MS = 10_000;

/** Forgets the tokens and answers how many records went, and where. */
export async function forgetTokens(forget: ForgetTokens, logger: Logger): Promise<{ count: number; where: string }> {
  const fromFile = forget.stateDir === undefined && forget.config !== undefined ? (await loadConfig(forget.config)).stateDir : undefined;
  const stateDir = path.resolve(forget.stateDir ?? fromFile ?? defaultStateDir(process.env, homedir(), process.platform));
  const held = holdState({ stateDir, ...(forget.stateStore !== undefined ? { stateStore: forget.stateStore } : {}), logger });
  try {
    const { store } = held.records;
    const deadline = Date.now() + CONNECT_MS;
    while (!store.connected() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!store.connected()) throw new StartupError(`the state store does not answer; nothing was forgotten`);
    const count = await held.records.forgetTokens(forget.server);
    return { count, where: store.type === 'redis' ? 'the Redis state store' : stateDir };
  } finally {
    await held.release();
  }
}
