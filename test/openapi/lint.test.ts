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
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConfig, lint } from '@redocly/openapi-core';
import { expect } from 'chai';
import request from 'supertest';
import { createApp, silentLogger, type AppConfig, type AppOptions, type McpoApp } from '../../lib/index.js';
import { aggregateDocuments } from '../../lib/openapi/aggregate.js';
import { buildDocument } from '../../lib/openapi/document.js';
import { buildToolTable, servedAsListed } from '../../lib/openapi/tools.js';
import { RICH_TOOLS } from '../helpers/schemas.js';
import { everythingStdio, kitchenSinkStdio, memoryStdio, modernStdio, timeStdio } from '../helpers/servers.js';

const KEY = 'spectral-test-key-1357';
/** Resources and prompts in the documents too (the `documents` key), beside the tools. */
const ALL_SECTIONS = ['tools', 'resources', 'prompts'];
const SPECTRAL = path.join(path.dirname(createRequire(import.meta.url).resolve('@stoplight/spectral-cli/package.json')), 'dist', 'index.js');
/** The whole `spectral:oas` ruleset; only the contact details, which mcpo cannot know, are not asked for. */
const RULESET = { extends: ['spectral:oas'], rules: { 'info-contact': 'off' } };

/**
 * Redocly's `recommended` ruleset, less three rules that ask for what mcpo
 * cannot or must not give: a license (mcpo does not know the tools' terms),
 * `$defs` used by a `$ref` (mcpo inlines every ref for LLM function calling
 * and keeps the tool's `$defs` beside the copies on purpose, lib/openapi/schema.ts),
 * and a `required` name declared in the same subschema (valid JSON Schema
 * that a tool wrote, e.g. `then: { required: ['phone'] }`, published as written).
 */
const REDOCLY = {
  extends: ['recommended'],
  rules: { 'info-license': 'off', 'no-unused-components': 'off', 'no-required-schema-properties-undefined': 'off' } as Record<string, 'off'>,
};

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  severity: number;
  source?: string;
}

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

    const ruleset = path.join(dir, 'ruleset.json');
    writeFileSync(ruleset, JSON.stringify(RULESET));
    const output = path.join(dir, 'results.json');
    // Spectral exits 1 when it finds something; the findings are in the output file either way.
    await promisify(execFile)(process.execPath, [SPECTRAL, 'lint', '--ruleset', ruleset, '--format', 'json', '--output', output, '--fail-severity', 'hint', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { code?: number }) => {
      if (err.code !== 1) throw err;
    });
    const results = JSON.parse(readFileSync(output, 'utf8')) as SpectralResult[];
    const findings = results.map((r) => `${path.basename(r.source ?? '?')} ${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(findings, findings.join('\n')).to.deep.equal([]);

    const config = await createConfig(REDOCLY);
    const redocly: string[] = [];
    for (const file of files) {
      const problems = await lint({ ref: file, config });
      for (const p of problems) redocly.push(`${path.basename(file)} ${p.ruleId} (${p.severity}) at ${p.location.map((l) => l.pointer).join(' ')}: ${p.message}`);
    }
    expect(redocly, redocly.join('\n')).to.deep.equal([]);
  });
});
