/**
 * models.manifest.json is assembled from scripts/models/entries/ (what the training scripts write)
 * by scripts/models/merge-entries.mjs; an edit made only in the manifest would be lost at the next
 * retrain. The merge's --check mode compares without writing.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

it('models.manifest.json equals the merge of scripts/models/entries/', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/models/merge-entries.mjs'), '--check']).catch(
    (e: { stdout: string }) => ({ stdout: e.stdout }),
  );
  expect(stdout.trim()).toBe('models.manifest.json agrees with scripts/models/entries/');
});
