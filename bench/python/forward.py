"""Bare torch forward of one bench model (same seeded weights as its .onnx) on a random tensor:
the torch side of bench/tools/ort-vs-torch.mjs.  forward.py <model> <dims> <runs>  -> one JSON line."""
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_models  # noqa: E402

name, dims, runs = sys.argv[1], [int(x) for x in sys.argv[2].split(',')], int(sys.argv[3])
torch.set_num_threads(2)
model = export_models.MODELS[name]['make']()
model.load_state_dict(torch.load(os.path.join(HERE, '..', '..', '.cache', 'bench-models', f'{name}.pt')))
model.eval()
x = torch.rand(dims, generator=torch.Generator().manual_seed(1)) * 2 - 1
args = (x[:, :1], x[:, 1:]) if name == 'vxm' else (x,)  # VoxelMorph: moving, fixed
with torch.inference_mode():
    model(*args)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        model(*args)
        times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({'medianMs': times[len(times) // 2]}))
