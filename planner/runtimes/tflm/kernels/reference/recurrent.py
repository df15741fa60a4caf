"""SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM: TFLM's reference kernels.

Sources (tensorflow/lite/micro/kernels/): svdf.cc, svdf_common.cc (``PrepareSvdf``),
unidirectional_sequence_lstm.cc, lstm_eval_common.cc (``CreateLstmSizeInfo``), and
tensorflow/lite/kernels/lstm_shared.h for the input positions.
"""

from __future__ import annotations

from planner.runtimes.tflm.kernels.descriptor import (
    MacsFn,
    OpView,
    ScratchFn,
    ScratchUnknownError,
    Slot,
    TempsFn,
    modelled,
    need_dim,
)
from planner.runtimes.tflm.structs.builtin_data import (
    SVDF_PARAMS,
    UNIDIRECTIONAL_SEQUENCE_LSTM_PARAMS,
)
from planner.runtimes.tflm.structs.c_layout import CStruct
from planner.runtimes.tflm.structs.op_data import OP_DATA_LSTM, OP_DATA_SVDF
from planner.targets.target import Target

_K = "tensorflow/lite/micro/kernels/"

# LSTM input positions (tensorflow/lite/kernels/lstm_shared.h).
LSTM_INPUT = 0
LSTM_OUTPUT_STATE = 18
LSTM_CELL_STATE = 19

#: Bytes of the LSTM cell-state types.
_CELL_BYTES = {"FLOAT32": 4, "INT16": 2, "INT8": 1, "INT32": 4, "FLOAT16": 2, "INT64": 8}


def svdf_dims(view: OpView) -> tuple[int, int, int, str]:
    """(batch, filters, units, input type)."""
    inp = view.need(0)
    rank = view.option("rank", 1) or 1
    filters = need_dim(view.need(1), 0)
    return need_dim(inp, 0), filters, filters // rank, inp.dtype


def svdf_scratch(view: OpView, _target: Target) -> tuple[int, ...]:
    """int8 -> batch x filters x 4, batch x units x 4; float -> batch x filters x 4."""
    batch, filters, units, dtype = svdf_dims(view)
    if dtype == "INT8":
        return (batch * filters * 4, batch * units * 4)
    return (batch * filters * 4,)


def lstm_buffer(view: OpView) -> tuple[int, str, str]:
    """(bytes of one batch x state buffer of the cell-state type, input type, cell type)."""
    inp = view.need(LSTM_INPUT)
    cell = view.need(LSTM_CELL_STATE)
    batch = need_dim(inp, 1 if bool(view.op.options.get("time_major", False)) else 0)
    state = need_dim(view.need(LSTM_OUTPUT_STATE), 1)
    cell_bytes = _CELL_BYTES.get(cell.dtype)
    if cell_bytes is None:
        raise ScratchUnknownError(f"LSTM cell state of type {cell.dtype}")
    return batch * state * cell_bytes, inp.dtype, cell.dtype


def lstm_temps(view: OpView) -> tuple[Slot, ...]:
    """LstmTensors: every input, then the output."""
    return (*(("i", n) for n in range(len(view.op.inputs))), ("o", 0))


def _matrix_macs(view: OpView, positions: range, rows: int) -> int:
    """Sum of weight-matrix sizes times the number of rows pushed through them."""
    total = 0
    for i in positions:
        t = view.input(i)
        total += t.elements if t is not None else 0
    return total * rows


def lstm_macs(view: OpView) -> int:
    # inputs 1-8: input and recurrent weights of the 4 gates; 9-11 peepholes; 16 projection.
    x = view.need(0)
    rows = x.elements // x.shape[-1] if x.shape and x.shape[-1] else 0
    return sum(_matrix_macs(view, r, rows) for r in (range(1, 9), range(9, 12), range(16, 17)))


def svdf_macs(view: OpView) -> int:
    # inputs: input [batch, input_size], weights_feature [filters, input_size],
    # weights_time [filters, memory_size]; per batch row both are applied once.
    x = view.need(0)
    return _matrix_macs(view, range(1, 3), x.shape[0] if x.shape else 1)


def lstm_scratch(view: OpView, _target: Target) -> tuple[int, ...]:
    """Four buffers of one batch x state of the cell-state type."""
    return (lstm_buffer(view)[0],) * 4


def svdf_temps(_view: OpView) -> tuple[Slot, ...]:
    """PrepareSvdf: the five inputs, then the output."""
    return (("i", 0), ("i", 1), ("i", 2), ("i", 3), ("i", 4), ("o", 0))


#: Both kernels are modelled through Prepare and cost as fully connected layers:
#: (opcode, source files, builtin options, OpData, temporary tensors, scratch requests, MACs).
_RECURRENT: tuple[tuple[str, str, CStruct, CStruct, TempsFn, ScratchFn, MacsFn], ...] = (
    ("SVDF", "svdf.cc, svdf_common.cc",
     SVDF_PARAMS, OP_DATA_SVDF, svdf_temps, svdf_scratch, svdf_macs),
    ("UNIDIRECTIONAL_SEQUENCE_LSTM", "unidirectional_sequence_lstm.cc",
     UNIDIRECTIONAL_SEQUENCE_LSTM_PARAMS, OP_DATA_LSTM, lstm_temps, lstm_scratch, lstm_macs),
)  # fmt: skip

KERNELS = tuple(
    modelled(opcode, builtin, op_data, temps, None, "fc", source=_K + files, scratch=s, macs=m)
    for opcode, files, builtin, op_data, temps, s, m in _RECURRENT
)
