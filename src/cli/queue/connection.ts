/**
 * Redis connection settings for BullMQ from a `redis://[user:pass@]host:port[/db]` URL. BullMQ
 * workers need `maxRetriesPerRequest: null` (blocking commands must not time out).
 */
import type { ConnectionOptions } from 'bullmq';
import { UsageError } from '../../core/errors.js';

export const QUEUE_PREFIX = 'medinfer';
export const DEFAULT_QUEUE = 'inference';

export function parseRedisUrl(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis must be a URL like redis://127.0.0.1:6379, got '${url}'`, { field: 'redis', received: url });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UsageError(`--redis must use redis:// or rediss://, got '${parsed.protocol}'`, { field: 'redis' });
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new UsageError(`--redis database must be a non-negative integer, got '${parsed.pathname.slice(1)}'`, { field: 'redis' });
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
