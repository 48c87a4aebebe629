/**
 * Seeded fuzzing: 2,400 (default) truncations and byte mutations of real files across every codec. Every
 * outcome must be either a well-formed Volume or one of the SDK's typed errors (MedinferError) -
 * foreign exceptions (fflate, the wasm codecs, the JS lossless decoder) must have been wrapped - and the whole
 * loop must finish within a time bound (no hang, no runaway allocation).
 */
import { expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { isMedinferError } from '../../../src/core/errors.js';
import { fixtureBytes } from './helpers.js';
import { createRandom } from '../../../scripts/fuzz/fuzz-core.mjs';

const FILES = [
  'CT_small.dcm',
  'MR_small_RLE.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_jp2klossless.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_implicit.dcm',
  'JPEG2000.dcm',
  'SC_rgb_jpeg_dcmtk.dcm',
  'SC_rgb_rle.dcm',
  'image_dfl.dcm',
  'rtdose.dcm',
  'generated/ct_jpeg_lossless_sv1.dcm',
  'generated/mr_htj2k_lossless.dcm',
  'generated/enhanced_ct_5frames.dcm',
  'generated/rgb_planar1_2frames.dcm',
  'generated/int32_signed_bigendian_2frames.dcm',
  'generated/bits1_3frames.dcm',
  'generated/uint12_jpeg_ls_near_lossless.dcm',
  'generated/rgb_jpeg_baseline_422.dcm',
  'generated/ybr_full_422_native.dcm',
  'generated/noise_jpeg_lossless_fragments_nobot.dcm',
  'generated/enhanced_ct_jpeg2000_5frames.dcm',
  'generated/xa_modality_lut_sequence.dcm',
  'generated/j2k_unsigned_stream_signed_pr.dcm',
  'generated/rtdose_rle_32bit_15frames.dcm',
  'generated/int16_bits12_signed_implicit.dcm',
];
// Longer local runs: FUZZ_CASES=20000 FUZZ_SEED=7 FUZZ_BOUND_MS=600000 npx vitest run test/io/dicom/fuzz.test.ts
const CASES = Number(process.env['FUZZ_CASES'] ?? 2400);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20260101);
const TIME_BOUND_MS = Number(process.env['FUZZ_BOUND_MS'] ?? 60_000);

function mutate(src: Uint8Array, rnd: () => number): { bytes: Uint8Array; kind: string } {
  const int = (n: number): number => Math.floor(rnd() * n);
  const kind = int(5);
  if (kind === 0) return { bytes: src.subarray(0, int(src.length)), kind: 'truncate' };
  const bytes = src.slice();
  if (kind === 1) {
    for (let n = 1 + int(4); n > 0; n--) bytes[int(bytes.length)] = int(256);
    return { bytes, kind: 'flip' };
  }
  if (kind === 2) {
    // Header region: lengths, VRs, Rows/Columns, transfer syntax, sequence delimiters.
    const end = Math.min(bytes.length, 1500);
    for (let n = 1 + int(6); n > 0; n--) bytes[128 + int(end - 128)] = rnd() < 0.5 ? 0xff : int(256);
    return { bytes, kind: 'header' };
  }
  if (kind === 3) {
    // Pixel / codestream region: the last third of the file.
    const start = Math.floor((bytes.length * 2) / 3);
    const len = 1 + int(32);
    const at = start + int(Math.max(1, bytes.length - start - len));
    for (let i = 0; i < len && at + i < bytes.length; i++) bytes[at + i] = int(256);
    return { bytes, kind: 'pixels' };
  }
  const at = int(bytes.length);
  const cut = int(64);
  const out = new Uint8Array(bytes.length - Math.min(cut, bytes.length - at));
  out.set(bytes.subarray(0, at), 0);
  out.set(bytes.subarray(at + cut), at);
  return { bytes: out, kind: 'delete' };
}

test(`fuzz: ${CASES} seeded mutations end as a Volume or a typed error`, { timeout: TIME_BOUND_MS + 15_000 }, async () => {
  const sources = FILES.map((f) => ({ name: f, bytes: fixtureBytes(f) }));
  const rnd = createRandom(SEED);
  const outcomes = new Map<string, number>();
  const started = performance.now();
  for (let c = 0; c < CASES; c++) {
    const src = sources[c % sources.length]!;
    const { bytes, kind } = mutate(src.bytes, rnd);
    const name = `fuzz-${c}-${kind}.dcm`;
    let outcome: string;
    try {
      const v = await readDicom(bytes, { name, maxVoxels: 1 << 22 });
      const [i, j, k] = v.geometry.size;
      expect(v.data.length, name).toBe(i * j * k * v.components * v.frames);
      outcome = 'volume';
    } catch (err) {
      if (!isMedinferError(err)) throw new Error(`${name} (from ${src.name}): foreign exception ${String(err)}`, { cause: err });
      expect(err.details.file, name).toBe(name);
      outcome = err.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const elapsed = performance.now() - started;
  expect(elapsed).toBeLessThan(TIME_BOUND_MS);
  // Sanity: the mutations really exercise both paths.
  expect(outcomes.get('volume') ?? 0).toBeGreaterThan(100);
  expect(outcomes.get('E_DECODE') ?? 0).toBeGreaterThan(100);
  console.log(`fuzz outcomes in ${elapsed.toFixed(0)} ms:`, Object.fromEntries(outcomes));
});
