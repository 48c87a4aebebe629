// Classification in the browser: file input -> Volume -> labels with scores.
// Serves: /models.manifest.json + /models/*.onnx and onnxruntime-web's files under /ort/
// (see README.md: `npm run assets` copies them into public/).
import { createPipeline, readImageInBrowser, type ClassificationPipeline } from 'medinfer/browser';

const out = document.querySelector<HTMLPreElement>('#out')!;
const input = document.querySelector<HTMLInputElement>('#file')!;

let pipe: ClassificationPipeline;
try {
  pipe = await createPipeline('classification', 'medinfer-cxr-densenet-phantom', {
    manifestUrl: '/models.manifest.json', // model files resolve against it and are sha256-checked
    wasmPaths: '/ort/', // where `medinfer copy-assets public/ort` put onnxruntime-web's .mjs and .wasm
    provider: 'auto', // WebGPU on a hardware adapter, else wasm; pipe.provider says which and why
    onDownloadProgress: (loaded, total) => {
      out.textContent = `downloading the model: ${(loaded / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`;
    },
  });
} catch (error) {
  // Typed errors keep their name in production bundles (ProviderError names missing /ort/ files).
  out.textContent = `${(error as Error).name}: ${(error as Error).message}`;
  throw error;
}
const { used, dropped, wasm } = pipe.provider;
const droppedText = dropped.map((d) => `${d.provider} (${d.reason})`).join('; ');
const providerText = `provider: ${used}${droppedText ? `, dropped: ${droppedText}` : ''}${wasm ? `, wasm threads: ${wasm.threads}${wasm.reason ? ` (${wasm.reason})` : ''}` : ''}`;
out.textContent = `${providerText}\nready: choose a file`;

input.addEventListener('change', async () => {
  const file = input.files?.[0];
  if (!file) return;
  out.textContent = `${providerText}\nrunning on ${file.name}...`;
  try {
    const image = await readImageInBrowser(file); // DICOM, NIfTI, PNG (16-bit kept) or JPEG
    const { labels } = await pipe.run(image);
    const lines = labels.map((l) => `${l.name}: ${l.score.toFixed(2)}${l.positive ? ' positive' : ''}`);
    out.textContent = `${providerText}\n${file.name}\n${lines.join('\n')}`;
  } catch (error) {
    out.textContent = `${providerText}\n${(error as Error).name}: ${(error as Error).message}`;
  }
});
