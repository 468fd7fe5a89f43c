/**
 * @modelcontextprotocol/server-memory, run unchanged, with its knowledge graph
 * kept where you own it. Left alone, the server resolves a relative
 * MEMORY_FILE_PATH (and its default) against its own folder inside
 * node_modules, which every `npm ci` wipes. Here a relative path is taken
 * from the repository root instead, so examples/config.json's default,
 * `data/memory.jsonl`, lands in `data/` (ignored by git). An absolute
 * MEMORY_FILE_PATH is used as it is.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const file = path.resolve(root, process.env.MEMORY_FILE_PATH || 'data/memory.jsonl');
process.env.MEMORY_FILE_PATH = file;
mkdirSync(path.dirname(file), { recursive: true });
// stdout is the MCP channel; stderr is the server's log.
console.error(`memory file: ${file}`);
await import('@modelcontextprotocol/server-memory/dist/index.js');
