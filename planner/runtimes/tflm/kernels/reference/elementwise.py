"""Elementwise operators, activations, (de)quantization and SOFTMAX: TFLM's reference kernels.

Sources (tensorflow/lite/micro/kernels/): add.cc / add_common.cc, sub.cc, mul.cc,
comparisons.cc, maximum_minimum.cc, activations.cc / activations_common.cc, logistic.cc,
tanh.cc, hard_swish.cc, leaky_relu.cc, quantize.cc, dequantize.cc, softmax.cc /
softmax_common.cc, add_n.cc; for the temporary tensors of the operators whose persistent data
is not modelled: elementwise.cc, neg.cc, exp.cc, elu.cc, cast.cc, floor.cc, round.cc, ceil.cc,
log_softmax.cc, l2norm.cc, zeros_like.cc, div.cc, squared_difference.cc, floor_div.cc,
floor_mod.cc, prelu_common.cc, logical.cc.
"""

from __future__ import annotations

from planner.analysis.shape_rules import Rule, elementwise_rule, same_as_first_rule
from planner.runtimes.tflm.kernels.descriptor import (
    Kernel,
    OpView,
    PersistentBuffer,
    Slot,
    modelled,
    temps_fn,
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
    # comparisons.cc: Prepare takes the two inputs, not the output.
    *((c, None, OP_DATA_COMPARISON, (("i", 0), ("i", 1))) for c in COMPARISONS),
    # maximum_minimum.cc: no options, no OpData, no Prepare.
    *((m, None, None, ()) for m in ("MAXIMUM", "MINIMUM")),
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

#: Registered by the pip runtime, no scratch, persistent data not modelled; with the
#: temporary tensors their Prepare takes. Input then output: elementwise.cc (ABS, RSQRT,
#: SQRT, LOG, SIN, COS, SQUARE, LOGICAL_NOT), exp.cc, elu.cc, cast.cc, round.cc, ceil.cc,
#: log_softmax.cc, l2norm.cc, zeros_like.cc. activations_common.cc's Relu6Prepare takes the
#: input only; neg.cc and floor.cc have no Prepare.
_UNARY_REGISTERED: tuple[tuple[str, tuple[Slot, ...]], ...] = (
    ("RELU6", (("i", 0),)), ("ABS", IN0_OUT0), ("NEG", ()), ("SQRT", IN0_OUT0),
    ("RSQRT", IN0_OUT0), ("EXP", IN0_OUT0), ("LOG", IN0_OUT0), ("SIN", IN0_OUT0),
    ("COS", IN0_OUT0), ("ELU", IN0_OUT0), ("CAST", IN0_OUT0), ("FLOOR", ()),
    ("ROUND", IN0_OUT0), ("CEIL", IN0_OUT0), ("SQUARE", IN0_OUT0), ("LOG_SOFTMAX", IN0_OUT0),
    ("L2_NORMALIZATION", IN0_OUT0), ("ZEROS_LIKE", IN0_OUT0), ("LOGICAL_NOT", IN0_OUT0),
)  # fmt: skip
#: Both inputs then the output: div.cc, squared_difference.cc, floor_div.cc, floor_mod.cc,
#: prelu_common.cc; logical.cc (LOGICAL_AND, LOGICAL_OR) has no Prepare.
_BINARY_REGISTERED: tuple[tuple[str, tuple[Slot, ...]], ...] = (
    ("DIV", _IN01_OUT0), ("SQUARED_DIFFERENCE", _IN01_OUT0), ("FLOOR_DIV", _IN01_OUT0),
    ("FLOOR_MOD", _IN01_OUT0), ("PRELU", _IN01_OUT0), ("LOGICAL_AND", ()),
    ("LOGICAL_OR", ()),
)  # fmt: skip
#: Not registered by the pip runtime, and without a kernel in TFLM's source (tflite-micro
#: 90b983c2): only their shape rule is known, and their temporary tensors are the upper bound.
_UNARY_UNREGISTERED = (
    "RELU_N1_TO_1", "RELU_0_TO_1", "LOCAL_RESPONSE_NORMALIZATION", "ONES_LIKE", "GELU",
)  # fmt: skip


def _latency(opcode: str) -> str:
    return "transcendental" if opcode in TRANSCENDENTAL else "elementwise"


#: Registered kernels whose Init and Prepare allocate no persistent buffer (no Init, or
#: floor_div.cc / floor_mod.cc's, which returns nullptr).
_NO_KERNEL_BUFFERS = frozenset(
    {
        "SQRT", "SIN", "COS", "LOG", "SQUARE", "LOGICAL_NOT", "NEG", "FLOOR", "EXP", "ROUND",
        "CEIL", "CAST", "ZEROS_LIKE", "FLOOR_DIV", "FLOOR_MOD", "LOGICAL_AND", "LOGICAL_OR",
    }
)  # fmt: skip


def _shape_only(
    opcode: str, rule: Rule, registered: bool, temps: tuple[Slot, ...] | None = None
) -> Kernel:
    return Kernel(
        opcode,
        scratch_known=registered,
        temps=temps_fn(temps),
        no_kernel_buffers=opcode in _NO_KERNEL_BUFFERS,
        shape=rule,
        latency=_latency(opcode),
    )


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
    *(_shape_only(op, same_as_first_rule, True, temps) for op, temps in _UNARY_REGISTERED),
    *(_shape_only(op, elementwise_rule, True, temps) for op, temps in _BINARY_REGISTERED),
    *(_shape_only(op, same_as_first_rule, False) for op in _UNARY_UNREGISTERED),
    _shape_only("POW", elementwise_rule, False),
)
