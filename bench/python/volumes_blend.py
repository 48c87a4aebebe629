#!/usr/bin/python3
"""Torch side of bench/volumes.mjs figure 3: the same blending and inverse mapping work as
bench/lib/volumes-blend.mjs, written the way nnU-Net's predictor and MONAI do it.

    /usr/bin/python3 bench/python/volumes_blend.py '{"size":[D,H,W],"roi":[r,r,r],"classes":3,
        "channels":4,"runs":3,"modelGrid":[d,h,w]}'

Blending follows nnunetv2 predict_sliding_window_return_logits with the network call replaced by
a fixed prediction: steps from compute_steps_for_sliding_window (step 0.5), the Gaussian of
compute_gaussian (sigma 1/8 of the patch, max-normalised x 10, zeros raised to the min), window
extraction data[sl], predicted_logits[sl] += prediction * gaussian, n_predictions[sl] += gaussian,
predicted_logits /= n_predictions. Inverse mapping: torch.nn.functional.interpolate(trilinear,
align_corners=False) of the probabilities from the model grid to the input size (MONAI's
resampling of predictions back; nnU-Net's own scipy-based resampling is slower), and the label
map from them: argmax over the classes of that interpolation, as uint8 (nnU-Net's
convert_probabilities_to_segmentation). Prints { blendMs, inverseMs, labelsMs, windows, torch,
threads } (medians).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipelines import nnunet_gaussian, nnunet_steps  # noqa: E402  (same helpers as the pipelines bench)

spec = json.loads(sys.argv[1])
threads = int(spec.get("threads", 2))
torch.set_num_threads(threads)
size, roi, classes, channels, runs = spec["size"], spec["roi"], spec["classes"], spec["channels"], spec["runs"]

gen = torch.Generator().manual_seed(0)
data = torch.rand((channels, *size), generator=gen)
prediction = torch.rand((classes, *roi), generator=gen)
weights = nnunet_gaussian(roi)
steps = nnunet_steps(size, roi)
slicers = [(slice(None), slice(a, a + roi[0]), slice(b, b + roi[1]), slice(c, c + roi[2])) for a in steps[0] for b in steps[1] for c in steps[2]]

warmup = bool(spec.get("warmup", False))


def timed(fn):
    """Median ms of `runs` calls of fn, after one untimed call when warmup is asked."""
    if warmup:
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def blend():
    logits = torch.zeros((classes, *size), dtype=torch.float32)
    n_predictions = torch.zeros(size, dtype=torch.float32)
    for sl in slicers:
        # The window the network sees: nnU-Net passes the view data[sl][None] and the first
        # convolution makes it contiguous; ONNX Runtime needs the contiguous copy up front.
        workon = data[sl][None].contiguous()  # noqa: F841
        pred = prediction  # network(workon)[0] in nnU-Net
        logits[sl] += pred * weights
        n_predictions[sl[1:]] += weights
    logits /= n_predictions


probabilities = torch.rand((1, classes, *spec["modelGrid"]), generator=gen)


def upsample():
    return F.interpolate(probabilities, size=tuple(size), mode="trilinear", align_corners=False)


# Labels: argmax of the materialised interpolation (nnU-Net's convert_probabilities_to_segmentation).
# With probabilities requested torch has both after these same two calls.
result = {
    "blendMs": timed(blend),
    "inverseMs": timed(upsample),
    "labelsMs": timed(lambda: torch.argmax(upsample(), dim=1).to(torch.uint8)),
}
result["probsAndLabelsMs"] = result["labelsMs"]
print(json.dumps({**result, "windows": len(slicers), "torch": torch.__version__, "threads": threads}))
