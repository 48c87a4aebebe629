#!/usr/bin/env node
// Writes docs/manifest-steps.md from the step validators (via dist/). Run `npm run build` first.
// test/manifest/steps-doc.test.ts fails when the committed file differs from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderManifestStepsDoc } from '../dist/manifest/steps-doc.js';

mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
writeFileSync(new URL('../docs/manifest-steps.md', import.meta.url), renderManifestStepsDoc());
console.log('wrote docs/manifest-steps.md');
