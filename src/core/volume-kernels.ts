/**
 * WebAssembly SIMD128 kernels for whole-volume passes (sliding-window blending, separable
 * trilinear resampling, argmax over channels): on float32 volumes scalar JavaScript loops run
 * compute-bound at several ns per element where a memcpy of the same data takes ~0.5 ns, and
 * torch's vectorised CPU kernels sit near the latter. Source: scripts/kernels/volume-kernels.wat.
 *
 * Each caller gets an arena: a fresh instance whose own memory is sized for the job, so large
 * buffers (a blended output of a CT) can live in it and be handed out as typed-array views
 * without a copy. The memory goes with the last view. Where WebAssembly SIMD is missing, the
 * memory cannot grow that far (4 GiB is the wasm32 limit) or kernels are switched off,
 * `createKernelArena` returns null and callers run their JavaScript loops (same arithmetic,
 * float32 rounding per operation).
 */
import { VOLUME_KERNELS_WASM_BASE64 } from './volume-kernels-wasm.js';

/**
 * The leading arguments of both linear-row kernels (byte pointers into module memory): `rows` rows
 * `rowBytes` apart from `src` become rows of `m` float32 outputs at `dst`, sampled for lo <= t < hi.
 */
type LinearRowsRange = [src: number, dst: number, rows: number, rowBytes: number, m: number, lo: number, hi: number];

export interface VolumeKernelExports {
  readonly memory: WebAssembly.Memory;
  lerp(dst: number, a: number, b: number, n: number, w: number): void;
  copyRows(dst: number, src: number, rows: number, n: number, dstRow: number, srcRow: number): void;
  transposeBlock(dst: number, src: number, nx4: number, ny: number, nz4: number, dstX: number, dstY: number, srcY: number, srcZ: number): void;
  transposeNormalize16(
    ...args: [...block: Parameters<VolumeKernelExports['transposeBlock']>, mean: number, inv: number, nonzero: number, unsigned: number]
  ): void;
  linearRows(...args: [...LinearRowsRange, off0: number, off1: number, wts: number, fill: number]): void;
  /** linearRows whose outputs lo .. lo + 4 * groups take their taps by byte shuffles (the .wat says how). */
  linearRowsNarrow(...args: [...LinearRowsRange, groups: number, groupOff: number, masks: number, off0: number, off1: number, wts: number, fill: number]): void;
  accumulate(
    out: number,
    pred: number,
    wts: number,
    nz: number,
    ny: number,
    nx: number,
    channels: number,
    outRow: number,
    outSlice: number,
    outChannel: number,
    inRow: number,
    inSlice: number,
    inChannel: number,
  ): void;
  scaleRows(data: number, rows: number, n: number, rowF: number, colF: number): void;
  argmaxPlanes(planes: number, channels: number, n: number, out: number): number;
  scanNonFinite(ptr: number, n: number, finite: number): number;
  sigmoidInPlace(ptr: number, n: number): void;
  softmaxPlanes(planes: number, channels: number, n: number, planeBytes: number): void;
  regionsPlanes(planes: number, n: number, regions: number, count: number, t: number, gte: number, out: number): number;
  /** In place: (x - aMin) * k + bMin in float64, clamped to [lo, hi] when clip = 1 (scale-intensity-range.ts). */
  affineClamp(ptr: number, n: number, aMin: number, k: number, bMin: number, lo: number, hi: number, clip: number): void;
}

export interface KernelArena {
  readonly kernels: VolumeKernelExports;
  /**
   * True where the arena's memory is a shared WebAssembly memory (createKernelArena's `shared`):
   * kernel threads then run the same functions on it in place (`kernelsOnMemory`).
   */
  readonly shared: boolean;
  /** Byte offset of each requested block, 16-byte aligned, in request order. */
  readonly offsets: readonly number[];
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
}

const PAGE = 65536;
/** wasm32 memories stop at 65536 pages (4 GiB); stay a little below. */
const MAX_BYTES = 4 * 1024 ** 3 - 16 * PAGE;

let compiled: WebAssembly.Module | null | undefined;
let compiledShared: WebAssembly.Module | null | undefined;
/** Arena of each kernel memory, so a view of one can be worked on in place. */
const arenaOfBuffer = new WeakMap<ArrayBufferLike, KernelArena>();
let enabled = true;

/** Switches the wasm kernels off (true again to restore): tests compare both paths. */
export function setVolumeKernelsEnabled(on: boolean): void {
  enabled = on;
}

function kernelBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(VOLUME_KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function compileOnce(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = kernelBytes();
    // A ~5 KiB module: synchronous compile is allowed even on a browser's main thread.
    if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Unsigned LEB128 of n. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/**
 * The kernel module with its own memory (section 5: one memory, no maximum) replaced by an
 * imported shared one, env.memory (1 to 65536 pages): the same functions, which any number of
 * threads can instantiate over one SharedArrayBuffer. Rewritten from the module's bytes rather
 * than assembled twice: one source of truth, and the .wat needs no threads feature.
 */
function withSharedMemoryImport(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const sections: { id: number; body: Uint8Array }[] = [];
  for (let p = 8; p < bytes.length; ) {
    const id = bytes[p++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++]!;
      size |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    sections.push({ id, body: bytes.subarray(p, p + size) });
    p += size;
  }
  if (sections.some((x) => x.id === 2) || !sections.some((x) => x.id === 5)) throw new Error('kernel module layout changed: no own memory to replace');
  const name = (t: string) => [t.length, ...Array.from(t, (c) => c.charCodeAt(0))];
  // One import: "env" "memory", kind memory (2), limits shared with maximum (3), 1, 65536.
  const imports = Uint8Array.from([1, ...name('env'), ...name('memory'), 2, 3, ...leb(1), ...leb(65536)]);
  const out: number[] = Array.from(bytes.subarray(0, 8));
  for (const x of sections) {
    if (x.id === 5) continue;
    if (x.id === 3) out.push(2, ...leb(imports.length), ...imports);
    out.push(x.id, ...leb(x.body.length), ...x.body);
  }
  return Uint8Array.from(out);
}

function compileSharedOnce(): WebAssembly.Module | null {
  if (compiledShared !== undefined) return compiledShared;
  compiledShared = null;
  try {
    if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer === 'undefined') return null;
    const bytes = withSharedMemoryImport(kernelBytes());
    if (WebAssembly.validate(bytes)) compiledShared = new WebAssembly.Module(bytes);
  } catch {
    compiledShared = null;
  }
  return compiledShared;
}

/**
 * An instance whose memory holds blocks of the given byte sizes, or null (see above). `shared`:
 * on a shared WebAssembly memory where the platform allows one (SharedArrayBuffer; in browsers
 * cross-origin isolation), else on an own memory as without it (`arena.shared` says which).
 * `reusable` (shared only): on the spare memory a releaseKernelArena gave back, where it fits.
 */
export function createKernelArena(blockBytes: readonly number[], options: { shared?: boolean; reusable?: boolean } = {}): KernelArena | null {
  if (!enabled) return null;
  const module = compileOnce();
  if (module === null) return null;
  const offsets: number[] = [];
  let end = 64;
  for (const b of blockBytes) {
    offsets.push(end);
    end += Math.ceil(b / 16) * 16;
  }
  if (end > MAX_BYTES) return null;
  const pages = Math.ceil(end / PAGE);
  if (options.shared === true) {
    const sharedModule = compileSharedOnce();
    if (sharedModule !== null) {
      try {
        // Sized once (a shared memory's views never detach, but one that grew would need new views).
        const memory =
          (options.reusable === true ? takeSpareMemory(pages) : undefined) ?? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
        const arena = register(new WebAssembly.Instance(sharedModule, { env: { memory } }).exports as unknown as VolumeKernelExports, offsets, true);
        if (options.reusable === true) reusableArenas.add(arena);
        return arena;
      } catch {
        // No shared memory here (not cross-origin isolated, or out of address space): an own memory.
      }
    }
  }
  try {
    const kernels = new WebAssembly.Instance(module).exports as unknown as VolumeKernelExports;
    const grow = pages - kernels.memory.buffer.byteLength / PAGE;
    if (grow > 0) kernels.memory.grow(grow);
    return register(kernels, offsets, false);
  } catch {
    // Out of address space or memory for the grow: the JavaScript path needs less at once.
    return null;
  }
}

function register(kernels: VolumeKernelExports, offsets: number[], shared: boolean): KernelArena {
  const buffer = kernels.memory.buffer;
  const arena = { kernels, shared, offsets, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
  arenaOfBuffer.set(buffer, arena);
  return arena;
}

/**
 * One shared kernel memory kept between uses (createKernelArena's `reusable`, given back with
 * releaseKernelArena): a sliding window's arena of 16-bit channels and windows is ~100 MB for a
 * BraTS case, and the first touch of a fresh memory's pages (page faults, on the thread that
 * copies the channels in) cost about as much as the copy itself, run after run. A cache, not
 * state: its contents are never read (every block is written before use), results never depend on
 * it. Taken only when it is at least the pages asked for and at most twice them, so a large spare
 * never stands in for a small arena's memory; otherwise dropped, and the collector frees it.
 */
let spareMemory: WebAssembly.Memory | undefined;
const reusableArenas = new WeakSet<KernelArena>();

function takeSpareMemory(pages: number): WebAssembly.Memory | undefined {
  const spare = spareMemory;
  spareMemory = undefined;
  const have = spare === undefined ? 0 : spare.buffer.byteLength / PAGE;
  return have >= pages && have <= 2 * pages ? spare : undefined;
}

/**
 * Gives a reusable arena's memory back for the next createKernelArena({ shared, reusable }): the
 * caller must hold no view of it and no kernel thread may still be working on it. Arenas not made
 * reusable (and a second release) are ignored.
 */
export function releaseKernelArena(arena: KernelArena): void {
  if (!reusableArenas.delete(arena)) return;
  spareMemory = arena.kernels.memory;
}

/**
 * The kernels over a shared arena's memory (posted to a kernel thread): a new instance of the
 * shared-memory module on it. Pointers are the arena's own byte offsets.
 */
export function kernelsOnMemory(memory: WebAssembly.Memory): VolumeKernelExports {
  const module = compileSharedOnce();
  if (module === null) throw new Error('WebAssembly SIMD kernels with shared memory unavailable on a kernel thread');
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as VolumeKernelExports;
}

/** The arena whose memory `view` lies in (a result handed out earlier), if any and kernels are on. */
export function arenaHolding(view: ArrayBufferView): KernelArena | undefined {
  return enabled ? arenaOfBuffer.get(view.buffer) : undefined;
}

/** Floats of the cached streaming scratch (1 MiB): small enough to stay in L2 between copies. */
export const SCRATCH_FLOATS = 1 << 18;
let scratch: KernelArena | null | undefined;

/**
 * A small arena kept for streaming data that lives outside kernel memory through a kernel in
 * chunks (copy in, kernel, copy out). A cache, not state: results never depend on it.
 */
export function scratchArena(): KernelArena | null {
  if (!enabled) return null;
  if (scratch === undefined) scratch = createKernelArena([SCRATCH_FLOATS * 4]);
  return scratch;
}
