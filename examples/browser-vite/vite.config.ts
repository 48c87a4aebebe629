import { defineConfig } from 'vite';

// Cross-origin isolation lets onnxruntime-web run wasm on several threads (SharedArrayBuffer);
// without these headers it runs on one and pipe.provider.wasm.reason says why.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // onnxruntime-web loads its .mjs / .wasm from wasmPaths at run time: keep it out of pre-bundling.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  // Top-level await in main.ts.
  build: { target: 'es2022' },
  server: { headers: isolation },
  preview: { headers: isolation },
});
