/** Synthetic classic / enhanced MR files for the multi-volume tests (3 x 4 pixels, uint16). */
import { writeTestDicom, type DicomElements } from '../../helpers/dicom-writer.js';

export const COLS = 3;
export const ROWS = 4;
const N = ROWS * COLS;

function pixelModule(frames: number): DicomElements {
  return {
    '00280002': ['US', 1],
    '00280004': ['CS', 'MONOCHROME2'],
    ...(frames > 1 ? { '00280008': ['IS', String(frames)] as const } : {}),
    '00280010': ['US', ROWS],
    '00280011': ['US', COLS],
    '00280100': ['US', 16],
    '00280101': ['US', 16],
    '00280102': ['US', 15],
    '00280103': ['US', 0],
  };
}

export interface ClassicSlice {
  z: number;
  value: number;
  inst?: number;
  t?: number;
  echo?: number;
  te?: number;
  imageType?: string;
  gePrivateType?: number;
  tr?: number;
  series?: string;
  /** Further (e.g. vendor private) elements of the file. */
  extra?: DicomElements;
}

/** One classic MR slice at z (axial, 1 mm pixels), every pixel = value. */
export function classicSlice(s: ClassicSlice): Uint8Array {
  const ds: Record<string, readonly [string, DicomElements[string][1]]> = {
    '00080008': ['CS', s.imageType ?? 'ORIGINAL\\PRIMARY\\M\\ND'],
    '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.4'],
    '00080018': ['UI', `1.2.3.${s.value}.${s.z}`],
    '00080060': ['CS', 'MR'],
    '0020000e': ['UI', s.series ?? '1.2.3.99'],
    '00200011': ['IS', '7'],
    '00200032': ['DS', `0\\0\\${s.z}`],
    '00200037': ['DS', '1\\0\\0\\0\\1\\0'],
    '00280030': ['DS', '1\\1'],
    '00180050': ['DS', '2'],
    ...pixelModule(1),
    '7fe00010': ['OW', new Uint16Array(N).fill(s.value)],
  };
  if (s.inst !== undefined) ds['00200013'] = ['IS', String(s.inst)];
  if (s.t !== undefined) ds['00200100'] = ['IS', String(s.t)];
  if (s.echo !== undefined) ds['00180086'] = ['IS', String(s.echo)];
  if (s.te !== undefined) ds['00180081'] = ['DS', String(s.te)];
  if (s.tr !== undefined) ds['00180080'] = ['DS', String(s.tr)];
  Object.assign(ds, s.extra);
  if (s.gePrivateType !== undefined) {
    ds['00430010'] = ['LO', 'GEMS_PARM_01'];
    ds['0043102f'] = ['SS', s.gePrivateType];
  }
  return writeTestDicom(ds);
}

export interface EnhancedFrame {
  /** Undefined: no PlanePositionSequence for this frame. */
  pos?: [number, number, number];
  iop?: number[];
  t?: number;
  component?: 'MAGNITUDE' | 'PHASE';
  te?: number;
  value: number;
  /** Further elements of this frame's per-frame functional group item (e.g. a vendor private sequence). */
  extra?: DicomElements;
}

/** One enhanced MR file; frames in the order given. */
export function enhancedFile(frames: readonly EnhancedFrame[], opts: { sharedOrientation?: boolean; extra?: DicomElements } = {}): Uint8Array {
  const perFrame: DicomElements[] = frames.map((f, k) => {
    const item: Record<string, readonly [string, DicomElements[string][1]]> = {
      '00209111': ['SQ', [{ ...(f.t === undefined ? {} : { '00209128': ['UL', f.t] as const }), '00209157': ['UL', [1, k + 1]] }]],
    };
    if (f.pos !== undefined) item['00209113'] = ['SQ', [{ '00200032': ['DS', f.pos.join('\\')] }]];
    if (f.iop !== undefined) item['00209116'] = ['SQ', [{ '00200037': ['DS', f.iop.join('\\')] }]];
    if (f.component !== undefined)
      item['00189226'] = ['SQ', [{ '00089007': ['CS', `ORIGINAL\\PRIMARY\\T1\\${f.component === 'PHASE' ? 'P' : 'M'}`], '00089208': ['CS', f.component] }]];
    if (f.te !== undefined) item['00189114'] = ['SQ', [{ '00189082': ['FD', f.te] }]];
    return { ...item, ...f.extra };
  });
  const shared: Record<string, readonly [string, DicomElements[string][1]]> = {
    '00289110': ['SQ', [{ '00280030': ['DS', '1\\1'], '00180050': ['DS', '2'] }]],
  };
  if (opts.sharedOrientation !== false) shared['00209116'] = ['SQ', [{ '00200037': ['DS', '1\\0\\0\\0\\1\\0'] }]];
  const data = new Uint16Array(N * frames.length);
  frames.forEach((f, k) => data.fill(f.value, k * N, (k + 1) * N));
  return writeTestDicom({
    '00080008': ['CS', 'ORIGINAL\\PRIMARY\\T1\\NONE'],
    '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.4.1'],
    '00080018': ['UI', '1.2.3.77'],
    '00080060': ['CS', 'MR'],
    '0020000e': ['UI', '1.2.3.88'],
    '52009229': ['SQ', [shared]],
    '52009230': ['SQ', perFrame],
    ...pixelModule(frames.length),
    ...opts.extra,
    '7fe00010': ['OW', data],
  });
}

/** Value of the first pixel of slice k of volume t (uniform slices). */
export function sliceValue(v: { data: ArrayLike<number>; geometry: { size: readonly number[] } }, k: number, t: number): number {
  const [nx, ny, nz] = v.geometry.size as [number, number, number];
  return v.data[nx * ny * (k + nz * t)]!;
}
