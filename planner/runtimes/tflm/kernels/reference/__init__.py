"""TFLM's reference kernels (tensorflow/lite/micro/kernels/*.cc), one module per family.

Every other kernel library falls back to these, as TFLM's optimized kernel folders
(``kernels/cmsis_nn/``, ``kernels/esp_nn/``) replace only the files they have.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.reference import (
    control_flow,
    conv,
    elementwise,
    fully_connected,
    other,
    pooling,
    recurrent,
    reduce,
    reshaping,
)

KERNELS: tuple[Kernel, ...] = (
    *conv.KERNELS,
    *fully_connected.KERNELS,
    *pooling.KERNELS,
    *reduce.KERNELS,
    *recurrent.KERNELS,
    *elementwise.KERNELS,
    *reshaping.KERNELS,
    *control_flow.KERNELS,
    *other.KERNELS,
)

_BY_OPCODE = {k.opcode: k for k in KERNELS}


def reference_kernel(opcode: str) -> Kernel:
    """The reference kernel of ``opcode``: what another library's file replaces."""
    return _BY_OPCODE[opcode]
