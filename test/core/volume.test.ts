import { describe, expect, it } from 'vitest';
import {
  createVolume,
  volumeStats,
  ShapeError,
  ManifestError,
  ProviderError,
  DecodeError,
  LimitError,
  isMedinferError,
  MedinferError,
  SDK_VERSION,
} from '../../src/index.js';
import { readFileSync } from 'node:fs';

describe('volume', () => {
  it('checks data length against geometry, components and frames', () => {
    const v = createVolume({ geometry: { size: [2, 3, 4] }, data: new Int16Array(24 * 3), components: 3 });
    expect(v.type).toBe('int16');
    expect(v.geometry.spacing).toEqual([1, 1, 1]);
    expect(() => createVolume({ geometry: { size: [2, 3, 4] }, data: new Float32Array(23) })).toThrow(ShapeError);
  });

  it('computes stats skipping NaN', () => {
    const v = createVolume({ geometry: { size: [4, 1, 1] }, data: new Float32Array([1, NaN, -3, 6]) });
    expect(volumeStats(v)).toEqual({ min: -3, max: 6, mean: 4 / 3 });
  });
});

describe('errors', () => {
  it('carry literal codes and serialise without losing details', () => {
    const e = new ProviderError('cuda', 'CUDA libraries not found', { cause: 'libcudart.so.12' });
    expect(e.code).toBe('E_PROVIDER');
    expect(e.provider).toBe('cuda');
    expect(e).toBeInstanceOf(MedinferError);
    expect(isMedinferError(e)).toBe(true);
    expect(e.toJSON()).toMatchObject({ name: 'ProviderError', code: 'E_PROVIDER', details: { provider: 'cuda' } });
    expect(new ManifestError('x').code).toBe('E_MANIFEST');
    expect(new DecodeError('x', { file: 'a.dcm' }).details.file).toBe('a.dcm');
    expect(new LimitError('x').code).toBe('E_LIMIT');
    expect(isMedinferError(new Error('plain'))).toBe(false);
  });

  it('SDK version matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
