#!/usr/bin/env node
// The bundled phantom-trained report-text model on real radiology reports: the 3,851 Open-i
// (Indiana University) chest X-ray reports that NegBio's gold standard labels
// (ncbi-nlp/NegBio examples/openi_gld_std14.csv, public domain; copy in scripts/eval/data/).
// Development time only (needs the reports and dist/):
//   npx tsc -p tsconfig.json && node scripts/eval/report-text-openi.mjs [--write]
//     [--reports NLMCXR_reports.tgz | DIR of ecgen-radiology/*.xml] [--gold openi_gld_std14.csv]
// The reports default to mlmed/torchxrayvision's copy (torchxrayvision/data/NLMCXR_reports.tgz)
// in the bare mirror that the search tool's `fetch` leaves in /work/.mirror. They are
// CC BY-NC-ND 4.0: read in a temporary folder, never copied into this repository, and nothing
// derived from their text (no tokens, no excerpts) is written - only counts and F1 figures.
//
// Text fed to the model: FINDINGS then IMPRESSION of each report (NegBio labels these sections).
// Label mapping (NegBio / ChestX-ray14 name -> the model's CheXpert observation):
//   Atelectasis, Cardiomegaly, Consolidation, Edema, Pneumonia, Pneumothorax -> same name;
//   Effusion -> Pleural Effusion; Mass or Nodule -> Lung Lesion; normal -> No Finding.
//   Infiltration (CheXpert folds it into the broader Lung Opacity), Pleural_Thickening (into
//   Pleural Other), Emphysema, Fibrosis and Hernia have no counterpart and are not scored.
// NegBio's gold is binary: 1 = the finding is present (asserted), 0 = absent, negated or not
// mentioned. The model's statuses map as: positive -> 1; negative, not mentioned -> 0. Uncertain
// is scored both ways: as 0 (primary figures, `f1*`) and as 1 (`f1*UncertainAsPositive`).
// Per label: binary F1 of the positive class (src/postprocess/metrics/mention-f1.ts with truth
// 1 / blank), with support; macro-F1 over the 9 labels.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIRRORS, ROOT, gitHead, gitShow, modelFileSha, parseArgs, today, writeResults } from './eval-common.mjs';

const MODEL = 'medinfer-report-textcnn-phantom';
const XRV = `${MIRRORS}/mlmed+torchxrayvision/repo`;
const NEGBIO = `${MIRRORS}/ncbi-nlp+NegBio/repo`;
const MAPPING = [
  ['Atelectasis', ['Atelectasis']],
  ['Cardiomegaly', ['Cardiomegaly']],
  ['Consolidation', ['Consolidation']],
  ['Edema', ['Edema']],
  ['Pneumonia', ['Pneumonia']],
  ['Pneumothorax', ['Pneumothorax']],
  ['Pleural Effusion', ['Effusion']],
  ['Lung Lesion', ['Mass', 'Nodule']],
  ['No Finding', ['normal']],
];

const args = parseArgs(process.argv.slice(2));
const sdk = await import(new URL('dist/node.js', ROOT).href);

// --- gold -------------------------------------------------------------------------------------
const goldText = args.gold ? readFileSync(args.gold, 'utf8') : readFileSync(new URL('scripts/eval/data/openi_gld_std14.csv', ROOT), 'utf8');
const goldLines = goldText.split(/\r?\n/).filter((l) => l.length > 0);
const header = goldLines[0].split(',');
const gold = goldLines.slice(1).map((line) => {
  const cols = line.split(',');
  return { id: cols[0], labels: Object.fromEntries(header.slice(1).map((h, c) => [h, cols[c + 1] === '1'])) };
});

// --- reports (temporary folder only) ------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'medinfer-openi-'));
let reportDir;
let reportSource;
try {
  if (args.reports && statSync(args.reports).isDirectory()) {
    reportDir = args.reports;
    reportSource = 'local folder';
  } else {
    const tgz = args.reports ? readFileSync(args.reports) : gitShow(XRV, 'torchxrayvision/data/NLMCXR_reports.tgz');
    execFileSync('tar', ['-xz', '-C', tmp], { input: tgz, maxBuffer: 1 << 30 });
    reportDir = join(tmp, 'ecgen-radiology');
    reportSource = args.reports ? 'NLMCXR_reports.tgz (local)' : `mlmed/torchxrayvision@${gitHead(XRV)} torchxrayvision/data/NLMCXR_reports.tgz`;
  }
  const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  const decode = (s) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e) => ENTITIES[e]).replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)));
  const section = (xml, label) => {
    const m = xml.match(new RegExp(`<AbstractText Label="${label}">([\\s\\S]*?)</AbstractText>`));
    return m ? decode(m[1]).trim() : '';
  };
  const byId = new Map();
  for (const f of readdirSync(reportDir).filter((n) => n.endsWith('.xml'))) {
    const xml = readFileSync(join(reportDir, f), 'utf8');
    const id = xml.match(/<uId id="([^"]+)"/)?.[1];
    if (id !== undefined) byId.set(id, [section(xml, 'FINDINGS'), section(xml, 'IMPRESSION')].filter((s) => s.length > 0).join(' '));
  }
  const missing = gold.filter((g) => !byId.has(g.id));
  if (missing.length > 0) throw new Error(`${missing.length} gold reports are not in the report collection (first ${missing[0].id})`);
  const texts = gold.map((g) => byId.get(g.id));
  const emptyReports = texts.filter((t) => t.length === 0).length;

  // --- model ------------------------------------------------------------------------------------
  const manifest = await sdk.readManifestFile();
  const model = modelFileSha(manifest, MODEL);
  const pipe = await sdk.createPipeline('report-text', MODEL, { manifest, provider: 'cpu' });
  const results = await pipe.runBatch(texts);
  await pipe.dispose();
  const truncated = results.filter((r) => r.truncated).length;

  const scored = {};
  for (const uncertainAsPositive of [false, true]) {
    const truth = gold.map((g) => MAPPING.map(([, names]) => (names.some((n) => g.labels[n]) ? 1 : null)));
    const predicted = results.map((r) =>
      MAPPING.map(([obs]) => {
        const s = r.observations.find((o) => o.name === obs).status;
        return s === 'positive' || (uncertainAsPositive && s === 'uncertain') ? 1 : null;
      }),
    );
    const { pairs, macroF1 } = sdk.computeMentionF1(truth, predicted, MAPPING.length);
    const perLabel = {};
    MAPPING.forEach(([obs, names], o) => {
      const pair = pairs.find((p) => p.observation === o && p.code === 1);
      const predictedPositive = predicted.filter((p) => p[o] === 1).length;
      perLabel[obs] = { gold: names.join(' | '), f1: pair ? Number(pair.f1.toFixed(4)) : null, support: pair?.support ?? 0, predictedPositive };
    });
    scored[uncertainAsPositive ? 'uncertainAsPositive' : 'primary'] = { macroF1: Number(macroF1.toFixed(4)), perLabel };
  }

  const measuredOn = {
    dataset: 'openi',
    subset: 'the 3,851 reports of NegBio gold standard openi_gld_std14.csv (FINDINGS + IMPRESSION)',
    count: gold.length,
    date: today(),
    medinferCommit: gitHead(),
    script: 'scripts/eval/report-text-openi.mjs',
    reports: reportSource,
    gold: `ncbi-nlp/NegBio@${gitHead(NEGBIO)} examples/openi_gld_std14.csv (copy: scripts/eval/data/)`,
    mapping: 'positive -> 1; negative, not mentioned -> 0; uncertain -> 0 (primary) or 1 (UncertainAsPositive)',
  };
  const metrics = {};
  const key = (obs) => obs.replace(/\s+/g, '');
  for (const [variant, suffix] of [
    ['primary', ''],
    ['uncertainAsPositive', 'UncertainAsPositive'],
  ]) {
    const v = scored[variant];
    metrics[`openiMacroF1${suffix}`] = { value: v.macroF1, measuredOn: { ...measuredOn, labels: MAPPING.length } };
    for (const [obs, r] of Object.entries(v.perLabel)) {
      if (r.f1 === null) continue;
      metrics[`openiF1${key(obs)}${suffix}`] = { value: r.f1, measuredOn: { ...measuredOn, goldLabel: r.gold, support: r.support } };
    }
  }
  console.log(JSON.stringify({ model: MODEL, count: gold.length, emptyReports, truncated, ...scored }, null, 2));
  if (args.write) console.log(`wrote ${writeResults(MODEL, model.sha256, 'openi-negbio-f1', metrics, { ...measuredOn, emptyReports, truncated, ...scored })}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
