"""AVERAGE_POOL_2D, MAX_POOL_2D and SOFTMAX with CMSIS-NN (Cortex-M).

TFLM's tensorflow/lite/micro/kernels/cmsis_nn/pooling.cc and softmax.cc; CMSIS-NN's
``arm_avgpool_s8_get_buffer_size``: channels x 4 with DSP and without MVE, else none.
MAX_POOL_2D and SOFTMAX request nothing.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.cmsis_nn.common import cmsis_kernel
from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    ScratchUnknownError,
    fixed,
    need_dim,
)
from planner.runtimes.tflm.structs.cmsis_nn import CMSIS_OP_DATA_POOLING, CMSIS_SOFTMAX_PARAMS
from planner.targets.target import Target


def average_pool_scratch(view: OpView, target: Target) -> tuple[int, ...]:
    inp, out = view.need(0), view.need(0, outputs=True)
    if inp.dtype == "INT8":
        return (need_dim(out, 3) * 4,) if target.dsp and not target.mve else ()
    if inp.dtype == "FLOAT32":
        return ()
    raise ScratchUnknownError(f"CMSIS-NN AVERAGE_POOL_2D with {inp.dtype} input")


_POOLING = fixed(CMSIS_OP_DATA_POOLING)
KERNELS: tuple[Kernel, ...] = (
    cmsis_kernel("AVERAGE_POOL_2D", "pooling.cc", init=_POOLING, scratch=average_pool_scratch),
    cmsis_kernel("MAX_POOL_2D", "pooling.cc", init=_POOLING),
    cmsis_kernel("SOFTMAX", "softmax.cc", init=fixed(CMSIS_SOFTMAX_PARAMS)),
)
