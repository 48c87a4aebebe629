#!/usr/bin/env node
// Rewrites the block of src/node.ts and src/browser.ts that re-exports src/index.ts name by name
// (entry files have no `export *`; test/api/export-surface.test.ts checks the lists agree).
// Run after adding or removing a name in src/index.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = (file) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));
const index = readFileSync(src('index.ts'), 'utf8');
const names = [...index.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s+from/g)].flatMap((m) =>
  m[2]
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((n) => (m[1] !== undefined && !n.startsWith('type ') ? `type ${n}` : n)),
);
const lines = [];
let line = ' ';
for (const name of names) {
  if (line.length + name.length + 2 > 150) {
    lines.push(line);
    line = ' ';
  }
  line += ` ${name},`;
}
lines.push(line);
const block = `export {\n${lines.join('\n')}\n} from './index.js';`;
for (const file of ['node.ts', 'browser.ts']) {
  const text = readFileSync(src(file), 'utf8');
  const next = text.replace(/export \{[^}]*\} from '\.\/index\.js';/, block);
  if (next === text && !text.includes(block)) throw new Error(`src/${file}: no "export { ... } from './index.js'" block to rewrite`);
  writeFileSync(src(file), next);
}
console.log(`src/node.ts and src/browser.ts re-export ${names.length} names of src/index.ts`);
