"""Shared plumbing of the checkpoint conversion scripts (scripts/models/convert_*.py).

    apt-get install -y python3-torch python3-onnx python3-numpy

Each conversion script holds its network architecture written out in PyTorch (no monai /
torchxrayvision / voxelmorph packages needed), loads the user's downloaded checkpoint into it with
strict key matching, exports ONNX (opset 17), checks the graph's inputs and outputs against the
model's entry in models.manifest.json, and writes the entry with the file's sha256 and size.

Without a checkpoint (`--random-init`) the same architecture is exported with random weights: that
is how the scripts are tested here, where no weights can be downloaded; such files are for I/O and
speed checks only and the written entry says so.
"""
import argparse
import hashlib
import json
import os
import sys

import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OPSET = 17


def models_dir():
    """The user model store, as the SDK resolves it (src/manifest/store/models-dir.ts): MEDINFER_MODELS,
    else the per-user data folder. Converted weights go there, never into the installed package
    (a reinstall would delete them); the bundled manifest's external entries resolve there."""
    env = os.environ.get('MEDINFER_MODELS', '').strip()
    if env:
        return os.path.abspath(env)
    home = os.path.expanduser('~')
    if sys.platform == 'win32':
        local = os.environ.get('LOCALAPPDATA') or os.path.join(os.environ.get('USERPROFILE') or home, 'AppData', 'Local')
        return os.path.join(local, 'medinfer', 'models')
    if sys.platform == 'darwin':
        return os.path.join(home, 'Library', 'Application Support', 'medinfer', 'models')
    xdg = os.environ.get('XDG_DATA_HOME', '')
    return os.path.join(xdg if os.path.isabs(xdg) else os.path.join(home, '.local', 'share'), 'medinfer', 'models')


def parse_args(description, default_out):
    """default_out: the file name the bundled manifest's entry names (only its base name is used:
    the file is written into the model store)."""
    default_out = os.path.join(models_dir(), os.path.basename(default_out))
    ap = argparse.ArgumentParser(description=description)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--checkpoint', help='downloaded checkpoint file')
    src.add_argument('--random-init', action='store_true', help='export the architecture with random weights (tests only)')
    ap.add_argument('--out', default=default_out, help=f'ONNX file to write (default {default_out})')
    ap.add_argument('--manifest', default=os.path.join(REPO, 'models.manifest.json'))
    ap.add_argument('--entry-out', help='where to write the updated manifest entry JSON (default: <out>.entry.json)')
    ap.add_argument('--seed', type=int, default=0)
    return ap


def load_state_dict(path, pickle_module=None):
    """Loads a checkpoint and returns a plain state dict (unwrapping common containers)."""
    kwargs = {'map_location': 'cpu'}
    if pickle_module is not None:
        kwargs['pickle_module'] = pickle_module
    obj = torch.load(path, **kwargs)
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    for key in ('model_state', 'state_dict', 'model', 'network', 'net'):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            return obj[key]
    if isinstance(obj, dict):
        return obj
    raise SystemExit(f'{path}: not a state dict or module checkpoint (got {type(obj).__name__})')


def load_strict(model, state, drop_prefixes=(), ignore=()):
    """Loads `state` with every parameter matched; names in `ignore` (non-persistent buffers) may be absent."""
    cleaned = {}
    for k, v in state.items():
        for p in drop_prefixes:
            if k.startswith(p):
                k = k[len(p):]
        if any(k.startswith(i) for i in ignore):
            continue
        cleaned[k] = v
    missing, unexpected = model.load_state_dict(cleaned, strict=False)
    missing = [m for m in missing if not any(m.startswith(i) for i in ignore)]
    if missing or unexpected:
        raise SystemExit(f'checkpoint does not match the architecture: missing {missing[:8]}..., unexpected {unexpected[:8]}...')


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def export(model, example, path, input_names, output_names, dynamic_axes):
    import onnx
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, example, path, opset_version=OPSET, input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, do_constant_folding=True)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    return graph


def graph_io(graph):
    def dims(t):
        return [d.dim_value if d.HasField('dim_value') else -1 for d in t.type.tensor_type.shape.dim]
    inits = {i.name for i in graph.graph.initializer}
    return ([(i.name, dims(i)) for i in graph.graph.input if i.name not in inits], [(o.name, dims(o)) for o in graph.graph.output])


def check_io(graph, entry):
    """The exported graph must have the entry's input / output names, ranks and static dims (-1 = dynamic)."""
    inputs, outputs = graph_io(graph)
    for kind, got, want in (('input', inputs, entry['io']['inputs']), ('output', outputs, entry['io']['outputs'])):
        if [g[0] for g in got] != [w['name'] for w in want]:
            raise SystemExit(f'{kind} names {[g[0] for g in got]} != entry {[w["name"] for w in want]}')
        for (name, dims), w in zip(got, want):
            wd = w['dims']
            if len(dims) != len(wd):
                raise SystemExit(f'{kind} {name}: rank {len(dims)} != entry rank {len(wd)}')
            for a, (d, e) in enumerate(zip(dims, wd)):
                if isinstance(e, int) and e != -1 and d != -1 and d != e:
                    raise SystemExit(f'{kind} {name}: dim {a} is {d}, entry says {e}')
                if isinstance(e, int) and e != -1 and d == -1:
                    raise SystemExit(f'{kind} {name}: dim {a} is dynamic, entry fixes it to {e}')
    print(f'I/O matches the entry: inputs {inputs}, outputs {outputs}')


def write_entry(model_id, manifest_path, onnx_path, entry_out, random_init):
    with open(manifest_path) as f:
        manifest = json.load(f)
    if model_id not in manifest['models']:
        raise SystemExit(f'{model_id} is not in {manifest_path}')
    entry = json.loads(json.dumps(manifest['models'][model_id]))
    model_file = next(f for f in entry['files'] if f['role'] == 'model')
    model_file['sha256'] = sha256_of(onnx_path)
    model_file['bytes'] = os.path.getsize(onnx_path)
    if random_init:
        entry['limitations'] = ('RANDOM WEIGHTS: exported by ' + os.path.basename(sys.argv[0]) +
                                ' --random-init for I/O and speed checks; predictions are meaningless.')
    out = entry_out or (onnx_path + '.entry.json')
    with open(out, 'w') as f:
        json.dump({'id': model_id, **entry}, f, indent=2)
        f.write('\n')
    print(f'wrote {onnx_path} ({model_file["bytes"]} bytes, sha256 {model_file["sha256"]}) and {out}')
    return entry


def pin_output_dims(path, pins):
    """Writes known static dims into graph outputs whose shape inference was lost (e.g. after
    reshapes of data-dependent sizes). pins: {output name: {axis: size}}."""
    import onnx
    graph = onnx.load(path)
    for out in graph.graph.output:
        for axis, size in pins.get(out.name, {}).items():
            dim = out.type.tensor_type.shape.dim[axis]
            dim.Clear()
            dim.dim_value = size
    onnx.checker.check_model(graph)
    onnx.save(graph, path)
    return graph


def convert(model_id, model, args, example, input_names, output_names, dynamic_axes, load, pins=None):
    """Common main: load weights (or keep random), export, check against the manifest entry, write the entry."""
    torch.manual_seed(args.seed)
    if args.checkpoint:
        load(model, args.checkpoint)
    model.eval()
    graph = export(model, example, args.out, input_names, output_names, dynamic_axes)
    if pins:
        graph = pin_output_dims(args.out, pins)
    with open(args.manifest) as f:
        entry = json.load(f)['models'][model_id]
    check_io(graph, entry)
    return write_entry(model_id, args.manifest, args.out, args.entry_out, args.random_init)
