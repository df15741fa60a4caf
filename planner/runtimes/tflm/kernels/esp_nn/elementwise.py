"""ADD and MUL with ESP-NN (esp-tflite-micro add.cc and mul.cc at 99f49e1).

add.cc's ``AddInit`` allocates the reference OpDataAdd and registers the reference
``AddPrepare`` (add_common.cc); mul.cc registers the reference ``MulInit`` / ``MulPrepare``
(mul_common.cc, OpDataMul). Neither requests scratch: ``esp_nn_add_elementwise_s8`` and
``esp_nn_mul_elementwise_s8`` take no buffer (esp-nn include/esp_nn_*.h at d45b843). From the
sources, not measured.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.esp_nn.common import esp_kernel

KERNELS: tuple[Kernel, ...] = (
    esp_kernel("ADD", "add.cc"),
    esp_kernel("MUL", "mul.cc"),
)
