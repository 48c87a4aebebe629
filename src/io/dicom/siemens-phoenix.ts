/**
 * The slice array of a Siemens Phoenix protocol: the "### ASCCONV BEGIN ... ### ASCCONV END"
 * text in the MrPhoenixProtocol entry of the CSA series header (0029,xx20). Read only where a
 * mosaic's CSA image header (NumberOfImagesInMosaic, SliceNormalVector) is gone - anonymisers
 * and exporters drop (0029,xx10) and keep (0029,xx20), as in dicom2nifti's siemens/fmri and
 * siemens/dti test series:
 *  - sSliceArray.lSize: slices of the slice group, the mosaic's image count when the protocol
 *    has one concatenation (sSliceArray.lConc 1 or absent: with more, each mosaic holds a share);
 *  - sSliceArray.asSlice[0].sNormal.dSag / dCor / dTra: the slice normal in patient LPS axes;
 *    sSliceArray.ucImageNumbSag / Cor / Tra present: images are numbered against it.
 * On every mosaic of the dcm2niix QA repositories that has both (dcm_qa, dcm_qa_mosaic,
 * dcm_qa_nih, dcm_qa_stc: axial, coronal, sagittal, head>foot, 5..60 slices) lSize equals
 * NumberOfImagesInMosaic and sNormal, negated under ucImageNumb*, equals SliceNormalVector.
 */
import type { DataSet } from './dataset.js';
import { readSiemensCsa } from './siemens-csa.js';

export interface PhoenixSliceArray {
  /** sSliceArray.lSize. */
  readonly slices: number;
  /** sSliceArray.lConc (1 when absent). */
  readonly concatenations: number;
  /** Direction slices are numbered along (LPS): asSlice[0].sNormal, negated under ucImageNumb*; undefined when absent. */
  readonly numberingNormal: readonly [number, number, number] | undefined;
}

const ASCCONV = /### ASCCONV BEGIN[^\n]*\n([\s\S]*?)### ASCCONV END/;

/** The protocol's slice array, or undefined when the file has no Phoenix protocol or no lSize. */
export function readPhoenixSliceArray(ds: DataSet, file: string): PhoenixSliceArray | undefined {
  const csa = readSiemensCsa(ds, 'series', file, ['MrPhoenixProtocol']);
  const text = csa?.elements.get('MrPhoenixProtocol')?.items[0];
  const ascconv = text === undefined ? undefined : ASCCONV.exec(text)?.[1];
  if (ascconv === undefined) return undefined;
  const values = new Map<string, string>();
  for (const line of ascconv.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const number = (key: string): number | undefined => {
    const v = values.get(key);
    // Integers may be hex (0x1); anything after the value is a comment.
    const n = v === undefined ? Number.NaN : Number(v.split(/\s/)[0]);
    return Number.isFinite(n) ? n : undefined;
  };
  const slices = number('sSliceArray.lSize');
  if (slices === undefined || !Number.isInteger(slices) || slices < 1) return undefined;
  // Absent components are 0 (the protocol writes only non-zero ones).
  const normal = (['dSag', 'dCor', 'dTra'] as const).map((c) => number(`sSliceArray.asSlice[0].sNormal.${c}`));
  const reversed = ['Sag', 'Cor', 'Tra'].some((c) => values.has(`sSliceArray.ucImageNumb${c}`));
  const sign = reversed ? -1 : 1;
  return {
    slices,
    concatenations: number('sSliceArray.lConc') ?? 1,
    numberingNormal: normal.every((v) => v === undefined) ? undefined : [sign * (normal[0] ?? 0), sign * (normal[1] ?? 0), sign * (normal[2] ?? 0)],
  };
}
