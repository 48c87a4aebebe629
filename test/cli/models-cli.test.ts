/** Drives the real CLI (dist/, built by `npm test`) as a child process. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TINY_MODEL_PATH, TINY_MODEL_SHA256 } from '../helpers/tiny-model.js';

const BIN = fileURLToPath(new URL('../../bin/medinfer.js', import.meta.url));

function medinfer(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function manifestWithTinyModel(sha256: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-cli-'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(TINY_MODEL_PATH, join(dir, 'models', 'tiny.onnx'));
  const manifest = {
    manifestVersion: 1,
    datasets: {
      synthetic: { name: 'synthetic test data', tasks: ['classification'], modality: 'none', acquisition: { kind: 'generated', generator: 'test' } },
    },
    models: {
      tiny: {
        task: 'classification',
        title: 'tiny',
        datasets: ['synthetic'],
        architecture: 'tiny CNN',
        files: [{ role: 'model', path: 'models/tiny.onnx', sha256 }],
        weights: { kind: 'bundled' },
        io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }] },
        preprocess: [],
        inference: { mode: 'whole' },
        postprocess: [],
        labels: ['a', 'b', 'c'],
        intendedUse: 'unit tests of the CLI only',
      },
      'not-converted': {
        task: 'classification',
        title: 'external',
        datasets: ['synthetic'],
        architecture: 'x',
        files: [{ role: 'model', path: 'models/missing.onnx' }],
        weights: { kind: 'external', source: 'https://example.org/x.pt', convertScript: 'scripts/convert.py' },
        io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }] },
        preprocess: [],
        inference: { mode: 'whole' },
        postprocess: [],
        labels: [],
        intendedUse: 'unit tests of the CLI only',
      },
    },
  };
  const path = join(dir, 'models.manifest.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

describe('medinfer CLI skeleton', () => {
  it('prints help with exit 0, and exit 2 for no or unknown commands', () => {
    const help = medinfer('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: medinfer <command>/);
    expect(help.out).toMatch(/models/);
    expect(medinfer().code).toBe(2);
    const unknown = medinfer('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'frobnicate'/);
    expect(medinfer('models', '--bogus').code).toBe(2);
  });

  it('lists models and datasets as text and JSON', () => {
    const text = medinfer('models');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/xrv-densenet121-res224-all\s+classification\s+external/);
    expect(text.out).toMatch(/Datasets \(\d+\)/);
    const json = JSON.parse(medinfer('models', '--json').out) as { models: { id: string }[]; datasets: { id: string }[] };
    expect(json.models.map((m) => m.id)).toContain('monai-brats-mri-segmentation');
    expect(json.datasets.map((d) => d.id)).toContain('dir-lab');
  });

  it('verifies shipped files: ok -> 0, absent external weights are not failures', () => {
    const r = medinfer('models', 'verify', '--json', '--manifest', manifestWithTinyModel(TINY_MODEL_SHA256));
    expect(r.code).toBe(0);
    const checks = (JSON.parse(r.out) as { checks: { modelId: string; status: string }[] }).checks;
    expect(checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ modelId: 'tiny', status: 'ok' }),
        expect.objectContaining({ modelId: 'not-converted', status: 'absent-external' }),
      ]),
    );
  });

  it('verifies shipped files: a checksum mismatch -> exit 1 naming the file', () => {
    const r = medinfer('models', 'verify', '--manifest', manifestWithTinyModel('1'.repeat(64)));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/tiny\.onnx: sha256 mismatch/);
  });

  it('a broken manifest is a setup error: exit 2 with the typed code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-cli-'));
    writeFileSync(join(dir, 'm.json'), '{"manifestVersion": 1, "datasets": {}}');
    const r = medinfer('models', '--manifest', join(dir, 'm.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_MANIFEST: .*must have required property 'models'/);
  });
});
