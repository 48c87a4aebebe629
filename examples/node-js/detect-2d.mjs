// 2D detection: boxes on a chest radiograph, in pixels and in LPS millimetres.
// Usage: node detect-2d.mjs <samples folder>
import { join } from 'node:path';
import { createPipeline } from 'medinfer';

const samples = process.argv[2] ?? 'medinfer-samples';
const det = await createPipeline('detection', 'medinfer-cxr-yolo-phantom', { provider: 'auto' });
const { detections } = await det.run(join(samples, 'radiograph', 'chest-xray.png'));
const confident = detections.filter((d) => d.score >= 0.5);
console.log(`detections: ${detections.length}, score >= 0.5: ${confident.length}`);
for (const d of confident) {
  // box.index is [i, j, k] on the input's grid (k = 0 for a 2D image); sizeMm uses its spacing.
  const [i0, j0] = d.box.index.min;
  const [i1, j1] = d.box.index.max;
  console.log(`${d.label}: ${d.score.toFixed(2)} box i ${i0.toFixed(0)}-${i1.toFixed(0)} j ${j0.toFixed(0)}-${j1.toFixed(0)} size ${d.sizeMm[0].toFixed(1)} x ${d.sizeMm[1].toFixed(1)} mm`);
}
await det.dispose();
