/**
 * One reusable buffer for the samples a pipeline reads from a file and drops once the model has
 * run. A 2048^2 16-bit radiograph is 8 MiB; allocated fresh per image, that external memory drove
 * a scavenge every one or two images and, with the caller's own allocations, V8's major
 * collections (BENCHMARKS.md, issue 26, DX DICOM): with the buffer kept, a pipeline reading
 * same-size images allocates no large buffer in steady state.
 *
 * Safety: a lease hands the held buffer out at most once and until released; a second lease
 * while one is open (concurrent runs, a batch's second image) gets fresh memory, as does a request
 * of another byte size (views always span their whole ArrayBuffer from offset 0, as a fresh
 * allocation's would: code that transfers or wraps `.buffer` sees no difference). The pipeline
 * releases after its result is built, which must hold no view of the samples (scores, logits and
 * maps are new arrays).
 *
 * A second buffer holds a file's bytes for readers that decode from memory (a PNG read whole, then
 * inflated into the sample buffer): leased the same way, once per lease, grown with headroom (files
 * of one size of image differ in compressed size) and given back smaller when it held a much larger file.
 */
import { allocateTypedArray, bytesPerElement, type TypedArray, type VoxelType } from './dtype.js';

/** Allocates a sample array that the reader fills completely before anyone sees it. */
export type SampleAllocator = (type: VoxelType, length: number) => TypedArray;

/** `size` bytes for a file read whole, filled by the reader before anyone sees them. */
export type ByteAllocator = (size: number) => Uint8Array;

/** Fresh memory for a file's bytes (zeroed: core code runs in browsers too, without Node's unfilled Buffers). */
export const allocateBytes: ByteAllocator = (size) => new Uint8Array(size);

export interface SampleLease {
  readonly allocate: SampleAllocator;
  /** A view of `size` bytes at the start of the held file buffer (the first call per lease), else fresh memory. */
  readonly allocateBytes: ByteAllocator;
  /** The buffer may be handed out again: nothing the caller keeps views it. */
  release(): void;
}

export class SampleScratch {
  private buffer: ArrayBuffer | undefined;
  private bytes: ArrayBuffer | undefined;
  private leased = false;

  /** Whether the held buffer is the one behind `data` (tests; diagnostics). */
  holds(data: TypedArray): boolean {
    return (this.buffer !== undefined && data.buffer === this.buffer) || (this.bytes !== undefined && data.buffer === this.bytes);
  }

  lease(): SampleLease {
    if (this.leased) return { allocate: allocateTypedArray, allocateBytes, release: () => {} };
    this.leased = true;
    let handedOut = false;
    let bytesHandedOut = false;
    let released = false;
    return {
      allocateBytes: (size) => {
        if (bytesHandedOut || released) return allocateBytes(size);
        bytesHandedOut = true;
        const held = this.bytes?.byteLength ?? 0;
        // 1/8 headroom; a buffer over 4x the file is given back (one huge file, then small ones).
        if (held < size || held > 4 * size + 65536) this.bytes = new ArrayBuffer(size + (size >>> 3));
        return new Uint8Array(this.bytes!, 0, size);
      },
      allocate: (type, length) => {
        if (handedOut || released) return allocateTypedArray(type, length);
        handedOut = true;
        const bytes = length * bytesPerElement(type);
        if (this.buffer?.byteLength !== bytes) this.buffer = new ArrayBuffer(bytes);
        return viewOf(type, this.buffer, length);
      },
      release: () => {
        if (released) return;
        released = true;
        this.leased = false;
      },
    };
  }

  /** Drops the held buffer (a pipeline's dispose). */
  clear(): void {
    this.buffer = undefined;
    this.bytes = undefined;
  }
}

function viewOf(type: VoxelType, buffer: ArrayBuffer, length: number): TypedArray {
  const Ctor = allocateTypedArray(type, 0).constructor as new (b: ArrayBuffer, offset: number, length: number) => TypedArray;
  return new Ctor(buffer, 0, length);
}
