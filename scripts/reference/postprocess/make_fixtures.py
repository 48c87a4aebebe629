#!/usr/bin/python3
"""Reference values for medinfer postprocessing tests.

Run once with Debian's Python (torch 1.13, torchvision 0.14, scipy, sklearn):
    /usr/bin/python3 scripts/reference/postprocess/make_fixtures.py
Writes test/fixtures/postprocess/*.bin (raw little-endian arrays) and reference.json (shapes,
dtypes, scalar expectations). Volumes are stored in medinfer memory order: i fastest, i.e. the
C-order ravel of a numpy array indexed [k, j, i]; vector fields add an interleaved last axis.
The tests compare against these files and never need Python.
One file (over the 300-line guideline) so that every reference is produced by one seeded run.
"""
import json
import os
import sys

import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F
import torchvision
from sklearn.metrics import roc_auc_score, roc_curve

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'postprocess')
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20260525)
meta = {'generator': 'scripts/reference/postprocess/make_fixtures.py',
        'versions': {'torch': torch.__version__, 'torchvision': torchvision.__version__,
                     'numpy': np.__version__, 'scipy': __import__('scipy').__version__,
                     'sklearn': __import__('sklearn').__version__},
        'arrays': {}, 'values': {}}


def save(name, arr):
    arr = np.ascontiguousarray(arr)
    fname = name + '.bin'
    arr.astype(arr.dtype.newbyteorder('<')).tofile(os.path.join(OUT, fname))
    meta['arrays'][name] = {'file': fname, 'dtype': str(arr.dtype), 'shape': list(arr.shape)}


# ----------------------------------------------------------------------------- classification
logits = np.concatenate([rng.normal(0, 4, 60), [0.0, 80.0, -80.0, 700.0, -700.0, 1e-9]]).astype(np.float32)
save('act_logits', logits)
save('act_sigmoid', torch.sigmoid(torch.from_numpy(logits).double()).numpy())
sm_shape = (2, 5, 3, 4)
sm_logits = rng.normal(0, 30, int(np.prod(sm_shape))).astype(np.float32)
save('act_softmax_logits', sm_logits)
t = torch.from_numpy(sm_logits).double().reshape(sm_shape)
save('act_softmax_axis1', torch.softmax(t, dim=1).numpy().ravel())
save('act_softmax_axis_last', torch.softmax(t, dim=-1).numpy().ravel())

# TorchXRayVision op_norm (models.op_norm), thresholds of 'densenet121-res224-chex' style with NaN
# for the labels the weights do not predict; NaN labels read exactly 0.5.
thr = np.array([0.1989, 0.1, np.nan, 0.2, 0.3, np.nan, np.nan, 0.2721, 0.05, np.nan,
                0.5, np.nan, np.nan, np.nan, 0.4, 0.6, 0.3271, 0.07], dtype=np.float32)
probs = torch.sigmoid(torch.from_numpy(rng.normal(-1, 2, (3, 18)).astype(np.float32)))
probs[0, 0] = float(thr[0])  # exactly at the threshold -> 0.5
th = torch.from_numpy(thr).expand(3, -1)
opn = torch.zeros(probs.shape) + 0.5
leq = probs < th
gt = (probs >= th)  # NaN thresholds are in neither mask
opn[leq] = probs[leq] / (th[leq] * 2)
opn[gt] = 1.0 - ((1.0 - probs[gt]) / ((1 - th[gt]) * 2))
save('opnorm_probs', probs.numpy().ravel())
save('opnorm_expected', opn.numpy().ravel())
meta['values']['opnorm_thresholds'] = [None if np.isnan(x) else float(x) for x in thr]

# ----------------------------------------------------------------------------- detection: 2D NMS
N = 10000
xy = rng.uniform(0, 1000, (N, 2))
wh = rng.uniform(4, 120, (N, 2))
wh[:40] = 0.0                    # zero-size boxes
wh[40:50] = rng.uniform(600, 1000, (10, 2))  # a few huge boxes
boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
scores = (rng.permutation(N).astype(np.float32) + 0.5) / np.float32(N)
classes = rng.integers(0, 5, N).astype(np.int32)
save('nms_boxes', boxes)
save('nms_scores', scores)
save('nms_classes', classes)
bt, st, ct = torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(classes).long()
for iou in (0.3, 0.5, 0.7):
    save('nms_keep_%d' % int(iou * 10), torchvision.ops.nms(bt, st, iou).numpy().astype(np.int32))
    save('nms_batched_keep_%d' % int(iou * 10), torchvision.ops.batched_nms(bt, st, ct, iou).numpy().astype(np.int32))


def nms3d(b, s, iou, cls=None):
    """torchvision's CPU nms_kernel loop, in 3D, float32 operation order (MONAI box_iou layout)."""
    order = np.argsort(-s, kind='stable')
    b = b.astype(np.float32)
    vol = ((b[:, 3] - b[:, 0]) * (b[:, 4] - b[:, 1])) * (b[:, 5] - b[:, 2])
    sup = np.zeros(len(s), bool)
    keep = []
    for a, i in enumerate(order):
        if sup[i]:
            continue
        keep.append(i)
        rest = order[a + 1:]
        w = np.maximum(np.float32(0), np.minimum(b[i, 3], b[rest, 3]) - np.maximum(b[i, 0], b[rest, 0]))
        h = np.maximum(np.float32(0), np.minimum(b[i, 4], b[rest, 4]) - np.maximum(b[i, 1], b[rest, 1]))
        d = np.maximum(np.float32(0), np.minimum(b[i, 5], b[rest, 5]) - np.maximum(b[i, 2], b[rest, 2]))
        inter = (w * h) * d
        with np.errstate(invalid='ignore', divide='ignore'):
            ovr = inter / ((vol[i] + vol[rest]) - inter)
        hit = ovr.astype(np.float64) > iou
        if cls is not None:
            hit &= cls[rest] == cls[i]
        sup[rest[hit]] = True
    return np.array(keep, np.int32)


M = 3000
c3 = rng.uniform(0, 200, (M, 3))
s3 = rng.uniform(3, 30, (M, 3))
boxes3 = np.concatenate([c3, c3 + s3], 1).astype(np.float32)
scores3 = (rng.permutation(M).astype(np.float32) + 0.5) / np.float32(M)
classes3 = rng.integers(0, 3, M).astype(np.int32)
save('nms3d_boxes', boxes3)
save('nms3d_scores', scores3)
save('nms3d_classes', classes3)
save('nms3d_keep_3', nms3d(boxes3, scores3, 0.3))
save('nms3d_batched_keep_3', nms3d(boxes3, scores3, 0.3, classes3))

# YOLO head [1, 4 + nc, A] -> ultralytics-style decode (best class, score > conf), batched NMS.
A, nc = 2000, 3
yolo = np.zeros((1, 4 + nc, A), np.float32)
yolo[0, 0:2] = rng.uniform(0, 640, (2, A))
yolo[0, 2:4] = rng.uniform(8, 160, (2, A))
yolo[0, 4:] = rng.uniform(0, 1, (nc, A)) ** 3
save('yolo_output', yolo.ravel())
p = torch.from_numpy(yolo[0]).T  # [A, 4 + nc]
conf, cls = p[:, 4:].max(1)
mask = conf > 0.25
xywh = p[mask, :4]
xyxy = torch.cat([xywh[:, :2] - xywh[:, 2:] / 2, xywh[:, :2] + xywh[:, 2:] / 2], 1)
keep = torchvision.ops.batched_nms(xyxy, conf[mask], cls[mask], 0.45)[:300]
save('yolo_boxes', xyxy[keep].numpy())
save('yolo_scores', conf[mask][keep].numpy())
save('yolo_classes', cls[mask][keep].numpy().astype(np.int32))

# ----------------------------------------------------------------------------- registration
NI, NJ, NK = 18, 15, 12  # medinfer i, j, k; numpy arrays below are indexed [k, j, i]


def smooth_field(scale, sigma):
    f = np.stack([ndi.gaussian_filter(rng.normal(0, 1, (NK, NJ, NI)), sigma) for _ in range(3)], -1)
    return (f / np.abs(f).max() * scale).astype(np.float32)  # [k, j, i, 3], component c along axis i/j/k


def to_vxm(field_kji3):
    """[k, j, i, c] -> VoxelMorph tensor [1, 3, I, J, K] whose channel c is along spatial dim c."""
    return torch.from_numpy(np.ascontiguousarray(field_kji3.transpose(3, 2, 1, 0)))[None].double()


def from_vxm(t):
    return t[0].numpy().transpose(3, 2, 1, 0)


def spatial_transformer(src, flow, mode='bilinear', padding_mode='zeros'):
    """voxelmorph.torch.layers.SpatialTransformer.forward (ij meshgrid, align_corners=True)."""
    size = flow.shape[2:]
    vectors = [torch.arange(0, s, dtype=torch.float64) for s in size]
    grid = torch.stack(torch.meshgrid(vectors, indexing='ij'))[None]
    new_locs = grid + flow
    for i in range(len(size)):
        new_locs[:, i, ...] = 2 * (new_locs[:, i, ...] / (size[i] - 1) - 0.5)
    new_locs = new_locs.permute(0, 2, 3, 4, 1)[..., [2, 1, 0]]
    return F.grid_sample(src, new_locs, align_corners=True, mode=mode, padding_mode=padding_mode)


image = ndi.gaussian_filter(rng.normal(0, 1, (NK, NJ, NI)), 1.5).astype(np.float32) * 10 + 3
labels = (np.digitize(image, np.quantile(image, [0.3, 0.6, 0.85])) * 2).astype(np.uint8)  # 0, 2, 4, 6
disp = smooth_field(4.0, 2.0)
save('warp_image', image)
save('warp_labels', labels)
save('warp_field', disp)
img_t = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 1, 0)))[None, None].double()
lab_t = torch.from_numpy(np.ascontiguousarray(labels.transpose(2, 1, 0)))[None, None].double()
for mode, pad in (('bilinear', 'zeros'), ('bilinear', 'border'), ('nearest', 'zeros'), ('nearest', 'border')):
    src = img_t if mode == 'bilinear' else lab_t
    out = spatial_transformer(src, to_vxm(disp), mode, pad)[0, 0].numpy().transpose(2, 1, 0)
    save('warp_%s_%s' % (mode, pad), out.astype(np.float64 if mode == 'bilinear' else np.uint8))

# VecInt (voxelmorph.torch.layers.VecInt): v / 2**n then n times v = v + transformer(v, v).
vel = smooth_field(6.0, 2.5)
save('vecint_velocity', vel)
v = to_vxm(vel) * (1.0 / 2 ** 7)
for _ in range(7):
    v = v + spatial_transformer(v, v)
integrated = from_vxm(v)
save('vecint_expected', integrated.astype(np.float64))

# Composition: c = inner + warp(outer, inner).
outer = smooth_field(3.0, 2.0)
inner = smooth_field(3.0, 2.0)
save('compose_outer', outer)
save('compose_inner', inner)
comp = to_vxm(inner) + spatial_transformer(to_vxm(outer), to_vxm(inner))
save('compose_expected', from_vxm(comp).astype(np.float64))


def jacobian_determinant(disp_ijk3):
    """voxelmorph py/utils.jacobian_determinant (3D branch), disp indexed [i, j, k, c]."""
    volshape = disp_ijk3.shape[:-1]
    grid = np.stack(np.meshgrid(*[np.arange(s) for s in volshape], indexing='ij'), len(volshape))
    J = np.gradient(disp_ijk3 + grid)
    dx, dy, dz = J[0], J[1], J[2]
    jdet0 = dx[..., 0] * (dy[..., 1] * dz[..., 2] - dy[..., 2] * dz[..., 1])
    jdet1 = dx[..., 1] * (dy[..., 0] * dz[..., 2] - dy[..., 2] * dz[..., 0])
    jdet2 = dx[..., 2] * (dy[..., 0] * dz[..., 1] - dy[..., 1] * dz[..., 0])
    return jdet0 - jdet1 + jdet2


folding = smooth_field(5.0, 1.2)
save('jacobian_field', folding)
det = jacobian_determinant(folding.astype(np.float64).transpose(2, 1, 0, 3)).transpose(2, 1, 0)
save('jacobian_expected', det)
meta['values']['jacobian_folding_percent'] = float((det <= 0).mean() * 100)
det2 = jacobian_determinant(integrated.astype(np.float32).astype(np.float64).transpose(2, 1, 0, 3)).transpose(2, 1, 0)
save('jacobian_vecint_expected', det2)

# Landmarks: p + trilinear field sample (scipy map_coordinates order 1), TRE in mm.
pts = np.stack([rng.uniform(0, NI - 1, 40), rng.uniform(0, NJ - 1, 40), rng.uniform(0, NK - 1, 40)], 1)
moved = pts.copy()
for c in range(3):
    moved[:, c] += ndi.map_coordinates(disp[..., c].astype(np.float64), [pts[:, 2], pts[:, 1], pts[:, 0]], order=1)
target = pts + rng.normal(0, 1.5, pts.shape)
spacing = np.array([0.97, 0.97, 2.5])
tre = np.linalg.norm((moved - target) * spacing, axis=1)
save('tre_points', pts)
save('tre_moved', moved)
save('tre_target', target)
meta['values']['tre'] = {'spacing': spacing.tolist(), 'mean': float(tre.mean()), 'std': float(tre.std()),
                         'median': float(np.median(tre)), 'max': float(tre.max()), 'distances': tre.tolist()}

# ----------------------------------------------------------------------------- segmentation
CK, CJ, CI = 22, 26, 30
masks = {
    'random': (rng.uniform(0, 1, (CK, CJ, CI)) < 0.3).astype(np.uint8),
    'blobs': (ndi.gaussian_filter(rng.normal(0, 1, (CK, CJ, CI)), 1.2) > 0.12).astype(np.uint8),
}
for name, m in masks.items():
    save('cc_%s_mask' % name, m)
    for conn, rank in ((6, 1), (26, 3)):
        lab, n = ndi.label(m, structure=ndi.generate_binary_structure(3, rank))
        save('cc_%s_%d' % (name, conn), lab.astype(np.uint16))
        meta['values']['cc_%s_%d_count' % (name, conn)] = int(n)

labelmap = (np.digitize(ndi.gaussian_filter(rng.normal(0, 1, (CK, CJ, CI)), 1.0), [-0.1, 0.05, 0.15])).astype(np.uint8)
save('filters_labelmap', labelmap)
for conn, rank in ((6, 1), (26, 3)):
    st3 = ndi.generate_binary_structure(3, rank)
    keep = labelmap.copy()
    small = labelmap.copy()
    for lab_value in (1, 2, 3):
        lab, n = ndi.label(labelmap == lab_value, structure=st3)
        sizes = np.bincount(lab.ravel())
        sizes[0] = 0
        largest = int(np.argmax(sizes))
        keep[(lab > 0) & (lab != largest)] = 0
        small[(lab > 0) & (sizes[lab] < 20)] = 0
    save('filters_keep_largest_%d' % conn, keep)
    save('filters_remove_small_20_%d' % conn, small)
keep2 = labelmap.copy()
lab, n = ndi.label(labelmap == 2, structure=ndi.generate_binary_structure(3, 3))
sizes = np.bincount(lab.ravel()); sizes[0] = 0
keep2[(lab > 0) & (lab != int(np.argmax(sizes)))] = 0
save('filters_keep_largest_label2_26', keep2)

# ----------------------------------------------------------------------------- metrics
auc_cases = []
for n, decimals, prevalence in ((5000, 2, 0.3), (200, None, 0.5), (3000, 0, 0.1), (64, 1, 0.5)):
    y = (rng.uniform(0, 1, n) < prevalence).astype(int)
    s = rng.normal(0, 1, n) + y * 0.8
    if decimals is not None:
        s = np.round(s * (3 if decimals == 0 else 1), decimals)
    auc_cases.append({'labels': y.tolist(), 'scores': s.tolist(), 'auc': float(roc_auc_score(y, s))})
meta['values']['auc'] = auc_cases

pred = np.digitize(ndi.gaussian_filter(rng.normal(0, 1, (CK, CJ, CI)), 1.0), [-0.1, 0.05, 0.15]).astype(np.uint8)
ref = labelmap
save('dice_pred', pred)
save('dice_ref', ref)
meta['values']['dice'] = [
    {'label': l, 'dice': float(2 * ((pred == l) & (ref == l)).sum() / ((pred == l).sum() + (ref == l).sum())),
     'intersection': int(((pred == l) & (ref == l)).sum()), 'pred': int((pred == l).sum()), 'ref': int((ref == l).sum())}
    for l in (1, 2, 3)]


def surface_distances(a, b, sampling):
    """medpy.metric.binary.__surface_distances: border = mask ^ erosion(6-conn), EDT of ~border(b)."""
    fp = ndi.generate_binary_structure(a.ndim, 1)
    a_border = a ^ ndi.binary_erosion(a, structure=fp, iterations=1)
    b_border = b ^ ndi.binary_erosion(b, structure=fp, iterations=1)
    dt = ndi.distance_transform_edt(~b_border, sampling=sampling)
    return dt[a_border]


HK, HJ, HI = 20, 36, 40
spacing_ijk = (0.8, 1.1, 2.5)
hd_cases = []
for case in range(3):
    base = ndi.gaussian_filter(rng.normal(0, 1, (HK, HJ, HI)), 2.0)
    a = base > 0.02
    b = ndi.gaussian_filter(base + rng.normal(0, 0.02, base.shape), 1.0) > 0.03
    if case == 2:
        a = np.zeros_like(a); a[3:6, 4:9, 30:38] = True  # small, touching nothing
        b = np.zeros_like(b); b[0:4, 20:36, 0:5] = True  # touches the image border
    save('hd_%d_a' % case, a.astype(np.uint8))
    save('hd_%d_b' % case, b.astype(np.uint8))
    sampling = spacing_ijk[::-1]
    dab = surface_distances(a, b, sampling)
    dba = surface_distances(b, a, sampling)
    hd_cases.append({'monai95': float(max(np.percentile(dab, 95), np.percentile(dba, 95))),
                     'ab95': float(np.percentile(dab, 95)), 'ba95': float(np.percentile(dba, 95)),
                     'medpy95': float(np.percentile(np.hstack((dab, dba)), 95)),
                     'hd100': float(max(dab.max(), dba.max()))})
meta['values']['hausdorff'] = {'spacing': list(spacing_ijk), 'size': [HI, HJ, HK], 'cases': hd_cases}


# LUNA16 FROC (noduleCADEvaluationLUNA16.py logic, py3 port; bootstrapping off).
def luna_froc(scans, annotations, excluded, candidates, max_marks=100):
    FROCGTList, FROCProbList, excludeList = [], [], []
    total_nodules = 0
    for sid in scans:
        cands = {i: c for i, c in enumerate([c for c in candidates if c['scan'] == sid])}
        if len(cands) > max_marks:
            probs = sorted((c['probability'] for c in cands.values()), reverse=True)
            thr_ = probs[max_marks]
            kept, nr = {}, 0
            for k, c in cands.items():
                if nr >= max_marks:
                    break
                if c['probability'] > thr_:
                    kept[k] = c
                    nr += 1
            cands = kept
        remaining = dict(cands)
        annots = [dict(a, state='Included') for a in annotations if a['scan'] == sid] + \
                 [dict(a, state='Excluded') for a in excluded if a['scan'] == sid]
        for a in annots:
            if a['state'] == 'Included':
                total_nodules += 1
            d = a['diameterMm'] if a['diameterMm'] >= 0 else 10.0
            r2 = (d / 2.0) ** 2
            matches = []
            for k, c in cands.items():
                dist = (a['x'] - c['x']) ** 2 + (a['y'] - c['y']) ** 2 + (a['z'] - c['z']) ** 2
                if dist < r2:
                    if a['state'] == 'Included':
                        matches.append(c)
                        remaining.pop(k, None)
                    elif k in remaining:
                        del remaining[k]
            if a['state'] == 'Included':
                if matches:
                    FROCGTList.append(1.0); FROCProbList.append(max(c['probability'] for c in matches)); excludeList.append(False)
                else:
                    FROCGTList.append(1.0); FROCProbList.append(-1e9); excludeList.append(True)
        for c in remaining.values():
            FROCGTList.append(0.0); FROCProbList.append(c['probability']); excludeList.append(False)
    gt = [g for g, e in zip(FROCGTList, excludeList) if not e]
    pr = [p for p, e in zip(FROCProbList, excludeList) if not e]
    detected = sum(gt)
    fpr, tpr, thresholds = roc_curve(gt, pr)
    if sum(FROCGTList) == len(FROCGTList):
        fps = np.zeros(len(fpr))
    else:
        fps = fpr * (len(pr) - detected) / len(scans)
    sens = (tpr * detected) / sum(FROCGTList)
    points = [0.125, 0.25, 0.5, 1, 2, 4, 8]
    at = np.interp(points, fps, sens)
    return {'sensitivities': at.tolist(), 'cpm': float(np.mean(at)), 'totalNodules': int(sum(FROCGTList)),
            'detectedNodules': int(detected), 'falsePositives': int(len(pr) - detected)}


scans = ['scan%02d' % i for i in range(24)]
annotations, excluded, candidates = [], [], []
for sid in scans:
    for _ in range(rng.integers(0, 4)):
        centre = rng.uniform(-150, 150, 3)
        diam = float(rng.uniform(3, 30))
        annotations.append({'scan': sid, 'x': centre[0], 'y': centre[1], 'z': centre[2], 'diameterMm': diam})
        for _ in range(rng.integers(0, 4)):
            off = rng.normal(0, diam / 3, 3)
            candidates.append({'scan': sid, 'x': centre[0] + off[0], 'y': centre[1] + off[1], 'z': centre[2] + off[2],
                               'probability': float(np.round(rng.uniform(0.2, 1), 3))})
    for _ in range(rng.integers(0, 3)):
        centre = rng.uniform(-150, 150, 3)
        excluded.append({'scan': sid, 'x': centre[0], 'y': centre[1], 'z': centre[2],
                         'diameterMm': float(rng.choice([-1.0, rng.uniform(2, 8)]))})
        candidates.append({'scan': sid, 'x': centre[0] + 0.5, 'y': centre[1], 'z': centre[2], 'probability': float(np.round(rng.uniform(0, 1), 3))})
    for _ in range(int(rng.choice([rng.integers(0, 20), rng.integers(100, 140)]))):
        p_ = rng.uniform(-180, 180, 3)
        candidates.append({'scan': sid, 'x': p_[0], 'y': p_[1], 'z': p_[2], 'probability': float(np.round(rng.uniform(0, 0.9) ** 2, 3))})
candidates.append({'scan': 'not-evaluated', 'x': 0.0, 'y': 0.0, 'z': 0.0, 'probability': 0.99})
rng.shuffle(candidates)
meta['values']['froc'] = {'input': {'scans': scans, 'annotations': annotations, 'excluded': excluded, 'candidates': candidates},
                          'expected': luna_froc(scans, annotations, excluded, candidates)}

with open(os.path.join(OUT, 'reference.json'), 'w') as f:
    json.dump(meta, f, separators=(',', ':'))
total = sum(os.path.getsize(os.path.join(OUT, x)) for x in os.listdir(OUT))
print('wrote %d arrays, %.1f KB total' % (len(meta['arrays']), total / 1024), file=sys.stderr)
