/**
 * A private Orthanc with its DICOMweb plugin for benchmarks (same setup as
 * test/helpers/orthanc.ts): loopback only, basic auth, temporary storage, stopped by PID.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_BIN = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc'].find((p) => existsSync(p));
export const DICOMWEB_PLUGIN = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so'].find((p) => existsSync(p));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startOrthanc({ user = 'bench', password = 'bench-pw' } = {}) {
  if (!ORTHANC_BIN || !DICOMWEB_PLUGIN) throw new Error('needs Debian orthanc and orthanc-dicomweb (apt-get install orthanc orthanc-dicomweb)');
  const dir = mkdtempSync(join(process.env.MEDINFER_BENCH_TMP ?? tmpdir(), 'medinfer-bench-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'medinfer-bench',
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpPort: port,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password },
    OverwriteInstances: true,
    StorageCompression: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
  };
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
  const log = openSync(join(dir, 'orthanc.log'), 'w');
  const child = spawn(ORTHANC_BIN, [join(dir, 'orthanc.json')], { stdio: ['ignore', log, log] });
  closeSync(log);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {}
          r();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Orthanc exited with ${child.exitCode}`);
    }
    try {
      const r = await fetch(`http://127.0.0.1:${port}/system`, { headers: { authorization }, signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error('Orthanc not ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}/dicom-web`, user, password, pid: child.pid, stop };
}
