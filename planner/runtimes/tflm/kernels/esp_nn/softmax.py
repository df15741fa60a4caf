"""SOFTMAX with ESP-NN (esp-tflite-micro softmax.cc at 99f49e1).

Init allocates ``NodeData`` (SoftmaxParams + the buffer index). Prepare takes the input and
output as temporary tensors and calls the reference ``CalculateSoftmaxParams``
(softmax_common.cc: two int16 LUTs of 513 entries as persistent buffers for an int16 input);
for an int8 input and int8 output it then requests ``esp_nn_get_softmax_scratch_size(
input->dims->data[1], input->dims->data[2])`` bytes when > 0. With the default
``CONFIG_NN_OPTIMIZED`` that is ``width * 4`` on both chips (esp-nn d45b843
src/softmax/esp_nn_softmax_opt.c for the ESP32, esp_nn_softmax_s8_esp32s3.c for the ESP32-S3;
the height is unused), where width is the input's dimension 1 — the depth only for a rank-2
input. A rank-1 input makes the kernel read past its dimensions: unknown. From the sources,
not measured.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import Kernel, OpView, ScratchUnknownError
from planner.runtimes.tflm.kernels.esp_nn.common import esp_kernel
from planner.runtimes.tflm.structs.esp_nn import ESP_NODE_DATA_SOFTMAX
from planner.targets.target import Target


def softmax_scratch(view: OpView, _target: Target) -> tuple[int, ...]:
    inp, out = view.need(0), view.need(0, outputs=True)
    if inp.dtype != "INT8" or out.dtype != "INT8":
        return ()
    if len(inp.shape) < 2:
        raise ScratchUnknownError("ESP-NN SOFTMAX reads dimension 1 of a rank-1 input")
    size = inp.shape[1] * 4
    return (size,) if size > 0 else ()


KERNELS: tuple[Kernel, ...] = (
    esp_kernel(
        "SOFTMAX",
        "softmax.cc",
        init=lambda _t: ESP_NODE_DATA_SOFTMAX,
        scratch=softmax_scratch,
    ),
)
