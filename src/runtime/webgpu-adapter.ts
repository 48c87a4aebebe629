/**
 * Is a WebGPU adapter real hardware? A software adapter (Chromium's SwiftShader, Mesa's
 * llvmpipe / lavapipe, Windows' WARP "Microsoft Basic Render Driver") runs shaders on the CPU,
 * many times slower than wasm (BENCHMARKS.md, "Design measurements"). So 'auto' must not pick one;
 * an explicit `provider: 'webgpu'` still may (the caller asked, e.g. to test shaders without a GPU).
 *
 * Pure: takes the adapter's fields structurally, so it is tested in Node with fake adapters.
 */

/** The GPUAdapterInfo fields this check reads (all optional: older browsers lack some). */
export interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  /** Newer browsers (Chromium 136+) report the fallback flag here. */
  readonly isFallbackAdapter?: boolean;
}

/** The GPUAdapter fields this check reads. */
export interface AdapterLike {
  /** Older browsers report the fallback flag on the adapter itself (deprecated there since). */
  readonly isFallbackAdapter?: boolean;
  readonly info?: AdapterInfoLike;
}

// Names of CPU (software) rasterisers as they appear in vendor / architecture / device /
// description. 'cpu' alone is what Dawn-based browsers report as the adapter type of one.
const SOFTWARE_NAMES: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'WARP (Microsoft Basic Render Driver)'],
  [/^\s*cpu\s*$/i, 'a CPU device'],
];

function describeInfo(info: AdapterInfoLike | undefined): string {
  if (!info) return 'no adapter info';
  const parts = (['vendor', 'architecture', 'device', 'description'] as const)
    .filter((k) => typeof info[k] === 'string' && info[k] !== '')
    .map((k) => `${k} '${info[k]}'`);
  return parts.length ? parts.join(', ') : 'adapter info is empty';
}

/**
 * Null for a hardware adapter; otherwise why this adapter is software or a fallback adapter
 * (a sentence naming what the browser reported, for the provider report's `dropped` list).
 */
export function softwareAdapterReason(adapter: AdapterLike): string | null {
  const info = adapter.info;
  const fields = info ? [info.vendor, info.architecture, info.device, info.description].filter((v): v is string => typeof v === 'string') : [];
  let software: string | undefined;
  for (const [pattern, name] of SOFTWARE_NAMES) {
    if (fields.some((f) => pattern.test(f))) {
      software = name;
      break;
    }
  }
  const fallback = adapter.isFallbackAdapter === true || info?.isFallbackAdapter === true;
  if (software === undefined && !fallback) return null;
  const what = software !== undefined ? `a software adapter (${software})` : 'a fallback adapter';
  const flag = fallback ? '; the browser marks it isFallbackAdapter' : '';
  return (
    `the WebGPU adapter is ${what} that runs shaders on the CPU (${describeInfo(info)}${flag}), ` +
    "much slower than wasm; 'auto' does not use it (pass provider: 'webgpu' to use it anyway)"
  );
}
