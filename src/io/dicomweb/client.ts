/**
 * DICOMweb client (PS3.18): QIDO-RS search, WADO-RS retrieve, STOW-RS store, on fetch only, so
 * the same code runs in Node >= 20 and browsers (a browser also needs the server's CORS).
 *
 * Transfer syntax (WADO-RS): by default instances are asked for as stored
 * (`transfer-syntax=*`): medinfer decodes the compressed syntaxes itself (JPEG baseline /
 * lossless, JPEG-LS, JPEG 2000, HTJ2K, RLE, deflate), so no server transcoding costs time and
 * nothing lossy is ever introduced by the server. A server that refuses `*` with 406 Not
 * Acceptable is asked again for Explicit VR Little Endian, which every server must provide.
 * `transferSyntax` pins one explicitly.
 */
import { readMultipartStream, type MultipartLimits } from './multipart.js';
import { boundaryOf, buildMultipart } from './multipart-build.js';
import { HttpError } from '../../core/errors.js';
import { DEFAULT_MAX_JSON_BYTES, readBodyText, requestWithRetry, safeUrl, splitBaseUrl, type DicomWebAuth, type HttpOptions } from './http.js';
import { parseDatasetArray, toInstance, toSeries, toStudy, type InstanceResult, type SeriesResult, type StudyResult } from './dicom-json.js';
import { readStoreResponse, type StoreResult } from './stow.js';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

export interface DicomWebProgress {
  /** Instances (or frames) received / sent so far. */
  readonly instances: number;
  readonly bytes: number;
  /** When known (QIDO's NumberOfSeriesRelatedInstances, or the count being stored). */
  readonly totalInstances?: number;
}

export interface DicomWebClientOptions extends Omit<HttpOptions, 'auth'> {
  /** Service root, e.g. http://127.0.0.1:8042/dicom-web (user:password@ there becomes basic auth). */
  readonly url: string;
  readonly auth?: DicomWebAuth;
  /** Bounds for multipart answers (defaults in multipart.ts). */
  readonly limits?: MultipartLimits;
}

export type QidoValue = string | number | boolean | readonly string[];

export interface QidoQuery {
  /** Attribute matches, keyword or tag (`Modality`, `0020000E`); arrays become comma lists. */
  readonly match?: Readonly<Record<string, QidoValue>>;
  readonly includefield?: readonly string[] | 'all';
  readonly limit?: number;
  readonly offset?: number;
  readonly fuzzymatching?: boolean;
}

export interface RetrieveOptions {
  /** A transfer syntax UID, or '*' for as stored (default '*', then Explicit VR LE on 406). */
  readonly transferSyntax?: string;
  readonly onProgress?: (progress: DicomWebProgress) => void;
  readonly totalInstances?: number;
}

export interface DicomWebClient {
  readonly url: string;
  searchStudies(query?: QidoQuery): Promise<StudyResult[]>;
  searchSeries(study?: string, query?: QidoQuery): Promise<SeriesResult[]>;
  searchInstances(study?: string, series?: string, query?: QidoQuery): Promise<InstanceResult[]>;
  /** Part-10 bytes of every instance of a series, in the server's order. */
  retrieveSeries(study: string, series: string, options?: RetrieveOptions): Promise<Uint8Array[]>;
  retrieveInstance(study: string, series: string, instance: string, options?: RetrieveOptions): Promise<Uint8Array>;
  /** Pixel data of frames (1-based numbers) as the server sends them (as stored by default). */
  retrieveFrames(study: string, series: string, instance: string, frames: readonly number[], options?: RetrieveOptions): Promise<Uint8Array[]>;
  /** Stores Part-10 instances with one STOW-RS request (into `study` when given). */
  store(instances: readonly Uint8Array[], options?: { study?: string; onProgress?: (p: DicomWebProgress) => void }): Promise<StoreResult>;
}

function queryString(query: QidoQuery | undefined): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query?.match ?? {})) p.append(k, Array.isArray(v) ? v.join(',') : String(v));
  if (query?.includefield === 'all') p.append('includefield', 'all');
  else for (const f of query?.includefield ?? []) p.append('includefield', f);
  if (query?.limit !== undefined) p.append('limit', String(query.limit));
  if (query?.offset !== undefined) p.append('offset', String(query.offset));
  if (query?.fuzzymatching !== undefined) p.append('fuzzymatching', String(query.fuzzymatching));
  const s = p.toString();
  return s ? `?${s}` : '';
}

const seg = (uid: string): string => encodeURIComponent(uid);

function acceptFor(type: 'application/dicom' | 'application/octet-stream', syntax: string): string {
  return `multipart/related; type="${type}"; transfer-syntax=${syntax}`;
}

export function createDicomWebClient(options: DicomWebClientOptions): DicomWebClient {
  const split = splitBaseUrl(options.url);
  const auth = options.auth ?? split.auth;
  const http: HttpOptions = { ...options, ...(auth ? { auth } : {}) };
  const root = split.url;

  async function qido(path: string, query: QidoQuery | undefined): Promise<ReturnType<typeof parseDatasetArray>> {
    const url = `${root}${path}${queryString(query)}`;
    return requestWithRetry({ method: 'GET', url, headers: { accept: 'application/dicom+json' } }, http, async (res) => {
      if (res.status === 204) return [];
      const where = `GET ${safeUrl(url)}`;
      return parseDatasetArray(await readBodyText(res, options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES, where), where);
    });
  }

  async function multipartGet(url: string, type: 'application/dicom' | 'application/octet-stream', options: RetrieveOptions): Promise<Uint8Array[]> {
    const run = (syntax: string) =>
      requestWithRetry({ method: 'GET', url, headers: { accept: acceptFor(type, syntax) } }, http, async (res) => {
        const name = `GET ${safeUrl(url)}`;
        const parts: Uint8Array[] = [];
        let bytes = 0;
        if (!res.body) throw new HttpError(safeUrl(url), res.status, `${name}: empty response body`);
        for await (const part of readMultipartStream(res.body, boundaryOf(res.headers.get('content-type'), name), options_.limits, name)) {
          parts.push(part.body);
          bytes += part.body.length;
          options.onProgress?.({ instances: parts.length, bytes, ...(options.totalInstances !== undefined ? { totalInstances: options.totalInstances } : {}) });
        }
        return parts;
      });
    if (options.transferSyntax !== undefined) return run(options.transferSyntax);
    try {
      return await run('*');
    } catch (error) {
      if (error instanceof HttpError && error.status === 406) return run(EXPLICIT_VR_LITTLE_ENDIAN);
      throw error;
    }
  }
  const options_ = options;

  return {
    url: root,
    async searchStudies(query) {
      return (await qido('/studies', query)).map((d) => toStudy(d, `${safeUrl(root)}/studies`));
    },
    async searchSeries(study, query) {
      const path = study === undefined ? '/series' : `/studies/${seg(study)}/series`;
      return (await qido(path, query)).map((d) => toSeries(d, safeUrl(root + path), study));
    },
    async searchInstances(study, series, query) {
      const path =
        study === undefined
          ? '/instances'
          : series === undefined
            ? `/studies/${seg(study)}/instances`
            : `/studies/${seg(study)}/series/${seg(series)}/instances`;
      return (await qido(path, query)).map((d) => toInstance(d, safeUrl(root + path), study, series));
    },
    retrieveSeries(study, series, options = {}) {
      return multipartGet(`${root}/studies/${seg(study)}/series/${seg(series)}`, 'application/dicom', options);
    },
    async retrieveInstance(study, series, instance, options = {}) {
      const url = `${root}/studies/${seg(study)}/series/${seg(series)}/instances/${seg(instance)}`;
      const parts = await multipartGet(url, 'application/dicom', options);
      if (parts.length !== 1) throw new HttpError(safeUrl(url), 200, `GET ${safeUrl(url)}: expected one instance, got ${parts.length}`);
      return parts[0]!;
    },
    async retrieveFrames(study, series, instance, frames, options = {}) {
      if (frames.length === 0 || !frames.every((f) => Number.isInteger(f) && f >= 1)) throw new RangeError('frame numbers are 1-based integers');
      const url = `${root}/studies/${seg(study)}/series/${seg(series)}/instances/${seg(instance)}/frames/${frames.join(',')}`;
      return multipartGet(url, 'application/octet-stream', options);
    },
    async store(instances, opts = {}) {
      const url = `${root}/studies${opts.study === undefined ? '' : `/${seg(opts.study)}`}`;
      const boundary = `medinfer-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
      const body = buildMultipart(
        instances.map((b) => ({ contentType: 'application/dicom', body: b })),
        boundary,
      );
      const result = await requestWithRetry(
        {
          method: 'POST',
          url,
          body,
          headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
        },
        http,
        async (res) =>
          readStoreResponse(
            res.status,
            await readBodyText(res, options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES, `POST ${safeUrl(url)}`),
            safeUrl(url),
            instances.length,
          ),
        [409],
      );
      opts.onProgress?.({ instances: instances.length, bytes: body.length, totalInstances: instances.length });
      return result;
    },
  };
}
