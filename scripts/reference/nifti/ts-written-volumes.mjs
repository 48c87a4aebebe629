/**
 * Synthetic volumes that the TS writer turns into test/fixtures/nifti/ts-written/ (see
 * write-ts-fixtures.mjs); test/io/nifti/write-nifti.test.ts rebuilds the same volumes and checks
 * that writeNifti still produces those exact bytes and that nibabel read them as intended.
 * Plain JS (no SDK import) so both the script (dist) and the tests (src) can use it.
 */

function rotation(ax, deg) {
  const t = (deg * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const m = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const [i, j] = [
    [1, 2],
    [0, 2],
    [0, 1],
  ][ax];
  m[i * 3 + i] = c;
  m[i * 3 + j] = -s;
  m[j * 3 + i] = s;
  m[j * 3 + j] = c;
  return m;
}

function multiply(a, b) {
  const out = new Array(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return out;
}

function fill(Ctor, count, f) {
  const data = new Ctor(count);
  for (let n = 0; n < count; n++) data[n] = f(n);
  return data;
}

const OBLIQUE = multiply(rotation(2, 20), rotation(0, -12));
const LEFT_HANDED = multiply(rotation(1, 33), [1, 0, 0, 0, 1, 0, 0, 0, -1]);
// Unit columns that are not orthogonal: column 1 leans 0.3 towards column 0.
const SHEARED = [1, 0.3 / Math.hypot(1, 0.3), 0, 0, 1 / Math.hypot(1, 0.3), 0, 0, 0, 1];

/** name -> { file, init: VolumeInit-like plain object, options: WriteNiftiOptions } */
export function buildTsWrittenVolumes() {
  return [
    {
      file: 'int16-oblique.nii',
      options: {},
      init: {
        geometry: { size: [6, 5, 4], spacing: [0.8, 1.25, 3], origin: [-101.5, 87.25, -40.125], direction: OBLIQUE },
        data: fill(Int16Array, 120, (n) => ((n * 2731) % 6001) - 3000),
      },
    },
    {
      file: 'float32-4d.nii.gz',
      options: { gzip: true },
      init: {
        geometry: { size: [4, 3, 2], spacing: [2, 2, 2.5], origin: [10, -20, 30], direction: OBLIQUE },
        frames: 3,
        data: fill(Float32Array, 72, (n) => Math.fround(Math.sin(n) * 1000)),
        meta: { nifti: { timeStep: 2.5 } },
      },
    },
    {
      file: 'rgb24.nii',
      options: {},
      init: { geometry: { size: [3, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0] }, components: 3, data: fill(Uint8Array, 36, (n) => (n * 37) % 256) },
    },
    {
      file: 'float64-left-handed.nii',
      options: { sformCode: 2 },
      init: {
        geometry: { size: [3, 4, 5], spacing: [1.5, 0.5, 4], origin: [1.25, 2.5, -3.75], direction: LEFT_HANDED },
        data: fill(Float64Array, 60, (n) => n * 1e-3 - 12345.678901),
      },
    },
    {
      file: 'uint16-nifti2.nii',
      options: { version: 2 },
      init: {
        geometry: { size: [5, 3, 2], spacing: [0.7, 0.7, 1.1], origin: [-5, 6, 7], direction: OBLIQUE },
        data: fill(Uint16Array, 30, (n) => (n * 2111) % 65536),
      },
    },
    {
      file: 'float32-sheared.nii',
      options: {},
      init: { geometry: { size: [3, 3, 3], spacing: [1, 2, 3], origin: [4, 5, 6], direction: SHEARED }, data: fill(Float32Array, 27, (n) => n / 4) },
    },
    {
      file: 'float32-vector-4d.nii',
      options: {},
      init: {
        geometry: { size: [3, 2, 2], spacing: [1.5, 1.5, 2], origin: [-3, 4, -5], direction: OBLIQUE },
        components: 3,
        frames: 2,
        data: fill(Float32Array, 72, (n) => Math.fround(n * 0.5 - 9.25)),
      },
    },
    {
      file: 'int16-from-float32.nii.gz',
      options: { gzip: true, datatype: 'int16' },
      init: { geometry: { size: [4, 4, 3], spacing: [1, 1, 1], origin: [0, 0, 0], direction: OBLIQUE }, data: fill(Float32Array, 48, (n) => n * 10 - 200) },
    },
  ];
}
