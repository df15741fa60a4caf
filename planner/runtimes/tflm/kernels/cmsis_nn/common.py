"""What every CMSIS-NN kernel module shares: the source folder and how a kernel is derived
from the reference one."""

from __future__ import annotations

from typing import Any

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.reference import reference_kernel

#: TFLM's CMSIS-NN kernel folder.
CMSIS_KERNELS = "tensorflow/lite/micro/kernels/cmsis_nn/"


def cmsis_kernel(opcode: str, file: str, **changes: Any) -> Kernel:
    """The reference kernel of ``opcode`` as TFLM's cmsis_nn/``file`` replaces it."""
    return reference_kernel(opcode).in_library("cmsis-nn", CMSIS_KERNELS + file, **changes)
