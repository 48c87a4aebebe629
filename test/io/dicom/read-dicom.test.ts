/**
 * Every fixture file against pydicom 2.3 (+ gdcm): pixels exact (sha256 of all values), type,
 * shape, geometry. Reference values: test/fixtures/dicom/reference.json, made by
 * scripts/reference/dicom/compute-reference.py.
 */
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { isMedinferError } from '../../../src/core/errors.js';
import { indexToWorld } from '../../../src/core/geometry.js';
import { fixtureBytes, hashValues, loadReference, summarize } from './helpers.js';

const reference = loadReference();

describe('readDicom matches pydicom on every fixture', () => {
  for (const ref of reference.files) {
    if (ref.error !== undefined) {
      test(`${ref.file}: rejected with ${ref.error}`, async () => {
        const err = await readDicom(fixtureBytes(ref.file), { name: ref.file }).catch((e: unknown) => e);
        expect(isMedinferError(err)).toBe(true);
        expect((err as { code: string }).code).toBe(ref.error);
        expect((err as { details: { file?: string } }).details.file).toBe(ref.file);
        expect((err as Error).message).toContain(ref.file);
      });
      continue;
    }
    test(`${ref.file}: raw stored values (${ref.transferSyntax}, ${ref.photometric})`, async () => {
      const v = await readDicom(fixtureBytes(ref.file), { name: ref.file, applyModalityLut: false });
      // pydicom's [frames, rows, columns]: frames are slices (3D) or volumes of one slice (4D cine).
      expect([v.geometry.size[0], v.geometry.size[1], v.geometry.size[2] * v.frames]).toEqual(ref.size);
      expect(v.components).toBe(ref.components);
      expect(v.type).toBe(ref.raw.dtype);
      expect(summarize(v.data)).toEqual({
        first: ref.raw.first,
        min: ref.raw.min,
        max: ref.raw.max,
        mean: expect.closeTo(ref.raw.mean, 9) as unknown as number,
        count: ref.raw.count,
      });
      expect(hashValues(v.data)).toBe(ref.raw.sha256);
      expect(v.meta.transferSyntax).toBe(ref.transferSyntax);
      expect(v.meta.photometric).toBe(ref.photometric);
      expect(v.meta.bitsStored).toBe(ref.bitsStored);
      expect(v.meta.format).toBe('dicom');
      expect(v.meta.source).toBe(ref.file);
      expect(v.meta.modality).toBe(ref.modality);
      if (ref.seriesInstanceUid !== null) expect(v.meta.seriesInstanceUid).toBe(ref.seriesInstanceUid);
      if (ref.window !== null && ref.window.width > 0) expect(v.meta.window).toEqual(ref.window);
    });
    if (ref.lut !== undefined) {
      const lut = ref.lut;
      test(`${ref.file}: modality LUT output as ${lut.dtype}`, async () => {
        const v = await readDicom(fixtureBytes(ref.file), { name: ref.file });
        expect(v.type).toBe(lut.dtype);
        expect(summarize(v.data).first).toEqual(lut.first);
        expect(hashValues(v.data)).toBe(lut.sha256);
      });
    }
    if (ref.geometry !== null) {
      const g = ref.geometry;
      test(`${ref.file}: geometry from IPP / IOP / PixelSpacing`, async () => {
        const v = await readDicom(fixtureBytes(ref.file), { name: ref.file, applyModalityLut: false });
        v.geometry.origin.forEach((x, idx) => expect(x).toBeCloseTo(g.origin[idx]!, 6));
        v.geometry.direction.forEach((x, idx) => expect(x).toBeCloseTo(g.direction[idx]!, 6));
        expect(v.geometry.spacing[0]).toBeCloseTo(g.spacing[0]!, 9);
        expect(v.geometry.spacing[1]).toBeCloseTo(g.spacing[1]!, 9);
        // A cine of one position is 4D with one slice: its k spacing is SliceThickness, not the frame step.
        if (g.spacing[2] !== null && v.frames === 1) expect(v.geometry.spacing[2]).toBeCloseTo(g.spacing[2]!, 6);
      });
    }
    if (ref.dcm2niix !== undefined) {
      const corners = ref.dcm2niix.corners;
      test(`${ref.file}: every corner voxel lands where dcm2niix puts it`, async () => {
        const v = await readDicom(fixtureBytes(ref.file), { name: ref.file });
        const [ni, nj, nk] = v.geometry.size;
        for (const i of [0, ni - 1])
          for (const j of [0, nj - 1])
            for (const k of [0, nk - 1]) {
              const w = indexToWorld(v.geometry, [i, j, k]);
              const hit = corners.some((c) => Math.hypot(c.world[0]! - w[0], c.world[1]! - w[1], c.world[2]! - w[2]) < 1e-3);
              expect(hit, `corner ${i},${j},${k} at ${w.join(', ')}`).toBe(true);
            }
      });
    }
  }
});
