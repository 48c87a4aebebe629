#!/usr/bin/env node
/**
 * Before / after table of an area measured in alternating processes (before, after, before,
 * after: two checkouts, the same bench script), e.g. issue 26's pipeline-overhead:
 *   node bench/tools/before-after.mjs --label "..." before-1.json after-1.json before-2.json after-2.json [--json merged.json]
 * Prints a markdown section (per figure: ratio and CPU-time ratio of every run, load average at
 * the end of each) to append to BENCHMARKS.md; --json writes the four result files merged.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const take = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [v] = args.splice(i, 2).slice(1);
  return v;
};
const label = take('--label') ?? 'before / after';
const jsonOut = take('--json');
if (args.length < 2 || args.length % 2) throw new Error('give before/after result files in pairs: before-1 after-1 [before-2 after-2 ...]');
const runs = args.map((f, k) => ({ side: k % 2 ? 'after' : 'before', round: Math.floor(k / 2) + 1, result: JSON.parse(readFileSync(f, 'utf8')) }));
const fmt = (x) => (typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)) : '-');
const names = [...new Set(runs.flatMap((r) => r.result.figures.map((f) => f.name)))];
const lines = [
  `# ${label}`,
  '',
  `Processes in the order ${runs.map((r) => `${r.side} ${r.round}`).join(', ')}; load average (1 / 5 / 15 min) at the end of each: ` +
    `${runs.map((r) => `${r.side} ${r.round} ${r.result.machine?.loadAverage?.join(' / ') ?? '?'}`).join('; ')} (2 shared cores).`,
  '',
];
lines.push(
  '| figure | model | input | sizes | runs | before: ratio (CPU ratio) | after: ratio (CPU ratio) | after: median ms vs baseline ms | goal |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const name of names) {
  const per = (side) =>
    runs
      .filter((r) => r.side === side)
      .map((r) => r.result.figures.find((f) => f.name === name))
      .filter(Boolean);
  const cell = (fs) => fs.map((f) => `${fmt(f.ratio)}${f.cpuRatio !== undefined ? ` (${fmt(f.cpuRatio)})` : ''}`).join(', ') || 'not measured';
  const any = per('after')[0] ?? per('before')[0];
  const after = per('after');
  lines.push(
    `| ${name} | ${any.model ?? '-'} | ${any.input ?? '-'} | ${any.sizes ?? '-'} | ${any.runs ?? '-'} | ${cell(per('before'))} | ${cell(after)} | ` +
      `${after.map((f) => `${fmt(f.median)} vs ${fmt(f.baselineMedian)}`).join(', ')} | ${any.goal ?? '-'} |`,
  );
}
for (const r of runs) for (const f of r.result.failed ?? []) lines.push(`- ${r.side} ${r.round}: **not measured**: ${f.figure}: ${f.error}`);
lines.push('');
console.log(lines.join('\n'));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ label, runs: runs.map((r) => ({ side: r.side, round: r.round, ...r.result })) }, null, 2) + '\n');
