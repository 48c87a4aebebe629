/**
 * Volume metadata from a DICOM header. Deliberately excludes patient identifiers (name, ID, birth
 * date) and free-text descriptions that often carry them.
 */
import type { VolumeMeta } from '../../core/volume.js';
import type { DataSet } from './dataset.js';
import { readNumbers, readString } from './parse-header.js';
import { TAG } from './tags.js';
import { resolveTransferSyntax } from './transfer-syntax.js';
import { readPhaseEncoding } from './phase-encoding.js';
import { readAcquisitionMeta } from './acquisition-meta.js';

export function readImageMeta(ds: DataSet, transferSyntaxUid: string, name: string, seriesLabels = false): VolumeMeta {
  const centers = readNumbers(ds, TAG.windowCenter);
  const widths = readNumbers(ds, TAG.windowWidth);
  const ts = resolveTransferSyntax(transferSyntaxUid, name);
  const lossyFlag = readString(ds, 'x00282110') === '01';
  const meta: VolumeMeta = {
    format: 'dicom',
    source: name,
    modality: readString(ds, TAG.modality) ?? 'OT',
    transferSyntax: transferSyntaxUid,
    lossy: ts.lossy || lossyFlag,
  };
  const series = readString(ds, TAG.seriesInstanceUid);
  if (series !== undefined) meta.seriesInstanceUid = series;
  // SeriesNumber (IS): a number the scanner gives the series within its study, no identifier.
  const seriesNumber = Number(readString(ds, TAG.seriesNumber) ?? Number.NaN);
  if (Number.isSafeInteger(seriesNumber)) meta['seriesNumber'] = seriesNumber;
  if (seriesLabels) {
    // Free text that may carry identifiers (PS3.15): only when asked for (DicomReadOptions.seriesLabels).
    const protocol = readString(ds, TAG.protocolName);
    if (protocol !== undefined && protocol !== '') meta['protocolName'] = protocol;
    const description = readString(ds, TAG.seriesDescription);
    if (description !== undefined && description !== '') meta['seriesDescription'] = description;
  }
  const sopClass = readString(ds, TAG.sopClassUid);
  if (sopClass !== undefined) meta['sopClassUid'] = sopClass;
  if (centers !== undefined && widths !== undefined && widths[0]! > 0) meta.window = { center: centers[0]!, width: widths[0]! };
  const doseScaling = readNumbers(ds, TAG.doseGridScaling);
  // RT Dose: values x DoseGridScaling = Gy. Not a modality LUT, so reported rather than applied.
  if (doseScaling !== undefined) meta['doseGridScaling'] = doseScaling[0];
  // EPI phase-encoding axis / polarity (reported only; pixels stay as stored: phase-encoding.ts).
  const phaseEncoding = readPhaseEncoding(ds);
  if (phaseEncoding !== undefined) meta['phaseEncoding'] = phaseEncoding;
  // Stated acquisition parameters under BIDS names (convert's sidecar; acquisition-meta.ts).
  meta['acquisition'] = readAcquisitionMeta(ds);
  return meta;
}
