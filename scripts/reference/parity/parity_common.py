"""Shared helpers for the parity scripts: load a bundled ONNX model's weights into the torch
architecture its training script defines (initializer names are the torch state_dict keys), so
outputs are computed by torch, independently of ONNX Runtime and of the SDK's TypeScript code."""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'scripts', 'models'))
OUT = os.path.join(REPO, 'test', 'fixtures', 'parity')


def manifest_entry(model_id):
    with open(os.path.join(REPO, 'models.manifest.json')) as f:
        return json.load(f)['models'][model_id]


def load_onnx_weights(module, onnx_path):
    """Copies every ONNX initializer whose name is a state_dict key into `module`; all keys must be found."""
    graph = onnx.load(onnx_path).graph
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    state = module.state_dict()
    missing = [k for k in state if k not in weights and not k.endswith('num_batches_tracked')]
    if missing:
        raise SystemExit(f'{onnx_path}: initializers missing for {missing[:5]} (constant folding renamed them?)')
    module.load_state_dict({k: weights.get(k, v) for k, v in state.items()})
    return module.eval()


def write_fixture(name, payload):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(payload, f)
    print('wrote', os.path.join(OUT, name))
