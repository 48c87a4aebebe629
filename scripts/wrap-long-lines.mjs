#!/usr/bin/env node
// Rewraps comments on lines over 160 characters in the linted scope (biome.json's includes), which
// biome's formatter leaves alone. Only comment text moves; code, strings and templates are never
// edited, and each rewritten file is checked: esbuild's output without comments must be the same
// before and after, or the file is left as it was and named.
//   - a whole-line `//` comment becomes several `//` lines with the same indentation;
//   - a line inside a block comment (` * text` or plain text) becomes several with the same prefix;
//   - a one-line `/** ... */` becomes a multi-line JSDoc block;
//   - a trailing `// comment` after code moves to its own line(s) above that code line.
// Directives (`// @ts-...`, `// biome-ignore`, `/// <reference`) and words longer than the width are
// kept as they are; `node scripts/check-line-length.mjs` lists what is still too long.
// Usage: node scripts/wrap-long-lines.mjs [file ...]   (no files: the whole linted scope)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { scanLines } from './lint/scan-comments.mjs';
import { lintedFiles, MAX_LINE, REPO } from './lint/scope.mjs';

const DIRECTIVE = /^\/\/\/|^\/\/\s*(@ts-|biome-ignore|eslint|prettier|#)/;
const width = (s) => [...s].length;

/** Greedy fill of `text`'s words after `first` (first line) and `next` (continuation) prefixes. */
function fill(text, first, next) {
  const words = text.split(' ').filter((w, i) => w !== '' || i === 0);
  const out = [];
  let cur = first;
  let empty = true;
  for (const w of words) {
    if (!empty && width(cur) + 1 + width(w) > MAX_LINE) {
      out.push(cur.trimEnd());
      cur = next + w;
    } else {
      cur = empty ? cur + w : `${cur} ${w}`;
    }
    empty = false;
  }
  out.push(cur.trimEnd());
  return out;
}

/** Continuation indent for a list item (`- x`, `1. x`) so wrapped lines align under its text. */
const hang = (text) => ' '.repeat((/^(?:[-*+]|\d+[.)])\s+/.exec(text)?.[0].length ?? 0));

function wrapLine(line, info) {
  const indent = /^\s*/.exec(line)[0];
  const body = line.slice(indent.length);
  if (info.start === 'block') {
    const m = /^(\*+\s?)?(.*?)(\s*\*\/)?$/.exec(body);
    const star = m[1] ?? '';
    const text = m[2];
    const close = m[3] ?? '';
    if (text === '') return null;
    const prefix = indent + star;
    const lines = fill(text, prefix, prefix + hang(text));
    lines[lines.length - 1] += close;
    return lines;
  }
  if (info.start !== 'code' || info.comments.length === 0) return null;
  const c = info.comments[0];
  const comment = line.slice(c.col);
  if (c.kind === 'line') {
    if (DIRECTIVE.test(comment)) return null;
    const m = /^\/\/(\s?)(.*)$/.exec(comment);
    const prefix = `${indent}//${m[1] || ' '}`;
    const text = m[2].trimEnd();
    const wrapped = fill(text, prefix, prefix + hang(text));
    if (c.col === indent.length) return wrapped;
    const code = line.slice(0, c.col).trimEnd();
    return [...wrapped, code]; // a trailing comment goes above the code it explains
  }
  // The first line of a block comment that goes on below: /** text
  if (c.col === indent.length && c.end === -1 && info.comments.length === 1) {
    const m = /^(\/\*\*?\s?)(.*)$/.exec(body);
    const text = m[2].trimEnd();
    return fill(text, indent + m[1], `${indent} * ${hang(text)}`);
  }
  // One-line block comment alone on its line: /** text */ or /* text */
  if (c.col !== indent.length || c.end !== line.length || info.comments.length > 1) return null;
  const m = /^\/\*(\*?)\s*(.*?)\s*\*\/$/.exec(body);
  if (!m) return null;
  const prefix = `${indent} * `;
  return [`${indent}/*${m[1]}`, ...fill(m[2], prefix, prefix + hang(m[2])), `${indent} */`];
}

const stripComments = (text, file) =>
  transformSync(text, { loader: file.endsWith('.ts') || file.endsWith('.mts') ? 'ts' : 'js', legalComments: 'none', format: 'esm', sourcefile: file }).code;

const files = process.argv.length > 2 ? process.argv.slice(2) : lintedFiles().filter((f) => !f.endsWith('.css'));
let changedFiles = 0;
let changedLines = 0;
const refused = [];
for (const file of files) {
  const path = join(REPO, file);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (!lines.some((l) => width(l) > MAX_LINE)) continue;
  const info = scanLines(text);
  const out = [];
  let n = 0;
  lines.forEach((line, i) => {
    const wrapped = width(line) > MAX_LINE ? wrapLine(line, info[i]) : null;
    if (wrapped && (wrapped.length > 1 || wrapped[0] !== line)) {
      out.push(...wrapped);
      n++;
    } else out.push(line);
  });
  if (n === 0) continue;
  const next = out.join('\n');
  if (stripComments(next, file) !== stripComments(text, file)) {
    refused.push(file);
    continue;
  }
  writeFileSync(path, next);
  changedFiles++;
  changedLines += n;
}
console.log(`wrap-long-lines: rewrapped ${changedLines} comment line(s) in ${changedFiles} file(s)`);
if (refused.length > 0) {
  console.error(`left unchanged (the code would have changed; wrap by hand):\n  ${refused.join('\n  ')}`);
  process.exitCode = 1;
}
