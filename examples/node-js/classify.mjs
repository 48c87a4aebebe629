// Classification: a chest radiograph (16-bit PNG) through the bundled phantom DenseNet.
// Usage: node classify.mjs <samples folder>      (write one with: npx medinfer samples)
import { join } from 'node:path';
import { createPipeline } from 'medinfer';

const samples = process.argv[2] ?? 'medinfer-samples';
const cls = await createPipeline('classification', 'medinfer-cxr-densenet-phantom', { provider: 'auto' });
const { labels, provenance } = await cls.run(join(samples, 'radiograph', 'chest-xray.png'));
for (const label of labels) {
  console.log(`${label.name}: ${label.score.toFixed(2)}${label.positive ? ' positive' : ''}`);
}
console.log(`provider: ${provenance.provider.used}`);
await cls.dispose();
