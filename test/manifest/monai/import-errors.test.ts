/** What the MONAI importer refuses (by name) and the expression subset it evaluates. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildMonaiEntry } from '../../../src/manifest/monai/build-entry.js';
import { evaluateMonaiExpression } from '../../../src/manifest/monai/expression.js';
import { importMonaiBundle } from '../../../src/manifest/monai/import-bundle.js';

const SPLEEN = fileURLToPath(new URL('../../fixtures/monai-bundles/spleen_ct_segmentation/configs/', import.meta.url));
const metadata = JSON.parse(readFileSync(join(SPLEEN, 'metadata.json'), 'utf8')) as unknown;
const inference = (): Record<string, any> => JSON.parse(readFileSync(join(SPLEEN, 'inference.json'), 'utf8')) as Record<string, any>;
const noFiles = (f: string): never => {
  throw new Error(`unexpected read of ${f}`);
};

function build(config: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return buildMonaiEntry('spleen_ct_segmentation', metadata, config, noFiles, { overrides });
}

function withPre(transform: Record<string, unknown>, at = 4): Record<string, any> {
  const c = inference();
  (c['preprocessing']['transforms'] as unknown[]).splice(at, 0, transform);
  return c;
}

describe('MONAI import refuses what the SDK does not reproduce, naming the transform', () => {
  it('an unknown transform, an unreproduced parameter, a custom Lambdad', () => {
    expect(() => build(withPre({ _target_: 'RandFlipd', keys: '@image_key', prob: 0.5 }))).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED', details: expect.objectContaining({ transform: 'RandFlipd', field: 'preprocessing[4] RandFlipd' }) }),
    );
    const bicubic = inference();
    bicubic['preprocessing']['transforms'][3]['mode'] = 'bicubic';
    expect(() => build(bicubic)).toThrow(/Spacingd with mode="bicubic"/);
    expect(() => build(withPre({ _target_: 'CropForegroundd', keys: '@image_key', source_key: 'label', margin: 2 }))).toThrow(
      /CropForegroundd with source_key="label"/,
    );
    const lambda = inference();
    lambda['postprocessing']['transforms'].splice(3, 0, { _target_: 'Lambdad', keys: 'pred', func: '$lambda x: x * 2' });
    expect(() => build(lambda)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED', details: expect.objectContaining({ transform: 'Lambdad' }) }));
    const twoComponents = inference();
    twoComponents['postprocessing']['transforms'].splice(3, 0, {
      _target_: 'KeepLargestConnectedComponentd',
      keys: 'pred',
      applied_labels: [1],
      connectivity: 2,
    });
    expect(() => build(twoComponents)).toThrow(/KeepLargestConnectedComponentd with connectivity=2/);
  });

  it('maps the transforms it knows with their exact parameters', () => {
    const c = withPre({ _target_: 'CropForegroundd', keys: '@image_key', source_key: '@image_key', margin: 3, k_divisible: 16, allow_smaller: false });
    c['postprocessing']['transforms'].splice(3, 0, { _target_: 'KeepLargestConnectedComponentd', keys: 'pred', applied_labels: 1, connectivity: 1 });
    c['inferer']['mode'] = 'gaussian';
    c['inferer']['sigma_scale'] = 0.25;
    const e = build(c).entry as Record<string, any>;
    expect(e['preprocess'][2]).toEqual({ op: 'cropPad', mode: 'foreground', margin: 3, k: 16 });
    // MONAI's default allow_smaller=True (the margin stops at the image border).
    const clipped = build(withPre({ _target_: 'CropForegroundd', keys: '@image_key', source_key: '@image_key', margin: 2 })).entry as Record<string, any>;
    expect(clipped['preprocess'][2]).toEqual({ op: 'cropPad', mode: 'foreground', margin: 2, k: 1, allowSmaller: true });
    expect(e['postprocess']).toEqual([{ op: 'softmax', axis: 1 }, { op: 'argmax' }, { op: 'keepLargestComponent', labels: [1], connectivity: 6 }]);
    expect(e['inference']).toMatchObject({ blend: 'gaussian', sigmaScale: 0.25 });
  });

  it('expressions outside the subset, missing references and YAML-only bundles are typed errors', () => {
    const torch = inference();
    torch['inferer']['overlap'] = '$torch.tensor(0.5)';
    expect(() => build(torch)).toThrow(
      expect.objectContaining({
        code: 'E_UNSUPPORTED',
        message: expect.stringMatching(/inferer#overlap: the expression "\$torch.tensor\(0.5\)" uses the name 'torch'/),
      }),
    );
    const missing = inference();
    missing['inferer']['roi_size'] = '@patch_size';
    expect(() => build(missing)).toThrow(expect.objectContaining({ code: 'E_MANIFEST', message: expect.stringMatching(/'@patch_size' names no item/) }));
    // A device expression the importer never needs is never evaluated.
    expect(() => build(inference())).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-monai-'));
    mkdirSync(join(dir, 'configs'));
    writeFileSync(join(dir, 'configs', 'metadata.json'), '{}');
    writeFileSync(join(dir, 'configs', 'inference.yaml'), 'imports: []\n');
    expect(() => importMonaiBundle(dir)).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED', message: expect.stringMatching(/YAML bundle configs are not read/) }),
    );
  });

  it("Invertd keeps MONAI's default nearest_interp=True: argmax on the model grid; components before it are refused", () => {
    const c = inference();
    delete c['postprocessing']['transforms'][1]['nearest_interp'];
    expect((build(c).entry as Record<string, any>)['postprocess']).toEqual([
      { op: 'softmax', axis: 1 },
      { op: 'argmax', grid: 'model' },
    ]);
    const early = inference();
    early['postprocessing']['transforms'].splice(1, 0, { _target_: 'KeepLargestConnectedComponentd', keys: 'pred' });
    expect(() => build(early)).toThrow(/KeepLargestConnectedComponentd before Invertd/);
  });

  it("flattens a nested Compose and reads a cast's dtype as written", () => {
    const c = inference();
    const list = c['preprocessing']['transforms'] as unknown[];
    c['preprocessing']['transforms'] = [
      { _target_: 'Compose', transforms: list.slice(0, 3) },
      ...list.slice(3),
      { _target_: 'CastToTyped', keys: '@image_key', dtype: '$torch.float32' },
    ];
    expect((build(c).entry as Record<string, any>)['preprocess'].map((s: { op: string }) => s.op)).toEqual([
      'orient',
      'resample',
      'scaleIntensityRange',
      'toTensor',
    ]);
    (c['preprocessing']['transforms'] as Record<string, unknown>[]).push({ _target_: 'CastToTyped', keys: '@image_key', dtype: '$torch.float16' });
    expect(() => build(c)).toThrow(/CastToTyped with dtype="\$torch.float16"/);
  });

  it('_disabled_ items are left out, after resolving their expression', () => {
    const c = withPre({ _target_: 'RandFlipd', keys: '@image_key', _disabled_: '$not (not @load_pretrain)' });
    expect((build(c).entry as Record<string, any>)['preprocess'].map((s: { op: string }) => s.op)).toEqual([
      'orient',
      'resample',
      'scaleIntensityRange',
      'toTensor',
    ]);
    expect(() => build(c, { load_pretrain: false })).toThrow(/RandFlipd has no SDK equivalent/);
  });
});

describe('MONAI expression subset', () => {
  const refs: Record<string, unknown> = { a: 2, b: true, 'c#d': [1.5, 2], s: 'x' };
  const ev = (text: string) => evaluateMonaiExpression(text, (id) => refs[id], 'test');
  it('evaluates literals, references, arithmetic, boolean logic and conditionals like Python', () => {
    expect(ev('@a * 3 + 1')).toBe(7);
    expect(ev('-@a / 4')).toBe(-0.5);
    expect(ev('7 // 2')).toBe(3);
    expect(ev('[1.5, 1.5, 1.5] if @b else [3.0, 3.0, 3.0]')).toEqual([1.5, 1.5, 1.5]);
    expect(ev('(not @b)')).toBe(false);
    expect(ev('@c#d')).toEqual([1.5, 2]);
    expect(ev("@s + '/eval'")).toBe('x/eval');
    expect(ev('None')).toBeNull();
    expect(ev('@a > 1 and @a <= 2')).toBe(true);
    expect(ev('@det.set_box_selector_parameters(score_thresh=0.02, nms_thresh=0.22)')).toEqual({
      kind: 'monai-call',
      target: 'det',
      method: 'set_box_selector_parameters',
      args: [],
      kwargs: { score_thresh: 0.02, nms_thresh: 0.22 },
    });
  });
  it('refuses names, subscripts and lambdas', () => {
    expect(() => ev("torch.device('cpu')")).toThrow(/the name 'torch'/);
    expect(() => ev('@c#d[0]')).toThrow(/a subscript or call of @c#d/);
    expect(() => ev('lambda x: x')).toThrow(/the name 'lambda'/);
  });
});
