/**
 * Checks every file a manifest lists: present, and sha256 equal to the manifest's. External
 * weights that were never converted are reported as 'absent-external', not as failures.
 */
import { readFile } from 'node:fs/promises';
import { sha256Hex } from './checksum.js';
import { resolveModelFileLocation } from './open-model.js';
import type { Manifest } from '../manifest/types.js';

export type FileStatus = 'ok' | 'mismatch' | 'missing' | 'absent-external' | 'unchecked-url' | 'no-checksum';

export interface FileCheck {
  readonly modelId: string;
  readonly role: string;
  readonly location: string;
  readonly status: FileStatus;
  readonly expected?: string;
  readonly actual?: string;
  readonly message: string;
}

export function isFailure(check: FileCheck): boolean {
  return check.status === 'mismatch' || check.status === 'missing';
}

export async function verifyManifestFiles(manifest: Manifest): Promise<FileCheck[]> {
  const checks: FileCheck[] = [];
  for (const entry of Object.values(manifest.models)) {
    const external = entry.weights.kind === 'external';
    for (const file of entry.files) {
      const location = resolveModelFileLocation(manifest, file, entry);
      const base = { modelId: entry.id, role: file.role, location };
      if (file.path === undefined) {
        checks.push({ ...base, status: 'unchecked-url', message: 'remote file: checked when downloaded' });
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(location));
      } catch {
        checks.push(
          external
            ? {
                ...base,
                status: 'absent-external',
                message: `external weights not present; convert with ${entry.weights.convertScript ?? 'its conversion script'}`,
              }
            : { ...base, status: 'missing', message: 'bundled file is missing' },
        );
        continue;
      }
      const actual = await sha256Hex(bytes);
      if (file.sha256 === undefined) checks.push({ ...base, status: 'no-checksum', actual, message: 'present; manifest records no sha256' });
      else if (actual === file.sha256) checks.push({ ...base, status: 'ok', expected: file.sha256, actual, message: 'sha256 ok' });
      else checks.push({ ...base, status: 'mismatch', expected: file.sha256, actual, message: `sha256 mismatch: expected ${file.sha256}, got ${actual}` });
    }
  }
  return checks;
}
