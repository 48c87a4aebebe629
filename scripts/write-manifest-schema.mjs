#!/usr/bin/env node
// Writes models.manifest.schema.json from src/manifest/schema.ts (via dist/). Run `npm run build` first.
// A test fails when the committed schema differs from the one the loader uses.
import { writeFileSync } from 'node:fs';
import { MANIFEST_SCHEMA } from '../dist/manifest/schema.js';

writeFileSync(new URL('../models.manifest.schema.json', import.meta.url), JSON.stringify(MANIFEST_SCHEMA, null, 2) + '\n');
console.log('wrote models.manifest.schema.json');
