"""Elementwise operators, activations, (de)quantization and SOFTMAX: TFLM's reference kernels.

Sources (tensorflow/lite/micro/kernels/): add.cc / add_common.cc, sub.cc, mul.cc,
comparisons.cc, maximum_minimum.cc, activations.cc, logistic.cc, tanh.cc, hard_swish.cc,
leaky_relu.cc, quantize.cc, dequantize.cc, softmax.cc / softmax_common.cc, add_n.cc.
"""

from __future__ import annotations

from planner.analysis.shape_rules import Rule, elementwise_rule, same_as_first_rule
from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    PersistentBuffer,
    Slot,
    modelled,
)
from planner.runtimes.tflm.kernels.reference.pooling import IN0_OUT0
from planner.runtimes.tflm.structs.builtin_data import (
    ADD_PARAMS,
    LEAKY_RELU_PARAMS,
    MUL_PARAMS,
    SOFTMAX_PARAMS_BUILTIN,
    SUB_PARAMS,
)
from planner.runtimes.tflm.structs.c_layout import CStruct
from planner.runtimes.tflm.structs.op_data import (
    HARD_SWISH_PARAMS,
    OP_DATA_ADD,
    OP_DATA_COMPARISON,
    OP_DATA_DEQUANTIZE,
    OP_DATA_LEAKY_RELU,
    OP_DATA_LOGISTIC,
    OP_DATA_MUL,
    OP_DATA_QUANTIZE,
    OP_DATA_RELU,
    OP_DATA_SUB,
    OP_DATA_TANH,
    SOFTMAX_PARAMS,
)
from planner.targets.target import Target

#: kInt16LUTArraySize (softmax_common.cc): entries of each int16 softmax lookup table.
SOFTMAX_INT16_LUT_ENTRIES = 513

#: Operators whose time goes into exp/log-like functions (the "transcendental" latency class).
TRANSCENDENTAL = frozenset(
    {"SOFTMAX", "LOG_SOFTMAX", "LOGISTIC", "TANH", "EXP", "LOG", "GELU", "ELU"}
)

_IN01_OUT0: tuple[Slot, ...] = (("i", 0), ("i", 1), ("o", 0))
COMPARISONS = ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL")


def softmax_prepare(view: OpView, _target: Target) -> tuple[PersistentBuffer, ...]:
    """int16 input: exp and 1/(1+x) LUTs of kInt16LUTArraySize int16 entries."""
    if view.input_type() != "INT16":
        return ()
    return (
        PersistentBuffer("int16 exp LUT", 2 * SOFTMAX_INT16_LUT_ENTRIES),
        PersistentBuffer("int16 1/(1+x) LUT", 2 * SOFTMAX_INT16_LUT_ENTRIES),
    )


def add_n_temps(view: OpView) -> tuple[Slot, ...]:
    """CalculateOpData: input 0, output, then inputs 1..n-1."""
    return (("i", 0), ("o", 0), *(("i", n) for n in range(1, len(view.op.inputs))))


#: Modelled operators: (opcode, builtin data, OpData, temporary tensors or None for the upper
#: bound). Binary ones broadcast their inputs; unary ones keep their input's shape.
_Modelled = tuple[tuple[str, CStruct | None, CStruct | None, tuple[Slot, ...] | None], ...]
_BINARY_MODELLED: _Modelled = (
    ("ADD", ADD_PARAMS, OP_DATA_ADD, _IN01_OUT0),
    ("SUB", SUB_PARAMS, OP_DATA_SUB, _IN01_OUT0),
    ("MUL", MUL_PARAMS, OP_DATA_MUL, _IN01_OUT0),
    *((c, None, OP_DATA_COMPARISON, None) for c in COMPARISONS),
    *((m, None, None, None) for m in ("MAXIMUM", "MINIMUM")),  # no options, no OpData
)
_UNARY_MODELLED: _Modelled = (
    ("RELU", None, OP_DATA_RELU, IN0_OUT0),
    ("LOGISTIC", None, OP_DATA_LOGISTIC, IN0_OUT0),
    # tanh.cc: Prepare takes the input, then CalculateArithmeticOpData input and output.
    ("TANH", None, OP_DATA_TANH, (("i", 0), ("i", 0), ("o", 0))),
    ("HARD_SWISH", None, HARD_SWISH_PARAMS, IN0_OUT0),
    ("LEAKY_RELU", LEAKY_RELU_PARAMS, OP_DATA_LEAKY_RELU, IN0_OUT0),
    ("QUANTIZE", None, OP_DATA_QUANTIZE, IN0_OUT0),
    ("DEQUANTIZE", None, OP_DATA_DEQUANTIZE, IN0_OUT0),
)

#: Registered by the pip runtime, no scratch, persistent data not modelled.
_UNARY_REGISTERED = (
    "RELU6", "ABS", "NEG", "SQRT", "RSQRT", "EXP", "LOG", "SIN", "COS", "ELU", "CAST",
    "FLOOR", "ROUND", "CEIL", "SQUARE", "LOG_SOFTMAX", "L2_NORMALIZATION", "ZEROS_LIKE",
    "LOGICAL_NOT",
)  # fmt: skip
_BINARY_REGISTERED = (
    "DIV", "SQUARED_DIFFERENCE", "FLOOR_DIV", "FLOOR_MOD", "PRELU", "LOGICAL_AND",
    "LOGICAL_OR",
)  # fmt: skip
#: Not registered by the pip runtime: only their shape rule is known.
_UNARY_UNREGISTERED = (
    "RELU_N1_TO_1", "RELU_0_TO_1", "LOCAL_RESPONSE_NORMALIZATION", "ONES_LIKE", "GELU",
)  # fmt: skip


def _latency(opcode: str) -> str:
    return "transcendental" if opcode in TRANSCENDENTAL else "elementwise"


def _shape_only(opcode: str, rule: Rule, registered: bool) -> Kernel:
    return Kernel(opcode, scratch_known=registered, shape=rule, latency=_latency(opcode))


KERNELS = (
    *(modelled(*row, elementwise_rule, _latency(row[0])) for row in _BINARY_MODELLED),
    *(modelled(*row, same_as_first_rule, _latency(row[0])) for row in _UNARY_MODELLED),
    modelled(
        "SOFTMAX",
        SOFTMAX_PARAMS_BUILTIN,
        SOFTMAX_PARAMS,
        IN0_OUT0,
        same_as_first_rule,
        "transcendental",
        source="tensorflow/lite/micro/kernels/softmax.cc, softmax_common.cc",
        prepare=softmax_prepare,
    ),
    Kernel(
        "ADD_N",
        source="tensorflow/lite/micro/kernels/add_n.cc",
        scratch_known=True,
        # One pointer per input: 8 bytes each on the 64-bit pip runtime, 4 on Cortex-M.
        scratch=lambda v, t: (len(v.op.inputs) * (t.pointer_bits // 8),),
        temps=add_n_temps,
        shape=elementwise_rule,
    ),
    *(_shape_only(op, same_as_first_rule, True) for op in _UNARY_REGISTERED),
    *(_shape_only(op, elementwise_rule, True) for op in _BINARY_REGISTERED),
    *(_shape_only(op, same_as_first_rule, False) for op in _UNARY_UNREGISTERED),
    _shape_only("POW", elementwise_rule, False),
)
