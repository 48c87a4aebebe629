"""compare.py OUTDIR REF.nii: each volume dumped by dump.ts vs the volumes of dcm2niix's Ref NIfTI.

For every dumped volume: maps its voxel grid into the Ref grid through both affines (LPS -> RAS
for ours), requires a signed permutation, reports the worst corner distance to a Ref voxel centre
(mm), and which Ref volumes hold exactly the same value at every world position. Then compares
meta.sliceTimes of the first file that has them with the JSON sidecar's SliceTiming, slice for slice in world order.
Needs numpy and nibabel (Debian: python3-numpy python3-nibabel).
"""
import json, os, sys
import numpy as np
import nibabel as nib

out, ref_path = sys.argv[1], sys.argv[2]
ref = nib.load(ref_path)
R = ref.affine.astype(np.float64)
rdata = np.asanyarray(ref.dataobj)
if rdata.ndim == 3:
    rdata = rdata[..., None]
summary = json.load(open(f'{out}/summary.json'))
DT = {'uint8': np.uint8, 'int8': np.int8, 'uint16': np.uint16, 'int16': np.int16, 'uint32': np.uint32,
      'int32': np.int32, 'float32': np.float32, 'float64': np.float64}
lines = []
for s in summary:
    name = os.path.basename(s['file'])
    if 'error' in s:
        lines.append(f"{name}: ERROR {s['error'][:200]}")
        continue
    g = s['geometry']
    size = g['size']
    A = np.eye(4)
    A[:3, :3] = np.array(g['direction']).reshape(3, 3) * np.array(g['spacing'])
    A[:3, 3] = g['origin']
    A = np.diag([-1, -1, 1, 1]) @ A  # LPS -> RAS
    data = np.fromfile(f"{out}/{s['id']}.raw", dtype=DT[s['type']]).reshape(size[::-1]).transpose(2, 1, 0)
    M = np.linalg.inv(R) @ A  # our index -> Ref index
    P = np.round(M[:3, :3])
    t = np.round(M[:3, 3])
    corners = np.array([[i, j, k, 1] for i in (0, size[0] - 1) for j in (0, size[1] - 1) for k in (0, size[2] - 1)]).T
    w = A @ corners
    err = np.abs(R @ np.round(np.linalg.inv(R) @ w) - w)[:3].max()
    if not (np.allclose(np.abs(P).sum(0), 1) and np.allclose(np.abs(P).sum(1), 1) and np.abs(M[:3, :3] - P).max() < 1e-3):
        lines.append(f'{name}: GEOMETRY is not a permutation of the Ref grid; corner error {err:.4g} mm')
        continue
    idx = np.indices(size).reshape(3, -1)
    ridx = (P @ idx + t[:, None]).astype(int)
    if not all((ridx[a] >= 0).all() and (ridx[a] < rdata.shape[a]).all() for a in range(3)):
        lines.append(f'{name}: GEOMETRY grid falls outside the Ref grid; corner error {err:.4g} mm')
        continue
    mine = data[tuple(idx)].astype(np.float64)
    vols = [v for v in range(rdata.shape[3]) if np.array_equal(rdata[ridx[0], ridx[1], ridx[2], v].astype(np.float64), mine)]
    s['kmap'] = [int(round((P @ np.array([0, 0, k]) + t)[2])) for k in range(size[2])]
    lines.append(f"{name}: size {size} corner error {err:.2e} mm, equal to Ref volume(s) {vols} of {rdata.shape[3]}; warnings {s['meta']['warnings']}")
print('\n'.join(lines))
sidecar = ref_path[:-4] + '.json'
placed = [s for s in summary if 'kmap' in s and s['meta'].get('sliceTimes')]
if os.path.exists(sidecar) and placed:
    j = json.load(open(sidecar))
    st = placed[0]['meta'].get('sliceTimes')
    if 'SliceTiming' in j and st:
        d = [abs(j['SliceTiming'][placed[0]['kmap'][k]] - st[k]) for k in range(len(st))]
        print(f"SliceTiming of {os.path.basename(placed[0]['file'])} vs sidecar (world order): max |diff| {max(d):.4g} s over {len(st)} slices")
    else:
        print('SliceTiming: sidecar', 'SliceTiming' in j, 'ours', st is not None)
elif os.path.exists(sidecar):
    print('SliceTiming: no file has meta.sliceTimes')
