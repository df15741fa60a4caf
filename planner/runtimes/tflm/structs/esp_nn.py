"""Kernel data of Espressif's ESP-NN kernels in esp-tflite-micro
(github.com/espressif/esp-tflite-micro, tensorflow/lite/micro/kernels/esp_nn/*.cc, read at
commit 99f49e1498b0984f4db54d9bf3938aceb99ad422, component version 1.4.0).

conv.cc, depthwise_conv.cc and softmax.cc wrap the reference OpData in a ``NodeData`` that
adds the index of their ESP-NN scratch buffer (``#if ESP_NN``; the component's CMakeLists.txt
always passes ``-DESP_NN``). add.cc, mul.cc, pooling.cc and fully_connected.cc allocate the
reference structs (OpDataAdd, OpDataMul, OpDataPooling, OpDataFullyConnected), whose
declarations in esp-tflite-micro's headers match the ones in op_data.py. Sizes come from the
sources; no ESP32 build was measured.
"""

from __future__ import annotations

import functools

from planner.runtimes.tflm.structs.c_layout import CStruct, struct
from planner.runtimes.tflm.structs.op_data import SOFTMAX_PARAMS, op_data_conv

_E = "esp-tflite-micro tensorflow/lite/micro/kernels/esp_nn/"


def node_data(source: str, op_data: CStruct) -> CStruct:
    """``struct NodeData { <op_data> op_data; int buffer_idx; }``."""
    return struct("NodeData (esp_nn)", _E + source, ("op_data", op_data), ("buffer_idx", "int32"))


@functools.cache
def esp_node_data_conv(compression: bool, depthwise: bool) -> CStruct:
    """NodeData of conv.cc / depthwise_conv.cc: OpDataConv and the scratch buffer index."""
    return node_data("depthwise_conv.cc" if depthwise else "conv.cc", op_data_conv(compression))


#: NodeData of softmax.cc: SoftmaxParams and the scratch buffer index.
ESP_NODE_DATA_SOFTMAX = node_data("softmax.cc", SOFTMAX_PARAMS)
