/** Builds step records and the common result of grid-preserving (intensity / channel) steps. */
import type { Geometry } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { IndexTransform, PreprocessOp, PreprocessRecord, RecordDetails, StepResult } from './types.js';

export function createRecord(
  op: PreprocessOp,
  params: object,
  inputGeometry: Geometry,
  outputGeometry: Geometry,
  transform: IndexTransform | null,
  details?: RecordDetails,
): PreprocessRecord {
  const record: PreprocessRecord = { op, params: { ...params } as Readonly<Record<string, unknown>>, inputGeometry, outputGeometry, transform };
  return details === undefined ? record : { ...record, details };
}

/** Result of a step that keeps the voxel grid (values or channels change only). */
export function createGridKeepingResult(op: PreprocessOp, params: object, input: Volume, output: Volume, details?: RecordDetails): StepResult {
  return { volume: output, record: createRecord(op, params, input.geometry, output.geometry, null, details) };
}
