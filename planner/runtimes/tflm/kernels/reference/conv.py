"""CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV (and CONV_3D's cost): TFLM's reference kernels.

Sources (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/): conv.cc, conv_common.cc
(``ConvPrepare``, ``CalculateOpDataConv``), depthwise_conv.cc, depthwise_conv_common.cc,
transpose_conv.cc. Temporary-tensor call sequences checked against the pip runtime's machine
code.
"""

from __future__ import annotations

from dataclasses import replace

from planner.analysis.shape_rules import (
    conv_rule,
    depthwise_rule,
    dims4,
    transpose_conv_rule,
)
from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    PersistentBuffer,
    Slot,
    dim,
    fixed,
    with_compression,
)
from planner.runtimes.tflm.structs.builtin_data import (
    CONV_PARAMS,
    DEPTHWISE_CONV_PARAMS,
    TRANSPOSE_CONV_PARAMS,
)
from planner.runtimes.tflm.structs.op_data import op_data_conv, op_data_transpose_conv
from planner.targets.target import Target

_K = "tensorflow/lite/micro/kernels/"


def per_channel_arrays(channels: int) -> tuple[PersistentBuffer, ...]:
    """The per-channel output multipliers and shifts: two int32 arrays."""
    return (
        PersistentBuffer("per-channel output multipliers", 4 * channels),
        PersistentBuffer("per-channel output shifts", 4 * channels),
    )


def conv_prepare(view: OpView, _target: Target) -> tuple[PersistentBuffer, ...]:
    """ConvPrepare: arrays of num_channels = filter dim 0 (depthwise: dim 3)."""
    axis = 3 if view.op.opcode == "DEPTHWISE_CONV_2D" else 0
    return per_channel_arrays(dim(view.input(1), axis))


def int4_unpacking(view: OpView, _target: Target) -> tuple[int, ...]:
    """An int4 filter is unpacked into a scratch buffer of its element count."""
    filt = view.input(1)
    if filt is not None and filt.dtype == "INT4":
        return (filt.elements,)
    return ()


def transpose_conv_scratch(view: OpView, _target: Target) -> tuple[int, ...]:
    """transpose_conv.cc Prepare: int8 -> output elements x 4; int16 -> output elements x 8,
    then bias elements x 8 if the bias is int16."""
    inp = view.need(2)
    out = view.need(0, outputs=True)
    if inp.dtype == "INT8":
        return (out.elements * 4,)
    if inp.dtype == "INT16":
        bias = view.input(3)
        extra = (bias.elements * 8,) if bias is not None and bias.dtype == "INT16" else ()
        return (out.elements * 8, *extra)
    return ()


_CONV_TEMPS: tuple[Slot, ...] = (
    # ConvPrepare (output, input, filter) + CalculateOpDataConv (input, filter, bias, output).
    ("o", 0),
    ("i", 0),
    ("i", 1),
    ("i", 0),
    ("i", 1),
    ("i", 2),
    ("o", 0),
)


def transpose_conv_temps(view: OpView) -> tuple[Slot, ...]:
    """Prepare (output, input, filter) + CalculateOpData when quantized."""
    inp = view.input(2)
    quantized = inp is not None and inp.dtype != "FLOAT32"
    extra: tuple[Slot, ...] = (("i", 2), ("i", 1), ("i", 3), ("o", 0)) if quantized else ()
    return (("o", 0), ("i", 2), ("i", 1), *extra)


def conv_macs(view: OpView) -> int:
    _, kh, kw, ci_per_group = dims4(view.need(1).shape)
    return view.need(0, outputs=True).elements * kh * kw * ci_per_group


def depthwise_macs(view: OpView) -> int:
    _, kh, kw, _ = dims4(view.need(1).shape)
    return view.need(0, outputs=True).elements * kh * kw


def transpose_conv_macs(view: OpView) -> int:
    # inputs: output_shape, weights [co, kh, kw, ci], input. Every input element is
    # multiplied into a kh x kw x co window of the output.
    co, kh, kw, _ = dims4(view.need(1).shape)
    return view.need(2).elements * kh * kw * co


def conv3d_macs(view: OpView) -> int:
    w = view.need(1).shape
    kd, kh, kw, ci = ((1,) * (5 - len(w)) + w)[:4]
    return view.need(0, outputs=True).elements * kd * kh * kw * ci


#: CONV_2D and DEPTHWISE_CONV_2D share ConvPrepare's allocations and OpDataConv; they differ
#: in their builtin options, their cost and their shape rule.
_CONV = Kernel(
    "CONV_2D",
    source=_K + "conv.cc, conv_common.cc",
    tail_known=True,
    parse=fixed(CONV_PARAMS),
    init=with_compression(op_data_conv),
    prepare=conv_prepare,
    scratch_known=True,
    scratch=int4_unpacking,
    temps=lambda _v: _CONV_TEMPS,
    macs=conv_macs,
    shape=conv_rule,
    latency="conv",
)
_DEPTHWISE = replace(
    _CONV,
    opcode="DEPTHWISE_CONV_2D",
    source=_K + "depthwise_conv.cc, depthwise_conv_common.cc",
    parse=fixed(DEPTHWISE_CONV_PARAMS),
    macs=depthwise_macs,
    shape=depthwise_rule,
    latency="depthwise",
)

KERNELS = (
    _CONV,
    _DEPTHWISE,
    Kernel(
        "TRANSPOSE_CONV",
        source=_K + "transpose_conv.cc",
        tail_known=True,
        parse=fixed(TRANSPOSE_CONV_PARAMS),
        init=with_compression(op_data_transpose_conv),
        prepare=lambda v, _t: per_channel_arrays(dim(v.input(1), 0)),
        scratch_known=True,
        scratch=transpose_conv_scratch,
        temps=transpose_conv_temps,
        macs=transpose_conv_macs,
        shape=transpose_conv_rule,
        latency="conv",
    ),
    Kernel("CONV_3D", macs=conv3d_macs, latency="conv"),
)
