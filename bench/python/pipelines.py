"""The Python stack's side of bench/pipelines.mjs: each task end to end in torch / scipy / numpy,
done the way MONAI, nnU-Net, TorchXRayVision and VoxelMorph do it, on the same files and with the
same weights the SDK runs (bench models: the .pt state_dict saved beside the .onnx by
bench/python/export_models.py; the bundled report CNN: weights read from its ONNX initializers).

Dependencies (Debian 12):
    apt-get install -y python3-torch python3-torchvision python3-numpy python3-scipy python3-nibabel \
        python3-skimage python3-onnx python3-pil
Run with Debian's interpreter (bench/lib/child.mjs does):
    /usr/bin/python3 bench/python/pipelines.py '<json spec>'
spec: the same object bench/lib/case.mjs receives ({ task, entry, input, runs, warmup, threads }).
Prints one JSON line: { timesMs, setupMs, maxRssMB, detail }. maxRssMB is ru_maxrss of this process.

What each task times (file in -> result out, like the SDK pipeline):
- classification: PIL read -> grey -> xrv normalize (2 x / 255 - 1) * 1024 -> centre square crop ->
  F.interpolate bilinear antialias to 224 -> DenseNet forward (batches of entry.inference.batch) ->
  sigmoid -> op_norm (TorchXRayVision).
- segmentation: nibabel read of 4 modalities -> stack -> channel-wise z-score on nonzero voxels
  (MONAI NormalizeIntensityd nonzero=True channel_wise=True) -> nnU-Net sliding window (steps as
  compute_steps_for_sliding_window, gaussian importance map as compute_gaussian: sigma 1/8 roi,
  scipy gaussian_filter, / max * 10) in torch -> softmax -> argmax -> volume per label in ml.
- registration: nibabel read -> scale [0, 255] -> [0, 1] -> VxmDense forward -> VecInt (scaling and
  squaring, 7 steps, SpatialTransformer with grid_sample) -> ResizeTransform x2 -> warp the moving
  image -> Jacobian determinant (np.gradient) and % folding -> displacement in mm.
- report-text: regex tokenize -> vocabulary ids padded to 128 -> text CNN forward in chunks of
  entry.inference.batch (default 256, as the SDK's runBatch) -> softmax.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, 'scripts', 'models'))


def model_path(entry):
    return os.path.join(REPO, next(f['path'] for f in entry['files'] if f['role'] == 'model'))


def load_bench_model(entry, name=None):
    """The exporter's architecture named like the entry's .onnx file (unet3d, unet3d_lite, ...)."""
    import export_models
    name = name or os.path.basename(model_path(entry))[:-len('.onnx')]
    model = export_models.MODELS[name]['make']()
    pt = model_path(entry)[:-len('.onnx')] + '.pt'
    model.load_state_dict(torch.load(pt))
    return model.eval()


# ---------------------------------------------------------------- classification (TorchXRayVision)
def op_norm(probs, thresholds):
    t = torch.tensor(thresholds, dtype=probs.dtype)
    out = torch.where(probs < t, probs / (2 * t), 1 - (1 - probs) / (2 * (1 - t)))
    return torch.where(torch.isnan(t), torch.full_like(out, 0.5), out)


def classification(entry, inp):
    from PIL import Image
    model = load_bench_model(entry, 'densenet121')
    thresholds = next(s['thresholds'] for s in entry['postprocess'] if s['op'] == 'opNorm')
    batch = entry.get('inference', {}).get('batch', 8)

    def prepare(path):
        img = np.asarray(Image.open(path)).astype(np.float32)
        if img.ndim == 3:
            img = img.mean(2)
        x = (2 * (img / 255.0) - 1.0) * 1024.0
        h, w = x.shape
        c = min(h, w)
        x = x[h // 2 - c // 2:h // 2 - c // 2 + c, w // 2 - c // 2:w // 2 - c // 2 + c]
        t = torch.from_numpy(np.ascontiguousarray(x))[None, None]
        return F.interpolate(t, size=(224, 224), mode='bilinear', align_corners=False, antialias=True)

    def once():
        tensors = [prepare(p) for p in inp['images']]
        scores = []
        with torch.inference_mode():
            for s in range(0, len(tensors), batch):
                logits = model(torch.cat(tensors[s:s + batch]))
                scores.append(op_norm(torch.sigmoid(logits), thresholds))
        return torch.cat(scores).numpy()
    return once


# ---------------------------------------------------------------- segmentation (MONAI + nnU-Net)
def nnunet_steps(size, roi, step=0.5):
    """nnunetv2 compute_steps_for_sliding_window."""
    out = []
    for s, r in zip(size, roi):
        target = r * step
        n = int(np.ceil((s - r) / target)) + 1
        actual = (s - r) / (n - 1) if n > 1 else 99999999999
        out.append([int(np.round(actual * i)) for i in range(n)])
    return out


def nnunet_gaussian(roi, sigma_scale=1.0 / 8, value_scaling=10):
    """nnunetv2 compute_gaussian."""
    from scipy.ndimage import gaussian_filter
    tmp = np.zeros(roi)
    tmp[tuple(r // 2 for r in roi)] = 1
    g = gaussian_filter(tmp, [r * sigma_scale for r in roi], 0, mode='constant', cval=0)
    g = g / np.max(g) * value_scaling
    g[g == 0] = np.min(g[g != 0])
    return torch.from_numpy(g.astype(np.float32))


def segmentation(entry, inp):
    import nibabel as nib
    model = load_bench_model(entry)
    order = [s for s in entry['preprocess'] if s['op'] == 'stackChannels'][0]['order']
    roi = entry['inference']['roi']
    overlap = entry['inference']['overlap']
    gaussian = nnunet_gaussian(roi)

    def once():
        imgs = [nib.load(inp['volumes'][name]) for name in order]
        x = np.stack([im.get_fdata(dtype=np.float32) for im in imgs])
        for c in range(x.shape[0]):
            mask = x[c] != 0
            v = x[c][mask]
            x[c][mask] = (v - v.mean()) / max(float(v.std()), 1e-8)
        data = torch.from_numpy(x)
        size = data.shape[1:]
        logits = torch.zeros((3, *size), dtype=torch.float32)
        weights = torch.zeros(size, dtype=torch.float32)
        steps = nnunet_steps(size, roi, 1 - overlap)
        with torch.inference_mode():
            for i in steps[0]:
                for j in steps[1]:
                    for k in steps[2]:
                        sl = (slice(i, i + roi[0]), slice(j, j + roi[1]), slice(k, k + roi[2]))
                        pred = model(data[(slice(None), *sl)][None])[0]
                        logits[(slice(None), *sl)] += pred * gaussian
                        weights[sl] += gaussian
            logits /= weights
            labels = torch.softmax(logits, 0).argmax(0).to(torch.uint8).numpy()
        voxel_ml = float(np.prod(imgs[0].header.get_zooms()[:3])) / 1000.0
        return {int(l): float(n) * voxel_ml for l, n in enumerate(np.bincount(labels.ravel())) if l > 0}
    return once


# ---------------------------------------------------------------- registration (VoxelMorph)
def transform(src, flow):
    """voxelmorph.torch.layers.SpatialTransformer (bilinear, align_corners=True)."""
    size = flow.shape[2:]
    grid = torch.stack(torch.meshgrid([torch.arange(0, s, dtype=torch.float32) for s in size], indexing='ij'))[None]
    locs = grid + flow
    for i, s in enumerate(size):
        locs[:, i] = 2 * (locs[:, i] / (s - 1) - 0.5)
    locs = locs.permute(0, 2, 3, 4, 1)[..., [2, 1, 0]]
    return F.grid_sample(src, locs, align_corners=True, mode='bilinear')


def registration(entry, inp):
    import nibabel as nib
    model = load_bench_model(entry, 'vxm')
    steps = next(s['steps'] for s in entry['postprocess'] if s['op'] == 'integrateVelocity')

    def load(path):
        im = nib.load(path)
        x = np.clip(im.get_fdata(dtype=np.float32) / 255.0, 0, 1)
        return im, torch.from_numpy(x)[None, None]

    def once():
        fixed_img, fixed = load(inp['fixed'])
        _, moving = load(inp['moving'])
        with torch.inference_mode():
            vec = model(moving, fixed) * (1.0 / 2 ** steps)  # VecInt
            for _ in range(steps):
                vec = vec + transform(vec, vec)
            flow = F.interpolate(vec * 2.0, scale_factor=2.0, mode='trilinear', align_corners=True)  # ResizeTransform
            warped = transform(moving, flow)
        u = flow[0].numpy()
        grads = [np.gradient(u[c]) for c in range(3)]  # d u_c / d axis
        j = [[grads[c][a] + (1.0 if a == c else 0.0) for a in range(3)] for c in range(3)]
        det = (j[0][0] * (j[1][1] * j[2][2] - j[1][2] * j[2][1]) - j[0][1] * (j[1][0] * j[2][2] - j[1][2] * j[2][0])
               + j[0][2] * (j[1][0] * j[2][1] - j[1][1] * j[2][0]))
        folding = float((det <= 0).mean() * 100)
        spacing = np.asarray(fixed_img.header.get_zooms()[:3], dtype=np.float32)
        displacement_mm = u * spacing[:, None, None, None]
        return folding, warped.shape, displacement_mm.shape
    return once


# ---------------------------------------------------------------- report text (Kim 2014 CNN)
def report_text(entry, inp):
    import onnx
    from onnx import numpy_helper
    from train_report_cnn import KimTextCnn, tokenize
    graph = onnx.load(model_path(entry)).graph
    state = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    model = KimTextCnn(vocab_size=state['embed.weight'].shape[0])
    model.load_state_dict(state)
    model.eval()
    vocab_path = os.path.join(REPO, next(f['path'] for f in entry['files'] if f['role'] == 'vocab'))
    with open(vocab_path) as f:
        index = {t: i for i, t in enumerate(json.load(f)['tokens'])}
    length = entry['tokenizer']['maxLength']
    with open(inp['reports']) as f:
        reports = json.load(f)

    batch = entry.get('inference', {}).get('batch', inp.get('batch', 256))  # the SDK's runBatch chunk size (DEFAULT_REPORT_BATCH)

    def once():
        ids = np.zeros((len(reports), length), dtype=np.int64)
        for r, text in enumerate(reports):
            toks = tokenize(text)[:length]
            ids[r, :len(toks)] = [index.get(t, 1) for t in toks]
        with torch.inference_mode():
            x = torch.from_numpy(ids)
            return torch.cat([torch.softmax(model(x[s:s + batch]), -1) for s in range(0, len(reports), batch)]).numpy()
    return once


TASKS = {'classification': classification, 'segmentation': segmentation, 'registration': registration, 'report-text': report_text}


def serve(spec, once, setup_ms):
    """Driven run by run from bench/lib/case.mjs (full runs): after setup and warm-up it prints
    {"ready": true}, then times one run per 'run' line on stdin and answers {"ms": ...}; 'quit'
    ends with the usual result line. The SDK, bare ORT and this process then take turns run by
    run, so load drifting on the shared machine hits all three sides alike."""
    for _ in range(spec.get('warmup', 1)):
        once()
    print(json.dumps({'ready': True, 'setupMs': setup_ms}), flush=True)
    times = []
    for line in sys.stdin:
        if line.strip() != 'run':
            break
        t = time.perf_counter()
        once()
        times.append((time.perf_counter() - t) * 1000)
        print(json.dumps({'ms': times[-1]}), flush=True)
    return times


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec.get('threads', 2))
    t0 = time.perf_counter()
    once = TASKS[spec['task']](spec['entry'], spec['input'])
    setup_ms = (time.perf_counter() - t0) * 1000
    if '--serve' in sys.argv:
        times = serve(spec, once, setup_ms)
    else:
        for _ in range(spec.get('warmup', 1)):
            once()
        times = []
        for _ in range(spec.get('runs', 3)):
            t = time.perf_counter()
            once()
            times.append((time.perf_counter() - t) * 1000)
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'side': 'python', 'task': spec['task'], 'timesMs': times, 'setupMs': setup_ms, 'maxRssMB': max_rss_mb,
                      'detail': {'torch': torch.__version__, 'threads': torch.get_num_threads()}}), flush=True)


if __name__ == '__main__':
    main()
