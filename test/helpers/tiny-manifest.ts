/** A manifest around the tiny classifier fixture, for pipeline tests that need no trained model. */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_MODEL_PATH, TINY_MODEL_SHA256 } from './tiny-model.js';

export function writeTinyManifest(overrides: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-tiny-'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(TINY_MODEL_PATH, join(dir, 'models', 'tiny.onnx'));
  const manifest = {
    manifestVersion: 1,
    datasets: { synthetic: { name: 'synthetic', tasks: ['classification'], modality: 'CR', acquisition: { kind: 'generated', generator: 'test' } } },
    models: {
      'tiny-cxr': {
        task: 'classification',
        title: 'tiny',
        datasets: ['synthetic'],
        architecture: 'tiny CNN',
        files: [{ role: 'model', path: 'models/tiny.onnx', sha256: TINY_MODEL_SHA256 }],
        weights: { kind: 'bundled' },
        io: {
          inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16], layout: 'NCHW' }],
          outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }],
        },
        modality: ['CR', 'DX'],
        dimensionality: 2,
        preprocess: [
          { op: 'resize', size: [16, 16], mode: 'bilinear' },
          { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
        ],
        inference: { mode: 'whole', batch: 2 },
        postprocess: [{ op: 'sigmoid' }],
        labels: ['a', 'b', 'c'],
        intendedUse: 'pipeline unit tests only',
        ...overrides,
      },
    },
  };
  const path = join(dir, 'models.manifest.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}
