"""Espressif's ESP-NN kernels on ESP32 chips, one module per family.

esp-tflite-micro (github.com/espressif/esp-tflite-micro, commit 99f49e1498b0, component
1.4.0) replaces seven of TFLM's kernel files with tensorflow/lite/micro/kernels/esp_nn/
add.cc, conv.cc, depthwise_conv.cc, fully_connected.cc, mul.cc, pooling.cc and softmax.cc
(its CMakeLists.txt removes the reference ones and always defines ``ESP_NN``). Their scratch
sizes come from esp-nn (github.com/espressif/esp-nn, commit d45b843ca5f8, version 1.2.3, the
newest that esp-tflite-micro's ``espressif/esp-nn >= 1.1.1`` dependency resolves to), built
with its default ``CONFIG_NN_OPTIMIZED``: the ESP32-S3 gets esp-nn's esp32s3 functions, every
other chip (ESP32, ESP32-C3) the generic ``*_opt`` ones (include/esp_nn.h).

Which of the two a target uses is told by ``Target.dsp``: an esp-nn board with ``dsp = true``
is an ESP32-S3 (its LX7 SIMD instructions), one without is an ESP32 or another chip on the
generic path. ESP32-P4 (its own esp32p4 functions) is not modelled; a P4 board file would be
wrong with either setting.

Modules: conv.py (CONV_2D, DEPTHWISE_CONV_2D), fully_connected.py, pooling.py,
elementwise.py (ADD, MUL), softmax.py; common.py holds what they share (``esp_kernel``: the
reference kernel with esp-tflite-micro's changes, ``Kernel.in_library`` as in cmsis_nn/).
Only CONV_2D, DEPTHWISE_CONV_2D and SOFTMAX request ESP-NN scratch; ADD, MUL, the pools and
FULLY_CONNECTED keep the reference kernel's data. Every other operator uses the reference
kernel. No ESP32 runtime exists here: every figure comes from reading the sources and none
is measured.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.esp_nn import (
    conv,
    elementwise,
    fully_connected,
    pooling,
    softmax,
)

KERNELS: tuple[Kernel, ...] = (
    *conv.KERNELS,
    *fully_connected.KERNELS,
    *pooling.KERNELS,
    *elementwise.KERNELS,
    *softmax.KERNELS,
)

#: The operators ESP-NN replaces.
ESP_NN_OPS = frozenset(k.opcode for k in KERNELS)
