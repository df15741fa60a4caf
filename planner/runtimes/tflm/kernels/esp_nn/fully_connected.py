"""FULLY_CONNECTED with ESP-NN (esp-tflite-micro fully_connected.cc at 99f49e1).

Init allocates the reference OpDataFullyConnected and Prepare is the reference one
(``CalculateOpDataFullyConnected``: per-channel multiplier and shift arrays for a
per-channel filter; the int4 unpacking buffer). Eval calls ``esp_nn_fully_connected_s8`` /
``esp_nn_fully_connected_per_ch_s8``, which take no scratch buffer on any chip (esp-nn
include/esp_nn_*.h at d45b843), so there is no ESP-NN request. From the sources, not measured.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.esp_nn.common import esp_kernel

KERNELS: tuple[Kernel, ...] = (esp_kernel("FULLY_CONNECTED", "fully_connected.cc"),)
