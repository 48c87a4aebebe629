/**
 * Seeded fuzzing shared by the suite (test/fuzz/readers-fuzz.test.ts, a few thousand cases per
 * run) and the long campaign (scripts/fuzz/campaign.mjs, >= 100,000 cases over several seeds).
 * Plain JS so both can use it: the SDK functions are passed in (`sdk`), from src/ under vitest
 * and from dist/ in the campaign.
 *
 * A case = one mutation of one real source file fed to one target. Its outcome is 'ok' (a
 * well-formed result), an SDK error code ('E_DECODE', 'E_LIMIT', ...), or a failure:
 * 'FOREIGN' (an exception that is not a MedinferError, or a CLI error line without a code),
 * 'BAD_RESULT' (a result whose shape contradicts itself) or, in the campaign, 'HANG' (the case
 * did not finish within its time bound).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** mulberry32: small deterministic PRNG (same seed, same cases, on every machine). */
export function createRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HUGE_32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x40000000, 0x00ffffff, 0xfffffffe];
const HUGE_16 = [0xffff, 0x7fff, 0x8000, 0x4000, 0x0000];

/**
 * One mutation of `bytes`. Kinds: byte flips, truncation, deleting or duplicating a chunk,
 * a huge 32-bit or 16-bit value written at a random (even) offset - lengths, dimensions and
 * counts are where readers over-allocate - and, for gzip input, either a corrupted stream or
 * a mutated payload re-compressed (so the inner format is reached).
 */
export function mutate(bytes, rnd) {
  const int = (n) => Math.floor(rnd() * n);
  const gz = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const r = rnd();
  if (gz && r < 0.35) {
    const inner = mutate(new Uint8Array(gunzipSync(bytes)), rnd);
    return { bytes: new Uint8Array(gzipSync(inner.bytes, { level: 1 })), kind: `gz-${inner.kind}` };
  }
  const out = new Uint8Array(bytes);
  // Header-heavy targets: most mutations land in the first 2 KiB, where the structure is.
  const where = (n) => (rnd() < 0.7 ? int(Math.min(n, 2048)) : int(n));
  if (r < 0.45) {
    const flips = 1 + int(8);
    for (let f = 0; f < flips; f++) out[where(out.length)] = int(256);
    return { bytes: out, kind: 'flip' };
  }
  if (r < 0.6) return { bytes: bytes.slice(0, int(bytes.length)), kind: 'truncate' };
  if (r < 0.75) {
    const at = where(out.length - 4) & ~1;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (rnd() < 0.6) view.setUint32(Math.max(0, at), HUGE_32[int(HUGE_32.length)], rnd() < 0.8);
    else view.setUint16(Math.max(0, at), HUGE_16[int(HUGE_16.length)], rnd() < 0.8);
    return { bytes: out, kind: 'huge-field' };
  }
  if (r < 0.88) {
    const at = where(bytes.length);
    const cut = 1 + int(64);
    const res = new Uint8Array(bytes.length - Math.min(cut, bytes.length - at));
    res.set(bytes.subarray(0, at), 0);
    res.set(bytes.subarray(at + cut), at);
    return { bytes: res, kind: 'delete' };
  }
  const at = where(bytes.length);
  const len = Math.min(1 + int(64), bytes.length - at);
  const res = new Uint8Array(bytes.length + len);
  res.set(bytes.subarray(0, at + len), 0);
  res.set(bytes.subarray(at), at + len);
  return { bytes: res, kind: 'duplicate' };
}

function classify(err, name, isMedinferError) {
  if (!isMedinferError(err)) return { outcome: 'FOREIGN', detail: String(err?.stack ?? err).slice(0, 400) };
  // Every typed error names its input: a message about some other file would mislead a batch log.
  if (err.details?.file !== undefined && !String(err.details.file).includes(name))
    return { outcome: 'FOREIGN', detail: `error names ${err.details.file}, not ${name}` };
  return { outcome: err.code };
}

/**
 * Targets: name -> { extension, run(bytes, name) -> { outcome, detail? } }. `sdk` provides
 * readDicom, readNifti, isMedinferError and, for the CLI, runInspect(bytes, name, ext) ->
 * { code, stdout, stderr } (in-process main() over a temporary file).
 */
export function createTargets(sdk) {
  const volumeOk = (v) => {
    const [i, j, k] = v.geometry.size;
    return v.data.length === i * j * k * v.components * v.frames
      ? { outcome: 'ok' }
      : { outcome: 'BAD_RESULT', detail: `data ${v.data.length} for ${i}x${j}x${k}x${v.components}x${v.frames}` };
  };
  const reader = (read) => async (bytes, name) => {
    try {
      return volumeOk(await read(bytes, name));
    } catch (err) {
      return classify(err, name, sdk.isMedinferError);
    }
  };
  const targets = {
    dicom: { extension: '.dcm', run: reader((bytes, name) => sdk.readDicom(bytes, { name, maxVoxels: 1 << 22 })) },
    nifti: { extension: '.nii', run: reader((bytes, name) => sdk.readNifti(bytes, { name, maxVoxels: 1 << 22 })) },
  };
  if (sdk.createDicomSeg && sdk.seriesFiles) {
    // SEG / SR writers' inputs: one file of a real source series mutated, the rest intact; the
    // series is read, described and a SEG + SR written for a label map on its grid. Typed errors
    // name the mutated file or the series; what is written must parse again.
    targets['seg-writer'] = {
      extension: '.dcm',
      run: async (bytes, name, _ext, src) => {
        const files = sdk.seriesFiles.map((f) => (f.name === src?.name ? { name, bytes } : f));
        try {
          const volume = await sdk.readDicomSeries(files, { name });
          const source = sdk.describeDicomSource(files);
          const labels = sdk.createVolume({
            geometry: volume.geometry,
            data: Uint8Array.from(volume.data, (v, i) => (i % 7 === 0 ? 1 : v > 0 && i % 5 === 0 ? 2 : 0)),
            meta: { source: name },
          });
          const segments = [1, 2].map((label) => ({
            label,
            name: `segment ${label}`,
            category: sdk.DICOM_CODES.anatomicalStructure,
            type: { value: '10200004', scheme: 'SCT', meaning: 'Liver' },
          }));
          const seg = sdk.createDicomSeg({ labels, source, segments, algorithm: { name: 'fuzz', version: '0'.repeat(64) } });
          sdk.parseDicomBytes(seg, name);
          const sr = sdk.createDicomSr({
            source,
            algorithm: { name: 'fuzz', version: '0'.repeat(64) },
            seg: { bytes: seg },
            volumes: [
              { segmentNumber: 1, volumeMm3: 1000 },
              { segmentNumber: 2, volumeMm3: 12.5 },
            ],
          });
          sdk.parseDicomBytes(sr, name);
          return { outcome: 'ok' };
        } catch (err) {
          if (!sdk.isMedinferError(err)) return { outcome: 'FOREIGN', detail: String(err?.stack ?? err).slice(0, 400) };
          return { outcome: err.code };
        }
      },
    };
  }
  if (sdk.MultipartParser && sdk.multipartBoundary) {
    // DICOMweb answers: a mutated multipart/related body pushed in chunks of a size drawn from the
    // case (1 byte to 64 KiB), under tight bounds; every part that comes out is read as DICOM.
    targets.multipart = {
      extension: '',
      run: async (bytes, name) => {
        try {
          const rnd = createRandom(bytes.length * 2654435761 + name.length);
          const parser = new sdk.MultipartParser(sdk.multipartBoundary, { maxPartBytes: 4 << 20, maxTotalBytes: 16 << 20, maxParts: 16 }, name);
          const parts = [];
          for (let at = 0; at < bytes.length; ) {
            const size = 1 + Math.floor(rnd() ** 3 * 65536);
            parts.push(...parser.push(bytes.subarray(at, at + size)));
            at += size;
          }
          parser.finish();
          for (const p of parts) await sdk.readDicom(p.body, { name, maxVoxels: 1 << 22 });
          return { outcome: 'ok' };
        } catch (err) {
          return classify(err, name, sdk.isMedinferError);
        }
      },
    };
  }
  if (sdk.runInspect) {
    targets.inspect = {
      extension: '',
      run: async (bytes, name, ext) => {
        const { code, stderr } = await sdk.runInspect(bytes, name, ext);
        if (code === 0) return { outcome: 'ok' };
        // A failed input must be reported by its typed code; a bare message means an untyped error escaped.
        const m = /\b(E_[A-Z_]+)\b/.exec(stderr);
        if (code !== 1 || m === null) return { outcome: 'FOREIGN', detail: `exit ${code}: ${stderr.slice(0, 300)}` };
        return { outcome: m[1] };
      },
    };
  }
  return targets;
}

/**
 * The CLI `inspect` target's runner: writes the case to `scratch` under its name (with the
 * source's extension, which the CLI sniffs), runs `main(['inspect', ...])` in-process, removes it.
 */
export function createInspectRunner(main, scratch) {
  return async (bytes, name, ext) => {
    const path = join(scratch, name.endsWith(ext) ? name : name + ext);
    writeFileSync(path, bytes);
    let stdout = '';
    let stderr = '';
    try {
      const code = await main(['inspect', path, '--json', '--max-voxels', String(1 << 22)], {
        out: (t) => void (stdout += t),
        err: (t) => void (stderr += t),
        cwd: scratch,
        env: {},
        isTTY: false,
      });
      return { code, stdout, stderr };
    } finally {
      rmSync(path, { force: true });
    }
  };
}

export const FAILURE_OUTCOMES = new Set(['FOREIGN', 'BAD_RESULT', 'HANG']);

/** The generator of case `c` under `seed`: every case reproduces on its own (campaign chunks, regression files). */
export function caseRandom(seed, c) {
  return createRandom(Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(c + 1, 0x85ebca6b));
}

/** Runs cases [start, start + count) of one target; returns outcome counts and the failing cases (with their bytes). */
export async function runCases({ target, targetName, sources, seed, start = 0, count, onCase }) {
  const counts = {};
  const failures = [];
  for (let c = start; c < start + count; c++) {
    const src = sources[c % sources.length];
    const { bytes, kind } = mutate(src.bytes, caseRandom(seed, c));
    const name = `fuzz-${targetName}-${seed}-${c}-${kind}${src.ext ?? ''}`;
    onCase?.(c);
    const result = await target.run(bytes, name, src.ext ?? '', src);
    counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
    if (FAILURE_OUTCOMES.has(result.outcome)) failures.push({ case: c, name, source: src.name, kind, outcome: result.outcome, detail: result.detail, bytes });
  }
  return { counts, failures };
}
