/**
 * The `dicomweb` queue job type: `medinfer dicomweb submit` queues a study, a `medinfer worker`
 * (credentials from its own environment, never from Redis) runs the flow and stores the SR in
 * the private Orthanc; submitting the same study again queues nothing new.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDicomWebClient, type DicomWebClient } from '../../src/index.js';
import { generateChestRadiograph } from '../../src/phantoms.js';
import { assertBuilt, ROOT, runCli } from '../fixtures/cli/cli-harness.js';
import { freePort, orthancAvailable, ORTHANC_PASSWORD, ORTHANC_SKIP_REASON, ORTHANC_USER, startOrthanc, type OrthancInstance } from '../helpers/orthanc.js';
import { writeVolumeAsDicomSeries } from '../helpers/dicom-series-writer.js';

const REDIS = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p));
const STUDY = '1.2.826.0.1.3680043.10.1234.710.1';
const QUEUE = `dicomweb-${process.pid}-${Date.now()}`;
// CI installs both (.ci/run): there a missing package fails the test instead of skipping it.
const runnable = Boolean(process.env['CI']) || (orthancAvailable() && (REDIS !== undefined || process.env['MEDINFER_TEST_REDIS_URL'] !== undefined));
if (!orthancAvailable()) console.warn(ORTHANC_SKIP_REASON);

function waitExit(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

describe.runIf(runnable)('dicomweb queue job', () => {
  let pacs: OrthancInstance;
  let client: DicomWebClient;
  let redis: ChildProcess | undefined;
  let redisUrl: string;

  beforeAll(async () => {
    assertBuilt();
    if (process.env['MEDINFER_TEST_REDIS_URL']) redisUrl = process.env['MEDINFER_TEST_REDIS_URL'];
    else {
      const port = await freePort();
      redisUrl = `redis://127.0.0.1:${port}`;
      redis = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 50; i++) {
        if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    pacs = await startOrthanc();
    client = createDicomWebClient({ url: pacs.dicomWebUrl, auth: pacs.auth });
    const image = generateChestRadiograph({ seed: 9 }).image;
    await client.store(
      writeVolumeAsDicomSeries(image, {
        modality: 'DX',
        studyUid: STUDY,
        seriesUid: `${STUDY}.1`,
        frameOfReferenceUid: `${STUDY}.9`,
        seriesNumber: 1,
        seriesDescription: 'CHEST PA',
      }),
      { study: STUDY },
    );
  }, 60_000);
  afterAll(async () => {
    await pacs?.stop();
    if (redis?.pid !== undefined) process.kill(redis.pid, 'SIGKILL');
  });

  it('a worker serves the PACS: submitted study -> SR stored; resubmission queues nothing new', async () => {
    const submitStudy = (...flags: string[]) =>
      runCli(['dicomweb', 'submit', '--url', pacs.dicomWebUrl, '--study', STUDY, '--model', 'medinfer-cxr-densenet-phantom', ...flags]);
    const submit = () => submitStudy('--redis', redisUrl, '--queue', QUEUE, '--json');
    const first = await submit();
    expect(first.code, first.stderr).toBe(0);
    const { jobId, enqueued } = JSON.parse(first.stdout) as { jobId: string; enqueued: boolean };
    expect(enqueued).toBe(true);
    expect((await submitStudy('--token', 'x', '--redis', redisUrl)).code).toBe(2);
    const worker = spawn(
      process.execPath,
      [join(ROOT, 'bin/medinfer.js'), 'worker', '--redis', redisUrl, '--queue', QUEUE, '--provider', 'cpu', '--idle-exit-ms', '3000'],
      {
        env: { ...process.env, DICOMWEB_USER: ORTHANC_USER, DICOMWEB_PASSWORD: ORTHANC_PASSWORD },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    expect(await waitExit(worker, 120_000), log).toBe(0);
    expect(log).toContain(`done dicomweb study ${STUDY}`);
    expect(log).not.toContain(ORTHANC_PASSWORD);
    const sr = await client.searchSeries(STUDY, { match: { Modality: 'SR' } });
    expect(sr).toHaveLength(1);
    // The finished job is kept for a week: the same study is not queued again.
    const again = await submit();
    expect(JSON.parse(again.stdout)).toMatchObject({ jobId, enqueued: false });
  }, 180_000);
});
