import { OPTIONAL_PEERS } from '../runtime/optional-peers.js';

/**
 * Packages only some commands need are optional peers (package.json `peerDependenciesMeta`): a
 * Node app that never queues jobs does not install bullmq / ioredis. When a command needs one
 * that is missing, the user gets the install line, not a module-resolution stack. (The queue
 * modules import bullmq statically, so the failure arrives as a command-load error, mapped here;
 * onnxruntime-node, onnxruntime-web and sharp are imported lazily through importPeer instead.)
 */
const OPTIONAL: Readonly<Record<string, string>> = {
  bullmq: 'the Redis job queue (medinfer queue, medinfer worker, medinfer dicomweb submit)',
  ioredis: 'the Redis job queue (medinfer queue, medinfer worker, medinfer dicomweb submit)',
};

/** The message for a failed import of an optional package, or undefined for any other error. */
export function describeMissingOptional(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object' || e.code !== 'ERR_MODULE_NOT_FOUND' || typeof e.message !== 'string') return undefined;
  const m = /Cannot find (?:package|module) '([^'/]+)/.exec(e.message);
  const name = m?.[1];
  if (name === undefined || !(name in OPTIONAL)) return undefined;
  return `${OPTIONAL[name]} needs the optional package '${name}', which is not installed: ${OPTIONAL_PEERS.bullmq.install}`;
}
