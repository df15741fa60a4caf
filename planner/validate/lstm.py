"""UNIDIRECTIONAL_SEQUENCE_LSTM: what TFLM's Prepare checks of its 24 inputs and its output.

TFLM has one LSTM kernel (no LSTM or BIDIRECTIONAL_SEQUENCE_LSTM kernel), the standard Keras
LSTM without peephole, projection or layer norm. Its Prepare
(``unidirectional_sequence_lstm.cc``) refuses, in this order:

- other than 24 inputs and 1 output;
- ``LstmTensors::ValidateTensorStatus`` (``lstm_eval.cc``): an input, hidden state (input
  18) and cell state (input 19) present, both states variable tensors, the hidden state and
  the output of the input's type; the eight gate weights (inputs 1-8) present and of one
  type, the four gate biases (12-15) present and of one type; no peephole (9-11), projection
  (16-17) or layer-norm (20-23) tensor;
- ``ValidateTensorSize`` (``lstm_eval_common.cc``), with batch and time from the input
  (``time_major`` decides which is first), n_input its third dimension and n_cell the hidden
  state's second: input weights n_cell x n_input, recurrent weights n_cell x n_cell, biases
  of n_cell, states of batch x n_cell elements, a rank-3 output of the input's first two
  dimensions and n_cell;
- a cell state other than FLOAT32 or INT16.

The sizes are read from the input's first three dimensions and the hidden state's second
without a rank check (``CreateLstmSizeInfo``): an input of rank below 3 or a hidden state of
rank below 2 makes the kernel read past their shapes, and is refused too.
"""

from __future__ import annotations

from planner.model.graph import Operator, Subgraph
from planner.validate.shapes import tensor_at

LSTM_INPUTS = 24
HIDDEN_STATE, CELL_STATE = 18, 19
INPUT_WEIGHTS = range(1, 5)
RECURRENT_WEIGHTS = range(5, 9)
BIASES = range(12, 16)
#: Peephole (9-11), projection (16-17) and layer-norm (20-23) inputs: TFLM supports none.
VARIANT_INPUTS = (9, 10, 11, 16, 17, 20, 21, 22, 23)
CELL_STATE_TYPES = frozenset({"FLOAT32", "INT16"})


def _status_problem(op: Operator, sg: Subgraph) -> str | None:
    """``LstmTensors::ValidateTensorStatus``."""
    x = tensor_at(sg, op.inputs, 0)
    if x is None:
        return "has no input tensor (input 0)"
    y = sg.tensors[op.outputs[0]]
    for k, label in ((HIDDEN_STATE, "hidden"), (CELL_STATE, "cell")):
        state = tensor_at(sg, op.inputs, k)
        if state is None:
            return f"has no {label} state (input {k}); its kernel requires a variable tensor"
        if not state.is_variable:
            return (
                f"keeps its {label} state (input {k}) in tensor {state.index}, which is not a "
                "variable tensor; its kernel requires one"
            )
        if k == HIDDEN_STATE and state.dtype != x.dtype:
            return f"has a {state.dtype} hidden state for a {x.dtype} input; they must match"
    if y.dtype != x.dtype:
        return f"writes a {y.dtype} output from a {x.dtype} input; they must match"
    for group, first, what in ((range(1, 9), 2, "gate weights"), (BIASES, 13, "gate biases")):
        expected = tensor_at(sg, op.inputs, first)
        for k in group:
            t = tensor_at(sg, op.inputs, k)
            if t is None:
                return f"has no tensor for input {k}; its kernel requires all {what}"
            if expected is not None and t.dtype != expected.dtype:
                return f"has {what} of types {expected.dtype} and {t.dtype}; they must match"
    for k in VARIANT_INPUTS:
        if op.inputs[k] >= 0:
            return (
                f"has a tensor for input {k} (peephole, projection or layer norm); TFLM's "
                "kernel supports none of them"
            )
    return None


def _size_problem(op: Operator, sg: Subgraph) -> str | None:
    """``CreateLstmSizeInfo`` and ``ValidateTensorSize``; the tensors are all present."""
    x, hidden = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[HIDDEN_STATE]]
    if len(x.shape) < 3 or len(hidden.shape) < 2:
        return (
            f"has an input of {list(x.shape)} and a hidden state of {list(hidden.shape)}; its "
            "kernel reads batch, time and features from the input's first three dimensions "
            "and n_cell from the hidden state's second"
        )
    time_major = bool(op.options.get("time_major", False))
    batch = x.shape[1] if time_major else x.shape[0]
    n_input, n_cell = x.shape[2], hidden.shape[1]
    sizes = (
        f"n_cell {n_cell} from the hidden state {list(hidden.shape)}, "
        f"n_input {n_input} from the input {list(x.shape)}"
    )
    for group, shape, label in (
        (INPUT_WEIGHTS, (n_cell, n_input), "input weights"),
        (RECURRENT_WEIGHTS, (n_cell, n_cell), "recurrent weights"),
        (BIASES, (n_cell,), "a bias"),
    ):
        for k in group:
            t = sg.tensors[op.inputs[k]]
            if t.shape != shape:
                return (
                    f"has {label} (input {k}, tensor {t.index}) of {list(t.shape)}; its kernel "
                    f"requires {list(shape)} ({sizes})"
                )
    for k in (HIDDEN_STATE, CELL_STATE):
        state = sg.tensors[op.inputs[k]]
        if state.elements != batch * n_cell:
            return (
                f"has a state (input {k}) of {list(state.shape)}; its kernel requires batch x "
                f"n_cell = {batch} x {n_cell} elements"
            )
    y = sg.tensors[op.outputs[0]]
    expected = (x.shape[0], x.shape[1], n_cell)
    if y.shape != expected:
        return (
            f"computes an output of {list(expected)}, but its output tensor {y.index} is "
            f"declared {list(y.shape)} ({sizes})"
        )
    return None


def lstm_problem(op: Operator, sg: Subgraph) -> str | None:
    """What UNIDIRECTIONAL_SEQUENCE_LSTM's Prepare refuses of this operator, or None."""
    if op.opcode != "UNIDIRECTIONAL_SEQUENCE_LSTM":
        return None
    if len(op.inputs) != LSTM_INPUTS or len(op.outputs) != 1:
        return (
            f"has {len(op.inputs)} inputs and {len(op.outputs)} output(s); TFLM's kernel "
            f"takes {LSTM_INPUTS} inputs and 1 output"
        )
    problem = _status_problem(op, sg) or _size_problem(op, sg)
    if problem is not None:
        return problem
    cell = sg.tensors[op.inputs[CELL_STATE]]
    if cell.dtype not in CELL_STATE_TYPES:
        return f"has a {cell.dtype} cell state; TFLM's kernel supports FLOAT32 and INT16"
    return None


__all__ = ["LSTM_INPUTS", "lstm_problem"]
