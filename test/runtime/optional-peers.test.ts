/**
 * Optional peers: the ranges the errors print are package.json's, and a real failed import of an
 * absent peer (an ES module in a temp folder, outside this repository's node_modules) becomes a
 * MissingPackageError with the install line, while other failures pass through unchanged.
 * test/examples/packed-install.test.ts checks the same in an installed browser app.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingPackageError } from '../../src/core/errors.js';
import { importPeer, missingPackageName, OPTIONAL_PEERS } from '../../src/runtime/optional-peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  dependencies: Record<string, string>;
};
const run = promisify(execFile);
const outside = mkdtempSync(join(tmpdir(), 'medinfer-peers-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

/**
 * The error a plain Node process gets importing `specifier` from a module outside the repository
 * (a child process: vitest's own module runner would resolve the import from the repository).
 */
async function importFromOutside(specifier: string): Promise<never> {
  const file = join(outside, 'load.mjs');
  writeFileSync(
    file,
    'await import(process.argv[2]).then(() => console.log("{}"), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));\n',
  );
  const { stdout } = await run(process.execPath, [file, specifier]);
  const { code, message } = JSON.parse(stdout) as { code?: string; message?: string };
  if (message === undefined) throw new Error(`${specifier} was found from ${outside}`);
  throw Object.assign(new Error(message), { code });
}

describe('optional peers', () => {
  it('match package.json: optional peers, never regular dependencies, same ranges', () => {
    for (const [name, peer] of Object.entries(OPTIONAL_PEERS)) {
      expect(pkg.peerDependencies[name], name).toBe(peer.range);
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(pkg.dependencies[name], name).toBeUndefined();
      expect(peer.install, name).toContain(`npm install ${name}@${peer.range}`);
    }
    // The one peer with an install script that reaches outside the npm registry.
    expect(OPTIONAL_PEERS['onnxruntime-node'].install).toMatch(/--onnxruntime-node-install=skip$/);
  });

  it('an absent peer imported for real -> MissingPackageError naming the install line', async () => {
    // Precondition: nothing above the temp folder provides sharp (else this would not be absent).
    expect(() => createRequire(join(outside, 'x.js')).resolve('sharp')).toThrow(/Cannot find module 'sharp'/);
    const error = await importPeer('sharp', () => importFromOutside('sharp')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPackageError);
    expect(error).toMatchObject({ code: 'E_MISSING_PACKAGE', details: { package: 'sharp', range: '^0.35.5', install: 'npm install sharp@^0.35.5' } });
    expect((error as Error).message).toMatch(
      /PNG \/ JPEG .* needs the optional package 'sharp' \(\^0\.35\.5\), which is not installed: npm install sharp@\^0\.35\.5$/,
    );
    const ort = await importPeer('onnxruntime-node', () => importFromOutside('onnxruntime-node')).catch((e: unknown) => e);
    expect((ort as Error).message).toContain('npm install onnxruntime-node@~1.30.0 --onnxruntime-node-install=skip');
  });

  it('names the package a real failure names, and nothing for other errors', async () => {
    expect(missingPackageName(await importFromOutside('sharp/lib/utility').catch((e: unknown) => e))).toBe('sharp');
    expect(missingPackageName(await importFromOutside('@img/sharp-absent/x').catch((e: unknown) => e))).toBe('@img/sharp-absent');
    let required: unknown;
    try {
      createRequire(join(outside, 'x.js')).resolve('onnxruntime-web/webgpu');
    } catch (e) {
      required = e;
    }
    expect(missingPackageName(required)).toBe('onnxruntime-web');
    expect(missingPackageName(new Error("Cannot find package 'sharp'"))).toBeUndefined(); // no code: not a resolution failure
  });

  it("a different package missing (a peer's own dependency) is passed through, not blamed on the peer", async () => {
    const error = await importPeer('sharp', () => importFromOutside('detect-libc-absent')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(MissingPackageError);
    expect((error as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND');
  });

  it('an installed peer loads', async () => {
    const ort = await importPeer('onnxruntime-node', () => import('onnxruntime-node'));
    expect(typeof ort.InferenceSession.create).toBe('function');
  });
});
