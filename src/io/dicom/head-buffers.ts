/**
 * The byte buffers a folder read reads file heads into (node-head-read.ts). A kept head (the
 * header of a file whose samples stay in the file) lives until its series is written, so a
 * 480-file mosaic run needs 480 buffers of ~24 KiB: each its own zero-filled ArrayBuffer cost
 * ~10 us of allocation (5 ms a run) and one more backing store for the collector to track. New
 * heads are carved from shared slabs instead; a head given back (its header copied out, or a
 * shorter read replaced by a longer one) is reused by a later request it fits.
 *
 * A carved head shares its slab with other heads: no code may read or write past its own view.
 * Every head is a view of exactly the bytes asked for; its capacity (the region reserved for it,
 * rounded up to STEP) is known here only, so a head may be lengthened in place (grow).
 */

/** Regions are reserved in multiples of this many bytes: headers of one series differ by a few bytes (UIDs, numbers). */
const STEP = 4096;
/** Bytes of one slab. A slab lives while any head carved from it does. */
const SLAB = 256 * 1024;
/** Requests above this get a buffer of their own (a long head must not keep a slab's worth of others alive). */
const LARGEST_CARVED = SLAB / 4;

interface Region {
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly capacity: number;
}

export class HeadBuffers {
  /** Capacity of each head handed out (lengthened views included): what grow and giveBack may use. */
  private readonly capacity = new WeakMap<Uint8Array, Region>();
  private readonly spare: Region[] = [];
  private slab: ArrayBuffer | undefined;
  private slabUsed = 0;
  /** `keepSpare`: regions kept for reuse at most (the largest). */
  constructor(private readonly keepSpare: number) {}

  /**
   * `bytes` bytes to read a head into: the smallest spare region that is large enough (best fit:
   * a learnt read takes a short head and then a longer one, and first fit handed the short
   * request the long spare), else a new region.
   */
  take(bytes: number): Uint8Array {
    let at = -1;
    for (let k = 0; k < this.spare.length; k++) {
      const size = this.spare[k]!.capacity;
      if (size >= bytes && (at < 0 || size < this.spare[at]!.capacity)) at = k;
    }
    return this.view(at < 0 ? this.reserve(bytes) : this.spare.splice(at, 1)[0]!, bytes);
  }

  /**
   * `head` lengthened to `bytes`, its first `keep` bytes kept: a longer view of its own region
   * when that is large enough (the learnt read's second part is often a few bytes longer than its
   * first), else a new head, `head` given back.
   */
  grow(head: Uint8Array, bytes: number, keep: number): Uint8Array {
    const region = this.capacity.get(head);
    if (region !== undefined && region.capacity >= bytes) {
      // The shorter view no longer names the region: giving it back later must not free the longer one's bytes.
      this.capacity.delete(head);
      return this.view(region, bytes);
    }
    const grown = this.take(bytes);
    grown.set(head.subarray(0, keep));
    this.giveBack(head);
    return grown;
  }

  /**
   * Takes back a head nothing refers to any more (heads not handed out here are ignored). The
   * `keepSpare` largest are kept: the first files' short first reads must not crowd out the long
   * heads of the rest.
   */
  giveBack(head: Uint8Array): void {
    const region = this.capacity.get(head);
    if (region === undefined) return;
    this.capacity.delete(head);
    this.spare.push(region);
    if (this.spare.length > this.keepSpare) {
      this.spare.sort((a, b) => b.capacity - a.capacity);
      this.spare.length = this.keepSpare;
    }
  }

  /**
   * The first `length` bytes of `head` for a caller that keeps them (a file's whole bytes): the
   * view itself when its buffer is its own and mostly used, else a copy (the head given back) -
   * never a view into a slab other heads share, nor a small file's bytes keeping a large buffer alive.
   */
  keepBytes(head: Uint8Array, length: number): Uint8Array {
    const region = this.capacity.get(head);
    if (region === undefined || (region.offset === 0 && region.buffer.byteLength === region.capacity && length >= region.capacity / 2)) {
      this.capacity.delete(head);
      return head.subarray(0, length);
    }
    const own = head.slice(0, length);
    this.giveBack(head);
    return own;
  }

  private view(region: Region, bytes: number): Uint8Array {
    const head = new Uint8Array(region.buffer, region.offset, bytes);
    this.capacity.set(head, region);
    return head;
  }

  private reserve(bytes: number): Region {
    const capacity = Math.ceil(bytes / STEP) * STEP;
    if (capacity > LARGEST_CARVED) return { buffer: new ArrayBuffer(capacity), offset: 0, capacity };
    if (this.slab === undefined || this.slabUsed + capacity > SLAB) {
      this.slab = new ArrayBuffer(SLAB);
      this.slabUsed = 0;
    }
    const region = { buffer: this.slab, offset: this.slabUsed, capacity };
    this.slabUsed += capacity;
    return region;
  }
}
