#!/usr/bin/python3
"""Converts brainchop's pretrained MeshNet models (TensorFlow.js layers format) to ONNX.

    apt-get install -y python3-onnx python3-numpy      # and node (reads brainchop-parameters.js)
    /usr/bin/python3 scripts/models/brainchop/convert_brainchop.py --repo <brainchop git dir> [--rev HEAD]

--repo is a clone of https://github.com/neuroneural/brainchop (bare or not); files are read from
the commit --rev resolves to with `git show`, so what is converted is exactly a recorded commit.
Writes, per model, models/brainchop/<name>.onnx and models/brainchop/<name>.json (provenance:
upstream repo, commit, path, sha256 and bytes of every file read, licence; the labels with
brainchop's names and colours; brainchop's per-model settings from brainchop-parameters.js; the
network's I/O). No hand edits: rerunning on the same commit reproduces the files byte for byte.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx  # noqa: E402

from onnx_graph import OPSET, build  # noqa: E402
from tfjs_layers import layer_chain, load_json, read_weights  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
UPSTREAM = 'neuroneural/brainchop'
LICENSE_PATH = 'LICENSE'
PARAMS_PATH = 'brainchop-parameters.js'

# name -> (upstream model folder, colormap used for the labels, why that colormap)
MODELS = {
    'model5_gw_ae': ('public/models/model5_gw_ae', 'public/models/model5_gw_ae/colormap3.json',
                     'colormapPath of brainchop entry 1 (Tissue GWM light)'),
    'model11_gw_ae': ('public/models/model11_gw_ae', 'public/models/model5_gw_ae/colormap.json',
                      'brainchop uses this network only as a brain mask / extractor (entries 11, 13: any label != 0 is brain) '
                      'and gives it no colormap; these are the labels of its Brain_Masking colormap (entry 12)'),
    'model18cls': ('public/models/model18cls', 'public/models/model18cls/colormap.json',
                   'colormapPath of brainchop entry 6 (Subcortical + GWM low mem, faster)'),
    'model30chan50cls': ('public/models/model30chan50cls', 'public/models/model30chan50cls/colormap.json',
                         'colormapPath of brainchop entries 8 and 9 (Aparc+Aseg 50)'),
    'mindgrab': ('public/models/mindgrab', 'public/models/mindgrab/colormap.json',
                 'colormap.json next to the model (entries 16, 17 use it as a brain extractor: label != 0 is brain)'),
}


def git(repo, *args):
    return subprocess.run(['git', f'--git-dir={repo}', *args], check=True, capture_output=True).stdout


def resolve_git_dir(path):
    if os.path.isdir(os.path.join(path, '.git')):
        return os.path.join(path, '.git')
    return path


def brainchop_parameters(source):
    """inferenceModelsList from brainchop-parameters.js, evaluated by node (a plain data module)."""
    with tempfile.TemporaryDirectory() as tmp:
        mod = os.path.join(tmp, 'params.mjs')
        with open(mod, 'wb') as f:
            f.write(source)
        code = f"import({json.dumps('file://' + mod)}).then(m => process.stdout.write(JSON.stringify(m.inferenceModelsList)))"
        out = subprocess.run(['node', '--input-type=module', '-e', code], check=True, capture_output=True).stdout
    return json.loads(out)


SETTING_KEYS = ['id', 'type', 'modelName', 'path', 'colormapPath', 'preModelId', 'preModelPostProcess', 'enableTranspose',
                'enableCrop', 'cropPadding', 'autoThreshold', 'enableQuantileNorm', 'filterOutWithPreMask', 'enableSeqConv',
                'description']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repo', required=True, help='git directory of a neuroneural/brainchop clone')
    ap.add_argument('--rev', default='HEAD')
    ap.add_argument('--out', default=os.path.join(REPO, 'models', 'brainchop'))
    ap.add_argument('--only', nargs='*', help='model names to convert (default: all)')
    args = ap.parse_args()
    repo = resolve_git_dir(args.repo)
    commit = git(repo, 'rev-parse', f'{args.rev}^{{commit}}').decode().strip()
    read_log = {}

    def read(path):
        data = git(repo, 'show', f'{commit}:{path}')
        read_log[path] = {'path': path, 'sha256': hashlib.sha256(data).hexdigest(), 'bytes': len(data)}
        return data

    license_text = read(LICENSE_PATH).decode()
    params = brainchop_parameters(read(PARAMS_PATH))
    os.makedirs(args.out, exist_ok=True)
    for name, (folder, colormap_path, colormap_why) in MODELS.items():
        if args.only and name not in args.only:
            continue
        read_log.clear()
        read(LICENSE_PATH)
        read(PARAMS_PATH)
        model_json = load_json(read(f'{folder}/model.json'))
        weights = read_weights(model_json, lambda p: read(f'{folder}/{p}'))
        chain = layer_chain(model_json)
        colormap = load_json(read(colormap_path))
        labels = [{'value': i, 'name': n, 'rgb': [colormap['R'][i], colormap['G'][i], colormap['B'][i]]}
                  for i, n in enumerate(colormap['labels'])]
        meta = {
            'upstream': f'https://github.com/{UPSTREAM}',
            'upstream_commit': commit,
            'upstream_path': f'{folder}/model.json',
            'upstream_sha256': read_log[f'{folder}/model.json']['sha256'],
            'license': 'MIT (Copyright (c) 2021 neuroneural/brainchop)',
            'converter': 'medinfer scripts/models/brainchop/convert_brainchop.py',
            'axis_order': 'input/logits spatial axes D,H,W = voxel axes i,j,k of the conformed volume (brainchop enableTranspose)',
        }
        model, channels = build(chain, weights, name, meta)
        if channels != len(labels) and name not in ('model11_gw_ae',):
            raise SystemExit(f'{name}: {channels} output channels but {len(labels)} labels in {colormap_path}')
        onnx_path = os.path.join(args.out, f'{name}.onnx')
        data = model.SerializeToString()
        with open(onnx_path, 'wb') as f:
            f.write(data)
        onnx.checker.check_model(onnx_path)
        entries = [{k: e.get(k) for k in SETTING_KEYS} for e in params if e['path'].lstrip('/') == f'{folder.replace("public/", "")}/model.json']
        layers = [{'class': l['class_name'], 'name': l['config']['name'],
                   **{k: l['config'][k] for k in ('filters', 'kernel_size', 'dilation_rate', 'padding', 'activation', 'use_bias') if k in l['config']}}
                  for l in chain[1:]]
        prov = {
            'name': name,
            'file': f'{name}.onnx',
            'sha256': hashlib.sha256(data).hexdigest(),
            'bytes': len(data),
            'opset': OPSET,
            'upstream': {'repo': UPSTREAM, 'url': f'https://github.com/{UPSTREAM}', 'commit': commit,
                         'files': sorted(read_log.values(), key=lambda r: r['path']),
                         'format': model_json.get('format'), 'generatedBy': model_json.get('generatedBy'),
                         'convertedBy': model_json.get('convertedBy')},
            'license': {'spdx': 'MIT', 'holder': 'Copyright (c) 2021 neuroneural/brainchop', 'file': 'LICENSE.brainchop'},
            'io': {
                'input': {'name': 'input', 'dtype': 'float32', 'dims': ['N', 1, 'D', 'H', 'W'], 'layout': 'NCDHW', 'axisOrder': 'ijk'},
                'output': {'name': 'logits', 'dtype': 'float32', 'dims': ['N', channels, 'D', 'H', 'W'], 'layout': 'NCDHW', 'axisOrder': 'ijk'},
                'note': 'D,H,W are the voxel axes i,j,k (i fastest in the NIfTI file) of the conformed 256^3 LIA volume: brainchop '
                        'stacks the file as [k][j][i] and transposes it (enableTranspose) before the network. Any spatial size runs '
                        '(dynamic dims); the _gn normalisation makes outputs depend on the whole crop.',
            },
            'labels': labels,
            'labelsSource': {'path': colormap_path, 'why': colormap_why},
            'brainchopEntries': entries,
            'brainchopGlobalOptions': {'isPostProcessEnable': True,
                                       'note': 'brainChopOpts.isPostProcessEnable is global (brainchop-parameters.js), not per model'},
            'layers': layers,
        }
        with open(os.path.join(args.out, f'{name}.json'), 'w') as f:
            json.dump(prov, f, indent=2)
            f.write('\n')
        print(f'{name}: {len(chain) - 1} layers, {channels} classes -> {onnx_path} ({len(data)} bytes)')
    with open(os.path.join(args.out, 'LICENSE.brainchop'), 'w') as f:
        f.write(license_text)


if __name__ == '__main__':
    main()
