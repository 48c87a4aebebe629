/**
 * One chunk of the fuzz campaign, in its own process (so a hang or a crash is attributed to one
 * case): node scripts/fuzz/campaign-chunk.mjs <target> <seed> <start> <count>
 * Prints `C <n>` before case n and `O <outcome>` after it, `F <json>` for each failing case (bytes
 * as base64), and `R done` at the end. Uses the built SDK (dist/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInspectRunner, createTargets, runCases } from './fuzz-core.mjs';
import { dicomSources, inspectSources, MULTIPART_BOUNDARY, multipartSources, niftiSources, segSeriesSources } from './sources.mjs';

const [targetName, seedText, startText, countText] = process.argv.slice(2);
const sdk = await import('../../dist/node.js');
const { main } = await import('../../dist/cli/main.js');
const scratch = mkdtempSync(join(tmpdir(), 'medinfer-fuzz-campaign-'));
const runInspect = createInspectRunner(main, scratch);

const { parseDicomBytes } = await import('../../dist/io/dicom/parse-header.js');
const seriesFiles = segSeriesSources();
const { MultipartParser } = await import('../../dist/io/dicomweb/multipart.js');
const targets = createTargets({ ...sdk, parseDicomBytes, seriesFiles, runInspect, MultipartParser, multipartBoundary: MULTIPART_BOUNDARY });
const sources = { dicom: dicomSources, nifti: niftiSources, inspect: inspectSources, 'seg-writer': () => seriesFiles, multipart: multipartSources }[
  targetName
]();
const first = Number(startText);
const count = Number(countText);
for (let c = first; c < first + count; c++) {
  // One case at a time, reported as it ends: the parent keeps every outcome even if a later case hangs.
  const { counts, failures } = await runCases({
    target: targets[targetName],
    targetName,
    sources,
    seed: Number(seedText),
    start: c,
    count: 1,
    onCase: (n) => process.stdout.write(`C ${n}\n`),
  });
  process.stdout.write(`O ${Object.keys(counts)[0]}\n`);
  for (const f of failures) process.stdout.write(`F ${JSON.stringify({ ...f, bytes: Buffer.from(f.bytes).toString('base64') })}\n`);
}
rmSync(scratch, { recursive: true, force: true });
process.stdout.write('R done\n');
