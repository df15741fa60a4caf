"""Per-operator checks: required inputs, outputs, the number of inputs and outputs each
kernel takes (:mod:`.arity`), option ranges, and what a kernel's ``Prepare`` rejects that the
file alone already shows.

The rules come from TFLM's sources (``tensorflow/lite/micro/kernels``): CONCATENATION takes
at most ``kMaxInputNum`` = 10 inputs and no fused activation; RESHAPE needs as many output
elements as input elements; CALL_ONCE has no inputs or outputs; WHILE's cond and body take
as many inputs as the operator and the body gives back as many outputs; IF passes all but its
first input to its branches. ``ParseOpData`` (flatbuffer_conversions.cc) refuses a padding or
fused activation outside its enum. ``AllocationInfoBuilder::ValidateSubgraph`` refuses an
intermediate tensor with a size; IF/WHILE/CALL_ONCE without options crash it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from planner.model.graph import Graph, Operator, Subgraph
from planner.runtimes.tflm.allocation_info import tensor_byte_length
from planner.validate.arity import CONCATENATION_MAX_INPUTS, arity_problem
from planner.validate.kernel_io import kernel_io_problem
from planner.validate.refusal import where

#: Inputs that must be present (not missing, not -1), by operator: the first N.
REQUIRED_INPUTS: Mapping[str, int] = {
    "CONV_2D": 2,
    "DEPTHWISE_CONV_2D": 2,
    "FULLY_CONNECTED": 2,
    "TRANSPOSE_CONV": 3,
    "ADD": 2,
    "SUB": 2,
    "MUL": 2,
    "DIV": 2,
    "SQUARED_DIFFERENCE": 2,
    "MAXIMUM": 2,
    "MINIMUM": 2,
    "PRELU": 2,
    "BATCH_MATMUL": 2,
    "MEAN": 2,
    "SUM": 2,
    "REDUCE_MAX": 2,
    "REDUCE_MIN": 2,
    "PAD": 2,
    "PADV2": 2,
    "GATHER": 2,
    "SPLIT": 2,
    "SPLIT_V": 3,
    "SLICE": 3,
    "STRIDED_SLICE": 4,
    "TRANSPOSE": 2,
    "EXPAND_DIMS": 2,
    "RESIZE_NEAREST_NEIGHBOR": 2,
    "RESIZE_BILINEAR": 2,
    "ARG_MAX": 2,
    "ARG_MIN": 2,
    "IF": 1,
}
#: ``RuntimeShape::kMaxSmallSize``: kernels that copy shapes take at most this many dims.
#: Builtin code 127: ``deprecated_builtin_code``'s marker that ``builtin_code`` holds the
#: operator; as the operator itself (both fields 127) it names none.
PLACEHOLDER = "PLACEHOLDER_FOR_GREATER_OP_CODES"
#: The schema's ``Padding`` (SAME, VALID) and ``ActivationFunctionType`` (NONE .. SIGN_BIT).
PADDINGS = range(2)
ACTIVATIONS = range(6)
POSITIVE_OPTIONS = (
    "stride_w",
    "stride_h",
    "dilation_w_factor",
    "dilation_h_factor",
    "filter_width",
    "filter_height",
)
CONTROL_FLOW_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "IF": ("then_subgraph_index", "else_subgraph_index"),
    "WHILE": ("cond_subgraph_index", "body_subgraph_index"),
    "CALL_ONCE": ("init_subgraph_index",),
}


def describe(op: Operator, sg_index: int) -> str:
    return f"operator {op.index} ({op.opcode}){where(sg_index)}"


def _io_problem(op: Operator, n_tensors: int) -> str | None:
    need = REQUIRED_INPUTS.get(op.opcode, 1 if op.opcode in _ONE_INPUT else 0)
    if len(op.inputs) < need:
        return f"has {len(op.inputs)} input(s); TFLM's kernel needs at least {need}"
    for i, t in enumerate(op.inputs[:need]):
        if t < 0:
            return f"has no tensor (-1) for its required input {i}"
    for i, t in enumerate(op.outputs):
        if t < 0:
            return f"has no tensor (-1) for its output {i}"
    return None


_ONE_INPUT = frozenset(
    {
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "SOFTMAX",
        "LOGISTIC",
        "TANH",
        "RELU",
        "RELU6",
        "QUANTIZE",
        "DEQUANTIZE",
        "RESHAPE",
        "CONCATENATION",
        "PACK",
        "UNPACK",
        "SQUEEZE",
        "HARD_SWISH",
        "LEAKY_RELU",
        "L2_NORMALIZATION",
        "LOG_SOFTMAX",
        "SHAPE",
    }
)


def _option_problem(op: Operator) -> str | None:
    o = op.options
    padding = o.get("padding")
    if isinstance(padding, int) and padding not in PADDINGS:
        return f"has padding {padding}, outside the schema's Padding enum (SAME, VALID)"
    act = o.get("fused_activation_function")
    if isinstance(act, int) and act not in ACTIVATIONS:
        return f"has fused activation {act}, outside the schema's ActivationFunctionType enum"
    for key in POSITIVE_OPTIONS:
        value = o.get(key)
        # A dilation of 0 is tolerated: some old converters wrote it for "unset".
        least = 0 if key.startswith("dilation") else 1
        if isinstance(value, int) and value < least:
            return f"has {key} = {value}; it must be at least {least}"
    return None


def _elements(sg: Subgraph, t: int) -> int:
    return sg.tensors[t].elements


def _kernel_problem(op: Operator, sg: Subgraph) -> str | None:
    """What the operator's Prepare refuses that the file shows."""
    name = op.opcode
    if name == "CONCATENATION" and op.options.get("fused_activation_function", 0) != 0:
        return "has a fused activation; TFLM's kernel supports none"
    if name == "RESHAPE" and op.inputs and op.outputs and op.inputs[0] >= 0:
        n_in, n_out = _elements(sg, op.inputs[0]), _elements(sg, op.outputs[0])
        if n_in != n_out:
            return f"turns {n_in:,} elements into {n_out:,}; a reshape keeps the element count"
    return None


def _calls(op: Operator) -> Sequence[int] | None:
    keys = CONTROL_FLOW_OPTIONS.get(op.opcode)
    if keys is None:
        return ()
    values = [op.options.get(k) for k in keys]
    if not all(isinstance(v, int) for v in values):
        return None
    return [v for v in values if isinstance(v, int)]


def _call_arity_problem(op: Operator, graph: Graph, calls: Sequence[int]) -> str | None:
    subs = [graph.subgraphs[c] for c in calls]
    n_in, n_out = len(op.inputs), len(op.outputs)
    if op.opcode == "WHILE":
        cond, body = subs
        counts = (len(cond.inputs), len(body.inputs), n_out, len(body.outputs))
        if any(c != n_in for c in counts) or len(cond.outputs) != 1:
            return (
                f"passes {n_in} value(s) and gets {n_out} back, but its cond subgraph "
                f"{calls[0]} takes {len(cond.inputs)} and gives {len(cond.outputs)}, and its "
                f"body subgraph {calls[1]} takes {len(body.inputs)} and gives "
                f"{len(body.outputs)}"
            )
        for k, (i, o) in enumerate(zip(body.inputs, body.outputs, strict=True)):
            before, after = body.tensors[i].shape, body.tensors[o].shape
            if before != after:
                return (
                    f"loops value {k} through body subgraph {calls[1]}, which takes "
                    f"{list(before)} and gives back {list(after)}; a loop value keeps its shape"
                )
    if op.opcode == "IF":
        for label, c, sub in zip(("then", "else"), calls, subs, strict=True):
            if len(sub.inputs) != n_in - 1 or len(sub.outputs) != n_out:
                return (
                    f"passes {n_in - 1} value(s) and gets {n_out} back, but its {label} "
                    f"subgraph {c} takes {len(sub.inputs)} and gives {len(sub.outputs)}"
                )
    return None


def call_problem(op: Operator, graph: Graph) -> tuple[str | None, Sequence[int]]:
    """(problem, subgraphs called) of a control-flow operator; ((None, ()) for others)."""
    calls = _calls(op)
    if calls is None:
        return "has no options naming the subgraph(s) it calls; TFLM crashes on it", ()
    n = len(graph.subgraphs)
    for c in calls:
        if not 0 <= c < n:
            return f"calls subgraph {c}, but the model has {n} subgraph(s)", ()
        if c == 0:
            return "calls subgraph 0, the main graph: it calls itself without end", ()
    return _call_arity_problem(op, graph, calls), calls


def operator_problems(op: Operator, sg: Subgraph, graph: Graph) -> Iterable[str]:
    """The operator's problems as "operator N (OP) ...", first ones first."""
    if op.is_custom:
        return
    if op.opcode == PLACEHOLDER:
        yield (
            f"{describe(op, sg.index)}: builtin code 127 is the schema's marker for codes "
            "past 127 and names no operator; TFLM's op resolver finds no kernel for it"
        )
        return
    if op.opcode.startswith("BUILTIN_"):
        yield (
            f"{describe(op, sg.index)} has builtin code {op.opcode[8:]}, which the TFLite "
            "schema does not name; TFLM has no kernel for it (its op resolver fails)"
        )
        return
    problem = (
        _io_problem(op, len(sg.tensors))
        or arity_problem(op, sg)
        or _option_problem(op)
        or _kernel_problem(op, sg)
        or kernel_io_problem(op, sg)
        or _intermediate_problem(op, sg)
    )
    if problem is not None:
        yield f"{describe(op, sg.index)} {problem}"


def _intermediate_problem(op: Operator, sg: Subgraph) -> str | None:
    for t in op.intermediates:
        tensor = sg.tensors[t]
        size = tensor_byte_length(tensor.dtype, tensor.shape)
        if size != 0:
            return (
                f"has intermediate tensor {t} '{tensor.name}' of {size} bytes; TFLM supports "
                "only intermediates without a size"
            )
    return None


__all__ = [
    "CONCATENATION_MAX_INPUTS",
    "REQUIRED_INPUTS",
    "call_problem",
    "describe",
    "operator_problems",
]
