/**
 * Smoke test of the benchmark suite (issue 11) - the only benchmark code the test suite runs.
 * Runs `node bench/run.mjs --quick --only pipelines` restricted to the bundled report-text model
 * (a few seconds: tiny model, no 3D volumes, no Python - MEDINFER_BENCH_PYTHON points nowhere and
 * MEDINFER_BENCH_SKIP_PYTHON=1 opts out explicitly, so the recorded-skip path is exercised too;
 * without the opt-out a missing Python fails the area) into a temp directory, and checks that the merged
 * result file and BENCHMARKS.md are well formed. Timings themselves are not asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifestFile } from '../../src/node.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'medinfer-bench-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hasTextModel = Object.values((await readManifestFile()).models).some((m) => m.task === 'report-text' && m.weights.kind === 'bundled');
const built = existsSync(join(REPO, 'dist', 'index.js'));

/** `bench/run.mjs --quick --only pipelines` on the report-text figures, with no Python (MEDINFER_BENCH_PYTHON points nowhere) and `env` added. */
function quickBench(outDir: string, md: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['bench/run.mjs', '--quick', '--only', 'pipelines', '--out-dir', outDir, '--md', md], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 55_000,
    env: {
      ...process.env,
      MEDINFER_BENCH_TASKS: 'report-text',
      MEDINFER_BENCH_PYTHON: join(work, 'no-python'),
      MEDINFER_BENCH_TMP: join(work, 'inputs'),
      ...env,
    },
  });
}

interface Figure {
  area: string;
  name: string;
  unit: string;
  median: number | null;
  baseline: string;
  baselineMedian: number | null;
  ratio: number | null;
}

describe.runIf(hasTextModel && built)('bench/run.mjs --quick (cheap subset)', () => {
  it('writes a well-formed merged result file and BENCHMARKS.md', () => {
    const md = join(work, 'BENCHMARKS.md');
    const run = quickBench(work, md, { MEDINFER_BENCH_SKIP_PYTHON: '1' });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);

    const mergedFiles = readdirSync(work).filter((f) => /^\d{4}-\d\d-\d\dT.*Z\.json$/.test(f));
    expect(mergedFiles).toHaveLength(1);
    const merged = JSON.parse(readFileSync(join(work, mergedFiles[0]!), 'utf8')) as {
      date: string;
      quick: boolean;
      areas: { area: string; status: string }[];
      figures: Figure[];
    };
    expect(Number.isNaN(Date.parse(merged.date))).toBe(false);
    expect(merged.quick).toBe(true);
    expect(merged.areas).toEqual([expect.objectContaining({ area: 'pipelines', status: 'ok' })]);
    expect(merged.figures.length).toBeGreaterThanOrEqual(1);
    for (const f of merged.figures) {
      expect(f.area).toBe('pipelines');
      expect(f.unit).toBe('ms');
      expect(typeof f.name).toBe('string');
      expect(typeof f.baseline).toBe('string');
      expect(f.median).toBeGreaterThan(0);
      expect(f.baselineMedian).toBeGreaterThan(0);
      expect(f.ratio!).toBeCloseTo(f.median! / f.baselineMedian!, 2);
    }

    // The area file itself, and the Python comparison reported as unavailable rather than failing.
    const area = JSON.parse(readFileSync(join(work, 'pipelines.json'), 'utf8')) as { area: string; figures: Figure[]; skipped: string[] };
    expect(area.area).toBe('pipelines');
    expect(area.skipped.some((s) => s.startsWith('Python comparison:'))).toBe(true);

    const table = readFileSync(md, 'utf8');
    expect(table).toContain('| figure | model | input | sizes | runs | unit | median | baseline | baseline median | ratio | notes |');
    // Every row says which model, input, sizes and how many runs (issue 26).
    for (const f of area.figures as (Figure & { model?: string; input?: string; sizes?: string; runs?: number })[]) {
      expect(f.model).toMatch(/report-text/);
      expect(typeof f.input).toBe('string');
      expect(typeof f.sizes).toBe('string');
      expect(f.runs).toBeGreaterThan(0);
    }
    expect(table).toContain('## pipelines');
    expect(table).toMatch(/noisy 2-core machine/);
  });

  it('fails loudly, naming the figure, when a figure cannot be measured (no Python, no opt-out)', () => {
    const out = join(work, 'loud');
    const run = quickBench(out, join(out, 'B.md'), { MEDINFER_BENCH_SKIP_PYTHON: '' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/NOT MEASURED[\s\S]*pipelines[\s\S]*SDK vs Python stack/);
    expect(run.stderr).toContain('bash bench/setup.sh');
    expect(readFileSync(join(out, 'B.md'), 'utf8')).toMatch(/\*\*not measured\*\*: SDK vs Python stack/);
  });
});
