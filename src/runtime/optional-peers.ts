/**
 * Optional peer packages: what each is for, the version range medinfer is tested with, and the npm
 * line that installs it. package.json declares them as optional peers (`peerDependenciesMeta`) so
 * an app installs only what it runs: a browser app never gets onnxruntime-node (288 MB) or sharp,
 * a Node app never gets onnxruntime-web, and only queue users get bullmq / ioredis. The ranges here
 * must equal package.json's `peerDependencies` (a test checks it).
 *
 * No package is imported here: callers pass the import as a closure, so the bare specifier stays in
 * their module (types, and bundlers that must not see Node-only packages from browser code).
 */
import { MissingPackageError } from '../core/errors.js';

export interface OptionalPeer {
  /** Version range tested in CI (package.json peerDependencies). */
  readonly range: string;
  /** What needs it, for the error message. */
  readonly usedBy: string;
  /** The npm command that installs it. */
  readonly install: string;
}

// onnxruntime-node's postinstall downloads CUDA libraries from api.nuget.org on Linux x64 unless
// told to skip; on a machine that reaches only the npm registry that fails the whole install.
const SKIP_CUDA = '--onnxruntime-node-install=skip';

export const OPTIONAL_PEERS: Readonly<Record<'onnxruntime-node' | 'onnxruntime-web' | 'sharp' | 'bullmq', OptionalPeer>> = {
  'onnxruntime-node': {
    range: '~1.30.0',
    usedBy: 'inference in Node (pipelines, medinfer run / demo / batch)',
    install: `npm install onnxruntime-node@~1.30.0 ${SKIP_CUDA}`,
  },
  'onnxruntime-web': {
    range: '~1.30.0',
    usedBy: 'inference in browsers, medinfer serve and medinfer copy-assets',
    install: 'npm install onnxruntime-web@~1.30.0',
  },
  sharp: {
    range: '^0.35.5',
    usedBy: 'PNG / JPEG / TIFF / WebP files in Node (reading them, medinfer samples, overlay images)',
    install: 'npm install sharp@^0.35.5',
  },
  bullmq: {
    range: '^5.81.5',
    usedBy: 'the Redis job queue (medinfer queue, medinfer worker, medinfer dicomweb submit)',
    install: 'npm install bullmq@^5.81.5',
  },
};

/**
 * The package a failed import or require.resolve could not find, or undefined for any other error.
 * Only the package named in the message counts: a peer that is installed but misses one of its own
 * dependencies names that dependency, and must not be reported as the peer being absent.
 */
export function missingPackageName(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object' || typeof e.message !== 'string') return undefined;
  if (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND') return undefined;
  const m = /Cannot find (?:package|module) '([^']+)'/.exec(e.message);
  if (m === null) return undefined;
  // 'sharp' or 'sharp/lib/x' or '@scope/name/x' -> the package name.
  const parts = m[1]!.split('/');
  return parts[0]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The typed error for an absent optional peer: what needs it and the install line. */
export function missingPeerError(name: keyof typeof OPTIONAL_PEERS, cause?: unknown): MissingPackageError {
  const peer = OPTIONAL_PEERS[name];
  return new MissingPackageError(
    `${peer.usedBy} needs the optional package '${name}' (${peer.range}), which is not installed: ${peer.install}`,
    { package: name, range: peer.range, install: peer.install },
    cause === undefined ? undefined : { cause },
  );
}

/** Runs `load` (an import of `name`); an absent `name` becomes a MissingPackageError, anything else is rethrown. */
export async function importPeer<T>(name: keyof typeof OPTIONAL_PEERS, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (missingPackageName(error) === name) throw missingPeerError(name, error);
    throw error;
  }
}
