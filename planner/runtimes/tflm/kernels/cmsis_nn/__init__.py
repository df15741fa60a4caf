"""TFLM's CMSIS-NN kernels (tensorflow/lite/micro/kernels/cmsis_nn/, Cortex-M), one module per
family. Operators without a CMSIS-NN kernel use the reference one."""

from __future__ import annotations

from planner.runtimes.tflm.kernels.cmsis_nn import conv, fully_connected, pooling, recurrent
from planner.runtimes.tflm.kernels.descriptor import Kernel

KERNELS: tuple[Kernel, ...] = (
    *conv.KERNELS,
    *fully_connected.KERNELS,
    *pooling.KERNELS,
    *recurrent.KERNELS,
)
