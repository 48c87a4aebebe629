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
//   - with --strings, a long string or template literal is cut into a concatenation (splitStrings);
//     run `npm run format` after it.
// Usage: node scripts/wrap-long-lines.mjs [--strings] [file ...]   (no files: the whole linted scope)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
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
const hang = (text) => ' '.repeat(/^(?:[-*+]|\d+[.)])\s+/.exec(text)?.[0].length ?? 0);

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

/**
 * A wrapped comment line's last short piece joins the next line when that line goes on with the same
 * sentence (same comment prefix, plain text, not a list item, tag or blank), so a paragraph reads
 * "... is\n * followed" rather than leaving a two-word line; the joined line is wrapped in turn.
 */
function carryIntoNext(wrapped, lines, i, info) {
  const last = wrapped[wrapped.length - 1];
  const next = lines[i + 1];
  if (wrapped.length < 2 || next === undefined || /\*\/\s*$/.test(last) || info[i + 1].start !== info[i].start) return;
  const prefix = /^\s*(?:\/\/ ?|\* ?|\/\*\*? ?)?/.exec(wrapped[wrapped.length - 2])[0].replace(/^(\s*)\/\*\*? ?$/, '$1 * ');
  const nextPrefix = /^\s*(?:\/\/ ?|\* ?)?/.exec(next)[0];
  const nextText = next.slice(nextPrefix.length);
  if (nextPrefix !== prefix || nextText.trim() === '' || /^(?:[-*+@]|\d+[.)]|\*\/|```)/.test(nextText)) return;
  const wholeLineComment = (k) => (info[k].comments[0]?.col ?? -1) === /^\s*/.exec(lines[k])[0].length;
  if (info[i].start === 'code' && !(wholeLineComment(i) && wholeLineComment(i + 1))) return; // never a trailing comment's code
  wrapped.pop();
  lines[i + 1] = `${last} ${nextText}`;
}

/**
 * A code line still too long after biome is one with a long string or template literal: each literal
 * over 60 characters on it becomes a parenthesised concatenation of pieces cut at spaces of its own
 * text (never inside a ${}), one piece a line; `npm run format` then lays the pieces out. Tagged
 * templates are left alone (a tag sees the pieces, not the joined text).
 */
function splitStrings(line, info) {
  if (info.start !== 'code') return null;
  const indent = /^\s*/.exec(line)[0];
  const inside = (s) => info.strings.some((o) => o !== s && o.col < s.col && (o.end < 0 || o.end >= s.end)); // nested in a ${}: cut the outer one only
  const literals = info.strings.filter((s) => s.end > 0 && !s.tagged && s.end - s.col > 60 && s.spaces.length > 0 && !inside(s));
  if (literals.length === 0) return null;
  let out = line;
  for (const s of [...literals].sort((a, b) => b.col - a.col)) {
    const q = line[s.col];
    // A literal that would fit a line of its own but not beside its code is cut in two halves.
    const room = Math.min(MAX_LINE - indent.length - 12, s.end - s.col <= MAX_LINE - indent.length - 12 ? Math.ceil((s.end - s.col) / 2) : Infinity);
    const pieces = [];
    let from = s.col + 1;
    let lastSpace = -1;
    for (const sp of s.spaces) {
      if (sp + 1 - from > room && lastSpace > from) {
        pieces.push(line.slice(from, lastSpace + 1));
        from = lastSpace + 1;
      }
      lastSpace = sp;
    }
    if (s.end - 1 - from > room && lastSpace + 1 > from) {
      pieces.push(line.slice(from, lastSpace + 1));
      from = lastSpace + 1;
    }
    pieces.push(line.slice(from, s.end - 1));
    if (pieces.length < 2) continue;
    const joined = `(${pieces.map((p) => q + p + q).join(` +\n${indent}  `)})`;
    out = out.slice(0, s.col) + joined + out.slice(s.end);
  }
  return out === line ? null : out.split('\n');
}

// esbuild's output with comments dropped and constant strings folded ('a ' + 'b' -> 'a b'): equal
// before and after means only comments moved and literals were cut, nothing else.
const normalise = (text, file) =>
  transformSync(text, {
    loader: file.endsWith('.ts') || file.endsWith('.mts') ? 'ts' : 'js',
    legalComments: 'none',
    minifySyntax: true,
    format: 'esm',
    sourcefile: file,
    logLevel: 'silent',
  }).code;
const sameCode = (before, after, file) => {
  try {
    return normalise(before, file) === normalise(after, file);
  } catch {
    return false; // a literal cut where only a literal may stand (a type, an import path, a key)
  }
};

const args = process.argv.slice(2);
const strings = args.includes('--strings');
const named = args.filter((a) => a !== '--strings');
// Named files are relative to the working directory; the default scope is relative to the repo.
const files =
  named.length > 0
    ? named.map((f) => resolve(f))
    : lintedFiles()
        .filter((f) => !f.endsWith('.css'))
        .map((f) => join(REPO, f));
let changedFiles = 0;
let changedLines = 0;
const refused = [];
for (const path of files) {
  const file = relative(REPO, path);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (!lines.some((l) => width(l) > MAX_LINE)) continue;
  const info = scanLines(text);
  const out = [];
  let n = 0;
  lines.forEach((line, i) => {
    const long = width(line) > MAX_LINE;
    const comment = long ? wrapLine(line, info[i]) : null;
    const wrapped = comment ?? (long && strings ? splitStrings(line, info[i]) : null);
    if (wrapped && (wrapped.length > 1 || wrapped[0] !== line)) {
      if (comment) carryIntoNext(wrapped, lines, i, info);
      out.push(...wrapped);
      n++;
    } else out.push(line);
  });
  if (n === 0) continue;
  const next = out.join('\n');
  if (!sameCode(text, next, file)) {
    refused.push(file);
    continue;
  }
  writeFileSync(path, next);
  changedFiles++;
  changedLines += n;
}
console.log(`wrap-long-lines: rewrapped ${changedLines} line(s) in ${changedFiles} file(s)`);
if (refused.length > 0) {
  console.error(`left unchanged (the code would have changed; wrap by hand):\n  ${refused.join('\n  ')}`);
  process.exitCode = 1;
}
