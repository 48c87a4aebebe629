/**
 * A private Orthanc (Debian `orthanc` + `orthanc-dicomweb`) for tests: loopback only
 * (RemoteAccessAllowed false, DICOM port disabled), HTTP basic authentication with one registered
 * user, a temporary storage folder, the DICOMweb plugin from the Debian path. Started per test
 * file, ready-checked with a bounded wait, stopped by PID (SIGTERM, then SIGKILL) and its folder
 * removed. `orthancAvailable()` lets tests skip cleanly where the packages are not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ORTHANC_BIN = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc'].find((p) => existsSync(p));
const PLUGIN = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so'].find((p) => existsSync(p));

export const ORTHANC_USER = 'medinfer';
export const ORTHANC_PASSWORD = 'pacs-test-secret-7Qx';

export function orthancAvailable(): boolean {
  return ORTHANC_BIN !== undefined && PLUGIN !== undefined;
}

export const ORTHANC_SKIP_REASON = 'Orthanc with its DICOMweb plugin is not installed (apt-get install orthanc orthanc-dicomweb): DICOMweb tests skipped';

export interface OrthancInstance {
  /** DICOMweb root, e.g. http://127.0.0.1:PORT/dicom-web */
  readonly dicomWebUrl: string;
  /** Orthanc REST root (for test assertions only). */
  readonly restUrl: string;
  readonly pid: number;
  readonly auth: { kind: 'basic'; user: string; password: string };
  /** Authorization header value for direct REST calls. */
  readonly authorization: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function startOrthanc(): Promise<OrthancInstance> {
  if (!orthancAvailable()) throw new Error(ORTHANC_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'medinfer-test',
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpPort: port,
    DicomServerEnabled: false,
    DicomPort: 0,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [ORTHANC_USER]: ORTHANC_PASSWORD },
    // A re-stored SOP Instance UID replaces the stored one (what a re-run relies on).
    OverwriteInstances: true,
    StorageCompression: false,
    HttpTimeout: 60,
    Plugins: [PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'MainDicomTags', SeriesMetadata: 'MainDicomTags' },
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const logFd = openSync(join(dir, 'orthanc.log'), 'w');
  const child = spawn(ORTHANC_BIN!, [configPath], { stdio: ['ignore', logFd, logFd], detached: false });
  closeSync(logFd);
  const restUrl = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${ORTHANC_USER}:${ORTHANC_PASSWORD}`).toString('base64')}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      if (!(await waitExit(child, 10_000))) {
        process.kill(child.pid, 'SIGKILL');
        await waitExit(child, 5_000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when /system answers (bounded: 30 s); an early exit is reported with the log tail.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, 'orthanc.log')) ? (await import('node:fs')).readFileSync(join(dir, 'orthanc.log'), 'utf8').slice(-2000) : '';
      await stop();
      throw new Error(`Orthanc exited with ${child.exitCode} before it was ready:\n${log}`);
    }
    try {
      const res = await fetch(`${restUrl}/system`, { headers: { authorization }, signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        await res.arrayBuffer();
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('Orthanc was not ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dicomWebUrl: `${restUrl}/dicom-web`,
    restUrl,
    pid: child.pid!,
    auth: { kind: 'basic', user: ORTHANC_USER, password: ORTHANC_PASSWORD },
    authorization,
    stop,
  };
}
