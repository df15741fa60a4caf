"""Espressif's ESP-NN kernels (esp-tflite-micro, tensorflow/lite/micro/kernels/esp_nn/*.cc).

They replace eight of TFLM's kernels on ESP32 chips. Their own persistent data and scratch
requests are not modelled yet: each is described as unknown (figures become a floor), with
the reference kernel's cost and shape facts. Every other operator uses the reference kernel.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.reference import KERNELS as REFERENCE

ESP_NN_OPS = frozenset(
    {
        "ADD",
        "AVERAGE_POOL_2D",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "MAX_POOL_2D",
        "MUL",
        "SOFTMAX",
    }
)

KERNELS: tuple[Kernel, ...] = tuple(
    Kernel(
        k.opcode,
        library="esp-nn",
        source="esp-tflite-micro tensorflow/lite/micro/kernels/esp_nn/",
        macs=k.macs,
        shape=k.shape,
        latency=k.latency,
    )
    for k in REFERENCE
    if k.opcode in ESP_NN_OPS
)
