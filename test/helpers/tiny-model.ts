/** The tiny classifier fixture (scripts/fixtures/make_tiny_model.py) and its golden outputs. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IoSpec, ModelTensor } from '../../src/index.js';

export const TINY_MODEL_PATH = fileURLToPath(new URL('../fixtures/models/tiny-classifier.onnx', import.meta.url));
export const TINY_MODEL_SHA256 = 'e83d63a41bd6581d0818ccc5ca94ec3dbce8e62f4edb846c8c6346231f2e828e';

export const TINY_IO: IoSpec = {
  inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16], layout: 'NCHW' }],
  outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }],
};

interface Golden {
  input: { dims: number[] };
  output: { dims: number[]; values: number[] };
  tolerance: number;
}

export const TINY_GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/models/tiny-classifier.golden.json', import.meta.url), 'utf8')) as Golden;

/** The fixed input the golden values were computed on: sin(i * 0.37) + i / 512. */
export function tinyInput(): ModelTensor {
  const n = TINY_GOLDEN.input.dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37) + i / n;
  return { type: 'float32', dims: TINY_GOLDEN.input.dims, data };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
