"""Kernel scratch buffers: the bytes each ``RequestScratchBufferInArena`` call asks for.

A kernel's ``Prepare`` may call ``context->RequestScratchBufferInArena(context, bytes, &idx)``
any number of times; each call becomes one buffer in the arena head, live only while that
operator runs (see :mod:`planner.runtimes.tflm.allocation_info`). The sizes depend on the kernel
library.

``kernels="reference"`` is TFLM's portable kernels, what the ``tflite-micro`` pip package
runs. Which of its kernels request scratch was established from that package's
``_runtime.so`` (its symbols are not stripped): every call site of
``MicroContextRequestScratchBufferInArena`` lies in one of the Prepare functions below, and
the sizes were read from the kernel sources and checked against the disassembly.

``kernels="cmsis-nn"`` is TFLM's ``kernels/cmsis_nn/`` directory (Cortex-M), whose sizes come
from CMSIS-NN's ``*_get_buffer_size*`` functions. ``dsp`` means the core has the DSP
extension (``ARM_MATH_DSP``: Cortex-M4/M7/M33/M35P/M55...), ``mve`` Helium
(``ARM_MATH_MVEI``: Cortex-M55/M85). Operators without a CMSIS-NN kernel use the reference
kernel. These sizes cannot be measured here (no Cortex-M runtime); they follow the sources
listed.

Sources (repository, file):

=================================  ===========================================================
Operator                           Reference kernel (tensorflow/tflite-micro,
                                   tensorflow/lite/micro/kernels/)
=================================  ===========================================================
CONV_2D                            conv_common.cc ``ConvPrepare``: int4 filter -> one buffer of
                                   the filter's element count (unpacked weights)
DEPTHWISE_CONV_2D                  depthwise_conv_common.cc: same int4 rule
FULLY_CONNECTED                    fully_connected.cc: same int4 rule
TRANSPOSE_CONV                     transpose_conv.cc: int8 -> output elements x 4; int16 ->
                                   output elements x 8, then bias elements x 8 if the bias is
                                   int16
SVDF                               svdf_common.cc ``PrepareSvdf``: int8 -> batch x filters x 4,
                                   batch x units x 4; float -> batch x filters x 4
UNIDIRECTIONAL_SEQUENCE_LSTM       unidirectional_sequence_lstm.cc: 4 x (batch x state x size
                                   of the cell-state type); batch and state from
                                   ``CreateLstmSizeInfo`` (lstm_shared / lstm_eval_common.cc)
MEAN, SUM                          reduce_common.cc ``PrepareMeanOrSumHelper``: int8/int16 ->
                                   output elements x 4, then input rank x 4, axis elements x 4;
                                   other types -> input rank x 4, axis elements x 4
REDUCE_MAX, REDUCE_MIN, REDUCE_ALL reduce_common.cc ``PrepareMinMaxHelper`` /
                                   ``PrepareAllHelper``: input rank x 4, axis elements x 4
MIRROR_PAD                         mirror_pad.cc: input rank x 4, twice
ADD_N                              add_n.cc: inputs x sizeof(pointer) (8 on the 64-bit pip
                                   runtime, 4 on Cortex-M)
=================================  ===========================================================

=================================  ===========================================================
Operator                           CMSIS-NN (tflite-micro kernels/cmsis_nn/*.cc, and
                                   ARM-software/CMSIS-NN Source/...)
=================================  ===========================================================
CONV_2D int8                       cmsis_nn/conv.cc -> ConvolutionFunctions/
                                   arm_convolve_get_buffer_sizes_s8.c (V.2.3.0, Mar 2026)
                                   ``arm_convolve_wrapper_s8_get_buffer_size``
CONV_2D int16                      arm_convolve_get_buffer_sizes_s16.c (V.1.0.0)
DEPTHWISE_CONV_2D int8             cmsis_nn/depthwise_conv.cc -> arm_depthwise_conv_get_buffer_
                                   sizes_s8.c (V.1.1.0) ``..._wrapper_s8_get_buffer_size``;
                                   ``CH_IN_BLOCK_MVE`` = 124 (Include/arm_nnsupportfunctions.h)
FULLY_CONNECTED int8               cmsis_nn/fully_connected.cc; FullyConnectedFunctions/
                                   arm_fully_connected_get_buffer_sizes_s8.c (V.1.1.0): MVE
                                   needs output depth x 4 (kernel sums), kept in persistent
                                   memory when the weights are constant, else scratch
TRANSPOSE_CONV int8                cmsis_nn/transpose_conv.cc -> arm_transpose_conv_get_buffer_
                                   sizes_s8.c (V.2.1.0): two requests (the second may be 0
                                   bytes); ``REVERSE_TCOL_EFFICIENT_THRESHOLD`` = 16
SVDF                               cmsis_nn/svdf.cc: as reference (kernel sums go to
                                   persistent memory with TFLM's default
                                   ``KERNELS_OPTIMIZED_FOR_SPEED``)
UNIDIRECTIONAL_SEQUENCE_LSTM       cmsis_nn/unidirectional_sequence_lstm.cc: int8/int16
                                   activations with int16 cell state -> 3 buffers, else 4
AVERAGE_POOL_2D int8               cmsis_nn/pooling.cc -> arm_avgpool_s8_get_buffer_size:
                                   channels x 4 with DSP and without MVE, else none
BATCH_MATMUL int8                  cmsis_nn/batch_matmul.cc: ``arm_fully_connected_s8_get_
                                   buffer_size(output dims)`` -> MVE: last output dim x 4
MAX_POOL_2D, SOFTMAX, PAD,         cmsis_nn/pooling.cc, softmax.cc, pad.cc, transpose.cc: no
TRANSPOSE                          request. ADD, MUL, MAXIMUM, MINIMUM: CMSIS-NN kernels
                                   assumed to use the shared reference Prepare (no request)
=================================  ===========================================================

Assumptions: the Cortex-M build uses GCC (``arm_convolve_1x1_s8_fast_get_buffer_size_dsp``
asks for ``2 x channels x 2`` bytes only when built with Arm Compiler 6; with GCC it is 0).
Not covered (:func:`op_scratch_known` answers False, never a silent 0): custom operators
(``TFLite_Detection_PostProcess``'s sizes depend on flexbuffer options the graph does not
keep; the signal library's ``RFFT``), int4 weights and int16 depthwise/average-pool under
CMSIS-NN, operators the pip runtime does not register, and compressed models.
"""

from __future__ import annotations

from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.runtimes.tflm.micro_allocator import ESP_NN_KERNELS

KERNEL_LIBRARIES = ("reference", "cmsis-nn", "esp-nn")

#: Builtin operators the pip runtime registers (``PythonOpsResolver``) whose Prepare makes no
#: RequestScratchBufferInArena call.
_REFERENCE_NO_SCRATCH = frozenset(
    {
        "ABS",
        "ADD",
        "ARG_MAX",
        "ARG_MIN",
        "ASSIGN_VARIABLE",
        "AVERAGE_POOL_2D",
        "BATCH_MATMUL",
        "BATCH_TO_SPACE_ND",
        "BROADCAST_ARGS",
        "BROADCAST_TO",
        "CALL_ONCE",
        "CAST",
        "CEIL",
        "CONCATENATION",
        "COS",
        "CUMSUM",
        "DEPTH_TO_SPACE",
        "DEQUANTIZE",
        "DIV",
        "DYNAMIC_UPDATE_SLICE",
        "ELU",
        "EMBEDDING_LOOKUP",
        "EQUAL",
        "EXP",
        "EXPAND_DIMS",
        "FILL",
        "FLOOR",
        "FLOOR_DIV",
        "FLOOR_MOD",
        "GATHER",
        "GATHER_ND",
        "GREATER",
        "GREATER_EQUAL",
        "HARD_SWISH",
        "IF",
        "L2_NORMALIZATION",
        "L2_POOL_2D",
        "LEAKY_RELU",
        "LESS",
        "LESS_EQUAL",
        "LOG",
        "LOGICAL_AND",
        "LOGICAL_NOT",
        "LOGICAL_OR",
        "LOGISTIC",
        "LOG_SOFTMAX",
        "MAXIMUM",
        "MAX_POOL_2D",
        "MINIMUM",
        "MUL",
        "NEG",
        "NOT_EQUAL",
        "PACK",
        "PAD",
        "PADV2",
        "PRELU",
        "QUANTIZE",
        "READ_VARIABLE",
        "RELU",
        "RELU6",
        "RESHAPE",
        "RESIZE_BILINEAR",
        "RESIZE_NEAREST_NEIGHBOR",
        "REVERSE_V2",
        "ROUND",
        "RSQRT",
        "SELECT_V2",
        "SHAPE",
        "SIN",
        "SLICE",
        "SOFTMAX",
        "SPACE_TO_BATCH_ND",
        "SPACE_TO_DEPTH",
        "SPLIT",
        "SPLIT_V",
        "SQRT",
        "SQUARE",
        "SQUARED_DIFFERENCE",
        "SQUEEZE",
        "STRIDED_SLICE",
        "SUB",
        "TANH",
        "TRANSPOSE",
        "UNPACK",
        "VAR_HANDLE",
        "WHILE",
        "ZEROS_LIKE",
        # Custom operator registered by name; its Prepare requests nothing.
        "CIRCULAR_BUFFER",
    }
)

#: Operators whose requests this module computes (for both libraries).
_WITH_SCRATCH = frozenset(
    {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "TRANSPOSE_CONV",
        "SVDF",
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "MEAN",
        "SUM",
        "REDUCE_MAX",
        "REDUCE_MIN",
        "REDUCE_ALL",
        "MIRROR_PAD",
        "ADD_N",
    }
)

# LSTM input indices (tensorflow/lite/kernels/lstm_shared.h).
_LSTM_INPUT = 0
_LSTM_OUTPUT_STATE = 18
_LSTM_CELL_STATE = 19

# TFLite's Padding enum (schema): SAME = 0, VALID = 1.
_PADDING_SAME = 0
_PADDING_VALID = 1

#: ``CH_IN_BLOCK_MVE`` in CMSIS-NN's arm_nnsupportfunctions.h.
CH_IN_BLOCK_MVE = 124
#: ``REVERSE_TCOL_EFFICIENT_THRESHOLD`` in CMSIS-NN's arm_nnsupportfunctions.h.
REVERSE_TCOL_EFFICIENT_THRESHOLD = 16

_TYPE_BYTES = {"FLOAT32": 4, "INT16": 2, "INT8": 1, "INT32": 4, "FLOAT16": 2, "INT64": 8}


class ScratchUnknownError(ValueError):
    """The operator's scratch needs are not covered for this kernel library and data type."""


def scratch_known(op_name: str, kernels: str = "reference") -> bool:
    """True when this module knows what ``op_name``'s Prepare requests with ``kernels``.

    Some operators are known only for some data types (see :func:`op_scratch_known`).
    """
    _check_kernels(kernels)
    if kernels == "esp-nn" and op_name in ESP_NN_KERNELS:
        return False  # Espressif's replacements: not modelled
    return op_name in _REFERENCE_NO_SCRATCH or op_name in _WITH_SCRATCH


def op_scratch_known(
    graph: Graph,
    subgraph_index: int,
    op: Operator,
    kernels: str = "reference",
    dsp: bool = False,
    mve: bool = False,
) -> bool:
    """Like :func:`scratch_known`, but also checks the operator's data types."""
    if not scratch_known(op.opcode, kernels):
        return False
    try:
        scratch_request_sizes(graph, subgraph_index, op, kernels, dsp, mve)
    except ScratchUnknownError:
        return False
    return True


def scratch_request_sizes(
    graph: Graph,
    subgraph_index: int,
    op: Operator,
    kernels: str = "reference",
    dsp: bool = False,
    mve: bool = False,
    *,
    pointer_bits: int | None = None,
) -> tuple[int, ...]:
    """Bytes of each RequestScratchBufferInArena call ``op``'s Prepare makes, in call order.

    Raises :class:`ScratchUnknownError` when the operator (or its data types) is not covered.
    ``pointer_bits`` defaults to 64 for the reference kernels (the pip runtime) and 32 for
    CMSIS-NN (Cortex-M).
    """
    _check_kernels(kernels)
    if pointer_bits is None:
        pointer_bits = 64 if kernels == "reference" else 32
    name = op.opcode
    if not scratch_known(name, kernels):
        raise ScratchUnknownError(f"scratch needs of {name} with {kernels} kernels are unknown")
    sg = graph.subgraphs[subgraph_index]
    if kernels == "cmsis-nn" and name in _CMSIS_SIZERS:
        return _CMSIS_SIZERS[name](sg, op, dsp, mve)
    if name in _REFERENCE_NO_SCRATCH:
        return ()
    return _REFERENCE_SIZERS[name](sg, op, pointer_bits)


def _check_kernels(kernels: str) -> None:
    if kernels not in KERNEL_LIBRARIES:
        raise ValueError(f"unknown kernel library {kernels!r}; expected one of {KERNEL_LIBRARIES}")


# --- helpers -------------------------------------------------------------------------------


def _tensor(sg: Subgraph, op: Operator, position: int, outputs: bool = False) -> Tensor | None:
    indices = op.outputs if outputs else op.inputs
    if position >= len(indices) or indices[position] < 0:
        return None
    return sg.tensors[indices[position]]


def _need(sg: Subgraph, op: Operator, position: int, outputs: bool = False) -> Tensor:
    t = _tensor(sg, op, position, outputs)
    if t is None:
        where = "output" if outputs else "input"
        raise ScratchUnknownError(f"{op.opcode} has no {where} {position}")
    return t


def _elements(t: Tensor) -> int:
    n = 1
    for d in t.shape:
        n *= d
    return n


def _dim(t: Tensor, i: int) -> int:
    if not -len(t.shape) <= i < len(t.shape):
        raise ScratchUnknownError(f"tensor '{t.name}' has no dimension {i} (shape {t.shape})")
    return t.shape[i]


def _opt_int(op: Operator, key: str, default: int) -> int:
    value = op.options.get(key, default)
    return value if isinstance(value, int) else default


def _int4_filter(sg: Subgraph, op: Operator) -> tuple[int, ...]:
    filt = _tensor(sg, op, 1)
    if filt is not None and filt.dtype == "INT4":
        return (_elements(filt),)
    return ()


# --- reference kernels ---------------------------------------------------------------------


def _ref_transpose_conv(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    inp = _need(sg, op, 2)
    out = _need(sg, op, 0, outputs=True)
    if inp.dtype == "INT8":
        return (_elements(out) * 4,)
    if inp.dtype == "INT16":
        sizes = [_elements(out) * 8]
        bias = _tensor(sg, op, 3)
        if bias is not None and bias.dtype == "INT16":
            sizes.append(_elements(bias) * 8)
        return tuple(sizes)
    return ()


def _svdf_dims(sg: Subgraph, op: Operator) -> tuple[int, int, int, str]:
    inp = _need(sg, op, 0)
    weights_feature = _need(sg, op, 1)
    rank = _opt_int(op, "rank", 1) or 1
    batch = _dim(inp, 0)
    filters = _dim(weights_feature, 0)
    return batch, filters, filters // rank, inp.dtype


def _ref_svdf(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    batch, filters, units, dtype = _svdf_dims(sg, op)
    if dtype == "INT8":
        return (batch * filters * 4, batch * units * 4)
    return (batch * filters * 4,)


def _lstm_buffer(sg: Subgraph, op: Operator) -> tuple[int, str, str]:
    inp = _need(sg, op, _LSTM_INPUT)
    hidden = _need(sg, op, _LSTM_OUTPUT_STATE)
    cell = _need(sg, op, _LSTM_CELL_STATE)
    time_major = bool(op.options.get("time_major", False))
    batch = _dim(inp, 1) if time_major else _dim(inp, 0)
    state = _dim(hidden, 1)
    cell_bytes = _TYPE_BYTES.get(cell.dtype)
    if cell_bytes is None:
        raise ScratchUnknownError(f"LSTM cell state of type {cell.dtype}")
    return batch * state * cell_bytes, inp.dtype, cell.dtype


def _ref_lstm(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    size, _, _ = _lstm_buffer(sg, op)
    return (size,) * 4


def _ref_mean_sum(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    inp = _need(sg, op, 0)
    axis = _need(sg, op, 1)
    out = _need(sg, op, 0, outputs=True)
    common = (len(inp.shape) * 4, _elements(axis) * 4)
    if inp.dtype in ("INT8", "INT16"):
        return (_elements(out) * 4, *common)
    return common


def _ref_reduce_min_max(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    inp = _need(sg, op, 0)
    axis = _need(sg, op, 1)
    return (len(inp.shape) * 4, _elements(axis) * 4)


def _ref_mirror_pad(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    rank = len(_need(sg, op, 0).shape)
    return (rank * 4, rank * 4)


def _ref_add_n(sg: Subgraph, op: Operator, bits: int) -> tuple[int, ...]:
    return (len(op.inputs) * (bits // 8),)


def _ref_int4(sg: Subgraph, op: Operator, _bits: int) -> tuple[int, ...]:
    return _int4_filter(sg, op)


_REFERENCE_SIZERS = {
    "CONV_2D": _ref_int4,
    "DEPTHWISE_CONV_2D": _ref_int4,
    "FULLY_CONNECTED": _ref_int4,
    "TRANSPOSE_CONV": _ref_transpose_conv,
    "SVDF": _ref_svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _ref_lstm,
    "MEAN": _ref_mean_sum,
    "SUM": _ref_mean_sum,
    "REDUCE_MAX": _ref_reduce_min_max,
    "REDUCE_MIN": _ref_reduce_min_max,
    "REDUCE_ALL": _ref_reduce_min_max,
    "MIRROR_PAD": _ref_mirror_pad,
    "ADD_N": _ref_add_n,
}


# --- CMSIS-NN ------------------------------------------------------------------------------


def compute_padding(
    padding: int, stride: int, dilation: int, in_size: int, filter_size: int
) -> tuple[int, int]:
    """TFLM's ``ComputePaddingHeightWidth`` for one axis: (output size, padding before)."""
    effective = (filter_size - 1) * dilation + 1
    if stride == 0:
        out = 0
    elif padding == _PADDING_SAME:
        out = (in_size + stride - 1) // stride
    elif padding == _PADDING_VALID:
        out = (in_size + stride - effective) // stride
    else:
        out = 0
    total = max((out - 1) * stride + effective - in_size, 0)
    return out, total // 2


def _conv_geometry(sg: Subgraph, op: Operator) -> dict[str, int]:
    inp = _need(sg, op, 0)
    filt = _need(sg, op, 1)
    out = _need(sg, op, 0, outputs=True)
    stride_w = _opt_int(op, "stride_w", 1)
    stride_h = _opt_int(op, "stride_h", 1)
    dil_w = _opt_int(op, "dilation_w_factor", 1)
    dil_h = _opt_int(op, "dilation_h_factor", 1)
    padding = _opt_int(op, "padding", _PADDING_SAME)
    _, pad_w = compute_padding(padding, stride_w, dil_w, _dim(inp, 2), _dim(filt, 2))
    _, pad_h = compute_padding(padding, stride_h, dil_h, _dim(inp, 1), _dim(filt, 1))
    return {
        "n": _dim(inp, 0),
        "in_h": _dim(inp, 1),
        "in_w": _dim(inp, 2),
        "in_c": _dim(inp, 3),
        "k_h": _dim(filt, 1),
        "k_w": _dim(filt, 2),
        "out_h": _dim(out, 1),
        "out_w": _dim(out, 2),
        "out_c": _dim(out, 3),
        "stride_w": stride_w,
        "stride_h": stride_h,
        "dil_w": dil_w,
        "dil_h": dil_h,
        "pad_w": pad_w,
        "pad_h": pad_h,
    }


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def arm_convolve_s8_get_buffer_size(in_c: int, k_w: int, k_h: int, mve: bool) -> int:
    """``arm_convolve_s8_get_buffer_size`` (and its ``_mve`` variant)."""
    if mve:
        col = _ceil_div(in_c * k_w * k_h, 16)
        return 4 * col * 16
    rhs_cols = k_w * k_h * in_c
    remainder = rhs_cols % 4
    aligned = rhs_cols + 4 - remainder if remainder else rhs_cols
    return 2 * aligned * 2


def _conv_1_x_n_mve(g: dict[str, int]) -> int:
    """``arm_convolve_1_x_n_s8_get_buffer_size_mve``."""
    total_pad = (g["out_w"] - 1) * g["stride_w"] + g["k_w"] - g["in_w"]
    asym_pad = total_pad % 2 if total_pad >= 0 else -((-total_pad) % 2)  # C remainder
    pad_x, stride_x = g["pad_w"], g["stride_w"]
    right = max(1, (pad_x + asym_pad + stride_x - 1) // stride_x) if pad_x + asym_pad else 0
    left = max(1, (pad_x + stride_x - 1) // stride_x) if pad_x else 0
    no_pad = max(g["out_w"] - (right + left), 0)
    if right + no_pad + left != g["out_w"]:
        return arm_convolve_s8_get_buffer_size(g["in_c"], g["k_w"], g["k_h"], mve=True)
    pad_left = pad_x * g["in_c"]
    pad_right = right * g["in_c"] if asym_pad else pad_left
    left_elems = g["k_w"] * g["in_c"]
    right_elems = left_elems - g["in_c"]
    return max(left_elems + pad_left, right_elems + pad_right)


def arm_convolve_wrapper_s8_get_buffer_size(g: dict[str, int], dsp: bool, mve: bool) -> int:
    """``arm_convolve_wrapper_s8_get_buffer_size`` for a plain, DSP or MVE core (GCC)."""
    is_1x1 = (
        g["pad_w"] == 0
        and g["pad_h"] == 0
        and g["k_w"] == 1
        and g["k_h"] == 1
        and g["dil_w"] == 1
        and g["dil_h"] == 1
    )
    if is_1x1:
        # 1x1 "fast" (stride 1) needs 2 x C x 2 bytes only with Arm Compiler 6 and DSP;
        # GCC builds and the non-fast kernel need none.
        return 0
    is_1_x_n = (
        g["in_h"] == 1
        and g["dil_w"] == 1
        and g["k_h"] == 1
        and (g["stride_w"] * g["in_c"]) % 4 == 0
    )
    if is_1_x_n and mve:
        return _conv_1_x_n_mve(g)
    return arm_convolve_s8_get_buffer_size(g["in_c"], g["k_w"], g["k_h"], mve)


def _cmsis_conv(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    inp = _need(sg, op, 0)
    filt = _need(sg, op, 1)
    if inp.dtype == "FLOAT32":
        return ()
    if filt.dtype == "INT4":
        raise ScratchUnknownError("CMSIS-NN CONV_2D with int4 weights")
    g = _conv_geometry(sg, op)
    if inp.dtype == "INT8":
        size = arm_convolve_wrapper_s8_get_buffer_size(g, dsp, mve)
    elif inp.dtype == "INT16":
        # arm_convolve_wrapper_s16_get_buffer_size: only the DSP (non-MVE) fast kernel.
        fast = g["k_w"] * g["k_h"] * g["in_c"] < 512 and g["dil_w"] == 1 and g["dil_h"] == 1
        size = 2 * g["in_c"] * g["k_w"] * g["k_h"] * 2 if dsp and not mve and fast else 0
    else:
        raise ScratchUnknownError(f"CMSIS-NN CONV_2D with {inp.dtype} input")
    return (size,) if size > 0 else ()


def _cmsis_depthwise(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    inp = _need(sg, op, 0)
    filt = _need(sg, op, 1)
    if inp.dtype == "FLOAT32":
        return ()
    if inp.dtype != "INT8" or filt.dtype != "INT8":
        raise ScratchUnknownError(f"CMSIS-NN DEPTHWISE_CONV_2D {inp.dtype}x{filt.dtype}")
    g = _conv_geometry(sg, op)
    eligible = g["in_c"] == g["out_c"] and g["n"] == 1 and g["dil_w"] == 1 and g["dil_h"] == 1
    if not eligible:
        return ()
    if mve:
        size = 4 * CH_IN_BLOCK_MVE * g["k_w"] * g["k_h"]
    elif not dsp or (g["k_w"] == 3 and g["k_h"] == 3 and g["pad_h"] <= 1 and g["pad_w"] <= 1):
        size = 0
    else:
        size = g["in_c"] * g["k_w"] * g["k_h"] * 2
    return (size,) if size > 0 else ()


def _cmsis_fully_connected(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    inp = _need(sg, op, 0)
    filt = _need(sg, op, 1)
    out = _need(sg, op, 0, outputs=True)
    if inp.dtype != "INT8" or filt.dtype == "INT4":
        return ()
    accum_depth = _dim(filt, -1)
    if len(out.shape) > 2 and accum_depth % 4 == 0:
        return ()  # arm_convolve_1x1_s8_fast_get_buffer_size: 0 with GCC
    if not mve or filt.is_constant:
        return ()  # MVE kernel sums of constant weights live in persistent memory
    return (_dim(out, -1) * 4,)


def _cmsis_transpose_conv(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    inp = _need(sg, op, 2)
    if inp.dtype != "INT8":
        return _ref_transpose_conv(sg, op, 32)
    filt = _need(sg, op, 1)
    out = _need(sg, op, 0, outputs=True)
    stride_w = _opt_int(op, "stride_w", 1)
    stride_h = _opt_int(op, "stride_h", 1)
    in_h, in_w, in_c = _dim(inp, 1), _dim(inp, 2), _dim(inp, 3)
    k_h, k_w, out_c = _dim(filt, 1), _dim(filt, 2), _dim(out, 3)
    reverse = stride_w <= 2 and stride_h <= 2 and in_c > REVERSE_TCOL_EFFICIENT_THRESHOLD
    if reverse:
        # The reverse conv's input is (in_h x stride_h, in_w x stride_w, in_c); the im2col
        # size depends only on channels and kernel size.
        first = arm_convolve_s8_get_buffer_size(in_c, k_w, k_h, mve)
        second = in_c * k_w * k_h * out_c
    else:
        # As in the source: the width term takes MAX(filter w, stride h).
        buf_x = ((in_w - 1) * stride_w + max(k_w, stride_h)) * out_c
        buf_y = max(k_h, stride_h)
        first = buf_x * buf_y * 4
        second = 0
    del in_h
    return (first, second)


def _cmsis_svdf(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    return _ref_svdf(sg, op, 32)


def _cmsis_lstm(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    size, act, cell = _lstm_buffer(sg, op)
    count = 3 if act in ("INT8", "INT16") and cell == "INT16" else 4
    return (size,) * count


def _cmsis_pooling_or_bmm(sg: Subgraph, op: Operator, dsp: bool, mve: bool) -> tuple[int, ...]:
    inp = _need(sg, op, 0)
    out = _need(sg, op, 0, outputs=True)
    if op.opcode == "AVERAGE_POOL_2D":
        if inp.dtype == "INT8":
            return (_dim(out, 3) * 4,) if dsp and not mve else ()
        if inp.dtype == "FLOAT32":
            return ()
        raise ScratchUnknownError(f"CMSIS-NN AVERAGE_POOL_2D with {inp.dtype} input")
    # BATCH_MATMUL
    if inp.dtype == "INT8" and mve:
        return (_dim(out, -1) * 4,)
    return ()


_CMSIS_SIZERS = {
    "CONV_2D": _cmsis_conv,
    "DEPTHWISE_CONV_2D": _cmsis_depthwise,
    "FULLY_CONNECTED": _cmsis_fully_connected,
    "TRANSPOSE_CONV": _cmsis_transpose_conv,
    "SVDF": _cmsis_svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _cmsis_lstm,
    "AVERAGE_POOL_2D": _cmsis_pooling_or_bmm,
    "BATCH_MATMUL": _cmsis_pooling_or_bmm,
}


__all__ = [
    "CH_IN_BLOCK_MVE",
    "KERNEL_LIBRARIES",
    "REVERSE_TCOL_EFFICIENT_THRESHOLD",
    "ScratchUnknownError",
    "arm_convolve_s8_get_buffer_size",
    "arm_convolve_wrapper_s8_get_buffer_size",
    "compute_padding",
    "op_scratch_known",
    "scratch_known",
    "scratch_request_sizes",
]
