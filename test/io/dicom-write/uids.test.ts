import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRandomUid, deriveUid, sha256 } from '../../../src/io/dicom-write/uids.js';
import { srgbToCielab, srgbToDicomLab } from '../../../src/io/dicom-write/cielab.js';

describe('uids', () => {
  it('sha256 equals node:crypto on lengths around the block boundaries', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      expect(Buffer.from(sha256(bytes)).toString('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('derives valid UIDs under 2.25 and under a custom root, at most 64 characters', () => {
    const a = deriveUid('seed');
    expect(a).toBe(deriveUid('seed'));
    expect(a).not.toBe(deriveUid('seed2'));
    expect(a).toMatch(/^2\.25\.[1-9][0-9]*$/);
    expect(BigInt(a.slice(5))).toBeLessThan(2n ** 128n);
    const root = '1.2.826.0.1.3680043.10.1234';
    for (const uid of [deriveUid('x', root), createRandomUid(root), createRandomUid()]) {
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(uid).toMatch(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/);
    }
    expect(deriveUid('x', root).startsWith(`${root}.`)).toBe(true);
    expect(() => deriveUid('x', '1.02.3')).toThrow(/uidRoot/);
    expect(() => deriveUid('x', `1.${'2'.repeat(45)}`)).toThrow(/uidRoot/);
  });
});

describe('cielab', () => {
  it('matches the CIE reference values for sRGB primaries (D65)', () => {
    const close = (a: number[], b: number[]): void => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 1));
    close(srgbToCielab([255, 255, 255]), [100, 0, 0]);
    close(srgbToCielab([255, 0, 0]), [53.24, 80.09, 67.2]);
    close(srgbToCielab([0, 0, 255]), [32.3, 79.19, -107.86]);
    expect(srgbToDicomLab([0, 0, 0])).toEqual([0, 32896, 32896]);
    expect(srgbToDicomLab([255, 255, 255])).toEqual([65535, 32896, 32896]);
  });
});
