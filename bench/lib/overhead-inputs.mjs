/**
 * Inputs of bench/pipeline-overhead.mjs, written once per machine into the bench temp dir:
 * 8-bit grey PNG radiographs (sharp, as public CXR PNGs are) and a 16-bit DX DICOM radiograph
 * (12 bits stored, explicit VR little endian, written by Debian's python3-pydicom: an encoder
 * independent of the SDK's reader). Missing tools are an error naming the figure, never a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateChestRadiograph } from '../../dist/phantoms.js';
import { PYTHON } from './child.mjs';

export { writeRadiographs } from './inputs.mjs';

export function writeDicomRadiograph(dir, size) {
  const path = join(dir, `cxr-dx-${size}.dcm`);
  if (existsSync(path)) return path;
  const raw = join(dir, `cxr-dx-${size}.raw`);
  writeFileSync(raw, Buffer.from(generateChestRadiograph({ seed: 5, size }).image.data.buffer));
  const py = spawnSync(
    PYTHON,
    [
      '-c',
      `
import sys, numpy as np, pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
raw, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
px = np.fromfile(raw, dtype='<u2').reshape(n, n)
meta = FileMetaDataset(); meta.TransferSyntaxUID = ExplicitVRLittleEndian
meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.1.1'; meta.MediaStorageSOPInstanceUID = generate_uid()
ds = FileDataset(out, {}, file_meta=meta, preamble=b'\\0' * 128)
ds.Modality = 'DX'; ds.Rows = n; ds.Columns = n; ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'
ds.BitsAllocated = 16; ds.BitsStored = 12; ds.HighBit = 11; ds.PixelRepresentation = 0; ds.PixelSpacing = [0.15, 0.15]
ds.SOPClassUID = meta.MediaStorageSOPClassUID; ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID; ds.SeriesInstanceUID = generate_uid()
ds.PixelData = px.tobytes(); ds.is_little_endian = True; ds.is_implicit_VR = False
ds.save_as(out)
`,
      raw,
      path,
      String(size),
    ],
    { encoding: 'utf8' },
  );
  if (py.status !== 0)
    throw new Error(
      `16-bit DICOM ${size}^2: ${PYTHON} with pydicom could not write it (run bash bench/setup.sh): ${(py.stderr || py.error?.message || '').slice(-300)}`,
    );
  return path;
}
