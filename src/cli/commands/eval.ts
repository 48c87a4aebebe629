/** Placeholder replaced below. */
import type { CliCommand } from '../command.js';
export const command: CliCommand = { name: 'eval', summary: '', usage: '', run: async () => 2 };
