/**
 * The house rules of lib/ and bin/, checked on the source so that they hold
 * after the change that set them (docs/development.md draws the rooms):
 *
 * - lib/ holds index.ts and rooms, nothing else;
 * - a module is at most 250 lines, a function at most 80;
 * - an import runs to the same room or one below it, and no chain of
 *   imports comes back to where it started;
 * - a module path named in a comment is one that exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_MODULE_LINES = 250;
const MAX_FUNCTION_LINES = 80;

/**
 * The rooms from the bottom floor up. A module may import from its own room
 * and from any room on a lower floor. mcp/oauth/ shares the connection's
 * floor (the upstream starts flows; a flow drives the session); mcp/users/
 * sits just above it, since per-user connections are built of upstreams.
 */
const FLOORS: ReadonlyArray<readonly [room: string, floor: number]> = [
  ['lib/common', 1],
  ['lib/http', 2],
  ['lib/state', 2.25],
  ['lib/telemetry', 2.3],
  ['lib/auth', 2.5],
  ['lib/mcp', 3],
  ['lib/mcp/oauth', 3],
  ['lib/mcp/users', 3.5],
  ['lib/openapi', 4],
  ['lib/mcp-endpoint', 5],
  ['lib/router', 6],
  ['lib/app', 7],
  ['lib/index.ts', 8],
  ['bin', 9],
];

interface Module {
  file: string; // relative to the repository, with forward slashes
  source: ts.SourceFile;
  lines: number;
  imports: string[]; // relative files this module imports
}

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return tsFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

function importsOf(file: string, source: ts.SourceFile): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) specifiers.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, '.ts'));
}

function readModules(): Module[] {
  return [...tsFiles('lib'), ...tsFiles('bin')].map((file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    return { file, source, lines, imports: importsOf(file, source) };
  });
}

function floorOf(file: string): { room: string; floor: number } {
  // The longest room that holds the file: lib/mcp/users before lib/mcp.
  let best: { room: string; floor: number } | undefined;
  for (const [room, floor] of FLOORS) {
    const holds = file === room || file.startsWith(`${room}/`);
    if (holds && (!best || room.length > best.room.length)) best = { room, floor };
  }
  if (!best) throw new Error(`${file} is in no room`);
  return best;
}

function lineOf(source: ts.SourceFile, pos: number): number {
  return source.getLineAndCharacterOfPosition(pos).line + 1;
}

function longFunctions(module: Module): string[] {
  const found: string[] = [];
  const { source } = module;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = lineOf(source, node.getStart(source));
      const length = lineOf(source, node.end) - first + 1;
      const name = node.name ? node.name.getText(source) : '(anonymous)';
      if (length > MAX_FUNCTION_LINES) found.push(`${module.file}:${first} ${name}: ${length} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every cycle of the import graph, each named once by the path that closes it. */
function cycles(modules: Module[]): string[] {
  const graph = new Map(modules.map((m) => [m.file, m.imports]));
  const done = new Set<string>();
  const onPath: string[] = [];
  const found: string[] = [];
  const visit = (file: string): void => {
    const at = onPath.indexOf(file);
    if (at >= 0) {
      found.push([...onPath.slice(at), file].join(' → '));
      return;
    }
    if (done.has(file)) return;
    onPath.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    onPath.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

function commentsOf(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const seen = new Set<number>();
  const collect = (ranges: ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      found.push(source.text.slice(range.pos, range.end));
    }
  };
  const visit = (node: ts.Node): void => {
    collect(ts.getLeadingCommentRanges(source.text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(source.text, node.end));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the house rules', function () {
  this.timeout(30_000);
  const modules = readModules();

  it('reads every module of lib/ and bin/', () => {
    // Guards the checks below against a walk that silently finds nothing.
    expect(modules.length).to.be.greaterThan(100);
    expect(modules.map((m) => m.file)).to.include.members(['lib/index.ts', 'lib/router/mcpo-router.ts', 'bin/mcpo.ts']);
  });

  it('keeps only index.ts and rooms at the root of lib/', () => {
    const loose = readdirSync(path.join(ROOT, 'lib')).filter(
      (name) => name !== 'index.ts' && !statSync(path.join(ROOT, 'lib', name)).isDirectory(),
    );
    expect(loose).to.deep.equal([]);
  });

  it(`keeps every module at ${MAX_MODULE_LINES} lines or fewer`, () => {
    const long = modules.filter((m) => m.lines > MAX_MODULE_LINES).map((m) => `${m.file}: ${m.lines} lines`);
    expect(long).to.deep.equal([]);
  });

  it(`keeps every function at ${MAX_FUNCTION_LINES} lines or fewer`, () => {
    expect(modules.flatMap(longFunctions)).to.deep.equal([]);
  });

  it('puts every module in a room', () => {
    const homeless = modules.filter((m) => {
      try {
        floorOf(m.file);
        return false;
      } catch {
        return true;
      }
    });
    expect(homeless.map((m) => m.file)).to.deep.equal([]);
  });

  it('imports only from the same room or a room below', () => {
    const upward = modules.flatMap((m) => {
      const from = floorOf(m.file);
      return m.imports
        .filter((target) => floorOf(target).floor > from.floor)
        .map((target) => `${m.file} → ${target} (${from.room} below ${floorOf(target).room})`);
    });
    expect(upward).to.deep.equal([]);
  });

  it('imports only modules that exist, and in no circle', () => {
    const files = new Set(modules.map((m) => m.file));
    const missing = modules.flatMap((m) => m.imports.filter((t) => !files.has(t)).map((t) => `${m.file} → ${t}`));
    expect(missing).to.deep.equal([]);
    expect(cycles(modules)).to.deep.equal([]);
  });

  it('names in its comments only modules that exist', () => {
    // A name resolves as a path from the repository, from lib/, from the
    // module's own directory, or as the tail of some module's path.
    const known = modules.map((m) => m.file);
    const exists = (file: string, name: string): boolean =>
      [ROOT, path.join(ROOT, 'lib'), path.join(ROOT, path.dirname(file))].some((base) => existsSync(path.join(base, name))) ||
      known.some((k) => k.endsWith(`/${name}`));
    const stale = modules.flatMap((m) =>
      commentsOf(m.source).flatMap((comment) =>
        [...comment.matchAll(/[\w./-]*[\w-]+\.ts\b/g)]
          .map((match) => match[0].replace(/^\.\//, ''))
          .filter((name) => !exists(m.file, name))
          .map((name) => `${m.file} names ${name}`),
      ),
    );
    expect(stale).to.deep.equal([]);
  });
});
