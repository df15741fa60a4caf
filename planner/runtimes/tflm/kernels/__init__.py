"""TFLM's kernels as the planner models them: one descriptor per operator and kernel library.

descriptor.py   Kernel (what a kernel allocates, requests and costs), OpView
registry.py     lookup with TFLM's fallback: library kernel -> reference kernel -> unknown
reference/      TFLM's portable kernels (tensorflow/lite/micro/kernels/), per family
cmsis_nn/       the CMSIS-NN kernels that replace some of them on Cortex-M
esp_nn/         Espressif's replacements on ESP32 chips
coverage.py     which operators are exact on which library (docs/kernels.md)
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    PersistentBuffer,
    ScratchUnknownError,
)
from planner.runtimes.tflm.kernels.registry import described_ops, kernel_for, shape_rule

__all__ = [
    "Kernel",
    "OpView",
    "PersistentBuffer",
    "ScratchUnknownError",
    "described_ops",
    "kernel_for",
    "shape_rule",
]
