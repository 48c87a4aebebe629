/**
 * The public surface is a reviewed decision: the sorted runtime names of every package entry
 * (package.json `exports`) must equal test/api/exports.snapshot.json. A new or removed public name
 * fails here with the difference; after review, rewrite the snapshot with
 *   npm run api:snapshot   (= UPDATE_EXPORT_SNAPSHOT=1 npx vitest run test/api/export-surface.test.ts)
 * and commit it with the change. Types are not runtime names; the .d.ts build covers them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SNAPSHOT = join(ROOT, 'test/api/exports.snapshot.json');
const UPDATE = 'npm run api:snapshot  (UPDATE_EXPORT_SNAPSHOT=1 npx vitest run test/api/export-surface.test.ts)';

/** Package subpath -> source entry (dist/<name>.js is what the subpath resolves to). */
const ENTRIES = {
  'medinfer (default condition)': 'index',
  'medinfer/node (and medinfer in Node)': 'node',
  'medinfer/browser (and medinfer in bundlers)': 'browser',
  'medinfer/ops': 'ops',
  'medinfer/phantoms': 'phantoms',
} as const;
type EntryFile = (typeof ENTRIES)[keyof typeof ENTRIES];

async function exportsOf(file: EntryFile): Promise<string[]> {
  const mod = (await import(`../../src/${file}.ts`)) as Record<string, unknown>;
  return Object.keys(mod).sort();
}

function diffText(expected: Record<string, string[]>, actual: Record<string, string[]>): string {
  const lines: string[] = [];
  for (const file of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const before = new Set(expected[file] ?? []);
    const after = new Set(actual[file] ?? []);
    const added = [...after].filter((n) => !before.has(n));
    const removed = [...before].filter((n) => !after.has(n));
    if (added.length > 0) lines.push(`  src/${file}.ts adds:    ${added.join(', ')}`);
    if (removed.length > 0) lines.push(`  src/${file}.ts removes: ${removed.join(', ')}`);
  }
  return lines.join('\n');
}

describe('public export surface', () => {
  it('every entry exports exactly the names in test/api/exports.snapshot.json', async () => {
    const actual: Record<string, string[]> = {};
    for (const file of Object.values(ENTRIES)) actual[file] = await exportsOf(file);
    if (process.env['UPDATE_EXPORT_SNAPSHOT'] === '1') {
      writeFileSync(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    if (!existsSync(SNAPSHOT)) throw new Error(`${SNAPSHOT} is missing; write it with: ${UPDATE}`);
    const expected = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, string[]>;
    const diff = diffText(expected, actual);
    if (diff !== '') {
      throw new Error(
        `The public surface changed:\n${diff}\nIf that is intended (a reviewed decision: anything public is kept compatible), update the snapshot:\n ` +
          ` ${UPDATE}`,
      );
    }
    expect(actual).toEqual(expected);
  });

  it('the Node and browser entries are the isomorphic entry plus platform parts', async () => {
    const index = await exportsOf('index');
    for (const file of ['node', 'browser'] as const) expect((await exportsOf(file)).filter((n) => index.includes(n))).toEqual(index);
    // Platform names stay on their platform: the isomorphic entry binds no runtime and no loader.
    expect(index).not.toContain('createPipeline');
    expect(index).not.toContain('createNodeBackend');
    expect(index).not.toContain('createWebBackend');
  });

  it('entry files list their names: no `export *`', () => {
    for (const file of Object.values(ENTRIES)) {
      const text = readFileSync(join(ROOT, 'src', `${file}.ts`), 'utf8');
      const stars = [...text.matchAll(/^export\s+(?:type\s+)?\*.*$/gm)].map((m) => m[0]);
      expect(stars, `src/${file}.ts`).toEqual([]);
    }
  });

  it('node and browser re-export every name of src/index.ts, types included', () => {
    const namesIn = (text: string): string[] =>
      [...text.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)].flatMap((m) =>
        m[2]!
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '')
          .map((n) => (m[1] !== undefined && !n.startsWith('type ') ? `type ${n}` : n)),
      );
    const index = namesIn(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8')).sort();
    for (const file of ['node', 'browser']) {
      const text = readFileSync(join(ROOT, 'src', `${file}.ts`), 'utf8');
      const block = [...text.matchAll(/export\s+\{([^}]*)\}\s+from\s+'\.\/index\.js'/g)].map((m) => `export {${m[1]}} from './index.js'`).join('\n');
      expect(namesIn(block).sort(), `src/${file}.ts re-exports of ./index.js`).toEqual(index);
    }
  });

  it('package.json exports each entry with its types, and no other code subpath', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    const code = Object.entries(pkg.exports).filter(([, target]) => typeof target === 'object');
    expect(Object.fromEntries(code)).toEqual({
      '.': { types: './dist/node.d.ts', browser: './dist/browser.js', node: './dist/node.js', default: './dist/index.js' },
      './node': { types: './dist/node.d.ts', default: './dist/node.js' },
      './browser': { types: './dist/browser.d.ts', default: './dist/browser.js' },
      './ops': { types: './dist/ops.d.ts', default: './dist/ops.js' },
      './phantoms': { types: './dist/phantoms.d.ts', default: './dist/phantoms.js' },
    });
  });
});
