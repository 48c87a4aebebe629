/**
 * A small hostile DICOMweb server for tests (node:http on 127.0.0.1, a free port): QIDO-RS for one
 * study with one series, an empty instance search (nothing stored yet), STOW-RS that accepts
 * everything, and a WADO-RS series retrieve whose behaviour each test supplies (malformed
 * multipart, a short body, a stall, an endless part ...). It counts requests and the most
 * requests open at once, and the bytes it sent, so tests can assert bounded concurrency.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildMultipart } from '../../src/io/dicomweb/multipart-build.js';
import { generateChestRadiograph } from '../../src/phantoms.js';
import { writeVolumeAsDicomSeries } from './dicom-series-writer.js';

export interface HostileStats {
  requests: number;
  active: number;
  maxActive: number;
  bytesSent: number;
  stored: number;
}

export interface HostileOptions {
  readonly study: string;
  readonly series: string;
  /** NumberOfSeriesRelatedInstances in the QIDO answer (default 1). */
  readonly instances?: number;
  readonly modality?: string;
  /** Replaces the QIDO-RS series answer. */
  readonly qido?: (req: IncomingMessage, res: ServerResponse, stats: HostileStats) => void;
  /** The WADO-RS series retrieve. */
  readonly retrieve: (req: IncomingMessage, res: ServerResponse, stats: HostileStats) => void;
}

export interface HostileServer {
  readonly url: string;
  readonly stats: HostileStats;
  close(): Promise<void>;
}

export const BOUNDARY = 'hostile-boundary-7f3a';
export const MULTIPART_TYPE = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;

/** What the server's retrieve usually sends: a chest radiograph phantom (DX, 128 x 128) as series `series` of `study`. */
export function chestDxInstances(study: string, series: string): Uint8Array[] {
  return writeVolumeAsDicomSeries(generateChestRadiograph({ seed: 11, size: 128 }).image, {
    modality: 'DX',
    studyUid: study,
    seriesUid: series,
    frameOfReferenceUid: `${study}.9`,
    seriesNumber: 1,
    seriesDescription: 'CHEST PA',
  });
}

export function multipartOf(instances: readonly Uint8Array[]): Uint8Array {
  return buildMultipart(
    instances.map((body) => ({ contentType: 'application/dicom', body })),
    BOUNDARY,
  );
}

/** Writes `bytes` honouring back-pressure, counting them; false once the client went away. */
export function send(res: ServerResponse, stats: HostileStats, bytes: Uint8Array): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  stats.bytesSent += bytes.length;
  if (res.write(bytes)) return Promise.resolve(true);
  return new Promise((ok) => {
    const done = (v: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      ok(v);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export async function startHostileDicomWeb(o: HostileOptions): Promise<HostileServer> {
  const stats: HostileStats = { requests: 0, active: 0, maxActive: 0, bytesSent: 0, stored: 0 };
  const seriesJson = JSON.stringify([
    {
      '0020000D': { vr: 'UI', Value: [o.study] },
      '0020000E': { vr: 'UI', Value: [o.series] },
      '00080060': { vr: 'CS', Value: [o.modality ?? 'DX'] },
      '00200011': { vr: 'IS', Value: [1] },
      '00201209': { vr: 'IS', Value: [o.instances ?? 1] },
    },
  ]);
  const server = createServer((req, res) => {
    stats.requests++;
    stats.active++;
    stats.maxActive = Math.max(stats.maxActive, stats.active);
    res.on('close', () => stats.active--);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === `/dicom-web/studies/${o.study}/series`) {
      if (o.qido) return o.qido(req, res, stats);
      res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(seriesJson);
    } else if (req.method === 'GET' && path === `/dicom-web/studies/${o.study}/instances`) {
      res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
    } else if (req.method === 'GET' && path === `/dicom-web/studies/${o.study}/series/${o.series}`) {
      o.retrieve(req, res, stats);
    } else if (req.method === 'POST' && path === `/dicom-web/studies/${o.study}`) {
      req.resume();
      req.on('end', () => {
        stats.stored++;
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end();
      });
    } else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dicom-web`,
    stats,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
