#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`.
import { main, processContext, tuneProcess } from '../dist/cli/main.js';

tuneProcess(process.argv.slice(2), process.env);
const code = await main(process.argv.slice(2), processContext());
process.exitCode = code;
