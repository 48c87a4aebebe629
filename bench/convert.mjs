/**
 * `medinfer convert` against `dcm2niix` on the same DICOM series (not a test; issue 21). Each side
 * runs as a whole process (wall time and peak RSS from GNU time), sides alternating run by run,
 * both writing an uncompressed .nii into a fresh folder:
 *   - a 512x512x300 int16 CT series (lib/ct-series.mjs; --quick: 60 slices), uncompressed and re-encoded JPEG
 *     lossless (dcmcjpeg +e1, as PACS exports often are: the codec's work, on worker threads in medinfer);
 *   - 4D Siemens mosaic EPI runs of two matrix sizes (MOSAICS: dcm_qa_mosaic's 64x64x40 and dcm_qa's
 *     120x120x31, committed under test/fixtures/dcm-qa), each replicated to 120 volumes (--quick: 30)
 *     with dcmodify giving each copy its own SOPInstanceUID / InstanceNumber / AcquisitionNumber.
 *     A second, longer mosaic run (480 volumes; --quick: 120) gives the marginal cost per volume
 *     of each side (difference of the two lengths' medians over the difference in volumes) and
 *     the series length at which medinfer's wall time would meet dcm2niix's (fixed costs differ);
 *   - readDicomDirectory in this process (warm: after one untimed read) on the CT series against
 *     the dcm2niix process on the same files, alternating (issue 26 req. 3);
 * and the fixed start-up cost of the command (Node start + module load, `convert --help`).
 *   npm run build && node bench/convert.mjs [--quick] [--runs N] [--against DIR] [--mosaic-volumes 120,240,480] [--sidecars]
 * --against DIR: also time DIR/bin/medinfer.js (a copy of an earlier build: bin/, dist/,
 * package.json and a node_modules link) in the same alternating runs, as figures new / earlier.
 * Needs Debian `dcm2niix`, `dcmtk` (dcmodify) and `time`; installs them with apt-get when missing.
 * Writes bench/results/convert.json; figures are ratios medinfer / dcm2niix (lower is better).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ctSeriesFolder } from './lib/ct-series.mjs';

const quick = process.argv.includes('--quick');
// --runs N: more pairs on a busy machine (medians of alternating runs).
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Math.max(1, Number(process.argv[runsAt + 1])) : quick ? 3 : 5;
const againstAt = process.argv.indexOf('--against');
const AGAINST = againstAt > 0 ? process.argv[againstAt + 1] : undefined;
if (AGAINST !== undefined && !existsSync(join(AGAINST, 'bin', 'medinfer.js'))) throw new Error(`--against ${AGAINST}: no bin/medinfer.js there`);
// --sidecars: both tools write their BIDS sidecars (dcm2niix -b y, medinfer's default); else neither
// (dcm2niix -b n, medinfer --no-sidecar where the build has it: earlier builds write none).
const SIDECARS = process.argv.includes('--sidecars');
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..');
const resultsDir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? join(HERE, 'results');

/** medinfer's flags matching dcm2niix's -b: none with --sidecars, else --no-sidecar if `root`'s build knows it. */
function sidecarFlags(root) {
  if (SIDECARS) return [];
  const command = join(root, 'dist', 'cli', 'commands', 'convert.js');
  return existsSync(command) && readFileSync(command, 'utf8').includes('no-sidecar') ? ['--no-sidecar'] : [];
}

function ensureTools() {
  const missing = [
    ['dcm2niix', 'dcm2niix'],
    ['dcmodify', 'dcmtk'],
    ['/usr/bin/time', 'time'],
  ]
    .filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  console.log(`apt-get install ${missing.join(' ')}`);
  execFileSync(
    'sh',
    ['-c', `apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing.join(' ')} >/dev/null`],
    { stdio: 'inherit' },
  );
}

/**
 * The mosaic runs timed, from committed QA fixtures (test/fixtures/dcm-qa, SOURCES.md):
 *  - small: dcm_qa_mosaic's CMRR run, 448x448 mosaics of 64x64x40 (uint16, ~0.5 MB a file);
 *  - large: dcm_qa's TotalReadoutTime EPI, 720x720 mosaics of 120x120x31 (~1.2 MB a file), the
 *    matrix of current multiband fMRI and DWI protocols.
 */
const MOSAICS = {
  small: { dir: join(REPO, 'test', 'fixtures', 'dcm-qa', 'dcm_qa_mosaic', 'cmrr_int_hf'), label: '64x64x40 (448^2 mosaic)' },
  large: { dir: join(REPO, 'test', 'fixtures', 'dcm-qa', 'dcm_qa', 'trt_lr_31'), label: '120x120x31 (720^2 mosaic)' },
};

/** A 4D mosaic series: the source mosaic files repeated until `volumes` files exist, each made a distinct instance. */
function mosaicSeriesFolder(kind, volumes) {
  const source = MOSAICS[kind].dir;
  const sources = existsSync(source)
    ? readdirSync(source)
        .sort()
        .map((f) => join(source, f))
    : [];
  if (sources.length === 0) throw new Error(`no mosaic source series: expected ${source} (see test/fixtures/dcm-qa/SOURCES.md)`);
  const dir = join(tmpdir(), `medinfer-bench-mosaic-${kind}-${volumes}`);
  if (existsSync(join(dir, 'done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let v = 0; v < volumes; v++) {
    const path = join(dir, `vol-${String(v + 1).padStart(4, '0')}.dcm`);
    copyFileSync(sources[v % sources.length], path);
    execFileSync(
      'dcmodify',
      ['-nb', '-m', `(0020,0013)=${v + 1}`, '-m', `(0020,0012)=${v + 1}`, '-m', `(0008,0018)=1.2.826.0.1.3680043.10.1234.77.${v + 1}`, path],
      { stdio: 'ignore' },
    );
  }
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

/** `source`'s files re-encoded JPEG lossless SV1 (dcmcjpeg +e1), cached under tmp like the other series. */
function jpegLosslessFolder(source, slices) {
  const dir = join(tmpdir(), `medinfer-bench-dicom-jpll-${slices}`);
  if (existsSync(join(dir, 'done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(source).filter((n) => n.endsWith('.dcm'))) execFileSync('dcmcjpeg', ['+e1', join(source, f), join(dir, f)], { stdio: 'ignore' });
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const [wall, user, sys, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  // CPU time (user + system, all threads) is less disturbed than wall time by other processes
  // on a shared machine; both are reported.
  return { ms: wall * 1000, cpuMs: (user + sys) * 1000, rssMB: kb / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const figures = [];

function compare(label, input, volumeBytes) {
  const out = join(tmpdir(), 'medinfer-bench-convert-out');
  const ours = [],
    theirs = [],
    earlier = [];
  const runBuild = (root) => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    return timed(process.execPath, [join(root, 'bin', 'medinfer.js'), 'convert', input, join(out, 'x.nii'), ...sidecarFlags(root)]);
  };
  const runOurs = () => runBuild(REPO);
  const runTheirs = () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    return timed('dcm2niix', ['-z', 'n', '-b', SIDECARS ? 'y' : 'n', '-f', 'x', '-o', out, input]);
  };
  runOurs();
  runTheirs(); // warm-up: page cache, both binaries
  if (AGAINST) runBuild(AGAINST);
  for (let r = 0; r < RUNS; r++) {
    // Alternate which side goes first so a drift in machine load does not favour one side.
    if (r % 2 === 0) {
      ours.push(runOurs());
      theirs.push(runTheirs());
    } else {
      theirs.push(runTheirs());
      ours.push(runOurs());
    }
    if (AGAINST) earlier.push(runBuild(AGAINST));
  }
  const o = { ms: median(ours.map((x) => x.ms)), cpu: median(ours.map((x) => x.cpuMs)), rss: median(ours.map((x) => x.rssMB)) };
  const t = { ms: median(theirs.map((x) => x.ms)), cpu: median(theirs.map((x) => x.cpuMs)), rss: median(theirs.map((x) => x.rssMB)) };
  const volMB = volumeBytes / 2 ** 20;
  figures.push({
    name: `medinfer convert ${label}: wall time`,
    unit: 'ms',
    median: Math.round(o.ms),
    baseline: 'dcm2niix -z n (same files, alternating runs)',
    baselineMedian: Math.round(t.ms),
    ratio: +(o.ms / t.ms).toFixed(3),
    range: [Math.round(Math.min(...ours.map((x) => x.ms))), Math.round(Math.max(...ours.map((x) => x.ms)))],
    baselineRange: [Math.round(Math.min(...theirs.map((x) => x.ms))), Math.round(Math.max(...theirs.map((x) => x.ms)))],
    runs: RUNS,
  });
  figures.push({
    name: `medinfer convert ${label}: CPU time (user + sys)`,
    unit: 'ms',
    median: Math.round(o.cpu),
    baseline: 'dcm2niix -z n CPU time (same runs)',
    baselineMedian: Math.round(t.cpu),
    ratio: +(o.cpu / t.cpu).toFixed(3),
    runs: RUNS,
  });
  figures.push({
    name: `medinfer convert ${label}: peak RSS (volume ${volMB.toFixed(0)} MiB)`,
    unit: 'MiB',
    median: +o.rss.toFixed(0),
    baseline: 'dcm2niix peak RSS',
    baselineMedian: +t.rss.toFixed(0),
    ratio: +(o.rss / t.rss).toFixed(3),
    rssOverVolume: +(o.rss / volMB).toFixed(2),
    runs: RUNS,
  });
  if (AGAINST) {
    const e = { ms: median(earlier.map((x) => x.ms)), cpu: median(earlier.map((x) => x.cpuMs)), rss: median(earlier.map((x) => x.rssMB)) };
    figures.push({
      name: `medinfer convert ${label}: CPU time, this build vs the earlier build`,
      unit: 'ms',
      median: Math.round(o.cpu),
      baseline: `earlier build (--against, same runs)`,
      baselineMedian: Math.round(e.cpu),
      ratio: +(o.cpu / e.cpu).toFixed(3),
      runs: RUNS,
    });
    figures.push({
      name: `medinfer convert ${label}: peak RSS, this build vs the earlier build`,
      unit: 'MiB',
      median: +o.rss.toFixed(0),
      baseline: `earlier build (--against, same runs)`,
      baselineMedian: +e.rss.toFixed(0),
      ratio: +(o.rss / e.rss).toFixed(3),
      runs: RUNS,
    });
    console.log(`${label}: earlier build ${e.ms.toFixed(0)} ms (cpu ${e.cpu.toFixed(0)}) ${e.rss.toFixed(0)} MiB`);
  }
  console.log(
    `${label}: medinfer ${o.ms.toFixed(0)} ms (cpu ${o.cpu.toFixed(0)}) ${o.rss.toFixed(0)} MiB | dcm2niix ${t.ms.toFixed(0)} ms (cpu ` +
      `${t.cpu.toFixed(0)}) ${t.rss.toFixed(0)} MiB | volume ${volMB.toFixed(0)} MiB`,
  );
  return { ours: o, theirs: t };
}

/**
 * The fixed cost of any `medinfer convert`: Node start-up and loading the command (`convert
 * --help` loads the same modules, or the bundle from scripts/build-cli.mjs, and converts nothing),
 * against `node -e 0` in the same runs.
 */
function startupCost() {
  const ours = [],
    bare = [];
  const runOurs = () => timed(process.execPath, [join(REPO, 'bin', 'medinfer.js'), 'convert', '--help']);
  const runBare = () => timed(process.execPath, ['-e', '0']);
  runOurs();
  runBare();
  for (let r = 0; r < RUNS; r++) {
    if (r % 2 === 0) {
      ours.push(runOurs());
      bare.push(runBare());
    } else {
      bare.push(runBare());
      ours.push(runOurs());
    }
  }
  const o = median(ours.map((x) => x.ms)),
    b = median(bare.map((x) => x.ms));
  figures.push({
    name: 'medinfer convert start-up: Node start + loading the command (convert --help)',
    unit: 'ms',
    median: Math.round(o),
    baseline: 'node -e 0 (same runs)',
    baselineMedian: Math.round(b),
    ratio: +(o / b).toFixed(3),
    runs: RUNS,
  });
  console.log(`start-up: convert --help ${o.toFixed(0)} ms | node -e 0 ${b.toFixed(0)} ms`);
}

/**
 * Per-volume cost of each side: (long run - short run) / extra volumes, from the medians of the
 * two mosaic rows; and the series length at which medinfer's wall time meets dcm2niix's when
 * each side's time is fixed + per-volume x volumes (undefined when medinfer's per-volume cost is
 * not lower, or it is already faster at the short length).
 */
function marginalCost(short, long, extra, label) {
  for (const [what, key] of [
    ['wall time', 'ms'],
    ['CPU time (user + sys)', 'cpu'],
  ]) {
    const o = (long.ours[key] - short.ours[key]) / extra;
    const t = (long.theirs[key] - short.theirs[key]) / extra;
    const oFixed = short.ours[key] - o * shortRun;
    const tFixed = short.theirs[key] - t * shortRun;
    const breakEven = o < t ? Math.ceil((oFixed - tFixed) / (t - o)) : undefined;
    figures.push({
      name: `medinfer convert 4D Siemens mosaic ${label}: marginal ${what} per volume (${shortRun} -> ${longRun} volumes)`,
      unit: 'ms',
      median: +o.toFixed(3),
      baseline: 'dcm2niix -z n, same difference of medians',
      baselineMedian: +t.toFixed(3),
      ratio: +(o / t).toFixed(3),
      ...(breakEven !== undefined ? { breakEvenVolumes: Math.max(breakEven, 0) } : {}),
      runs: RUNS,
    });
    console.log(
      `mosaic ${label} marginal ${what}: medinfer ${o.toFixed(3)} ms/volume (fixed ${oFixed.toFixed(0)} ms) | dcm2niix ${t.toFixed(3)} ms/volume ` +
        `(fixed ${tFixed.toFixed(0)} ms) | ${breakEven === undefined ? 'no break-even' : `break-even at ${Math.max(breakEven, 0)} volumes`}`,
    );
  }
}

/**
 * readDicomDirectory (the built dist/node.js) in this process, warm (one untimed read first), on
 * `input`, against the whole dcm2niix process converting the same files - what a caller in a
 * running Node service pays against shelling out to dcm2niix. Alternating, medians.
 */
async function directoryReadCost(input, label) {
  const { readDicomDirectory } = await import(join(REPO, 'dist', 'node.js'));
  const out = join(tmpdir(), 'medinfer-bench-convert-out');
  const runOurs = async () => {
    const t0 = performance.now();
    const r = await readDicomDirectory(input);
    const ms = performance.now() - t0;
    if (r.series.length !== 1 || r.errors.length > 0) throw new Error(`readDicomDirectory ${input}: ${r.series.length} series, ${r.errors.length} errors`);
    return ms;
  };
  const runTheirs = () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    return timed('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'x', '-o', out, input]).ms;
  };
  await runOurs();
  runTheirs();
  const ours = [],
    theirs = [];
  for (let r = 0; r < RUNS; r++) {
    if (r % 2 === 0) {
      ours.push(await runOurs());
      theirs.push(runTheirs());
    } else {
      theirs.push(runTheirs());
      ours.push(await runOurs());
    }
  }
  const o = median(ours),
    t = median(theirs);
  figures.push({
    name: `readDicomDirectory ${label}, in-process, warm: wall time`,
    unit: 'ms',
    median: Math.round(o),
    baseline: 'dcm2niix -z n process on the same files (alternating runs)',
    baselineMedian: Math.round(t),
    ratio: +(o / t).toFixed(3),
    range: [Math.round(Math.min(...ours)), Math.round(Math.max(...ours))],
    baselineRange: [Math.round(Math.min(...theirs)), Math.round(Math.max(...theirs))],
    runs: RUNS,
  });
  console.log(`readDicomDirectory ${label} (warm, in-process): ${o.toFixed(0)} ms | dcm2niix ${t.toFixed(0)} ms`);
}

ensureTools();
startupCost();
const nz = quick ? 60 : 300;
compare(`512x512x${nz} int16 CT (${nz} files)`, ctSeriesFolder(nz), 512 * 512 * nz * 2);
// The same CT as PACS exports often send it: JPEG lossless (process 14, SV1) per file, made with dcmtk's dcmcjpeg.
compare(`512x512x${nz} int16 CT, JPEG lossless (${nz} files)`, jpegLosslessFolder(ctSeriesFolder(nz), nz), 512 * 512 * nz * 2);
// --mosaic-volumes 120,240,480: the mosaic lengths timed (marginal cost from the shortest and longest).
const lengthsAt = process.argv.indexOf('--mosaic-volumes');
const lengths = lengthsAt > 0 ? process.argv[lengthsAt + 1].split(',').map(Number) : quick ? [30, 120] : [120, 480];
if (lengths.length < 2 || !lengths.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--mosaic-volumes: two or more volume counts, e.g. 120,480');
const shortRun = Math.min(...lengths);
const longRun = Math.max(...lengths);
for (const kind of Object.keys(MOSAICS)) {
  const mosaic = {};
  for (const volumes of [...lengths].sort((a, b) => a - b)) {
    try {
      const dir = mosaicSeriesFolder(kind, volumes);
      const probe = JSON.parse(execFileSync(process.execPath, [join(REPO, 'bin', 'medinfer.js'), 'inspect', dir, '--json'], { encoding: 'utf8' }));
      const bytes = JSON.stringify(probe).match(/"size":\[(\d+),(\d+),(\d+)\]/);
      const volumeBytes = bytes ? Number(bytes[1]) * Number(bytes[2]) * Number(bytes[3]) * 2 * volumes : 0;
      mosaic[volumes] = compare(`4D Siemens mosaic EPI ${MOSAICS[kind].label} (${volumes} volumes, one file each)`, dir, volumeBytes);
    } catch (err) {
      console.error(`mosaic case ${kind} (${volumes} volumes) FAILED: ${err.message.split('\n')[0]}`);
      process.exitCode = 1;
    }
  }
  if (mosaic[shortRun] && mosaic[longRun]) marginalCost(mosaic[shortRun], mosaic[longRun], longRun - shortRun, MOSAICS[kind].label);
}
await directoryReadCost(ctSeriesFolder(nz), `512x512x${nz} int16 CT (${nz} files)`);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'convert.json'),
  JSON.stringify({ area: 'convert', date: new Date().toISOString(), quick, sidecars: SIDECARS, figures }, null, 2) + '\n',
);
