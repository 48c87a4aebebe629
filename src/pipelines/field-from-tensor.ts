/**
 * Turns a model's field output [1, 3, ...spatial] into a displacement Volume: channel c of the
 * tensor is the displacement along the tensor's spatial axis c (VoxelMorph / MONAI convention),
 * so channels are reordered to voxel axes i, j, k using the toTensor record's axis order.
 */
import { ShapeError } from '../core/errors.js';
import { createGeometry, type Geometry } from '../core/geometry.js';
import { createVolume, type Volume } from '../core/volume.js';
import type { ModelTensor } from '../core/tensor.js';

export function fieldFromTensor(t: ModelTensor<'float32'>, axisOrder: string, modelGrid: Geometry, align: 'corners' | 'origin' = 'corners'): Volume<'float32'> {
  if (t.dims.length !== 5 || t.dims[0] !== 1 || t.dims[1] !== 3)
    throw new ShapeError(`a displacement / velocity output must be [1, 3, D, H, W], got [${t.dims.join(', ')}]`, { actual: t.dims });
  const axes = [...axisOrder].map((ch) => 'ijk'.indexOf(ch));
  if (axes.length !== 3 || axes.some((a) => a < 0) || new Set(axes).size !== 3) throw new ShapeError(`axis order '${axisOrder}' is not a permutation of ijk`);
  const tensorSize = t.dims.slice(2) as [number, number, number];
  // Output grid: the model grid, or a coarser one (half-resolution velocity) covering it: same
  // first and last voxel centres ('corners'), or same first centre and N / n times the spacing
  // ('origin', the 2018 Keras models; see upsampleField).
  const size: [number, number, number] = [0, 0, 0];
  axes.forEach((a, d) => (size[a] = tensorSize[d]!));
  const spacing = modelGrid.spacing.map((s, a) =>
    align === 'origin' ? (s * modelGrid.size[a]!) / size[a]! : (s * (modelGrid.size[a]! - 1)) / Math.max(1, size[a]! - 1),
  );
  const geometry = createGeometry({
    size,
    spacing: size.every((n, a) => n === modelGrid.size[a]) ? [...modelGrid.spacing] : spacing,
    origin: [...modelGrid.origin],
    direction: [...modelGrid.direction],
  });
  const n = size[0] * size[1] * size[2];
  const out = new Float32Array(3 * n);
  const strides = [1, size[0], size[0] * size[1]];
  const [s0, s1, s2] = [strides[axes[0]!]!, strides[axes[1]!]!, strides[axes[2]!]!];
  let src = 0;
  for (let c = 0; c < 3; c++) {
    const comp = axes[c]!;
    for (let a = 0; a < tensorSize[0]; a++)
      for (let b = 0; b < tensorSize[1]; b++)
        for (let d = 0; d < tensorSize[2]; d++) {
          out[3 * (a * s0 + b * s1 + d * s2) + comp] = t.data[src++]!;
        }
  }
  return createVolume({ geometry, data: out, components: 3, meta: { displacementUnits: 'voxel' } });
}

/**
 * Upsamples a voxel-unit field defined on a coarse grid onto `target` (trilinear, align_corners
 * = True as VoxelMorph's ResizeTransform) and rescales displacements to target voxels.
 */
export function resizeField(field: Volume, target: Geometry): Volume<'float32'> {
  const [ni, nj, nk] = field.geometry.size;
  const [ti, tj, tk] = target.size;
  const scale = [(ni - 1) / Math.max(1, ti - 1), (nj - 1) / Math.max(1, tj - 1), (nk - 1) / Math.max(1, tk - 1)];
  const factor = [1 / (scale[0] || 1), 1 / (scale[1] || 1), 1 / (scale[2] || 1)];
  const out = new Float32Array(3 * ti * tj * tk);
  const src = field.data;
  let o = 0;
  for (let k = 0; k < tk; k++) {
    const z = k * scale[2]!;
    const z0 = Math.min(Math.floor(z), nk - 1);
    const z1 = Math.min(z0 + 1, nk - 1);
    const fz = z - z0;
    for (let j = 0; j < tj; j++) {
      const y = j * scale[1]!;
      const y0 = Math.min(Math.floor(y), nj - 1);
      const y1 = Math.min(y0 + 1, nj - 1);
      const fy = y - y0;
      for (let i = 0; i < ti; i++) {
        const x = i * scale[0]!;
        const x0 = Math.min(Math.floor(x), ni - 1);
        const x1 = Math.min(x0 + 1, ni - 1);
        const fx = x - x0;
        for (let c = 0; c < 3; c++) {
          const at = (a: number, b: number, d: number) => src[3 * (a + ni * (b + nj * d)) + c]!;
          const v =
            (1 - fz) * ((1 - fy) * ((1 - fx) * at(x0, y0, z0) + fx * at(x1, y0, z0)) + fy * ((1 - fx) * at(x0, y1, z0) + fx * at(x1, y1, z0))) +
            fz * ((1 - fy) * ((1 - fx) * at(x0, y0, z1) + fx * at(x1, y0, z1)) + fy * ((1 - fx) * at(x0, y1, z1) + fx * at(x1, y1, z1)));
          out[o++] = v * factor[c]!;
        }
      }
    }
  }
  return createVolume({ geometry: target, data: out, components: 3, meta: { displacementUnits: 'voxel' } });
}
