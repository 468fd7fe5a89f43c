/**
 * mcpo as a user gets it without a registry: `npm pack` in the clone, then
 * that one tarball installed outside the clone, as a global command and into
 * a CommonJS and an ES module app that serve a real MCP server's tool.
 *
 * The tarball is packed with --ignore-scripts from the dist/ that `npm test`
 * built: letting "prepare" rebuild would empty dist/ under the test files
 * running beside this one. Installs use --prefer-offline, so the cache that
 * `npm ci` warmed serves what it can; the registry serves the rest.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ROOT } from './helpers/mcpo.js';
import { EVERYTHING } from './helpers/servers.js';

const run = promisify(execFile);
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** This process's environment without what `npm test` sets for its own package, which would steer a nested npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^INIT_CWD$/i.test(key)));
}

function npm(args: string[], cwd: string) {
  return run('npm', args, { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
}

/** An app in its own directory: a package.json of the given type, with mcpo (the tarball) and express 5 installed. */
async function makeApp(dir: string, type: 'commonjs' | 'module', tarball: string): Promise<void> {
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `app-${type}`, version: '1.0.0', private: true, type }));
  await npm(['install', tarball, 'express@5', ...INSTALL_FLAGS], dir);
}

/**
 * The app's script after its imports: mounts mcpoRouter in express, calls the
 * echo tool over HTTP, prints what it saw, and closes everything it opened.
 */
const SERVE_ECHO = `
const router = mcpoRouter({ command: process.execPath, args: [process.argv[2], 'stdio'] });
const app = express();
app.use('/everything', router);
const server = app.listen(0, '127.0.0.1', async () => {
  try {
    await router.ready();
    const res = await fetch('http://127.0.0.1:' + server.address().port + '/everything/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    });
    console.log(JSON.stringify({
      mcpoRouter: typeof mcpoRouter, createApp: typeof createApp, status: res.status, body: await res.json(),
    }));
  } finally {
    server.close();
    await router.close();
  }
});
`;

const CJS_APP = `const express = require('express');\nconst { mcpoRouter, createApp } = require('mcpo');\n${SERVE_ECHO}`;
const ESM_APP = `import express from 'express';\nimport { mcpoRouter, createApp } from 'mcpo';\n${SERVE_ECHO}`;

const ECHOED = {
  mcpoRouter: 'function',
  createApp: 'function',
  status: 200,
  body: { ok: true, result: 'Echo: hi' },
};

describe('the packed tarball, installed outside the clone', function () {
  // Each install takes seconds (about 10 when npm must ask the registry for package lists).
  this.timeout(120_000);
  let tmp: string;
  let tarball: string;
  let packed: string[];
  let unpacked: string;

  before(async function () {
    expect(existsSync(path.join(ROOT, 'dist/lib/index.js')), 'dist/ is built (npm run build)').to.equal(true);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mcpo-install-'));
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(tmp, info!.filename);
    packed = info!.files.map((f) => f.path);
    unpacked = path.join(tmp, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the licence, the readme, the manifest and the build, and no tests or TypeScript sources', () => {
    const wanted = ['LICENSE', 'README.md', 'package.json', 'dist/lib/index.js', 'dist/bin/mcpo.js'];
    expect(wanted.filter((f) => !packed.includes(f)), 'missing').to.deep.equal([]);
    expect(packed.filter((f) => f.startsWith('test/')), 'tests').to.deep.equal([]);
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'sources').to.deep.equal([]);
    expect(readFileSync(path.join(unpacked, 'package/LICENSE'), 'utf8')).to.match(/^MIT License\n\nCopyright \(c\) 2026 the mcpo authors\n/);
  });

  it('ships no source map that points at a file left out of it', () => {
    const missing: string[] = [];
    for (const map of packed.filter((f) => f.endsWith('.map'))) {
      const { sources, sourceRoot = '' } = JSON.parse(readFileSync(path.join(unpacked, 'package', map), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of sources) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), sourceRoot, source));
        if (!packed.includes(target)) missing.push(`${map} -> ${target}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('installs globally into a prefix, and its mcpo command prints the flags from any directory', async () => {
    const prefix = path.join(tmp, 'global');
    await npm(['install', '--global', '--prefix', prefix, tarball, ...INSTALL_FLAGS], tmp);
    const bin = path.join(prefix, 'bin', 'mcpo');
    accessSync(bin, constants.X_OK);
    const elsewhere = mkdtempSync(path.join(tmp, 'cwd-'));
    // Run the link itself, as a shell would: the shebang finds node on PATH.
    const { stdout } = await run(bin, ['--help'], { cwd: elsewhere, env: { PATH: process.env.PATH ?? '' } });
    expect(stdout).to.match(/^Usage:\n {2}mcpo \[options\]/);
    expect(stdout).to.include('--config <file>').and.include('--api-key <key>').and.include('--port <port>');
  });

  it('is required by a CommonJS app, which mounts mcpoRouter in express 5 and serves a tool', async () => {
    const app = path.join(tmp, 'cjs-app');
    await makeApp(app, 'commonjs', tarball);
    writeFileSync(path.join(app, 'main.js'), CJS_APP);
    const { stdout, stderr } = await run(process.execPath, ['main.js', EVERYTHING], { cwd: app, timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).to.deep.equal(ECHOED);
    // Node 20.19+ loads an ES module through require() without an ExperimentalWarning.
    expect(stderr).not.to.include('ExperimentalWarning');
  });

  it('is imported by an ES module app, which mounts mcpoRouter in express 5 and serves a tool', async () => {
    const app = path.join(tmp, 'esm-app');
    await makeApp(app, 'module', tarball);
    writeFileSync(path.join(app, 'main.js'), ESM_APP);
    const { stdout } = await run(process.execPath, ['main.js', EVERYTHING], { cwd: app, timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).to.deep.equal(ECHOED);
  });
});
