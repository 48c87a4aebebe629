/**
 * readImageFile reads a DICOM file by its header and its samples straight into the volume
 * (src/io/dicom/node-read-file.ts; with blockingReads, through blocking opens and header reads);
 * readImageBytes parses the whole file in memory. All must give
 * the same volume - samples, geometry, metadata - or the same typed error, for every DICOM
 * fixture with a DICM preamble (native, compressed, multi-frame, mosaic, broken files alike).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readImageBytes, readImageFile, type Volume } from '../../src/node.js';

const ROOT = join(__dirname, '..', 'fixtures');

function dicomFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) dicomFiles(path, out);
    else if (st.size > 132 && st.size < 64 * 2 ** 20) {
      const head = readFileSync(path).subarray(128, 132);
      if (head.toString('latin1') === 'DICM') out.push(path);
    }
  }
  return out;
}

/** The volume with its samples as a digest (a deep compare of every array is slow). */
async function outcome(read: () => Promise<Volume>): Promise<unknown> {
  try {
    const { data, ...rest } = await read();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { ...rest, type: data.constructor.name, length: data.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
}

describe('readImageFile (header first, samples into the volume) agrees with the whole-file reader', () => {
  const files = dicomFiles(ROOT);
  test('there are DICOM fixtures to compare', () => {
    expect(files.length).toBeGreaterThan(100);
  });
  test.each(files.map((f) => [f.slice(ROOT.length + 1), f]))('%s', async (_, path) => {
    const name = 'case';
    const byPath = await outcome(() => readImageFile(path, { name }));
    const byPathBlocking = await outcome(() => readImageFile(path, { name, blockingReads: true }));
    const inMemory = await outcome(() => readImageBytes(readFileSync(path), { name }));
    expect(byPath).toEqual(inMemory);
    expect(byPathBlocking).toEqual(inMemory);
  });
});
