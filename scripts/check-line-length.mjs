#!/usr/bin/env node
// Fails (exit 1) listing file:line for every line over 160 characters in the linted scope
// (scripts/lint/scope.mjs = biome.json's includes). biome wraps code to that width but leaves
// comments and long string literals alone; `node scripts/wrap-long-lines.mjs` rewraps the
// comments, and what it lists afterwards (strings, trailing comments) is wrapped by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintedFiles, MAX_LINE, REPO } from './lint/scope.mjs';

const over = [];
for (const file of lintedFiles()) {
  const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
  // Length in code points, as editors show columns (a '≤' is one character, not three bytes).
  lines.forEach((line, i) => {
    const n = [...line].length;
    if (n > MAX_LINE) over.push(`${file}:${i + 1}: ${n} characters`);
  });
}
if (over.length > 0) {
  console.error(over.join('\n'));
  console.error(`\n${over.length} line(s) over ${MAX_LINE} characters (node scripts/wrap-long-lines.mjs rewraps comments; wrap the rest by hand)`);
  process.exit(1);
}
console.log(`line length: every linted line is at most ${MAX_LINE} characters`);
