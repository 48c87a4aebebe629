// Registration: an inhale (moving) lung CT onto its exhale (fixed) scan, with landmark TRE.
// Usage: node register.mjs <samples folder>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPipeline, parseLandmarks, readImageFile } from 'medinfer';

const dir = join(process.argv[2] ?? 'medinfer-samples', 'lung-pair');
const fixed = await readImageFile(join(dir, 'case01_fixed.nii.gz'));
const moving = await readImageFile(join(dir, 'case01_moving.nii.gz'));
// DIR-Lab landmark files: "x y z" per line, 1-based voxel indices on their own image.
const landmarks = {
  fixed: parseLandmarks(await readFile(join(dir, 'case01_fixed_landmarks.txt'), 'utf8'), 'dirlab', fixed.geometry),
  moving: parseLandmarks(await readFile(join(dir, 'case01_moving_landmarks.txt'), 'utf8'), 'dirlab', moving.geometry),
};

const reg = await createPipeline('registration', 'medinfer-lung-voxelmorph-phantom', { provider: 'auto' });
const result = await reg.run({ fixed, moving, landmarks });
// displacement: 3 components per voxel, LPS mm, on the fixed image's grid.
console.log(`displacement: ${result.displacement.geometry.size.join(' x ')} x ${result.displacement.components}`);
console.log(`folding: ${result.foldingPercent.toFixed(2)} %`);
if (result.tre) {
  console.log(`TRE: ${result.tre.meanMm.toFixed(2)} mm (before: ${result.tre.identityMeanMm.toFixed(2)} mm, ${result.tre.count} landmarks)`);
}
await reg.dispose();
