/**
 * A DICOMweb series reference as an image input: `readDicomWebSeries({ url, study, series })`
 * retrieves the series with WADO-RS and assembles it with readDicomSeries (same geometry, same
 * checks, same pixels as reading the files from disk). Isomorphic. The instances are named by
 * their position in the answer (`instance-0001`), never by a header value, so errors and
 * warnings carry no identifier.
 */
import type { Volume } from '../../core/volume.js';
import type { DicomReadOptions } from '../dicom/options.js';
import { readDicomSeries } from '../dicom/series-assemble.js';
import { DEFAULT_MAX_VOXELS } from '../dicom/limits.js';
import { createDicomWebClient, type DicomWebClient, type DicomWebClientOptions, type DicomWebProgress } from './client.js';
import type { MultipartLimits } from './multipart.js';

/**
 * Bounds of a WADO-RS series answer for a series of at most `maxVoxels` samples (the reader's
 * limit, 2^28 by default): 4 bytes a sample (32-bit and float pixel data; 8- and 16-bit data and
 * compressed syntaxes need less) plus 64 MiB for headers, so a huge part or an endless body is a
 * LimitError after ~1.06 GiB by default, not after the parser's generic 16 GiB.
 */
export function seriesRetrieveLimits(maxVoxels: number = DEFAULT_MAX_VOXELS): Required<Pick<MultipartLimits, 'maxPartBytes' | 'maxTotalBytes'>> {
  const bytes = maxVoxels * 4 + 64 * 2 ** 20;
  return { maxPartBytes: Math.min(bytes, 2 ** 31 - 1), maxTotalBytes: bytes };
}

export interface DicomWebSeriesReference extends DicomWebClientOptions {
  readonly study: string;
  readonly series: string;
  /** Passed to readDicomSeries (maxVoxels, codecs ...); `name` defaults to 'series'. */
  readonly read?: DicomReadOptions;
  readonly transferSyntax?: string;
  readonly onProgress?: (progress: DicomWebProgress) => void;
}

/** Part-10 files of one series as readDicomSeries / describeDicomSource take them. */
export async function retrieveDicomWebSeriesFiles(
  client: DicomWebClient,
  ref: Pick<DicomWebSeriesReference, 'study' | 'series' | 'transferSyntax' | 'onProgress'>,
): Promise<{ name: string; bytes: Uint8Array }[]> {
  const parts = await client.retrieveSeries(ref.study, ref.series, {
    ...(ref.transferSyntax !== undefined ? { transferSyntax: ref.transferSyntax } : {}),
    ...(ref.onProgress ? { onProgress: ref.onProgress } : {}),
  });
  return parts.map((bytes, i) => ({ name: `instance-${String(i + 1).padStart(4, '0')}`, bytes }));
}

export async function readDicomWebSeries(ref: DicomWebSeriesReference): Promise<Volume> {
  const client = createDicomWebClient({ ...ref, limits: ref.limits ?? seriesRetrieveLimits(ref.read?.maxVoxels) });
  const files = await retrieveDicomWebSeriesFiles(client, ref);
  return readDicomSeries(files, { name: 'series', ...ref.read });
}
