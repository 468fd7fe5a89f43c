/**
 * Every document mcpo serves, linted by Spectral's `spectral:oas` ruleset and
 * by Redocly's `recommended` one (the lint engine of Redocly's CLI, run in-process):
 * per-server documents of the kitchen-sink fixture, server-everything, the
 * example time server and server-memory; server-everything's and the modern
 * fixture's with their resources and prompts shown; their aggregate; with and without an
 * API key; in single-server mode and under a path prefix. They are collected
 * from real apps talking to real servers, written to a temp dir, and linted
 * by one Spectral process (it takes seconds to start) and by Redocly. Beside them, documents
 * built from tools whose schemas use the whole JSON Schema 2020-12 vocabulary
 * (`$schema`, `$defs`, `$anchor`, if/then/else, prefixItems…), alone and
 * aggregated twice over.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createApp, silentLogger, type AppConfig, type AppOptions, type McpoApp } from '../../lib/index.js';
import { aggregateDocuments } from '../../lib/openapi/aggregate.js';
import { buildDocument } from '../../lib/openapi/document.js';
import { buildToolTable, servedAsListed } from '../../lib/openapi/tools.js';
import { lintFindings } from '../helpers/lint.js';
import { RICH_TOOLS } from '../helpers/schemas.js';
import { everythingStdio, kitchenSinkStdio, memoryStdio, modernStdio, timeStdio } from '../helpers/servers.js';

const KEY = 'spectral-test-key-1357';
/** Resources and prompts in the documents too (the `documents` key), beside the tools. */
const ALL_SECTIONS = ['tools', 'resources', 'prompts'];
/** The apps whose documents are linted, and the document paths each serves. */
interface Served {
  label: string;
  config: AppConfig;
  options: AppOptions;
  documents: string[];
}

/** Documents of tools using the whole 2020-12 vocabulary, as a server's and as an aggregate of two such servers. */
function writeRichDocuments(dir: string): string[] {
  const table = buildToolTable(servedAsListed(RICH_TOOLS), { maxRecursion: 3, onWarning: () => {} });
  const own = buildDocument(table, { serverInfo: { name: 'rich', version: '1.0.0' } }, { info: {}, structuredOutput: true });
  const parts = ['a', 'b'].map((name) => ({ name, path: `/${name}`, document: own }));
  const documents = { own, aggregate: aggregateDocuments(parts, { title: 'Rich', version: '1.0.0' }) };
  return Object.entries(documents).map(([label, document]) => {
    const file = path.join(dir, `rich-${label}.json`);
    writeFileSync(file, JSON.stringify({ ...document, servers: [{ url: '/' }] }, null, 2));
    return file;
  });
}

describe('Spectral (spectral:oas) and Redocly (recommended) on every document mcpo serves', function () {
  this.timeout(120_000);
  let dir: string;
  const apps: McpoApp[] = [];

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpo-spectral-'));
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('find nothing but what they were told to ignore', async () => {
    const servers = { 'kitchen-sink': kitchenSinkStdio(), everything: everythingStdio(), time: timeStdio(), memory: memoryStdio(path.join(dir, 'memory.jsonl')) };
    const perServer = Object.keys(servers).map((name) => `/${name}/openapi.json`);
    const served: Served[] = [
      { label: 'config', config: { mcpServers: servers }, options: {}, documents: ['/openapi.json', ...perServer] },
      {
        label: 'config-key-prefix',
        config: { mcpServers: servers },
        options: { apiKey: KEY, pathPrefix: '/api/v1', rootPath: '/proxied' },
        documents: ['/openapi.json', ...perServer].map((p) => `/api/v1${p}`),
      },
      { label: 'single', config: { server: kitchenSinkStdio() }, options: {}, documents: ['/openapi.json'] },
      {
        label: 'features',
        config: { mcpServers: { everything: { ...everythingStdio(), documents: ALL_SECTIONS }, modern: { ...modernStdio(), documents: ALL_SECTIONS } } },
        options: { apiKey: KEY },
        documents: ['/openapi.json', '/everything/openapi.json', '/modern/openapi.json'],
      },
      { label: 'single-key', config: { server: timeStdio() }, options: { apiKey: KEY, info: { title: 'Time' } }, documents: ['/openapi.json'] },
    ];
    const files: string[] = [];
    await Promise.all(
      served.map(async ({ label, config, options, documents }) => {
        const app = createApp(config, { logger: silentLogger, ...options });
        apps.push(app);
        await app.ready();
        for (const document of documents) {
          const res = await request(app).get(document).set(options.apiKey ? { Authorization: `Bearer ${KEY}` } : {}).expect(200);
          const file = path.join(dir, `${label}${document.replaceAll('/', '_')}`);
          writeFileSync(file, JSON.stringify(res.body, null, 2));
          files.push(file);
        }
      }),
    );
    expect(files).to.have.length(15);
    files.push(...writeRichDocuments(dir));

    const findings = await lintFindings(dir, files);
    expect(findings, findings.join('\n')).to.deep.equal([]);
  });
});
