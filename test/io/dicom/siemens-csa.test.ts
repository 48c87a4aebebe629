/**
 * Siemens CSA header parser: both layouts (SV10 and the older one) built byte by byte here, the
 * real headers of the mosaic fixtures, and hostile inputs (truncations, absurd counts and lengths,
 * seeded mutations) that must end in a DecodeError or a parsed header - never another exception,
 * a hang or a huge allocation.
 */
import { describe, expect, test } from 'vitest';
import { DataSet } from '../../../src/io/dicom/dataset.js';
import { csaNumbers, parseCsaHeader, readSiemensCsa, type CsaFormat } from '../../../src/io/dicom/siemens-csa.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { isMedinferError } from '../../../src/core/errors.js';
import { fixtureBytes } from './helpers.js';

interface Spec {
  name: string;
  vr: string;
  vm: number;
  items: string[];
}

/** Encodes a CSA header. The old layout stores item length + the first element's item count. */
function buildCsa(format: CsaFormat, elements: readonly Spec[]): Uint8Array {
  const out: number[] = [];
  const u32 = (v: number): void => {
    out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  };
  const text = (s: string, width: number): void => {
    for (let i = 0; i < width; i++) out.push(i < s.length ? s.charCodeAt(i) : 0);
  };
  if (format === 'SV10') {
    text('SV10', 4);
    out.push(4, 3, 2, 1);
  }
  u32(elements.length);
  u32(77);
  const firstCount = elements[0]?.items.length ?? 0;
  for (const el of elements) {
    text(el.name, 64);
    u32(el.vm);
    text(el.vr, 4);
    u32(format === 'SV10' ? 3 : 0);
    u32(el.items.length);
    u32(77);
    for (const item of el.items) {
      const value = item === '' ? '' : `${item}\0`;
      const len = value.length;
      u32(format === 'SV10' ? len : len + firstCount);
      u32(len);
      u32(77);
      u32(len);
      text(value, Math.ceil(len / 4) * 4);
    }
  }
  return new Uint8Array(out);
}

const SPECS: Spec[] = [
  { name: 'EchoLinePosition', vr: 'IS', vm: 1, items: ['32'] },
  { name: 'NumberOfImagesInMosaic', vr: 'US', vm: 1, items: ['36', '', ''] },
  { name: 'SliceNormalVector', vr: 'FD', vm: 3, items: ['0.00000000', '0.12360148', '0.99233194', '', '', ''] },
  { name: 'MosaicRefAcqTimes', vr: 'FD', vm: 4, items: ['0.0', '1250.0', '67.5', '1317.5'] },
  { name: 'ImaComments', vr: 'LT', vm: 1, items: ['odd length'] },
  { name: 'Empty', vr: 'DS', vm: 0, items: [] },
];

function expectDecodeError(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isMedinferError(err), `expected a MedinferError, got ${String(err)}`).toBe(true);
  expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'csa', cause: 'csa-header' } });
}

describe('parseCsaHeader: layouts', () => {
  test.each(['SV10', 'CSA1'] as const)('%s: names, VRs, items and numbers', (format) => {
    const h = parseCsaHeader(buildCsa(format, SPECS), 'csa');
    expect(h.format).toBe(format);
    expect([...h.elements.keys()]).toEqual(SPECS.map((s) => s.name));
    expect(h.elements.get('SliceNormalVector')).toMatchObject({ vr: 'FD', vm: 3 });
    expect(csaNumbers(h, 'NumberOfImagesInMosaic')).toEqual([36]);
    expect(csaNumbers(h, 'SliceNormalVector')).toEqual([0, 0.12360148, 0.99233194]);
    expect(csaNumbers(h, 'MosaicRefAcqTimes')).toEqual([0, 1250, 67.5, 1317.5]);
    expect(h.elements.get('ImaComments')?.items).toEqual(['odd length']);
    expect(csaNumbers(h, 'Empty')).toBeUndefined();
    expect(csaNumbers(h, 'Absent')).toBeUndefined();
  });

  test('real SV10 image and series headers of a mosaic fixture', () => {
    const { dataSet } = parseDicomBytes(fixtureBytes('mosaic/sag_desc36_vol1.dcm'), 'sag.dcm');
    const image = readSiemensCsa(dataSet, 'image', 'sag.dcm');
    expect(image?.format).toBe('SV10');
    expect(csaNumbers(image, 'NumberOfImagesInMosaic')).toEqual([36]);
    expect(csaNumbers(image, 'SliceNormalVector')).toEqual([1, 0, 0]);
    expect(csaNumbers(image, 'MosaicRefAcqTimes')).toHaveLength(36);
    const series = readSiemensCsa(dataSet, 'series', 'sag.dcm');
    expect(series?.format).toBe('SV10');
    expect(series!.elements.size).toBeGreaterThan(10);
  });

  test('the CSA block is found through its private creator, whatever its number', () => {
    const value = buildCsa('SV10', SPECS);
    const creator = new TextEncoder().encode('SIEMENS CSA HEADER');
    const bytes = new Uint8Array(creator.length + value.length);
    bytes.set(creator, 0);
    bytes.set(value, creator.length);
    const ds = new DataSet(bytes, true);
    ds.elements['x00290010'] = { tag: 'x00290010', vr: 'LO', length: 4, dataOffset: 0 }; // "SIEM": another creator
    ds.elements['x00290011'] = { tag: 'x00290011', vr: 'LO', length: creator.length, dataOffset: 0 };
    ds.elements['x00291110'] = { tag: 'x00291110', vr: 'OB', length: value.length, dataOffset: creator.length };
    expect(csaNumbers(readSiemensCsa(ds, 'image', 'csa'), 'NumberOfImagesInMosaic')).toEqual([36]);
    expect(readSiemensCsa(ds, 'series', 'csa')).toBeUndefined();
    // Without that creator (a dataset of its own: parsed datasets are never changed, and the
    // block found is kept per dataset).
    const { x00290011: _creator, ...withoutCreator } = ds.elements;
    expect(readSiemensCsa(new DataSet(bytes, true, withoutCreator), 'image', 'csa')).toBeUndefined();
  });
});

describe('parseCsaHeader: hostile input -> DecodeError', () => {
  const real = (): Uint8Array => {
    const { dataSet } = parseDicomBytes(fixtureBytes('mosaic/sag_desc36_vol1.dcm'), 'sag.dcm');
    const el = dataSet.elements['x00291010']!;
    return dataSet.byteArray.slice(el.dataOffset, el.dataOffset + el.length);
  };

  test('every truncation of a real header', () => {
    const full = real();
    // The header ends with its last item: any shorter prefix cuts an element or an item.
    for (let n = 0; n < full.length - 4; n += 3) expectDecodeError(() => parseCsaHeader(full.subarray(0, n), 'csa'));
  });

  test.each([
    ['element count 0', (b: DataView) => b.setInt32(8, 0, true)],
    ['element count 2^31 - 1', (b: DataView) => b.setInt32(8, 0x7fffffff, true)],
    ['element count negative', (b: DataView) => b.setInt32(8, -5, true)],
    ['item count 2^31 - 1', (b: DataView) => b.setInt32(16 + 76, 0x7fffffff, true)],
    ['item count negative', (b: DataView) => b.setInt32(16 + 76, -1, true)],
    ['item length 2^31 - 1', (b: DataView) => b.setInt32(16 + 84 + 4, 0x7fffffff, true)],
    ['item length negative', (b: DataView) => b.setInt32(16 + 84 + 4, -8, true)],
  ])('SV10 with %s', (_label, patch) => {
    const bytes = buildCsa('SV10', SPECS);
    patch(new DataView(bytes.buffer));
    const t0 = performance.now();
    expectDecodeError(() => parseCsaHeader(bytes, 'csa'));
    // Refused before looping over the count: 2^31 iterations of anything take seconds. The bound is
    // loose on purpose (a loaded CI machine stalls a process for 100+ ms now and then).
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('old layout with an item length below the first element item count', () => {
    const bytes = buildCsa('CSA1', SPECS);
    new DataView(bytes.buffer).setInt32(8 + 84, 0, true);
    expectDecodeError(() => parseCsaHeader(bytes, 'csa'));
  });

  // What a mosaic read asks for (mosaic.ts): a filtered parse must fail exactly where, and with the
  // message, the full parse fails, and otherwise give the same values for the names asked for.
  const ONLY = ['NumberOfImagesInMosaic', 'SliceNormalVector', 'MosaicRefAcqTimes'];
  const outcome = (bytes: Uint8Array, only?: readonly string[]): unknown => {
    try {
      const h = parseCsaHeader(bytes, 'csa', only);
      return Object.fromEntries(ONLY.map((n) => [n, { vr: h.elements.get(n)?.vr, vm: h.elements.get(n)?.vm, items: h.elements.get(n)?.items }]));
    } catch (err) {
      return (err as Error).message;
    }
  };

  test('a parse of named entries only: the same values, the same failures as the full parse', () => {
    const full = real();
    const h = parseCsaHeader(full, 'csa', ONLY);
    expect([...h.elements.keys()].sort()).toEqual([...ONLY].sort());
    expect(csaNumbers(h, 'NumberOfImagesInMosaic')).toEqual([36]);
    expect(csaNumbers(h, 'SliceNormalVector')).toEqual([1, 0, 0]);
    expect(csaNumbers(h, 'EchoLinePosition')).toBeUndefined();
    for (let n = 0; n <= full.length; n += 7) expect(outcome(full.subarray(0, n), ONLY)).toEqual(outcome(full.subarray(0, n)));
    let seed = 777;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let c = 0; c < 300; c++) {
      const bytes = full.slice();
      for (let m = 0; m < 4; m++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      expect(outcome(bytes, ONLY)).toEqual(outcome(bytes));
    }
  });

  test('a filtered parse keeps the first of two elements of one name, and matches trimmed names', () => {
    const specs: Spec[] = [
      { name: ' SliceNormalVector ', vr: 'FD', vm: 3, items: ['0', '0', '1'] },
      { name: 'SliceNormalVector', vr: 'FD', vm: 3, items: ['1', '0', '0'] },
      { name: 'SliceNormalVectorX', vr: 'FD', vm: 1, items: ['5'] },
    ];
    for (const format of ['SV10', 'CSA1'] as const) {
      const bytes = buildCsa(format, specs);
      expect(csaNumbers(parseCsaHeader(bytes, 'csa', ['SliceNormalVector']), 'SliceNormalVector')).toEqual([0, 0, 1]);
      expect(outcome(bytes, ONLY)).toEqual(outcome(bytes));
    }
  });

  test('seeded byte mutations of a real header: parsed or DecodeError, nothing else', () => {
    const full = real();
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let c = 0; c < 400; c++) {
      const bytes = full.slice();
      for (let m = 0; m < 4; m++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      try {
        parseCsaHeader(bytes, 'csa');
      } catch (err) {
        expect(err).toMatchObject({ code: 'E_DECODE', details: { cause: 'csa-header' } });
      }
    }
  });
});
