// 3D detection: lung nodules in a chest CT, read once from NIfTI and once from its DICOM series.
// Usage: node dist/detect-3d.js <samples folder>
import { join } from 'node:path';
import { createPipeline, readDicomDirectory, type DetectionResult, type Volume } from 'medinfer';

const samples = process.argv[2] ?? 'medinfer-samples';
const det = await createPipeline('detection', 'medinfer-nodule-det3d-phantom', { provider: 'auto' });

const fromNifti = await det.run(join(samples, 'chest-ct', 'chest-ct.nii.gz'));
// A DICOM folder may hold several series: readDicomDirectory returns each as a Volume.
const { series } = await readDicomDirectory(join(samples, 'chest-ct', 'dicom'));
const ct: Volume | undefined = series[0];
if (!ct) throw new Error('no DICOM series in chest-ct/dicom');
const fromDicom = await det.run(ct);

const results: [string, DetectionResult][] = [['nifti', fromNifti], ['dicom', fromDicom]];
for (const [source, result] of results) {
  // Every candidate above the model's threshold is returned; print the confident ones.
  const confident = result.detections.filter((d) => d.score >= 0.5);
  console.log(`${source} detections: ${result.detections.length}, score >= 0.5: ${confident.length}`);
  for (const d of confident) {
    // World centre in LPS mm (+x left, +y posterior, +z superior), as LUNA16 candidates use.
    const [x, y, z] = d.box.world.center;
    console.log(`${source} ${d.label}: ${d.score.toFixed(2)} centre ${x.toFixed(1)} ${y.toFixed(1)} ${z.toFixed(1)} mm diameter ${Math.max(...d.sizeMm).toFixed(1)} mm`);
  }
}
await det.dispose();
