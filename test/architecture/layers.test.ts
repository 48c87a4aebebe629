/**
 * The import graph of src/ (and the web demo) against the layer order of ARCHITECTURE.md
 * ("Layers"): no cycle between files, type-only imports included, and no import from a folder to
 * one above it or beside it. The imports are read by a small parser of our own (below), so a new
 * file is checked the moment it exists; a new top-level folder must be placed in LAYERS first.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Highest first; a folder may import only from folders in later rows (and from itself). Folders in
 * one row are independent of each other. Subfolders (core/threads, io/dicom, ...) belong to
 * their top folder; src/version.ts (one constant, no imports) belongs to core.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['web'],
  ['node', 'browser'],
  ['index', 'ops', 'cli'],
  ['pipelines', 'phantoms'],
  ['io'],
  ['runtime'],
  ['manifest'],
  ['postprocess'],
  ['preprocess'],
  ['core'],
];

const RANK = new Map(LAYERS.flatMap((row, i) => row.map((name) => [name, LAYERS.length - i] as const)));

/** Comments out: a JSDoc usage example is not an import. Strings holding '//' (URLs) are kept. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/^\s*\/\/.*$/gm, '');
}

/**
 * Module specifiers of every static import / re-export (`import x from`, `import type {...} from`,
 * `import '...'`, `export * from`, `export type {...} from`) and every `import('...')`, in order.
 */
function parseImports(source: string): string[] {
  const text = stripComments(source);
  const found: string[] = [];
  const staticForm = /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[\w*${},\s]*?\s*from\s*)?['"]([^'"\n]+)['"]/g;
  const dynamicForm = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;
  for (const m of text.matchAll(staticForm)) found.push(m[1]!);
  for (const m of text.matchAll(dynamicForm)) found.push(m[1]!);
  return found;
}

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The layer a file belongs to: its top folder under src/, the entry file's name, or 'web'. */
function layerOf(file: string): string {
  const rel = relative(ROOT, file).split(/[\\/]/);
  if (rel[0] === 'web') return 'web';
  if (rel.length === 2) {
    const base = rel[1]!.replace(/\.ts$/, '');
    return base === 'version' ? 'core' : base;
  }
  return rel[1]!;
}

interface Graph {
  readonly edges: Map<string, Set<string>>;
  readonly unresolved: string[];
}

function buildGraph(): Graph {
  const files = [...listTs(join(ROOT, 'src')), ...listTs(join(ROOT, 'web'))];
  const known = new Set(files);
  const edges = new Map<string, Set<string>>();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets = new Set<string>();
    for (const spec of parseImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (known.has(target)) targets.add(target);
      else if (!/\.(json|wasm|css)$/.test(spec)) unresolved.push(`${relative(ROOT, file)} -> ${spec}`);
    }
    edges.set(file, targets);
  }
  return { edges, unresolved };
}

/** Strongly connected components with more than one file (Tarjan), each a cycle or a knot of them. */
function findCycles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(relative(ROOT, w));
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('import parser', () => {
  it('finds static, type-only, multi-line, side-effect, re-export and dynamic imports, not commented ones', () => {
    const source = [
      "import { a, type B } from './a.js';",
      "import type { C } from '../c.js';",
      'import {',
      '  d,',
      '  e,',
      "} from './d.js';",
      "import './side.js';",
      "export * from './star.js';",
      "export type { F } from './f.js';",
      "const g = await import('./g.js');",
      "type H = typeof import('./h.js');",
      "// import { x } from './commented.js';",
      " * import { y } from './jsdoc.js';",
      "const url = new URL('./worker.js', import.meta.url);",
      'export const NOT = \'import z from "nothing"\';',
    ].join('\n');
    // A JSDoc line is only skipped inside /* */: wrap it as the sources have it.
    const wrapped = source.replace(" * import { y } from './jsdoc.js';", "/**\n * import { y } from './jsdoc.js';\n */");
    expect(parseImports(wrapped).sort()).toEqual(['../c.js', './a.js', './d.js', './f.js', './g.js', './h.js', './side.js', './star.js'].sort());
  });
});

describe('layers of src/', () => {
  const { edges, unresolved } = buildGraph();

  it('resolves every relative import to a file it read (the parser misses nothing it was meant to find)', () => {
    expect(unresolved).toEqual([]);
    // Known edges, one per import form, so a parser that silently finds nothing fails here.
    const has = (from: string, to: string) => edges.get(join(ROOT, from))?.has(join(ROOT, to)) ?? false;
    expect(has('src/runtime/io-check.ts', 'src/manifest/io-spec.ts')).toBe(true); // import type
    expect(has('src/node.ts', 'src/postprocess/threads/node-slab-pool.ts')).toBe(true); // side effect
    expect(has('src/cli/main.ts', 'src/cli/commands/run.ts')).toBe(true); // import()
    expect(has('src/pipelines/index.ts', 'src/pipelines/types.ts')).toBe(true); // export *
    expect(has('web/app.ts', 'src/browser.ts')).toBe(true);
  });

  it('places every folder in the layer order', () => {
    const layers = new Set([...edges.keys()].map(layerOf));
    expect([...layers].filter((l) => !RANK.has(l))).toEqual([]);
  });

  it('has no import cycle between files (type-only imports included)', () => {
    expect(findCycles(edges)).toEqual([]);
  });

  it('has no import from a folder to one above or beside it', () => {
    const backEdges: string[] = [];
    for (const [from, targets] of edges) {
      const a = layerOf(from);
      for (const to of targets) {
        const b = layerOf(to);
        if (a !== b && !(RANK.get(b)! < RANK.get(a)!)) backEdges.push(`${relative(ROOT, from)} (${a}) -> ${relative(ROOT, to)} (${b})`);
      }
    }
    expect(backEdges).toEqual([]);
  });
});
