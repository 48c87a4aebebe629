"""Reading a TensorFlow.js *layers* model (model.json + weight shards) without TensorFlow.

Format (tfjs-converter "layers-model"): model.json holds `modelTopology.model_config` (a Keras
Functional config) and `weightsManifest`, a list of groups; each group's shards (`paths`) are
concatenated in order and the group's `weights` are read from that byte stream one after the
other, each `prod(shape) * itemsize` bytes, little-endian. Kernels keep the Keras layout
(Conv3D: [kd, kh, kw, in, out]).

Quantised weights (`quantization` key, written by `tensorflowjs_converter --quantize_*`) are
refused: none of the brainchop models use them, and dequantising untested would risk a silently
wrong network.
"""
import json

import numpy as np


class TfjsFormatError(Exception):
    pass


def read_weights(model_json, read_file):
    """Returns {weight name: np.ndarray float32}. read_file(relative path) -> bytes."""
    out = {}
    for group in model_json.get('weightsManifest', []):
        blob = b''.join(read_file(p) for p in group['paths'])
        offset = 0
        for w in group['weights']:
            if 'quantization' in w:
                raise TfjsFormatError(f"weight {w['name']}: quantised weights ({w['quantization']}) are not supported")
            if w['dtype'] != 'float32':
                raise TfjsFormatError(f"weight {w['name']}: dtype {w['dtype']} is not supported (float32 only)")
            count = int(np.prod(w['shape'])) if w['shape'] else 1
            nbytes = count * 4
            if offset + nbytes > len(blob):
                raise TfjsFormatError(f"weight {w['name']}: needs bytes {offset}..{offset + nbytes}, shards hold {len(blob)}")
            out[w['name']] = np.frombuffer(blob, dtype='<f4', count=count, offset=offset).reshape(w['shape']).astype(np.float32)
            offset += nbytes
        if offset != len(blob):
            raise TfjsFormatError(f"weight group {group['paths']}: {len(blob) - offset} trailing bytes not described by the manifest")
    return out


def layer_chain(model_json):
    """The Functional model's layers as a single chain input -> ... -> output.

    Every layer must have exactly one inbound layer, which is the previous one: the MeshNet models
    are plain chains; anything else (branches, merges) is refused rather than linearised wrongly.
    """
    cfg = model_json['modelTopology']['model_config']
    if cfg['class_name'] not in ('Functional', 'Model', 'Sequential'):
        raise TfjsFormatError(f"model class {cfg['class_name']} is not supported")
    layers = cfg['config']['layers']
    if cfg['class_name'] == 'Sequential':
        return layers
    by_name = {l['config']['name']: l for l in layers}
    inputs = cfg['config']['input_layers']
    outputs = cfg['config']['output_layers']
    if len(inputs) != 1 or len(outputs) != 1:
        raise TfjsFormatError(f'{len(inputs)} inputs / {len(outputs)} outputs: only single-input single-output chains are supported')
    chain = []
    name = outputs[0][0]
    while True:
        layer = by_name[name]
        chain.append(layer)
        nodes = layer.get('inbound_nodes') or []
        if not nodes:
            break
        if len(nodes) != 1 or len(nodes[0]) != 1:
            raise TfjsFormatError(f'layer {name}: {len(nodes)} inbound nodes - not a chain')
        name = nodes[0][0][0]
    chain.reverse()
    if chain[0]['class_name'] != 'InputLayer' or chain[0]['config']['name'] != inputs[0][0]:
        raise TfjsFormatError('the chain does not start at the input layer')
    if len(chain) != len(layers):
        raise TfjsFormatError(f'{len(layers) - len(chain)} layers are not on the input -> output chain')
    return chain


def load_json(data):
    return json.loads(data.decode('utf-8') if isinstance(data, bytes) else data)
