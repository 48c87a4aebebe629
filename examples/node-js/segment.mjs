// Segmentation: brain tumour labels from four MRI sequences, volumes in ml.
// Usage: node segment.mjs <samples folder>
import { join } from 'node:path';
import { createPipeline } from 'medinfer';

const dir = join(process.argv[2] ?? 'medinfer-samples', 'brain-mri');
const seg = await createPipeline('segmentation', 'medinfer-brats-unet3d-phantom', { provider: 'auto' });
const result = await seg.run({
  t1: join(dir, 'case01_t1.nii.gz'),
  t1ce: join(dir, 'case01_t1ce.nii.gz'),
  t2: join(dir, 'case01_t2.nii.gz'),
  flair: join(dir, 'case01_flair.nii.gz'),
});
// result.labels is a Volume on the first input's grid: same size, spacing, origin, direction.
const { size, spacing } = result.labels.geometry;
console.log(`label map: ${size.join(' x ')} voxels, spacing ${spacing.map((s) => s.toFixed(2)).join(' x ')} mm`);
for (const [name, ml] of Object.entries(result.volumesMl)) console.log(`${name}: ${ml.toFixed(2)} ml`);
console.log(`provider: ${result.provenance.provider.used}`);
await seg.dispose();
