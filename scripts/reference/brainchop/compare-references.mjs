#!/usr/bin/env node
/**
 * Agreement of two reference runs (e.g. --mode tfjs and --mode onnx of make-reference.mjs):
 *   node scripts/reference/brainchop/compare-references.mjs <dir A> <dir B> [--record]
 * Prints, per model present in both, the % of voxels equal and Dice per label; --record adds it
 * to A's <model>.reference.json as `agreementWith` (so a fixture says how it was cross-checked).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConformedT1 } from './t1.mjs';

const [a, b, flag] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: compare-references.mjs <dir A> <dir B> [--record]');
for (const f of readdirSync(a).filter((n) => n.endsWith('.labels.nii.gz'))) {
  const model = f.replace('.labels.nii.gz', '');
  if (!existsSync(join(b, f))) continue;
  const x = readConformedT1(join(a, f)).img;
  const y = readConformedT1(join(b, f)).img;
  let equal = 0;
  const inter = new Map();
  const nx = new Map();
  const ny = new Map();
  for (let i = 0; i < x.length; i++) {
    nx.set(x[i], (nx.get(x[i]) ?? 0) + 1);
    ny.set(y[i], (ny.get(y[i]) ?? 0) + 1);
    if (x[i] === y[i]) {
      equal++;
      inter.set(x[i], (inter.get(x[i]) ?? 0) + 1);
    }
  }
  let minDice = 1;
  for (const [label, n] of nx) if (label !== 0) minDice = Math.min(minDice, (2 * (inter.get(label) ?? 0)) / (n + (ny.get(label) ?? 0)));
  const infoB = JSON.parse(readFileSync(join(b, `${model}.reference.json`), 'utf8'));
  const agreement = { otherMethod: infoB.method, voxelsEqualPercent: (100 * equal) / x.length, voxelsDiffering: x.length - equal, minDicePerLabel: minDice };
  console.log(`${model}: ${agreement.voxelsEqualPercent.toFixed(4)} % equal (${agreement.voxelsDiffering} differ), min Dice ${minDice.toFixed(5)}`);
  if (flag === '--record') {
    const path = join(a, `${model}.reference.json`);
    const info = JSON.parse(readFileSync(path, 'utf8'));
    info.agreementWith = agreement;
    writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`);
  }
}
