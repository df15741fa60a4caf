"""What every ESP-NN kernel module shares: the source folder, how a kernel is derived from the
reference one, how esp-nn reads dimensions, and which esp-nn variant a target runs."""

from __future__ import annotations

from typing import Any

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.reference import reference_kernel
from planner.targets.target import Target

#: esp-tflite-micro's kernel folder (commit 99f49e1498b0).
ESP_KERNELS = "esp-tflite-micro tensorflow/lite/micro/kernels/esp_nn/"


def esp_kernel(opcode: str, file: str, **changes: Any) -> Kernel:
    """The reference kernel of ``opcode`` as esp-tflite-micro's ``file`` replaces it."""
    return reference_kernel(opcode).in_library("esp-nn", ESP_KERNELS + file, **changes)


def u16(value: int) -> int:
    """The value as esp-nn's scratch-size functions read it: ``const uint16_t``."""
    return value & 0xFFFF


def s3_path(target: Target) -> bool:
    """ESP-NN's ESP32-S3 functions (``dsp`` on an esp-nn target), else the generic ones."""
    return target.dsp
