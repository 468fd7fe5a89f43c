/**
 * Lints document files (test/openapi/lint.test.ts, test/app/access.test.ts):
 * Spectral's whole `spectral:oas` ruleset (contact details aside) in one
 * process, then Redocly's `recommended` less three rules. Answers every
 * finding as a line; a clean set answers none.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConfig, lint } from '@redocly/openapi-core';

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

/** Spectral's and Redocly's findings on `files` (JSON documents), written into `dir`'s ruleset and results files. */
export async function lintFindings(dir: string, files: readonly string[]): Promise<string[]> {
  const ruleset = path.join(dir, 'ruleset.json');
  writeFileSync(ruleset, JSON.stringify(RULESET));
  const output = path.join(dir, 'results.json');
  // Spectral exits 1 when it finds something; the findings are in the output file either way.
  await promisify(execFile)(process.execPath, [SPECTRAL, 'lint', '--ruleset', ruleset, '--format', 'json', '--output', output, '--fail-severity', 'hint', ...files], {
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code?: number }) => {
    if (err.code !== 1) throw err;
  });
  const results = JSON.parse(readFileSync(output, 'utf8')) as { code: string; message: string; path: string[]; source?: string }[];
  const findings = results.map((r) => `${path.basename(r.source ?? '?')} ${r.code} at ${r.path.join('.')}: ${r.message}`);
  const config = await createConfig(REDOCLY);
  for (const file of files) {
    for (const p of await lint({ ref: file, config })) findings.push(`${path.basename(file)} ${p.ruleId} (${p.severity}) at ${p.location.map((l) => l.pointer).join(' ')}: ${p.message}`);
  }
  return findings;
}
