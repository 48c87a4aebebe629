/**
 * Sessions are expensive (graph optimisation, GPU upload): cache one per model + provider choice
 * + options, share it across pipelines and batch workers, and dispose explicitly.
 */
import type { ModelSession } from './model-session.js';

export class SessionCache {
  private readonly entries = new Map<string, Promise<ModelSession>>();

  /** Returns the cached session for `key` or creates it once (concurrent callers share the promise). */
  async get(key: string, create: () => Promise<ModelSession>): Promise<ModelSession> {
    const existing = this.entries.get(key);
    if (existing) {
      const session = await existing;
      if (!session.disposed) return session;
    }
    const pending = create();
    this.entries.set(key, pending);
    try {
      return await pending;
    } catch (error) {
      // A failed creation is not cached: the next call retries (e.g. after installing CUDA).
      if (this.entries.get(key) === pending) this.entries.delete(key);
      throw error;
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  async dispose(key: string): Promise<void> {
    const pending = this.entries.get(key);
    this.entries.delete(key);
    if (pending) await (await pending.catch(() => undefined))?.dispose();
  }

  async disposeAll(): Promise<void> {
    const keys = [...this.entries.keys()];
    await Promise.all(keys.map((k) => this.dispose(k)));
  }
}

export function sessionCacheKey(parts: {
  modelId: string;
  sha256?: string | undefined;
  provider: unknown;
  threads?: number | undefined;
  memoryArena?: boolean | undefined;
}): string {
  const key = [parts.modelId, parts.sha256 ?? '', parts.provider, parts.threads ?? 0];
  // A session without the CPU arena (a pre-model) is not the same session as the default one.
  return JSON.stringify(parts.memoryArena === false ? [...key, 'no-arena'] : key);
}
