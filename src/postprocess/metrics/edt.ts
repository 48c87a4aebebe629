/**
 * Exact squared Euclidean distance transform with anisotropic spacing (Felzenszwalb &
 * Huttenlocher 2012, separable lower envelope of parabolas), in mm^2. Result = squared distance
 * from each voxel centre to the nearest feature voxel centre (0 on features, Infinity if there is
 * none) - the same quantity scipy.ndimage.distance_transform_edt(~feature, sampling) squares.
 */

/** In-place squared EDT. `grid`: 0 on features, Infinity elsewhere; overwritten with mm^2. */
export function transformSquaredDistance(grid: Float64Array, size: readonly number[], spacing: readonly number[]): void {
  const n = Math.max(size[0]!, size[1]!, size[2]!);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const strides = [1, size[0]!, size[0]! * size[1]!];
  for (let axis = 0; axis < 3; axis++) {
    const len = size[axis]!;
    if (len === 1) continue;
    const stride = strides[axis]!;
    const s = spacing[axis]!;
    const other = [0, 1, 2].filter((a) => a !== axis);
    const na = size[other[0]!]!;
    const nb = size[other[1]!]!;
    const sa = strides[other[0]!]!;
    const sb = strides[other[1]!]!;
    for (let b = 0; b < nb; b++) {
      for (let a = 0; a < na; a++) {
        const base = a * sa + b * sb;
        let any = false;
        for (let q = 0, p = base; q < len; q++, p += stride) {
          f[q] = grid[p]!;
          if (f[q] !== Infinity) any = true;
        }
        if (!any) continue;
        transformLine(f, d, v, z, len, s);
        for (let q = 0, p = base; q < len; q++, p += stride) grid[p] = d[q]!;
      }
    }
  }
}

/** 1D lower envelope: d[q] = min_p ((q - p) s)^2 + f[p] over finite f[p]. */
function transformLine(f: Float64Array, d: Float64Array, v: Int32Array, z: Float64Array, n: number, s: number): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    const xq = q * s;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let inter = 0;
    for (;;) {
      const p = v[k]!;
      const xp = p * s;
      inter = (fq + xq * xq - (f[p]! + xp * xp)) / (2 * (xq - xp));
      if (inter <= z[k]! && k > 0) k--;
      else break;
    }
    if (inter <= z[k]!) {
      // Only possible at k = 0: the new parabola dominates everywhere.
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    k++;
    v[k] = q;
    z[k] = inter;
    z[k + 1] = Infinity;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    const x = q * s;
    while (z[j + 1]! < x) j++;
    const p = v[j]!;
    const dx = (q - p) * s;
    d[q] = dx * dx + f[p]!;
  }
}
