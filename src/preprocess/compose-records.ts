/** Composes the spatial records of a plan into one transform from model-grid index to input index. */
import { ShapeError } from '../core/errors.js';
import type { Geometry } from '../core/geometry.js';
import { composeTransforms, IDENTITY_TRANSFORM } from './index-transform.js';
import type { IndexTransform, PreprocessRecord } from './types.js';

export interface ComposedRecords {
  /** Model-grid (last output) index -> original input index. */
  readonly transform: IndexTransform;
  /** Grid of the caller's input (first record's input). */
  readonly inputGeometry: Geometry;
  /** Grid the model saw (last record's output). */
  readonly outputGeometry: Geometry;
}

export function composeRecords(records: readonly PreprocessRecord[]): ComposedRecords {
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) throw new ShapeError('no preprocessing records to invert', { field: 'records' });
  let transform = IDENTITY_TRANSFORM;
  for (const r of records) {
    // A general regridding (conform) has no axis-aligned inverse: ignoring it would be silently wrong.
    if (r.reslice !== undefined)
      throw new ShapeError(`the '${r.op}' step reslices the input (not axis-aligned); map results back with splitAtReslice / resliceToInputGrid`, {
        field: 'records',
        op: r.op,
      });
    if (r.transform !== null) transform = composeTransforms(transform, r.transform);
  }
  return { transform, inputGeometry: first.inputGeometry, outputGeometry: last.outputGeometry };
}
