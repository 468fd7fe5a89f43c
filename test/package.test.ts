/**
 * The package as npm would ship it: plain Node (no tsx) imports `mcpo` from
 * the build output, with its types beside it, and the public surface is what
 * lib/index.ts promises.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('the built package', function () {
  this.timeout(20_000);

  it('exports its entry point and types from dist', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8'));
    expect(pkg.name).to.equal('mcpo');
    expect(pkg.type).to.equal('module');
    const entry = pkg.exports['.'];
    expect(existsSync(`${ROOT}/${entry.import}`), entry.import).to.equal(true);
    expect(existsSync(`${ROOT}/${entry.types}`), entry.types).to.equal(true);
  });

  it('declares the mcpo command, built with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8'));
    expect(pkg.bin).to.deep.equal({ mcpo: 'dist/bin/mcpo.js' });
    expect(readFileSync(`${ROOT}/${pkg.bin.mcpo}`, 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node');
    expect(pkg.files).to.include('dist/bin');
  });

  it('keeps the command executable after a build, so a linked `mcpo` still runs after any rebuild', () => {
    // npm sets the bit when it links or installs; `npm run build` (and so npm start, test, bench) recreates the file.
    if (process.platform !== 'win32') expect((statSync(`${ROOT}/dist/bin/mcpo.js`).mode & 0o777).toString(8)).to.equal('755');
  });

  it('is importable by plain Node as "mcpo" and serves a router', async () => {
    const script = `
      import { mcpoRouter, createDispatcher, McpoError } from 'mcpo';
      const router = mcpoRouter({ command: process.execPath, args: ['-e', ''] });
      console.log(JSON.stringify({
        router: typeof router, use: typeof router.use, ready: typeof router.ready,
        dispatcher: typeof createDispatcher, error: typeof McpoError,
      }));
      await router.close();
    `;
    // Run without tsx and with only the SDK-default environment, as a user's app would.
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(JSON.parse(stdout.trim())).to.deep.equal({
      router: 'function',
      use: 'function',
      ready: 'function',
      dispatcher: 'function',
      error: 'function',
    });
  });
});
