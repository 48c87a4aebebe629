"""The ONNX graph of a brainchop MeshNet chain (opset 17, no hand edits).

Layer semantics reproduced, and where they come from:
- Conv3D (Keras, channels_last, kernel [kd, kh, kw, in, out]) -> ONNX Conv with the kernel
  permuted to [out, in, kd, kh, kw]; the three spatial axes keep their order, so ONNX's D, H, W
  are tfjs's D, H, W (see README.md for what they are in the volume). padding 'same' at stride 1
  pads dilation * (k - 1) in total per axis, the odd remainder at the end (TensorFlow's rule).
- Activation relu / elu (alpha 1, Keras's default) / gelu (tfjs-layers' exact erf form
  0.5 x (1 + erf(x / sqrt 2)); ONNX's Gelu op needs opset 20, so it is spelled out) / sigmoid /
  tanh / linear.
- A layer whose name ends in `_gn`: brainchop (inference-logic.js, tensor-utils.js
  LayerNormInPlace) follows the layer's output with a per-channel normalisation over the spatial
  axes of the whole (cropped) volume it runs on - mean and biased variance, epsilon 1e-5, no
  learnt scale or shift. That is exactly ONNX InstanceNormalization with scale 1 and bias 0.
  It is data-dependent over the whole input, so results depend on the crop the network sees.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tfjs_layers import TfjsFormatError

OPSET = 17
GN_EPSILON = 1e-5  # brainchop LayerNormInPlace(x, epsilon = 1e-5)


def _same_pads(kernel, dilation):
    begin, end = [], []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin + end


class GraphBuilder:
    def __init__(self):
        self.nodes = []
        self.inits = []
        self.count = 0

    def name(self, base):
        self.count += 1
        return f'{base}_{self.count}'

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, base, **attrs):
        out = self.name(base)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def activation(self, x, kind, layer_name):
        if kind == 'linear':
            return x
        if kind == 'relu':
            return self.node('Relu', [x], f'{layer_name}/relu')
        if kind == 'elu':
            return self.node('Elu', [x], f'{layer_name}/elu', alpha=1.0)
        if kind == 'sigmoid':
            return self.node('Sigmoid', [x], f'{layer_name}/sigmoid')
        if kind == 'tanh':
            return self.node('Tanh', [x], f'{layer_name}/tanh')
        if kind == 'gelu':
            if 'gelu_sqrt2' not in {i.name for i in self.inits}:
                self.const('gelu_sqrt2', np.array(np.sqrt(2.0), dtype=np.float32))
                self.const('gelu_half', np.array(0.5, dtype=np.float32))
                self.const('gelu_one', np.array(1.0, dtype=np.float32))
            scaled = self.node('Div', [x, 'gelu_sqrt2'], f'{layer_name}/gelu_div')
            erf = self.node('Erf', [scaled], f'{layer_name}/gelu_erf')
            one_plus = self.node('Add', [erf, 'gelu_one'], f'{layer_name}/gelu_add')
            half_x = self.node('Mul', [x, 'gelu_half'], f'{layer_name}/gelu_halfx')
            return self.node('Mul', [half_x, one_plus], f'{layer_name}/gelu')
        raise TfjsFormatError(f'layer {layer_name}: activation {kind!r} is not supported')

    def conv3d(self, x, cfg, weights):
        name = cfg['name']
        if cfg.get('data_format', 'channels_last') != 'channels_last':
            raise TfjsFormatError(f'layer {name}: data_format {cfg["data_format"]} (channels_last expected)')
        if list(cfg['strides']) != [1, 1, 1]:
            raise TfjsFormatError(f'layer {name}: strides {cfg["strides"]} are not supported (MeshNet uses 1)')
        if cfg.get('groups', 1) != 1:
            raise TfjsFormatError(f'layer {name}: grouped convolution is not supported')
        kernel = weights.pop(f'{name}/kernel')
        kd, kh, kw, cin, cout = kernel.shape
        if [kd, kh, kw] != list(cfg['kernel_size']) or cout != cfg['filters']:
            raise TfjsFormatError(f'layer {name}: kernel shape {kernel.shape} does not match its config')
        w = self.const(f'{name}/W', kernel.transpose(4, 3, 0, 1, 2))
        inputs = [x, w]
        if cfg['use_bias']:
            inputs.append(self.const(f'{name}/B', weights.pop(f'{name}/bias')))
        dil = list(cfg['dilation_rate'])
        pads = _same_pads([kd, kh, kw], dil) if cfg['padding'] == 'same' else [0] * 6
        if cfg['padding'] not in ('same', 'valid'):
            raise TfjsFormatError(f'layer {name}: padding {cfg["padding"]!r}')
        y = self.node('Conv', inputs, f'{name}/conv', kernel_shape=[kd, kh, kw], dilations=dil, strides=[1, 1, 1], pads=pads)
        y = self.activation(y, cfg.get('activation', 'linear'), name)
        return y, cout


def build(chain, weights, graph_name, metadata):
    """chain: tfjs layer configs input -> output; weights: {name: array} (consumed). Returns the ModelProto."""
    weights = dict(weights)
    b = GraphBuilder()
    x = 'input'
    channels = None
    first = chain[0]['config']
    shape = first.get('batch_input_shape')
    if shape is None or len(shape) != 5 or shape[4] != 1:
        raise TfjsFormatError(f'input shape {shape}: [N, D, H, W, 1] expected')
    for layer in chain[1:]:
        cls, cfg = layer['class_name'], layer['config']
        if cls == 'Conv3D':
            x, channels = b.conv3d(x, cfg, weights)
        elif cls == 'Activation':
            x = b.activation(x, cfg['activation'], cfg['name'])
        else:
            raise TfjsFormatError(f'layer {cfg["name"]}: class {cls} is not supported')
        if cfg['name'].endswith('_gn'):
            scale = b.const(f'{cfg["name"]}/gn_scale', np.ones(channels, dtype=np.float32))
            bias = b.const(f'{cfg["name"]}/gn_bias', np.zeros(channels, dtype=np.float32))
            x = b.node('InstanceNormalization', [x, scale, bias], f'{cfg["name"]}/gn', epsilon=GN_EPSILON)
    if weights:
        raise TfjsFormatError(f'weights not used by any layer: {sorted(weights)[:5]}')
    b.nodes.append(helper.make_node('Identity', [x], ['logits'], name='logits'))
    inp = helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 1, 'D', 'H', 'W'])
    out = helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', channels, 'D', 'H', 'W'])
    graph = helper.make_graph(b.nodes, graph_name, [inp], [out], initializer=b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='medinfer scripts/models/brainchop')
    model.ir_version = 8  # opset 17's IR; onnxruntime 1.x and onnxruntime-web read it
    for k, v in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    return model, channels
