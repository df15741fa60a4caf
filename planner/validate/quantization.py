"""Quantization rules of TFLM's kernels: what their ``Prepare`` refuses, or aborts on, in the
scales and zero points of the tensors they read and write.

How a kernel sees a tensor's quantization (``micro_allocator.cc``,
``InitializeTfLiteTensorFromFlatbuffer``): TFLM copies the flatbuffer's quantization only
when it has both a scale and a zero point; a tensor with scales but no zero points is as
unquantized as one with neither (``kTfLiteNoQuantization``, ``params`` scale 0 and zero
point 0). Every rule here reads the tensors that way (:func:`params`), so a model whose
zero points are missing is judged by the numbers TFLM's kernels compute with:

- quantized math on activations without scales (:data:`QUANTIZED_MATH`): refused as
  broken, though TFLM takes some (a convolution's output); one with scales but no zero
  points is judged only by the rules below, as TFLM's Prepare judges it;
- fixed output quantization: int8 SOFTMAX/LOGISTIC (zero point -128, SOFTMAX scale 1/256),
  int16 SOFTMAX (zero point 0, scale 1/32768), int8 -> int16 SOFTMAX (zero point -32768,
  scale 1/65536), int8 LOG_SOFTMAX (16/256, 127), int16 TANH/LOGISTIC (scale 2^-15);
- symmetric int16 (zero point 0) where the kernel requires it (LOGISTIC, TANH, RELU, MUL,
  SOFTMAX, CONCATENATION, BATCH_MATMUL, SQUARED_DIFFERENCE);
- rescaling Prepare computes and checks: int8 SOFTMAX/LOG_SOFTMAX input scale x beta
  (``PreprocessSoftmaxScaling`` aborts below 2^-26), int8/int16 ADD and SUB multipliers
  (``QuantizeMultiplierSmallerThanOneExp`` aborts outside (0, 1)), pooling input and output
  quantized alike (``pooling_common.cc``), int8 CONCATENATION inputs quantized as the output,
  PADV2's constant value quantized as the output, int32 ADD/SUB unquantized;
- convolutions (``conv_common.cc``, ``depthwise_conv_common.cc``, ``transpose_conv.cc``,
  ``PopulateConvolutionQuantizationParams``): quantized input and filter, one filter scale
  or one per output channel (filter dimension 0, DEPTHWISE's 3), int8/int4 filters for int8;
- QUANTIZE's output: one scale and zero point; a fused activation's clamp values on a
  quantized output: an int32 count of output steps (an unquantized output's scale 0 gives
  NaN, so Prepare refuses it);
- FULLY_CONNECTED with one filter scale and a bias: bias scale within 2% of an output step
  of input scale x filter scale (``GetQuantizedConvolutionMultipler``);
- EMBEDDING_LOOKUP's int8 table into a float output at zero point 0; HARD_SWISH's int8
  output scale above input scale / 128 (``hard_swish_common.cc``);
- int8 SVDF: a bias (its Prepare reads the bias's scale unconditionally) of scale within
  1e-5 of activation-state scale x time-weights scale (``svdf_common.cc``).
"""

from __future__ import annotations

import math
import struct

from planner.model.graph import Operator, Quantization, Subgraph, Tensor
from planner.validate.shapes import tensor_at

#: Kernels whose int8/int16 path reads every activation's scale and zero point.
QUANTIZED_MATH = frozenset(
    {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "TRANSPOSE_CONV",
        "ADD",
        "SUB",
        "MUL",
        "SOFTMAX",
        "LOGISTIC",
        "TANH",
        "MEAN",
        "DEQUANTIZE",
        "SVDF",
    }
)
#: Kernels whose int16 path (an int16 first input) requires zero point 0 of every int16
#: tensor (logistic_common.cc, tanh.cc, activations_common.cc's ReluPrepare, mul_common.cc,
#: softmax_common.cc, concatenation.cc, batch_matmul.cc, squared_difference.cc).
INT16_SYMMETRIC = frozenset(
    {
        "LOGISTIC",
        "TANH",
        "RELU",
        "MUL",
        "SOFTMAX",
        "CONCATENATION",
        "BATCH_MATMUL",
        "SQUARED_DIFFERENCE",
    }
)
#: Kernels requiring a fixed output quantization (softmax_common.cc, logistic_common.cc,
#: log_softmax.cc, tanh.cc).
FIXED_OUTPUTS = frozenset({"SOFTMAX", "LOGISTIC", "LOG_SOFTMAX", "TANH"})
#: Convolutions: (input index, filter index, the filter dimension of output channels).
CONVOLUTIONS = {"CONV_2D": (0, 1, 0), "DEPTHWISE_CONV_2D": (0, 1, 3), "TRANSPOSE_CONV": (2, 1, 0)}
#: Kernels clamping a quantized output to their fused activation in Prepare
#: (``CalculateActivationRangeQuantized``), and the real values each activation quantizes
#: (RELU: 0; RELU_N1_TO_1: -1 and 1; RELU6: 0 and 6).
CLAMPING = frozenset(
    {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "TRANSPOSE_CONV",
        "ADD",
        "SUB",
        "MUL",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
    }
)
CLAMPED_VALUES = {1: (0.0,), 2: (-1.0, 1.0), 3: (0.0, 6.0)}
#: The pooling kernels sharing ``PoolingPrepare`` (pooling_common.cc).
POOLS = frozenset({"AVERAGE_POOL_2D", "MAX_POOL_2D"})
QUANTIZED = frozenset({"INT8", "INT16"})


def affine(t: Tensor | None) -> Quantization | None:
    """The tensor's quantization as TFLM copies it: None without a scale or a zero point."""
    q = t.quantization if t is not None else None
    return q if q is not None and q.affine else None


def params(t: Tensor | None) -> tuple[float, int]:
    """(scale, zero point) as kernels read them (``TfLiteTensor::params``): the first of each,
    (0.0, 0) for a tensor TFLM sees unquantized."""
    q = affine(t)
    return (float(q.scales[0]), int(q.zero_points[0])) if q is not None else (0.0, 0)


def _f32(v: float) -> float:
    """``v`` rounded to float32, as C++ float arithmetic does (inf past its range)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", v))[0])
    except OverflowError:
        return math.copysign(math.inf, v)


def _div(a: float, b: float) -> float:
    """IEEE division: a / 0 is infinite (NaN for 0 / 0)."""
    if b != 0:
        return a / b
    return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)


def _unquantized_problem(op: Operator, sg: Subgraph) -> str | None:
    """Refused as broken where scales are missing altogether (the kernel computes with scale
    0); a tensor with scales but no zero points is judged only by the rules below, since
    some kernels (a convolution's output) accept it."""
    if op.opcode not in QUANTIZED_MATH:
        return None
    for t in (*op.inputs, *op.outputs):
        tensor = sg.tensors[t] if t >= 0 else None
        if tensor is not None and tensor.dtype in QUANTIZED and not tensor.is_constant:
            q = tensor.quantization
            if q is None or len(q.scales) == 0:
                return (
                    f"reads or writes {tensor.dtype} tensor {t} without quantization "
                    "parameters; its quantized kernel needs a scale and zero point"
                )
    return None


def _quantized_as(t: Tensor) -> str:
    scale, zero = params(t)
    return f"scale {scale!r} and zero point {zero}" + ("" if affine(t) else " (unquantized)")


def _near(scale: float, unit: int) -> bool:
    """``TF_LITE_ENSURE_NEAR(scale, 1.f / unit, 0.001f * 1.f / unit)``, in float32."""
    return _f32(abs(scale - 1 / unit)) <= _f32(0.001) / unit


def _pow2_15(scale: float) -> bool:
    """``CheckedLog2`` giving -15: log2(scale) within 1e-3 of -15 (checked with a margin, so
    that float32 rounding never refuses a scale TFLM accepts)."""
    return scale > 0 and abs(math.log2(scale) + 15) <= 2e-3


def _fixed_output_needs(op: Operator, x: Tensor, y: Tensor) -> str | None:
    """What the kernel requires of an output's quantization that it lacks, or None."""
    name, types = op.opcode, (x.dtype, y.dtype)
    if name not in FIXED_OUTPUTS:
        return None
    scale, zero = params(y)
    softmax = name == "SOFTMAX"
    if name in ("SOFTMAX", "LOGISTIC") and types == ("INT8", "INT8"):
        if zero != -128 or (softmax and scale != 1 / 256):
            return "zero point -128" + (" and scale 1/256" if softmax else "")
    elif softmax and types == ("INT8", "INT16"):
        if zero != -32768 or not _near(scale, 65536):
            return "zero point -32768 and scale 1/65536"
    elif softmax and x.dtype == "INT16":
        if not _near(scale, 32768):
            return "scale 1/32768"
    elif name == "LOG_SOFTMAX" and x.dtype == "INT8":
        if (scale, zero) != (16 / 256, 127):
            return "scale 16/256 and zero point 127"
    elif name in ("TANH", "LOGISTIC") and x.dtype == "INT16" and not _pow2_15(scale):
        return "scale 2^-15"
    return None


def _fixed_output_problem(op: Operator, x: Tensor, y: Tensor) -> str | None:
    """SOFTMAX, LOGISTIC, LOG_SOFTMAX and TANH outputs of a fixed quantization."""
    need = _fixed_output_needs(op, x, y)
    if need is None:
        return None
    return f"writes an {y.dtype.lower()} output with {_quantized_as(y)}; its kernel requires {need}"


def _symmetric_problem(op: Operator, sg: Subgraph, x: Tensor) -> str | None:
    if op.opcode not in INT16_SYMMETRIC or x.dtype != "INT16":
        return None
    for t in (*op.inputs, *op.outputs):
        tensor = sg.tensors[t] if t >= 0 else None
        if tensor is not None and tensor.dtype == "INT16" and params(tensor)[1]:
            return (
                f"has int16 tensor {t} with zero point {params(tensor)[1]}; its kernel "
                "requires 0 (symmetric int16)"
            )
    return None


def _rescale_problem(op: Operator, sg: Subgraph, x: Tensor, y: Tensor) -> str | None:
    """Multipliers Prepare derives from the scales and checks (or aborts on)."""
    name = op.opcode
    if name in ("SOFTMAX", "LOG_SOFTMAX") and x.dtype == "INT8":
        beta = op.options.get("beta", 0.0) if name == "SOFTMAX" else 1.0
        beta = float(beta) if isinstance(beta, int | float) else 0.0
        if not beta * params(x)[0] * (1 << 26) > 1:  # QuantizeMultiplierGreaterThanOne
            return (
                f"has an int8 input with {_quantized_as(x)} and beta {beta!r}; its kernel "
                "needs input scale x beta above 2^-26 and aborts otherwise"
            )
    if name in ("ADD", "SUB") and y.dtype in QUANTIZED:
        if name == "ADD" and affine(y) is None:
            return f"writes {y.dtype} tensor {y.index} without quantization; its kernel needs it"
        b = tensor_at(sg, op.inputs, 1)
        s1, s2, so = params(x)[0], params(b)[0], params(y)[0]
        shift = 1 << (15 if y.dtype == "INT16" else 20)
        if name == "ADD":
            twice = 2 * max(s1, s2)
            out = _div(twice, shift * so)
        else:  # sub_common.cc computes in float
            twice = _f32(2 * max(s1, s2))
            out = _f32(_div(twice, _f32(shift * so)))
        if not (s1 > 0 and s2 > 0 and 0 < out < 1):
            return (
                f"has inputs of scale {s1!r} and {s2!r} and an output of scale {so!r}; its "
                "kernel's rescaling multipliers must lie in (0, 1) and it aborts otherwise"
            )
    if name in POOLS and x.dtype in QUANTIZED:
        (sx, zx), (sy, zy) = params(x), params(y)
        if abs(_f32(sx - sy)) > 1e-6 or zx != zy:
            return (
                f"reads an input with {_quantized_as(x)} and writes an output with "
                f"{_quantized_as(y)}; its kernel requires them equal"
            )
    return None


def _round_away(v: float) -> float:
    """``TfLiteRound``: half away from zero (NaN and infinities unchanged)."""
    return v if not math.isfinite(v) else math.copysign(math.floor(abs(v) + 0.5), v)


def _output_problem(op: Operator, y: Tensor) -> str | None:
    """QUANTIZE's output quantization, and a fused activation clamped in the output's steps
    (``Quantize`` in kernel_util.cc: f / scale, rounded, must fit an int32)."""
    q = affine(y) if op.opcode == "QUANTIZE" else None
    if op.opcode == "QUANTIZE" and (q is None or len(q.scales) != 1):
        have = "no quantization" if q is None else f"{len(q.scales)} scales"
        return (
            f"writes {y.dtype} tensor {y.index} with {have}; its kernel requires one scale and "
            "zero point (per-tensor affine quantization)"
        )
    act = op.options.get("fused_activation_function")
    values = CLAMPED_VALUES.get(act) if isinstance(act, int) else None
    if op.opcode not in CLAMPING or y.dtype not in QUANTIZED or values is None:
        return None
    scale = params(y)[0]
    for v in values:
        steps = _round_away(_f32(_div(v, scale)))
        if not -(2.0**31) <= steps <= 2.0**31:
            return (
                f"clamps its {y.dtype.lower()} output (scale {scale!r}) at {v} for its fused "
                "activation, which is no int32 count of output steps; its kernel requires a "
                "quantized output"
            )
    return None


def _multiplier_shift(m: float) -> int:
    """The shift ``QuantizeMultiplier`` gives a finite, non-negative multiplier."""
    if m == 0:
        return 0
    q, shift = math.frexp(m)
    if _round_away(q * (1 << 31)) == 1 << 31:
        shift += 1
    return 0 if shift < -31 else shift


def _lookup_problem(op: Operator, sg: Subgraph, x: Tensor, y: Tensor) -> str | None:
    """EMBEDDING_LOOKUP's int8 table into a float output (symmetric, embedding_lookup.cc)
    and HARD_SWISH's int8 output rescaling (a shift of at most 0, hard_swish_common.cc)."""
    if op.opcode not in ("EMBEDDING_LOOKUP", "HARD_SWISH"):
        return None
    table = tensor_at(sg, op.inputs, 1)
    zero, types = params(table)[1], (table.dtype if table is not None else "", y.dtype)
    if op.opcode == "EMBEDDING_LOOKUP" and zero != 0 and types == ("INT8", "FLOAT32"):
        return (
            f"has an int8 table (tensor {op.inputs[1]}) at zero point {zero} for a float "
            "output; its kernel requires 0 (symmetric)"
        )
    if op.opcode == "HARD_SWISH" and x.dtype == "INT8":
        sx, sy = params(x)[0], params(y)[0]
        multiplier = _f32(_f32(_f32(1 / 128) * sx) / sy) if sx > 0 and sy > 0 else 0.0
        if math.isfinite(multiplier) and _multiplier_shift(multiplier) > 0:
            return (
                f"has an int8 input of scale {sx!r} and an output of scale {sy!r}; its kernel "
                "requires input scale / 128 below the output scale"
            )
    return None


def _same_as_output_problem(op: Operator, sg: Subgraph, x: Tensor, y: Tensor) -> str | None:
    """Inputs Prepare requires quantized as the output, or not quantized at all."""
    if op.opcode == "CONCATENATION" and x.dtype == "INT8":
        for t in op.inputs:
            tensor = sg.tensors[t] if t >= 0 else None
            if tensor is not None and params(tensor) != params(y):
                return (
                    f"concatenates int8 input {t} quantized as {params(tensor)} into an "
                    f"output quantized as {params(y)}; its kernel requires them equal"
                )
    if op.opcode in ("PAD", "PADV2") and x.dtype == "INT8":
        value = tensor_at(sg, op.inputs, 2)
        if value is not None and params(value) != params(y):
            return (
                f"pads with a constant value quantized as {params(value)} into an output "
                f"quantized as {params(y)}; its kernel requires them equal"
            )
    if op.opcode in ("ADD", "SUB") and y.dtype == "INT32":
        checked = (*op.inputs[:2], *(op.outputs[:1] if op.opcode == "SUB" else ()))
        for t in checked:
            if t >= 0 and affine(sg.tensors[t]) is not None:
                return f"has quantized int32 tensor {t}; its kernel supports only unquantized int32"
    return None


def _filter_problem(op: Operator, sg: Subgraph) -> str | None:
    """A convolution's filter quantization (conv_common.cc, depthwise_conv_common.cc,
    transpose_conv.cc and PopulateConvolutionQuantizationParams); its type is :mod:`.types`'."""
    where = CONVOLUTIONS.get(op.opcode)
    if where is None:
        return None
    x, w = tensor_at(sg, op.inputs, where[0]), tensor_at(sg, op.inputs, where[1])
    if x is None or w is None or x.dtype not in QUANTIZED:
        return None
    for label, t in (("input", x), ("filter", w)):
        if affine(t) is None:
            return (
                f"has an unquantized {t.dtype} {label} (tensor {t.index}: it needs both a scale "
                "and a zero point); its quantized kernel requires affine quantization"
            )
    q = affine(w)
    dim = where[2]
    channels = w.shape[dim] if len(w.shape) > dim else None
    if q is not None and len(q.scales) != 1 and len(q.scales) != channels:
        return (
            f"has {len(q.scales)} scales on filter tensor {w.index} for {channels} output "
            f"channels (dimension {dim} of {list(w.shape)}); its kernel requires one scale or "
            "one per channel"
        )
    return None


def _bias_problem(op: Operator, sg: Subgraph, x: Tensor, y: Tensor) -> str | None:
    """Bias scales FULLY_CONNECTED (one filter scale) and int8 SVDF check."""
    if op.opcode == "FULLY_CONNECTED" and x.dtype in QUANTIZED:
        w, b = tensor_at(sg, op.inputs, 1), tensor_at(sg, op.inputs, 2)
        q = affine(w)
        if b is None or (q is not None and len(q.scales) > 1):
            return None
        product = params(x)[0] * params(w)[0]
        ratio = _div(abs(product - params(b)[0]), params(y)[0])
        if not ratio <= 0.02:
            return (
                f"has a bias of scale {params(b)[0]!r} for input scale x filter scale "
                f"{product!r} and output scale {params(y)[0]!r}; its kernel requires them "
                "within 2% of an output step"
            )
    if op.opcode == "SVDF" and x.dtype == "INT8":
        b, state, time = (tensor_at(sg, op.inputs, k) for k in (3, 4, 2))
        if b is None:
            return (
                "is an int8 SVDF without a bias; TFLM's kernel reads the missing bias's scale "
                "and crashes"
            )
        product = _f32(params(state)[0] * params(time)[0])
        if not abs(params(b)[0] - product) < 1e-5:
            return (
                f"has a bias of scale {params(b)[0]!r}, but activation-state scale x "
                f"time-weights scale is {product!r}; its kernel requires them within 1e-5"
            )
    return None


def unquantized_problem(op: Operator, sg: Subgraph) -> str | None:
    """An int8/int16 activation of a quantized-math kernel without quantization, or None."""
    return _unquantized_problem(op, sg)


def quantization_rule_problem(op: Operator, sg: Subgraph) -> str | None:
    """The first quantization rule of the operator's kernel its tensors break, or None."""
    problem = _filter_problem(op, sg)
    if problem is not None:
        return problem
    first = 2 if op.opcode == "TRANSPOSE_CONV" else 0
    x, y = tensor_at(sg, op.inputs, first), tensor_at(sg, op.outputs, 0)
    if x is None or y is None:
        return None
    return (
        _fixed_output_problem(op, x, y)
        or _symmetric_problem(op, sg, x)
        or _rescale_problem(op, sg, x, y)
        or _output_problem(op, y)
        or _same_as_output_problem(op, sg, x, y)
        or _bias_problem(op, sg, x, y)
        or _lookup_problem(op, sg, x, y)
    )


__all__ = ["QUANTIZED_MATH", "affine", "params", "quantization_rule_problem", "unquantized_problem"]
