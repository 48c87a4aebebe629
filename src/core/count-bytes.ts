/**
 * Histogram of a byte array (a uint8 volume or label map: 16.7 M voxels for a 256^3 brain).
 * A plain `counts[x]++` over float64 counters is bound by the add-and-store chain on the same
 * few bins (a label map has a handful of values): ~50 ms per 256^3 here. Four interleaved int32
 * sub-histograms break the chain: ~11 ms. Each sub-histogram sees a quarter of the voxels, so
 * int32 holds its counts for arrays up to 2^33 - 4 bytes (V8's typed arrays stop at 2^32).
 */
export function countBytes(data: Uint8Array, counts: Float64Array): void {
  const sub = new Int32Array(1024);
  const n4 = data.length - (data.length % 4);
  for (let p = 0; p < n4; p += 4) {
    sub[data[p]!]!++;
    sub[256 + data[p + 1]!]!++;
    sub[512 + data[p + 2]!]!++;
    sub[768 + data[p + 3]!]!++;
  }
  for (let p = n4; p < data.length; p++) sub[data[p]!]!++;
  for (let b = 0; b < 256 && b < counts.length; b++) counts[b]! += sub[b]! + sub[256 + b]! + sub[512 + b]! + sub[768 + b]!;
}
