"""A subnet as the planner's immutable :class:`Graph`, built directly: int8, no TensorFlow.

The graph is what :func:`planner.loader.load_model` would read from the ``.tflite`` file
:mod:`planner.space.export` writes for the same subnet (the tests compare the two field by
field), laid out as TensorFlow's converter lays out a quantized MobileNetV2:

* int8 activations with one scale and zero point per tensor; the input is ``[1, r, r, 3]``;
* CONV_2D and DEPTHWISE_CONV_2D with int8 weights quantized per output channel (axis 0 for
  convolutions, axis 3 for depthwise), int32 biases with one scale per channel, SAME padding,
  RELU6 fused where MobileNetV2 has it (not after the projection);
* ADD for every residual connection; MEAN over height and width (the converter's global
  average pool); FULLY_CONNECTED (per-tensor int8 weights, int32 bias); SOFTMAX with TFLM's
  required int8 output quantization (scale 1/256, zero point -128).

Quantization parameters are fixed powers of two (exact in the file's float32), so only the
weight values, which memory does not depend on, are random in the exported model.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from planner.model.schema import tflite_object_api
from planner.model.tflite_reader import snake_case
from planner.space.pipeline import Graph, Operator, Quantization, Subgraph, Tensor
from planner.space.supernet import Subnet

#: Operator versions, as the converter writes them for these int8 kernels.
OP_VERSIONS: Mapping[str, int] = MappingProxyType(
    {"CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "ADD": 2, "MEAN": 2, "FULLY_CONNECTED": 4, "SOFTMAX": 2}
)
#: The schema's options table of each operator.
OPTIONS_TABLES: Mapping[str, str] = MappingProxyType(
    {
        "CONV_2D": "Conv2DOptions",
        "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
        "ADD": "AddOptions",
        "MEAN": "ReducerOptions",
        "FULLY_CONNECTED": "FullyConnectedOptions",
        "SOFTMAX": "SoftmaxOptions",
    }
)
RELU6 = 3  # ActivationFunctionType.RELU6
NO_ACTIVATION = 0

INPUT_QUANT = Quantization((1 / 128,), (0,))
ACT_QUANT = Quantization((1 / 16,), (-128,))
LINEAR_QUANT = Quantization((1 / 16,), (0,))
SOFTMAX_QUANT = Quantization((1 / 256,), (-128,))
WEIGHT_SCALE = 1 / 128


@functools.cache
def options_fields(table: str) -> tuple[tuple[str, str], ...]:
    """(schema object-API attribute, snake_case key) for every field of an options table."""
    obj = getattr(tflite_object_api(), table + "T")()
    return tuple((k, snake_case(k)) for k in vars(obj))


@functools.cache
def operator_options(opcode: str, **fields: object) -> Mapping[str, object]:
    """The options mapping the loader reads for ``opcode`` with ``fields`` (snake_case) set:
    every field of the schema's options table, defaults included."""
    obj = getattr(tflite_object_api(), OPTIONS_TABLES[opcode] + "T")()
    out: dict[str, object] = {}
    for attr, key in options_fields(OPTIONS_TABLES[opcode]):
        out[key] = fields.get(key, getattr(obj, attr))
    unknown = set(fields) - set(out)
    if unknown:
        raise ValueError(f"{opcode} has no option(s) {sorted(unknown)}")
    return MappingProxyType(out)


@dataclass(frozen=True)
class BuiltNetwork:
    """A subnet's graph and the constant values that are not random weights (MEAN's axes)."""

    subnet: Subnet
    graph: Graph
    #: Tensor index -> its exact little-endian contents.
    fixed_data: Mapping[int, bytes] = field(default_factory=lambda: MappingProxyType({}))


class _Builder:
    def __init__(self) -> None:
        self.tensors: list[Tensor] = []
        self.ops: list[Operator] = []
        self.buffers = 0
        self.fixed: dict[int, bytes] = {}

    def tensor(
        self,
        name: str,
        shape: tuple[int, ...],
        quant: Quantization | None,
        dtype: str = "INT8",
        constant_bytes: int = 0,
    ) -> int:
        buffer = 0
        if constant_bytes:
            self.buffers += 1
            buffer = self.buffers
        index = len(self.tensors)
        self.tensors.append(Tensor(index, name, shape, dtype, buffer, constant_bytes, False, quant))
        return index

    def weights(self, name: str, shape: tuple[int, ...], channels: int, axis: int) -> int:
        q = Quantization((WEIGHT_SCALE,) * channels, (0,) * channels, axis)
        elements = 1
        for d in shape:
            elements *= d
        return self.tensor(name, shape, q, "INT8", elements)

    def bias(self, name: str, channels: int, input_scale: float, per_channel: bool = True) -> int:
        n = channels if per_channel else 1
        q = Quantization((input_scale * WEIGHT_SCALE,) * n, (0,) * n)
        return self.tensor(name, (channels,), q, "INT32", 4 * channels)

    def op(self, opcode: str, inputs: tuple[int, ...], output: int, **options: object) -> int:
        self.ops.append(
            Operator(
                index=len(self.ops),
                opcode=opcode,
                inputs=inputs,
                outputs=(output,),
                options=operator_options(opcode, **options),
                version=OP_VERSIONS[opcode],
            )
        )
        return output

    def conv(
        self, x: int, name: str, cout: int, k: int, stride: int, act: int, depthwise: bool = False
    ) -> int:
        src = self.tensors[x]
        _, h, w, cin = src.shape
        out_shape = (1, -(-h // stride), -(-w // stride), cout)
        scale = src.quantization.scales[0] if src.quantization else 1.0
        if depthwise:
            wt = self.weights(f"{name}/depthwise_weights", (1, k, k, cout), cout, 3)
        else:
            wt = self.weights(f"{name}/weights", (cout, k, k, cin), cout, 0)
        b = self.bias(f"{name}/bias", cout, scale)
        y = self.tensor(name, out_shape, ACT_QUANT if act == RELU6 else LINEAR_QUANT)
        # SAME padding; a depthwise conv also says its channel multiplier.
        options: dict[str, object] = {"padding": 0, "stride_w": stride, "stride_h": stride}
        if depthwise:
            options["depth_multiplier"] = 1
        opcode = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
        return self.op(opcode, (x, wt, b), y, **options, fused_activation_function=act)


def _head(b: _Builder, x: int, subnet: Subnet) -> int:
    """Last 1x1 convolution, global average pool (MEAN), classifier, softmax."""
    x = b.conv(x, "last_conv", subnet.last_channels, 1, 1, RELU6)
    axes = b.tensor("pool/axes", (2,), None, "INT32", 8)
    b.fixed[axes] = (1).to_bytes(4, "little") + (2).to_bytes(4, "little")
    channels = b.tensors[x].shape[-1]
    pooled = b.tensor("pool", (1, channels), ACT_QUANT)
    b.op("MEAN", (x, axes), pooled, keep_dims=False)
    fc_w = b.tensor(
        "classifier/weights",
        (subnet.classes, channels),
        Quantization((WEIGHT_SCALE,), (0,)),
        "INT8",
        subnet.classes * channels,
    )
    fc_b = b.bias("classifier/bias", subnet.classes, ACT_QUANT.scales[0], per_channel=False)
    logits = b.tensor("logits", (1, subnet.classes), LINEAR_QUANT)
    b.op("FULLY_CONNECTED", (pooled, fc_w, fc_b), logits)
    probs = b.tensor("probabilities", (1, subnet.classes), SOFTMAX_QUANT)
    return b.op("SOFTMAX", (logits,), probs, beta=1.0)


def build_network(subnet: Subnet) -> BuiltNetwork:
    """The subnet as a one-subgraph :class:`Graph` (``file_bytes`` 0: see
    :func:`planner.space.export.with_file_bytes`)."""
    b = _Builder()
    r = subnet.resolution
    x = b.tensor("input", (1, r, r, 3), INPUT_QUANT)
    x = b.conv(x, "stem", subnet.stem_channels, 3, 2, RELU6)
    for i, block in enumerate(subnet.blocks()):
        name = f"block{i}"
        y = x
        if block.expansion != 1:
            y = b.conv(y, f"{name}/expand", block.hidden_channels, 1, 1, RELU6)
        y = b.conv(
            y,
            f"{name}/depthwise",
            block.hidden_channels,
            block.kernel,
            block.stride,
            RELU6,
            depthwise=True,
        )
        y = b.conv(y, f"{name}/project", block.out_channels, 1, 1, NO_ACTIVATION)
        if block.residual:
            out = b.tensor(f"{name}/add", b.tensors[y].shape, LINEAR_QUANT)
            y = b.op("ADD", (x, y), out, fused_activation_function=NO_ACTIVATION)
        x = y
    out = _head(b, x, subnet)
    sg = Subgraph(0, "main", tuple(b.tensors), tuple(b.ops), (0,), (out,))
    graph = Graph(subgraphs=(sg,), file_bytes=0, path=f"<subnet {subnet.label}>")
    return BuiltNetwork(subnet, graph, MappingProxyType(dict(b.fixed)))
