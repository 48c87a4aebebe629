/**
 * Long fuzz campaign (issue 27): many seeded cases per target over several seeds, each chunk in
 * its own process with a per-case time bound and a heap cap; counts by outcome; every failing
 * case (untyped error, inconsistent result, hang, crash) is kept as a regression fixture in
 * test/fixtures/fuzz-regressions/ (replayed by test/fuzz/readers-fuzz.test.ts).
 *   npm run build && node scripts/fuzz/campaign.mjs [--cases 100000] [--seeds 1,2,3] [--targets dicom,nifti,inspect,seg-writer,multipart]
 *     [--chunk 2000] [--case-ms 20000] [--heap-mb 2048] [--out bench/results/fuzz-campaign.json]
 * --cases is the least total over all seeds and targets, split evenly (rounded up). Prints a table; writes --out.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const total = Number(opt('cases', 100000));
const seeds = opt('seeds', '1,2,3').split(',').map(Number);
const targetNames = opt('targets', 'dicom,nifti,inspect,seg-writer,multipart').split(',');
const chunk = Number(opt('chunk', 2000));
const caseMs = Number(opt('case-ms', 20000));
const heapMb = Number(opt('heap-mb', 2048));
const out = opt('out', join(REPO, 'bench', 'results', 'fuzz-campaign.json'));
const regressions = join(REPO, 'test', 'fixtures', 'fuzz-regressions');

/** Runs cases [start, end) of one target+seed in a child; after a hang or crash, goes on from the next case. */
async function runRange(target, seed, start, end, counts, kept) {
  let next = start;
  while (next < end) {
    next = await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [`--max-old-space-size=${heapMb}`, join(REPO, 'scripts', 'fuzz', 'campaign-chunk.mjs'), target, String(seed), String(next), String(end - next)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let current = next;
      let done = false;
      let buffered = '';
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => child.kill('SIGKILL'), caseMs);
      };
      arm();
      child.stdout.on('data', (d) => {
        buffered += d;
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.startsWith('C ')) {
            current = Number(line.slice(2));
            arm();
          } else if (line.startsWith('O ')) {
            const o = line.slice(2);
            counts[o] = (counts[o] ?? 0) + 1;
          } else if (line.startsWith('F ')) kept.push({ target, seed, ...JSON.parse(line.slice(2)) });
          else if (line === 'R done') done = true;
        }
      });
      child.stderr.resume();
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (done) return resolve(end);
        // The case in flight hung (killed by the timer) or crashed the process (heap cap, abort).
        const outcome = signal === 'SIGKILL' ? 'HANG' : 'CRASH';
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        kept.push({ target, seed, case: current, outcome, detail: `exit ${code} ${signal ?? ''}`.trim(), name: `fuzz-${target}-${seed}-${current}` });
        resolve(current + 1);
      });
    });
  }
}

// At least --cases in all: the per-target share is rounded up.
const perTarget = Math.ceil(total / (seeds.length * targetNames.length));
const summary = {};
const kept = [];
const t0 = Date.now();
for (const target of targetNames) {
  summary[target] = {};
  for (const seed of seeds) {
    for (let start = 0; start < perTarget; start += chunk) await runRange(target, seed, start, Math.min(perTarget, start + chunk), summary[target], kept);
    process.stderr.write(`${target} seed ${seed}: ${perTarget} cases (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
}

mkdirSync(regressions, { recursive: true });
for (const f of kept) {
  const base = join(regressions, `${f.target}-${f.seed}-${f.case}`);
  if (f.bytes) writeFileSync(`${base}.bin`, Buffer.from(f.bytes, 'base64'));
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        target: f.target,
        name: f.name,
        ext: f.name?.match(/(\.nii\.gz|\.nii|\.dcm)$/)?.[1] ?? '',
        seed: f.seed,
        case: f.case,
        outcome: f.outcome,
        detail: f.detail,
        source: f.source,
        kind: f.kind,
      },
      null,
      2,
    ) + '\n',
  );
}
const report = {
  date: new Date().toISOString(),
  casesPerTargetAndSeed: perTarget,
  seeds,
  seconds: Math.round((Date.now() - t0) / 1000),
  outcomes: summary,
  failures: kept.map(({ bytes, ...f }) => f),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log('| target | cases | outcomes |\n|---|---|---|');
for (const [t, c] of Object.entries(summary))
  console.log(
    `| ${t} | ${Object.values(c).reduce((a, b) => a + b, 0)} | ${Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} |`,
  );
console.log(`${kept.length} failing case(s) kept in test/fixtures/fuzz-regressions/; ${report.seconds} s`);
if (kept.length > 0) process.exitCode = 1;
