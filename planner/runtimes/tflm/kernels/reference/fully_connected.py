"""FULLY_CONNECTED and BATCH_MATMUL: TFLM's reference kernels.

Sources (tensorflow/lite/micro/kernels/): fully_connected.cc, fully_connected_common.cc
(``CalculateOpDataFullyConnected``), batch_matmul.cc.
"""

from __future__ import annotations

from planner.analysis.shape_rules import fully_connected_rule
from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    PersistentBuffer,
    with_compression,
)
from planner.runtimes.tflm.kernels.reference.conv import int4_unpacking, per_channel_arrays
from planner.runtimes.tflm.structs.builtin_data import fully_connected_params
from planner.runtimes.tflm.structs.op_data import op_data_fully_connected
from planner.targets.target import PIP_TFLM, Target

_K = "tensorflow/lite/micro/kernels/"


def fully_connected_prepare(view: OpView, _target: Target) -> tuple[PersistentBuffer, ...]:
    """A per-channel quantized filter (more than one scale, and zero points: TFLM sees no
    quantization without them) on a non-float op: two int32 arrays of one entry per scale."""
    filt = view.input(1)
    q = filt.quantization if filt is not None else None
    if view.input_type() != "FLOAT32" and q is not None and q.affine and len(q.scales) > 1:
        return per_channel_arrays(len(q.scales))
    return ()


def fully_connected_macs(view: OpView) -> int:
    weights = view.need(1)
    return view.need(0, outputs=True).elements * (weights.shape[-1] if weights.shape else 0)


def batch_matmul_macs(view: OpView) -> int:
    lhs = view.need(0)
    k = lhs.shape[-2] if bool(view.op.options.get("adj_x", False)) else lhs.shape[-1]
    return view.need(0, outputs=True).elements * k


KERNELS = (
    Kernel(
        "FULLY_CONNECTED",
        source=_K + "fully_connected.cc, fully_connected_common.cc",
        tail_known=True,
        parse=lambda t: fully_connected_params(quant_spec=t.tflm == PIP_TFLM),
        init=with_compression(op_data_fully_connected),
        prepare=fully_connected_prepare,
        scratch_known=True,
        scratch=int4_unpacking,
        temps=lambda _v: (("i", 0), ("i", 1), ("i", 2), ("o", 0)),
        macs=fully_connected_macs,
        shape=fully_connected_rule,
        latency="fc",
    ),
    Kernel(
        "BATCH_MATMUL",
        source=_K + "batch_matmul.cc",
        scratch_known=True,
        # PrepareOpContext takes lhs, rhs, output (cmsis_nn/batch_matmul.cc's Prepare too).
        temps=lambda _v: (("i", 0), ("i", 1), ("o", 0)),
        macs=batch_matmul_macs,
        latency="fc",
    ),
)
