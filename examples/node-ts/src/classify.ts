// Classification: a chest radiograph (16-bit PNG) through the bundled phantom DenseNet.
// Usage: npx tsc -p . && node dist/classify.js <samples folder>   (samples: npx medinfer samples)
import { join } from 'node:path';
import { createPipeline, type ClassificationResult, type LabelScore } from 'medinfer';

const samples = process.argv[2] ?? 'medinfer-samples';
const cls = await createPipeline('classification', 'medinfer-cxr-densenet-phantom', { provider: 'auto' });
const result: ClassificationResult = await cls.run(join(samples, 'radiograph', 'chest-xray.png'));
const line = (label: LabelScore): string => `${label.name}: ${label.score.toFixed(2)}${label.positive ? ' positive' : ''}`;
for (const label of result.labels) console.log(line(label));
console.log(`provider: ${result.provenance.provider.used}`);
await cls.dispose();
