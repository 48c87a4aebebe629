/**
 * Execution-provider choice. Resolution happens in one place per platform (the backend's
 * `unavailableReason` + this module's ordering); every session reports what was requested,
 * what ran and why anything was dropped. Never a silent switch.
 */
import { UsageError } from '../core/errors.js';
import type { WasmThreadingReport } from './wasm-threading.js';

export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'wasm';
export type ProviderChoice = 'auto' | ExecutionProvider | readonly ExecutionProvider[];

export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'wasm'];

export interface DroppedProvider {
  readonly provider: ExecutionProvider;
  readonly reason: string;
}

export interface ProviderReport {
  /** What the caller asked for, as given ('auto' expanded into the platform's order). */
  readonly requested: readonly ExecutionProvider[];
  /** The provider the session runs on. */
  readonly used: ExecutionProvider;
  /** Providers tried before `used` and why each was not taken. */
  readonly dropped: readonly DroppedProvider[];
  /** Runs after creation that had to leave `used` (grows while the session runs). */
  readonly fallbacks?: readonly DroppedProvider[];
  /**
   * Browsers: whether onnxruntime-web's wasm runs threaded and, if not, why (e.g. the page is not
   * cross-origin isolated). Set on every browser session - WebGPU sessions run their CPU-side ops
   * and any over-limit fallback on wasm too. Absent in Node.
   */
  readonly wasm?: WasmThreadingReport;
}

export interface ProviderPlan {
  readonly candidates: readonly ExecutionProvider[];
  /** True when a later candidate may replace a failed earlier one. */
  readonly fallback: boolean;
}

/**
 * Expands a choice into an ordered candidate list.
 * - 'auto': the platform's preference order, fallback allowed (the report says what was dropped).
 * - one provider: just that one; fallback only if the caller set `allowFallback` (then to `autoOrder`).
 * - a list: tried in order, fallback implied by giving several.
 */
export function planProviders(choice: ProviderChoice, autoOrder: readonly ExecutionProvider[], allowFallback = false): ProviderPlan {
  if (choice === 'auto') return { candidates: autoOrder, fallback: true };
  if (typeof choice === 'string') {
    assertProvider(choice);
    if (!allowFallback) return { candidates: [choice], fallback: false };
    return { candidates: [choice, ...autoOrder.filter((p) => p !== choice)], fallback: true };
  }
  if (!Array.isArray(choice) || choice.length === 0) throw new UsageError('provider list must not be empty', { field: 'provider' });
  choice.forEach(assertProvider);
  return { candidates: [...new Set(choice)], fallback: choice.length > 1 || allowFallback };
}

function assertProvider(p: string): asserts p is ExecutionProvider {
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(p)) {
    throw new UsageError(`unknown execution provider '${p}' (expected one of ${EXECUTION_PROVIDERS.join(', ')}, or 'auto')`, {
      field: 'provider',
      received: p,
    });
  }
}

/** Parses a CLI / config string: 'auto', 'cpu', or a comma list 'cuda,cpu'. */
export function parseProviderChoice(text: string): ProviderChoice {
  const trimmed = text.trim();
  if (trimmed === 'auto') return 'auto';
  const parts = trimmed
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  parts.forEach(assertProvider);
  return parts.length === 1 ? (parts[0] as ExecutionProvider) : (parts as ExecutionProvider[]);
}
