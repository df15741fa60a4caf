"""AVERAGE_POOL_2D and MAX_POOL_2D with ESP-NN (esp-tflite-micro pooling.cc at 99f49e1).

``PoolInit`` allocates the reference OpDataPooling and both register the reference
``PoolingPrepare`` (pooling_common.cc): no persistent buffers, no scratch. Eval calls
``esp_nn_avg_pool_s8`` / ``esp_nn_max_pool_s8``, which take no scratch buffer (esp-nn
include/esp_nn_*.h at d45b843). From the sources, not measured.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel
from planner.runtimes.tflm.kernels.esp_nn.common import esp_kernel

KERNELS: tuple[Kernel, ...] = tuple(
    esp_kernel(op, "pooling.cc") for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D")
)
