"""SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM with CMSIS-NN (Cortex-M).

TFLM's tensorflow/lite/micro/kernels/cmsis_nn/svdf.cc (kernel sums of
``arm_svdf_s8_get_buffer_size`` = num_filters x 4 with MVE, CMSIS-NN
arm_svdf_get_buffer_sizes_s8.c, kept as persistent data with KERNELS_OPTIMIZED_FOR_SPEED) and
unidirectional_sequence_lstm.cc (``CMSIS_NN_PortOpData``: 8 effective-bias arrays of
hidden_size BiasType elements for int8/int16 activations with an int16 cell state; 3 scratch
buffers for those, else 4).
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.cmsis_nn.common import cmsis_kernel
from planner.runtimes.tflm.kernels.descriptor import Kernel, OpView, PersistentBuffer, dim
from planner.runtimes.tflm.kernels.reference.recurrent import (
    LSTM_CELL_STATE,
    LSTM_OUTPUT_STATE,
    lstm_buffer,
)
from planner.runtimes.tflm.structs.cmsis_nn import CMSIS_OP_DATA_LSTM, cmsis_op_data_svdf
from planner.targets.target import Target

_GATES = ("input", "forget", "cell", "output")


def svdf_prepare(view: OpView, target: Target) -> tuple[PersistentBuffer, ...]:
    if view.input_type() == "INT8" and target.mve and target.optimized_for_speed:
        return (PersistentBuffer("kernel sums", 4 * dim(view.input(1), 0)),)
    return ()


def lstm_prepare(view: OpView, _target: Target) -> tuple[PersistentBuffer, ...]:
    cell = view.input(LSTM_CELL_STATE)
    in_type = view.input_type()
    if cell is None or cell.dtype != "INT16" or in_type not in ("INT8", "INT16"):
        return ()
    size = (4 if in_type == "INT8" else 8) * dim(view.input(LSTM_OUTPUT_STATE), -1)
    return tuple(
        PersistentBuffer(f"{gate} gate {kind} kernel sums", size)
        for kind in ("input", "hidden")
        for gate in _GATES
    )


def lstm_scratch(view: OpView, _target: Target) -> tuple[int, ...]:
    size, act, cell = lstm_buffer(view)
    return (size,) * (3 if act in ("INT8", "INT16") and cell == "INT16" else 4)


KERNELS: tuple[Kernel, ...] = (
    cmsis_kernel(
        "SVDF",
        "svdf.cc",
        init=lambda t: cmsis_op_data_svdf(t.optimized_for_speed),
        prepare=svdf_prepare,
    ),
    cmsis_kernel(
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "unidirectional_sequence_lstm.cc",
        init=CMSIS_OP_DATA_LSTM,
        prepare=lstm_prepare,
        scratch=lstm_scratch,
    ),
)
