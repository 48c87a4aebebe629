"""A small ONNX interpreter on torch.nn.functional, for parity references: it runs a bundled
model's graph node by node in torch (float64 by default), independently of ONNX Runtime, so the
SDK's outputs can be checked against a second implementation of the same network. Covers the ops
the bundled models use; an unknown op is an error, never a silent skip."""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads_torch(pads):
    # ONNX pads: [x1_begin, x2_begin, ..., x1_end, x2_end]; F.pad wants last axis first.
    n = len(pads) // 2
    out = []
    for d in reversed(range(n)):
        out += [pads[d], pads[d + n]]
    return out


def _conv(x, w, b, a):
    nd = w.dim() - 2
    pads = a.get('pads', [0] * (2 * nd))
    if any(p != q for p, q in zip(pads[:nd], pads[nd:])):
        x = F.pad(x, _pads_torch(pads))
        pad = 0
    else:
        pad = pads[:nd]
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    return fn(x, w, b, stride=a.get('strides', 1), padding=pad, dilation=a.get('dilations', 1), groups=a.get('group', 1))


def _pool(x, a, kind):
    k = a['kernel_shape']
    nd = len(k)
    pads = a.get('pads', [0] * (2 * nd))
    x = F.pad(x, _pads_torch(pads), value=float('-inf') if kind == 'max' else 0.0) if any(pads) else x
    fn = {('max', 1): F.max_pool1d, ('max', 2): F.max_pool2d, ('max', 3): F.max_pool3d,
          ('avg', 1): F.avg_pool1d, ('avg', 2): F.avg_pool2d, ('avg', 3): F.avg_pool3d}[(kind, nd)]
    return fn(x, k, stride=a.get('strides', k), ceil_mode=bool(a.get('ceil_mode', 0)))


def _resize(x, scales, sizes, a):
    mode = a.get('mode', b'nearest').decode()
    ctm = a.get('coordinate_transformation_mode', b'half_pixel').decode()
    size = [int(s) for s in sizes[2:]] if sizes is not None and len(sizes) else [int(round(d * s)) for d, s in zip(x.shape[2:], scales[2:])]
    if mode == 'nearest':
        return F.interpolate(x, size=size, mode='nearest')
    align = ctm == 'align_corners'
    tmode = {1: 'linear', 2: 'bilinear', 3: 'trilinear'}[len(size)]
    return F.interpolate(x, size=size, mode=tmode, align_corners=align)


def _reduce(x, axes, keep, fn):
    axes = sorted(int(v) % x.dim() for v in axes)
    for ax in reversed(axes):
        x = fn(x, ax, keep)
    return x


def run_onnx(path, feeds, dtype=torch.float64):
    """feeds: name -> numpy array. Returns name -> numpy array for the graph outputs."""
    g = onnx.load(path).graph
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
    for k, v in feeds.items():
        t = torch.from_numpy(np.asarray(v))
        env[k] = t.to(dtype) if t.is_floating_point() else t
    for t in list(env):
        if env[t].is_floating_point():
            env[t] = env[t].to(dtype)
    for n in g.node:
        a = _attrs(n)
        i = [env[x] if x else None for x in n.input]
        op = n.op_type
        if op == 'Constant':
            v = torch.from_numpy(numpy_helper.to_array(a['value']).copy())
            out = v.to(dtype) if v.is_floating_point() else v
        elif op == 'Conv':
            out = _conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif op == 'BatchNormalization':
            out = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get('epsilon', 1e-5))
        elif op == 'Relu':
            out = F.relu(i[0])
        elif op == 'LeakyRelu':
            out = F.leaky_relu(i[0], a.get('alpha', 0.01))
        elif op == 'Sigmoid':
            out = torch.sigmoid(i[0])
        elif op == 'Tanh':
            out = torch.tanh(i[0])
        elif op == 'MaxPool':
            out = _pool(i[0], a, 'max')
        elif op == 'AveragePool':
            out = _pool(i[0], a, 'avg')
        elif op == 'GlobalAveragePool':
            out = i[0].mean(dim=tuple(range(2, i[0].dim())), keepdim=True)
        elif op == 'Concat':
            out = torch.cat(i, dim=a['axis'])
        elif op in ('Add', 'Sub', 'Mul', 'Div', 'Pow'):
            out = {'Add': torch.add, 'Sub': torch.sub, 'Mul': torch.mul, 'Div': torch.div, 'Pow': torch.pow}[op](i[0], i[1])
        elif op == 'Gemm':
            A = i[0].t() if a.get('transA', 0) else i[0]
            B = i[1].t() if a.get('transB', 0) else i[1]
            out = a.get('alpha', 1.0) * A @ B + (a.get('beta', 1.0) * i[2] if len(i) > 2 and i[2] is not None else 0)
        elif op == 'MatMul':
            out = i[0] @ i[1]
        elif op == 'Reshape':
            shape = [int(s) for s in i[1].tolist()]
            shape = [i[0].shape[d] if s == 0 else s for d, s in enumerate(shape)]
            out = i[0].reshape(shape)
        elif op == 'Transpose':
            out = i[0].permute(*a.get('perm', list(reversed(range(i[0].dim())))))
        elif op == 'Flatten':
            ax = a.get('axis', 1)
            out = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == 'Pad':
            pads = [int(p) for p in i[1].tolist()]
            value = float(i[2].item()) if len(i) > 2 and i[2] is not None else 0.0
            out = F.pad(i[0], _pads_torch(pads), mode=a.get('mode', b'constant').decode().replace('edge', 'replicate'), value=value) if a.get('mode', b'constant') == b'constant' else F.pad(i[0], _pads_torch(pads), mode=a['mode'].decode().replace('edge', 'replicate'))
        elif op in ('ReduceMean', 'ReduceMax', 'ReduceSum', 'ReduceMin'):
            axes = a['axes'] if 'axes' in a else (i[1].tolist() if len(i) > 1 else range(i[0].dim()))
            keep = bool(a.get('keepdims', 1))
            fn = {'ReduceMean': lambda x, d, k: x.mean(d, keepdim=k), 'ReduceMax': lambda x, d, k: x.amax(d, keepdim=k),
                  'ReduceSum': lambda x, d, k: x.sum(d, keepdim=k), 'ReduceMin': lambda x, d, k: x.amin(d, keepdim=k)}[op]
            out = _reduce(i[0], axes, keep, fn)
        elif op == 'Resize':
            scales = i[2].tolist() if len(i) > 2 and i[2] is not None and i[2].numel() else None
            sizes = i[3].tolist() if len(i) > 3 and i[3] is not None else None
            out = _resize(i[0], scales, sizes, a)
        elif op == 'Gather':
            ax = a.get('axis', 0) % i[0].dim()
            idx = i[1].long() % i[0].shape[ax]
            picked = torch.index_select(i[0], ax, idx.reshape(-1))
            out = picked.reshape(list(i[0].shape[:ax]) + list(idx.shape) + list(i[0].shape[ax + 1:]))
        elif op == 'Softmax':
            out = torch.softmax(i[0], dim=a.get('axis', -1))
        elif op == 'Unsqueeze':
            axes = a['axes'] if 'axes' in a else i[1].tolist()
            out = i[0]
            for ax in sorted(int(x) for x in axes):
                out = out.unsqueeze(ax)
        elif op == 'Squeeze':
            axes = a['axes'] if 'axes' in a else (i[1].tolist() if len(i) > 1 and i[1] is not None else None)
            out = i[0].squeeze() if axes is None else i[0]
            if axes is not None:
                for ax in sorted((int(x) % i[0].dim() for x in axes), reverse=True):
                    out = out.squeeze(ax)
        elif op == 'Shape':
            out = torch.tensor(list(i[0].shape), dtype=torch.int64)
        elif op == 'Slice':
            starts, ends = i[1].tolist(), i[2].tolist()
            axes = i[3].tolist() if len(i) > 3 and i[3] is not None else list(range(len(starts)))
            steps = i[4].tolist() if len(i) > 4 and i[4] is not None else [1] * len(starts)
            sl = [slice(None)] * i[0].dim()
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[int(ax)] = slice(int(s), int(min(e, 2 ** 62)), int(st))
            out = i[0][tuple(sl)]
        elif op == 'Cast':
            to = a['to']
            out = i[0].to(dtype) if to in (1, 11) else i[0].to(torch.int64)
        elif op in ('Identity', 'Dropout'):
            out = i[0]
        elif op == 'Clip':
            lo = i[1].item() if len(i) > 1 and i[1] is not None else a.get('min', None)
            hi = i[2].item() if len(i) > 2 and i[2] is not None else a.get('max', None)
            out = torch.clamp(i[0], lo, hi)
        elif op == 'Exp':
            out = torch.exp(i[0])
        elif op == 'Softplus':
            out = F.softplus(i[0])
        elif op == 'Range':
            out = torch.arange(i[0].item(), i[1].item(), i[2].item(), dtype=i[0].dtype)
        elif op == 'Split':
            split = i[1].tolist() if len(i) > 1 and i[1] is not None else a.get('split')
            out = torch.split(i[0], split, dim=a.get('axis', 0))
            for name, t in zip(n.output, out):
                env[name] = t
            continue
        else:
            raise SystemExit(f'onnx_torch: op {op} is not implemented')
        env[n.output[0]] = out
    return {o.name: env[o.name].numpy() for o in g.output}
