/**
 * Header-only view of one file for series work: parsed dataset (kept, so decoding does not parse
 * twice), pixel module, and the attributes that group and order slices.
 */
import { UsageError } from '../../core/errors.js';
import { maxInflatedBytesFor, parseDicomBytes, readNumbers, readString, type ParsedDicom } from './parse-header.js';
import { inspectImageHeader } from './decode-image.js';
import type { PixelModule } from './pixel-module.js';
import type { TransferSyntaxInfo } from './transfer-syntax.js';
import { readFrameAttributes, type FrameAttributes } from './frame-geometry.js';
import { findPixelDataElement } from './frames.js';
import { TAG } from './tags.js';

export interface DicomFileInput {
  /** File name or path, used in errors and meta (never a patient identifier). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface SliceHeader {
  readonly name: string;
  readonly parsed: ParsedDicom;
  readonly pm: PixelModule;
  readonly transferSyntax: TransferSyntaxInfo;
  readonly seriesInstanceUid: string;
  readonly modality: string;
  readonly seriesNumber: number | undefined;
  readonly instanceNumber: number | undefined;
  readonly frameOfReferenceUid: string | undefined;
  /** Attributes of the first frame (per-frame attributes of multi-frame files: series-parts.ts). */
  readonly frame: FrameAttributes;
}

/** Validates a caller's file list eagerly: an array of { name: string, bytes: Uint8Array }. */
export function checkFileInputs(files: unknown): readonly DicomFileInput[] {
  if (!Array.isArray(files)) throw new UsageError(`files must be an array of { name, bytes }, got ${typeof files}`, { field: 'files', expected: 'array' });
  files.forEach((f: unknown, idx) => {
    const entry = f as Partial<DicomFileInput> | null;
    if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string' || !(entry.bytes instanceof Uint8Array)) {
      throw new UsageError(`files[${idx}] must be { name: string, bytes: Uint8Array }`, {
        field: `files[${idx}]`,
        expected: '{ name: string, bytes: Uint8Array }',
      });
    }
  });
  return files as readonly DicomFileInput[];
}

/** Parses and validates one file's header; throws the file's typed error. */
export function readSliceHeader(file: DicomFileInput, maxVoxels: number): SliceHeader {
  return sliceHeaderOf(parseDicomBytes(file.bytes, file.name, { maxInflatedBytes: maxInflatedBytesFor(maxVoxels) }), maxVoxels);
}

/** Header view of an already parsed file (readDicom reuses its parse). */
export function sliceHeaderOf(parsed: ParsedDicom, maxVoxels: number): SliceHeader {
  const file = { name: parsed.name };
  const { pm, transferSyntax } = inspectImageHeader(parsed, maxVoxels);
  const ds = parsed.dataSet;
  findPixelDataElement(ds, file.name);
  const frame = readFrameAttributes(ds, 1)[0]!;
  return {
    name: file.name,
    parsed,
    pm,
    transferSyntax,
    // Files without a series UID still group together (by the empty key) rather than failing.
    seriesInstanceUid: readString(ds, TAG.seriesInstanceUid) ?? '',
    modality: readString(ds, TAG.modality) ?? 'OT',
    seriesNumber: readNumbers(ds, TAG.seriesNumber)?.[0],
    instanceNumber: readNumbers(ds, TAG.instanceNumber)?.[0],
    frameOfReferenceUid: readString(ds, TAG.frameOfReferenceUid),
    frame,
  };
}
