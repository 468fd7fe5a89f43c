/**
 * Bundles the built command (dist/bin, from tsc) into a few files and puts
 * them in dist/bin's place. Node 20 has no compile cache, and loading the
 * app's thousand-odd modules one file at a time (resolve, stat, open, read,
 * compile, link) cost more than the code in them: bundled, the command
 * served its first server 220–265 ms sooner (docs/performance.md). The library
 * (dist/lib) stays unbundled, so an application that imports mcpo shares
 * its Express and its SDK with it.
 *
 * Split at the command's own dynamic imports: `--help` loads the help text
 * alone, the port opens before the app's chunk is read (bin/serve.ts), and
 * the SDK's server is read only when an MCP request first needs it
 * (lib/mcp-endpoint/sdk-side.ts).
 * Not minified: that started no sooner, cost up to a tenth more CPU per
 * call in a paired bench, and would make a stack trace in a log unreadable.
 * Left out, and loaded from node_modules as before: what the command loads
 * only when asked (redis, rate-limiter-flexible, the OpenTelemetry SDK) or
 * reads files beside (swagger-ui-dist), and jsonc-parser, whose UMD build
 * requires files by computed paths. Only mcpo's own dependencies may be
 * left out: another package's (iconv-lite under Express, say) is not found
 * from here in every install layout.
 * The OpenTelemetry API inside and the SDK's copy outside find each other
 * through the API's global registry, as two copies of one version do.
 */
import { build } from 'esbuild';
import { chmodSync, renameSync, rmSync } from 'node:fs';

const out = 'dist/bin.bundled';
await build({
  entryPoints: ['dist/bin/mcpo.js'],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['redis', 'rate-limiter-flexible', 'swagger-ui-dist', 'jsonc-parser', '@opentelemetry/sdk-node'],
  // The CommonJS packages inside (Express and its kin) call require, which an ES module lacks.
  banner: { js: "import { createRequire as __mcpoRequire } from 'node:module'; const require = __mcpoRequire(import.meta.url);" },
  logLevel: 'warning',
});
rmSync('dist/bin', { recursive: true });
renameSync(out, 'dist/bin');
chmodSync('dist/bin/mcpo.js', 0o755);
