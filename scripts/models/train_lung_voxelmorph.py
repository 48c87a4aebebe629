#!/usr/bin/python3
"""Trains the bundled lung CT registration network: a VoxelMorph-style U-Net predicting a
stationary velocity field; its ONNX output is the velocity (integration and warping happen in the SDK).

    apt-get install -y python3-torch python3-onnx python3-numpy python3-nibabel
    /usr/bin/python3 scripts/models/train_lung_voxelmorph.py [--train 40] [--test 10] [--steps 240]

Data: inhale/exhale pairs from the SDK's TypeScript generator (phantom-lung-pair), training seed
1000, held-out seed 2000; fixed = T50 (exhale), moving = T00 (inhale), 300 DIR-Lab-format
landmark pairs each, and the exact displacement field.

Preprocessing (manifest entry; identical here):
  (applied to each image; the SDK concatenates them in the entry's `inputs` order: moving, fixed,
   as VoxelMorph's cat([source, target]))
  scaleIntensityRange{aMin: -1200, aMax: 400, bMin: 0, bMax: 1, clip: true}  (MONAI NLST tutorial window)
  toTensor{layout: NCDHW}  (D, H, W = k, j, i)
Output `velocity` [N, 3, D, H, W]: voxel units, channel c = displacement along tensor spatial axis c
(VoxelMorph convention: 0 = D = k, 1 = H = j, 2 = W = i), on the fixed grid. The SDK integrates it
(integrateVelocity{steps: 7}: scaling and squaring, as VoxelMorph's VecInt) to the displacement
phi and warps: moved(x) = moving(x + phi(x)).

Network: the encoder starts with a stride-2 convolution, the decoder works at half resolution and
the velocity is upsampled x2 in the graph (trilinear Resize, values x2 for voxel units) - the
half-resolution velocity of VoxelMorph (int_downsize 2) without needing the SDK to know about it.
Ops: Conv (3D), LeakyRelu, Resize, Concat, Mul - all on WebGPU's list; no GridSample in the graph.

Loss: because the phantoms come with the exact field, training is supervised on the integrated
displacement (L2 in mm-scaled voxels) plus VoxelMorph's image term (MSE of the warped moving image)
and a gradient (smoothness) penalty. VoxelMorph itself is unsupervised; the supervision only
speeds up training on 2 CPU cores. Seeded, deterministic.
"""
import argparse
import os
import sys
import time

import nibabel as nib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import (INTENDED_USE, MODELS_DIR, OPSET, export_onnx, file_record, generate_phantoms, log,  # noqa: E402
                    measured_on, set_determinism, write_entry)

MODEL_ID = 'medinfer-lung-voxelmorph-phantom'
INT_STEPS = 7


def conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, stride=stride, padding=1), nn.LeakyReLU(0.2, inplace=True))


class VxmLite(nn.Module):
    """VoxelMorph U-Net in miniature: encoder 8-16-16-16 (strided convs), decoder at half resolution."""

    def __init__(self):
        super().__init__()
        self.e1 = conv(2, 8, 2)     # 1/2
        self.e2 = conv(8, 16, 2)    # 1/4
        self.e3 = conv(16, 16, 2)   # 1/8
        self.d3 = conv(16, 16)
        self.d2 = conv(32, 16)      # 1/4, after concat with e2
        self.d1 = conv(24, 8)       # 1/2, after concat with e1
        self.flow = nn.Conv3d(8, 3, 3, padding=1)
        nn.init.normal_(self.flow.weight, 0, 1e-5)
        nn.init.zeros_(self.flow.bias)

    def half(self, x):
        """Velocity at half resolution, in half-resolution voxels."""
        a = self.e1(x)
        b = self.e2(a)
        c = self.d3(self.e3(b))
        c = F.interpolate(c, scale_factor=2.0, mode='trilinear', align_corners=False)
        b = self.d2(torch.cat([c, b], 1))
        b = F.interpolate(b, scale_factor=2.0, mode='trilinear', align_corners=False)
        a = self.d1(torch.cat([b, a], 1))
        return self.flow(a)

    def forward(self, x):
        # Back to the input grid: x2 samples, x2 values (voxel units double).
        return F.interpolate(self.half(x), scale_factor=2.0, mode='trilinear', align_corners=False) * 2.0


def identity_grid(shape):
    d, h, w = shape
    zz, yy, xx = torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing='ij')
    return torch.stack([zz, yy, xx]).float()  # 3, D, H, W (voxel coordinates, channel = axis)


def warp(src, disp, grid):
    """VoxelMorph SpatialTransformer: samples src at grid + disp (voxels), align_corners=True, zeros padding."""
    shape = disp.shape[2:]
    loc = grid[None] + disp
    norm = [2 * (loc[:, i] / (shape[i] - 1) - 0.5) for i in range(3)]
    return F.grid_sample(src, torch.stack(norm[::-1], -1), mode='bilinear', padding_mode='zeros', align_corners=True)


def integrate(v, grid, steps=INT_STEPS):
    v = v / (2 ** steps)
    for _ in range(steps):
        v = v + warp(v, v, grid)
    return v


def scale_intensity(x):
    return np.clip((x + 1200.0) / 1600.0, 0.0, 1.0).astype(np.float32)


def load_nifti_kji(path):
    return np.asarray(nib.load(path).dataobj).transpose(2, 1, 0).astype(np.float32)


def load_landmarks(path):
    return np.loadtxt(path) - 1.0  # DIR-Lab files are 1-based (i, j, k)


def load_case(directory):
    name = os.path.basename(directory)
    moving = scale_intensity(load_nifti_kji(os.path.join(directory, 'T00.nii.gz')))
    fixed = scale_intensity(load_nifti_kji(os.path.join(directory, 'T50.nii.gz')))
    spacing = np.array(nib.load(os.path.join(directory, 'T50.nii.gz')).header.get_zooms()[:3], dtype=np.float64)  # i, j, k
    # Exact field in LPS mm -> voxels along (k, j, i) (identity direction: LPS x, y, z = i, j, k).
    u = np.stack([load_nifti_kji(os.path.join(directory, f'displacement_mm_{c}.nii.gz')) for c in 'xyz'])
    u_vox = np.stack([u[2] / spacing[2], u[1] / spacing[1], u[0] / spacing[0]]).astype(np.float32)
    return {
        'x': np.stack([moving, fixed]),
        'u': u_vox,
        'spacing': spacing,
        'inhale': load_landmarks(os.path.join(directory, f'{name}_300_T00_xyz.txt')),
        'exhale': load_landmarks(os.path.join(directory, f'{name}_300_T50_xyz.txt')),
    }


def sample_field(disp, pts_ijk):
    """Trilinear sample of disp [3, D, H, W] (channels k, j, i) at continuous (i, j, k) points -> (i, j, k) displacements."""
    d, h, w = disp.shape[1:]
    out = np.zeros((len(pts_ijk), 3))
    for n, (i, j, k) in enumerate(pts_ijk):
        i0, j0, k0 = int(np.floor(i)), int(np.floor(j)), int(np.floor(k))
        fi, fj, fk = i - i0, j - j0, k - k0
        acc = np.zeros(3)
        for dk in (0, 1):
            for dj in (0, 1):
                for di in (0, 1):
                    kk, jj, ii = min(max(k0 + dk, 0), d - 1), min(max(j0 + dj, 0), h - 1), min(max(i0 + di, 0), w - 1)
                    wgt = (fk if dk else 1 - fk) * (fj if dj else 1 - fj) * (fi if di else 1 - fi)
                    acc += wgt * disp[:, kk, jj, ii]
        out[n] = acc[::-1]  # (k, j, i) -> (i, j, k)
    return out


def folding_fraction(disp):
    """Fraction of voxels where det(J) of x -> x + disp(x) is <= 0 (disp channels along k, j, i)."""
    grads = [np.gradient(disp[c]) for c in range(3)]  # grads[c][a] = d disp_c / d axis_a
    j = np.empty(disp.shape[1:] + (3, 3))
    for c in range(3):
        for a in range(3):
            j[..., c, a] = grads[c][a] + (1.0 if a == c else 0.0)
    return float((np.linalg.det(j) <= 0).mean())


def evaluate(model, cases, grid):
    model.eval()
    tre, ident, fold = [], [], []
    with torch.no_grad():
        for c in cases:
            disp = integrate(model(torch.from_numpy(c['x'])[None]), grid)[0].numpy()
            pred = c['exhale'] + sample_field(disp, c['exhale'])
            tre.append(np.linalg.norm((pred - c['inhale']) * c['spacing'], axis=1).mean())
            ident.append(np.linalg.norm((c['exhale'] - c['inhale']) * c['spacing'], axis=1).mean())
            fold.append(folding_fraction(disp))
    return float(np.mean(tre)), float(np.mean(ident)), float(np.mean(fold))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', type=int, default=40)
    ap.add_argument('--test', type=int, default=10)
    ap.add_argument('--steps', type=int, default=240)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--data', default='/tmp/medinfer-phantoms')
    args = ap.parse_args()
    set_determinism(0, args.threads)
    train_dir = os.path.join(args.data, 'pair-train')
    test_dir = os.path.join(args.data, 'pair-test')
    generate_phantoms('lung-pair', args.train, 1000, train_dir)
    generate_phantoms('lung-pair', args.test, 2000, test_dir)
    train = [load_case(os.path.join(train_dir, f'case{i + 1}')) for i in range(args.train)]
    test = [load_case(os.path.join(test_dir, f'case{i + 1}')) for i in range(args.test)]
    shape = train[0]['x'].shape[1:]
    grid = identity_grid(shape)
    grid_half = identity_grid([n // 2 for n in shape])
    spacing_kji = torch.tensor(train[0]['spacing'][::-1].copy(), dtype=torch.float32).view(1, 3, 1, 1, 1)
    ident = np.mean([np.linalg.norm((c['exhale'] - c['inhale']) * c['spacing'], axis=1).mean() for c in test])
    log(f'{len(train)} training pairs of {shape}; identity TRE (test) {ident:.2f} mm')

    model = VxmLite()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.steps, pct_start=0.1)
    rng = np.random.default_rng(0)
    started = time.time()
    running = 0.0
    for step in range(1, args.steps + 1):
        model.train()
        c = train[rng.integers(len(train))]
        x = torch.from_numpy(c['x'])[None]
        u = torch.from_numpy(c['u'])[None]
        # Training integrates at half resolution (VoxelMorph int_downsize 2) and upsamples the
        # displacement: 8x cheaper than integrating the full-resolution output as the SDK does;
        # the two agree closely for smooth fields, and evaluation below uses the SDK's path.
        disp = F.interpolate(integrate(model.half(x), grid_half), scale_factor=2.0, mode='trilinear', align_corners=False) * 2.0
        moved = warp(x[:, :1], disp, grid)
        field_loss = (((disp - u) * spacing_kji) ** 2).mean()  # mm^2
        image_loss = F.mse_loss(moved, x[:, 1:])
        smooth = sum(((disp.diff(dim=a) * spacing_kji) ** 2).mean() for a in (2, 3, 4))
        loss = field_loss + 10.0 * image_loss + 0.1 * smooth
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running += loss.item()
        if step % 20 == 0:
            log(f'step {step}/{args.steps} loss {running / 20:.4f} {time.time() - started:.0f} s')
            running = 0.0
    tre, ident, fold = evaluate(model, test, grid)
    log(f'held-out: TRE {tre:.3f} mm vs identity {ident:.3f} mm (ratio {tre / ident:.3f}); folding {100 * fold:.4f} %')

    path = os.path.join(MODELS_DIR, 'lung-voxelmorph-phantom.onnx')
    export_onnx(model, torch.zeros(1, 2, *shape), path, ['image'], ['velocity'],
                {'image': {0: 'batch', 2: 'depth', 3: 'height', 4: 'width'}, 'velocity': {0: 'batch', 2: 'depth', 3: 'height', 4: 'width'}})
    on = measured_on('phantom-lung-pair', 2000, args.test)
    write_entry({
        'id': MODEL_ID,
        'title': 'Lung CT deformable registration: VoxelMorph-style velocity network (synthetic inhale/exhale pairs)',
        'task': 'registration',
        'inputs': [{'name': 'moving', 'modality': 'CT'}, {'name': 'fixed', 'modality': 'CT'}],
        'modality': ['CT'],
        'dimensionality': 3,
        'datasets': ['phantom-lung-pair'],
        'architecture': 'VoxelMorph-style U-Net (encoder 8-16-16-16 strided convs, half-resolution decoder, x2 trilinear velocity upsampling), stationary velocity field output',
        'files': [file_record(path, 'model')],
        'opset': OPSET,
        'io': {
            'inputs': [{'name': 'image', 'dtype': 'float32', 'dims': [-1, 2, -1, -1, -1], 'layout': 'NCDHW', 'channels': ['moving', 'fixed']}],
            'outputs': [{'name': 'velocity', 'dtype': 'float32', 'dims': [-1, 3, -1, -1, -1], 'layout': 'NCDHW',
                         'channels': ['k', 'j', 'i'], 'units': 'voxel'}],
        },
        'space': {'spacing': [2, 2, 2.5], 'world': 'LPS', 'note': 'Trained on 96 x 96 x 64 inhale/exhale pairs at 2 x 2 x 2.5 mm (fixed = exhale, moving = inhale); spatial dims must be divisible by 8.'},
        # resample + divisible pad: identity on the 96 x 96 x 64 training grid, and what lets the
        # model run on other scans (real CT at 0.98 mm x 512 x 20 slices): the U-Net's skip
        # concatenations need spatial dims divisible by 8; value 0 after scaling = -1200 HU (air).
        'preprocess': [
            {'op': 'resample', 'spacing': [2, 2, 2.5], 'mode': 'linear', 'rule': 'monai'},
            {'op': 'scaleIntensityRange', 'aMin': -1200, 'aMax': 400, 'bMin': 0, 'bMax': 1, 'clip': True},
            {'op': 'cropPad', 'mode': 'divisible', 'k': 8, 'value': 0},
            {'op': 'toTensor', 'layout': 'NCDHW', 'dtype': 'float32'},
        ],
        'inference': {'mode': 'whole'},
        'postprocess': [{'op': 'integrateVelocity', 'steps': INT_STEPS}],
        'labels': [],
        'intendedUse': INTENDED_USE,
        'metrics': {
            'meanTreMm': {'value': round(tre, 3), 'measuredOn': on},
            'identityTreMm': {'value': round(ident, 3), 'measuredOn': on},
            'treRatioToIdentity': {'value': round(tre / ident, 4), 'measuredOn': on},
            'foldingPercent': {'value': round(100 * fold, 4), 'measuredOn': on},
        },
        'source': {'kind': 'bundled', 'script': 'scripts/models/train_lung_voxelmorph.py'},
    })
    torch.save(model.state_dict(), os.path.join(args.data, 'lung-voxelmorph.pt'))


if __name__ == '__main__':
    main()
