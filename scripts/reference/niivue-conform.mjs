#!/usr/bin/env node
// Reference outputs of niivue's conform (what brainchop calls: nv.conform(volume, false)) for
// test/preprocess/conform.test.ts. Development only: needs dist/ (npm run build) and
// @niivue/niivue 0.62.1 (MIT, the version brainchop pins: ^0.62.0) installed in a scratch
// folder, e.g.
//   mkdir /tmp/nv && cd /tmp/nv && npm init -y && npm i @niivue/niivue@0.62.1
//   NODE_PATH=/tmp/nv/node_modules node scripts/reference/niivue-conform.mjs
// Each case: a small synthetic volume (deterministic, written as <case>.in.nii.gz) read back by
// niivue's own NIfTI loader and conformed with niivue's Niivue.prototype.conform (the method needs
// no WebGL); the 256^3 uint8 result and its affine are written as <case>.niivue.nii.gz.
import { mkdirSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createVolume, writeNifti, geometryFromAffine, flipAffineLpsRas } from '../../dist/index.js';

// The package exports only an ESM "import" entry: find it under NODE_PATH.
const niivuePath = (process.env.NODE_PATH ?? '')
  .split(':')
  .filter(Boolean)
  .map((d) => join(d, '@niivue/niivue/dist/index.js'))
  .find((f) => existsSync(f));
if (niivuePath === undefined) throw new Error('set NODE_PATH to a node_modules folder holding @niivue/niivue 0.62.1');
const { Niivue, NVImage } = await import(pathToFileURL(niivuePath).href);

const OUT = new URL('../../test/fixtures/preprocess/conform/', import.meta.url);
mkdirSync(OUT, { recursive: true });

/** Rotation (LPS) about z by a, then about x by b (radians), columns = voxel axes. */
function rotation(a, b) {
  const [ca, sa, cb, sb] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b)];
  const rz = [ca, -sa, 0, sa, ca, 0, 0, 0, 1];
  const rx = [1, 0, 0, 0, cb, -sb, 0, sb, cb];
  const m = new Array(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) m[r * 3 + c] += rx[r * 3 + k] * rz[k * 3 + c];
  return m;
}

/** A head-like blob: bright shell, darker core, a gradient and one very bright outlier. */
function fill(size, type, scale) {
  const [n0, n1, n2] = size;
  const Ctor = { int16: Int16Array, float32: Float32Array, uint8: Uint8Array }[type];
  const data = new Ctor(n0 * n1 * n2);
  let p = 0;
  for (let k = 0; k < n2; k++)
    for (let j = 0; j < n1; j++)
      for (let i = 0; i < n0; i++, p++) {
        const x = (i - n0 / 2) / (n0 * 0.4),
          y = (j - n1 / 2) / (n1 * 0.38),
          z = (k - n2 / 2) / (n2 * 0.42);
        const r = Math.sqrt(x * x + y * y + z * z);
        let v = r < 0.8 ? 0.55 + 0.25 * Math.sin(i / 3.1) * Math.cos(j / 4.3) + 0.1 * (k / n2) : r < 1 ? 0.9 : 0.02 * ((i * 7 + j * 3 + k) % 5);
        if (i === 5 && j === 7 && k === 9) v = 6; // outlier: the 99.9 % histogram clip must ignore it
        data[p] = type === 'float32' ? v * scale : Math.round(v * scale);
      }
  return data;
}

const CASES = [
  {
    name: 'oblique-int16',
    size: [48, 40, 36],
    spacing: [1.1, 0.9, 1.7],
    direction: rotation(0.35, 0.2),
    origin: [-20.5, 31.25, -12],
    type: 'int16',
    scale: 900,
    linear: true,
  },
  {
    name: 'oblique-int16-nearest',
    size: [48, 40, 36],
    spacing: [1.1, 0.9, 1.7],
    direction: rotation(0.35, 0.2),
    origin: [-20.5, 31.25, -12],
    type: 'int16',
    scale: 900,
    linear: false,
  },
  {
    name: 'ras-float32',
    size: [50, 44, 40],
    spacing: [1.2, 1.2, 1.2],
    direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
    origin: [30, 26, -24],
    type: 'float32',
    scale: 333.3,
    linear: true,
  },
  {
    name: 'pir-uint8',
    size: [40, 46, 42],
    spacing: [1, 1, 1],
    direction: [0, 0, -1, 1, 0, 0, 0, -1, 0],
    origin: [12.5, -20, 18],
    type: 'uint8',
    scale: 40,
    linear: true,
  },
];

const fakeThis = Object.create(Niivue.prototype);
for (const c of CASES) {
  const input = createVolume({ geometry: { size: c.size, spacing: c.spacing, origin: c.origin, direction: c.direction }, data: fill(c.size, c.type, c.scale) });
  const inBytes = writeNifti(input, { gzip: true });
  writeFileSync(new URL(`${c.name}.in.nii.gz`, OUT), inBytes);
  const image = await NVImage.loadFromUrl({ url: new Uint8Array(inBytes) });
  const conformed = await Niivue.prototype.conform.call(fakeThis, image, false, c.linear);
  const affineRas = conformed.hdr.affine.flat();
  const geometry = geometryFromAffine(flipAffineLpsRas(affineRas), [256, 256, 256]);
  const out = createVolume({ geometry, data: new Uint8Array(conformed.img) });
  writeFileSync(new URL(`${c.name}.niivue.nii.gz`, OUT), gzipSync(writeNifti(out), { level: 9 }));
  console.log(`${c.name}: ${conformed.img.reduce((n, v) => n + (v > 0 ? 1 : 0), 0)} non-zero voxels`);
}
