"""The arena *tail*: every persistent allocation TFLM makes for a model.

TFLM splits its tensor arena in two. The *head* (lowest addresses) holds the planned activation
buffers and kernel scratch buffers; the *tail* grows down from the arena's end and holds
everything that lives as long as the interpreter: the allocator objects themselves, one
``TfLiteEvalTensor`` per tensor, one ``NodeAndRegistration`` per operator, the parsed builtin
options of every operator, the kernels' own persistent data (their ``OpData`` structs and
per-channel arrays), the scratch-buffer handles, the buffers of variable tensors, and a
persistent ``TfLiteTensor`` (with its quantization structs) for every model input and output.

This module replays those allocations, in the order the runtime makes them, through a model of
``SingleArenaBufferAllocator::AllocatePersistentBuffer``
(tensorflow/lite/micro/arena_allocator/single_arena_buffer_allocator.cc)::

    tail = AlignPointerDown(tail - size, alignment)

so every byte of alignment padding lands where the runtime puts it. Struct sizes are computed
field by field from the C/C++ declarations (each struct below names its source file), for a
64-bit ABI (x86-64 / AArch64 LP64: what the ``tflite-micro`` pip package runs on) or a 32-bit
ABI (Arm AAPCS as used on Cortex-M: 4-byte pointers and ``size_t``, 8-byte aligned ``double``
and ``int64_t``, ``int``-sized enums unless ``short_enums``).

The order of allocations (micro_allocator.cc, micro_interpreter.cc, micro_interpreter_graph.cc):

1. ``MicroAllocator::Create``: the arena allocator, the ``GreedyMemoryPlanner``, the
   ``MicroAllocator`` (the pip package's interpreter uses the *Recording* variants of the first
   and last, recording_micro_allocator.cc).
2. ``StartModelAllocation``: ``MicroBuiltinDataAllocator``, the ``SubgraphAllocations`` array,
   then per subgraph the ``TfLiteEvalTensor`` array and the ``NodeAndRegistration`` array.
3. ``PrepareNodeAndRegistrationDataFromFlatbuffer``: each operator's builtin options struct
   (``Parse*`` in flatbuffer_conversions.cc), all subgraphs, in operator order.
4. ``InitSubgraphs``: every kernel's ``Init`` (usually
   ``AllocatePersistentBuffer(sizeof(OpData))``).
5. ``PrepareSubgraphs``: every kernel's ``Prepare`` (per-channel multipliers and shifts, LUTs,
   copied dims, CMSIS-NN kernel sums).
6. ``FinishModelAllocation``: the ``ScratchBufferHandle`` array, then (inside
   ``CommitStaticMemoryPlan``) the buffers of variable tensors that are not offline planned.
7. ``MicroInterpreter::AllocateTensors``: the ``TfLiteTensor*`` array for the inputs, a
   persistent ``TfLiteTensor`` (plus ``TfLiteAffineQuantization`` and a zero-point
   ``TfLiteIntArray`` when quantized) for each input; the same for the outputs.

Kernel allocations through ``AllocatePersistentBuffer`` are 16-byte aligned
(``MicroArenaBufferAlignment()``, micro_arena_constants.h); the allocator's own structs use
``alignof`` of the struct.

Sizes were checked against the real runtime (the ``tflite-micro`` pip package) byte for byte,
and the 64-bit struct sizes against the constants compiled into its ``_runtime.so`` (see
``tests/test_tail.py``). That package is built with ``USE_TFLM_COMPRESSION``, which adds
fields to several structs; ``compression`` selects that layout.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Union

from planner.model.graph import Graph, Operator, Subgraph, Tensor, tensor_bytes

__all__ = [
    "CATEGORY_ALLOCATOR",
    "CATEGORY_EVAL_TENSORS",
    "CATEGORY_NODES",
    "CATEGORY_OP_PARAMS",
    "CATEGORY_PERSISTENT_BUFFERS",
    "CATEGORY_PERSISTENT_TENSORS",
    "CATEGORY_QUANTIZATION",
    "CATEGORY_SCRATCH_HANDLES",
    "CATEGORY_SUBGRAPHS",
    "CATEGORY_VARIABLES",
    "COVERED_OPS",
    "RUNTIME_CATEGORIES",
    "Abi",
    "Allocation",
    "CStruct",
    "TailPrediction",
    "persistent_allocations",
    "persistent_tail",
]

# ---------------------------------------------------------------------------------------------
# Categories. The first six are the names RecordingMicroAllocator::PrintAllocations prints
# (recording_micro_allocator.cc); the rest are allocations the recording allocator does not
# attribute (they go straight to the arena allocator, not through a recorded method).
# ---------------------------------------------------------------------------------------------

CATEGORY_EVAL_TENSORS = "TfLiteEvalTensor data"
CATEGORY_PERSISTENT_TENSORS = "Persistent TfLiteTensor data"
CATEGORY_QUANTIZATION = "Persistent TfLiteTensor quantization data"
CATEGORY_PERSISTENT_BUFFERS = "Persistent buffer data"
CATEGORY_VARIABLES = "TfLiteTensor variable buffer data"
CATEGORY_NODES = "NodeAndRegistration struct"
CATEGORY_ALLOCATOR = "allocator objects"
CATEGORY_SUBGRAPHS = "subgraph allocations"
CATEGORY_OP_PARAMS = "op params"
CATEGORY_SCRATCH_HANDLES = "scratch handles"

#: Categories that RecordingMicroAllocator prints (same names, same accounting).
RUNTIME_CATEGORIES: tuple[str, ...] = (
    CATEGORY_EVAL_TENSORS,
    CATEGORY_PERSISTENT_TENSORS,
    CATEGORY_QUANTIZATION,
    CATEGORY_PERSISTENT_BUFFERS,
    CATEGORY_VARIABLES,
    CATEGORY_NODES,
)

#: MicroArenaBufferAlignment() (tensorflow/lite/micro/micro_arena_constants.h): alignment of
#: every AllocatePersistentBuffer(bytes) made by kernels, and of variable tensor buffers.
ARENA_ALIGNMENT = 16

#: kInt16LUTArraySize (tensorflow/lite/micro/kernels/softmax_common.cc): entries of each int16
#: softmax lookup table.
SOFTMAX_INT16_LUT_ENTRIES = 513

# ---------------------------------------------------------------------------------------------
# C layout
# ---------------------------------------------------------------------------------------------

#: Scalar C types used in the structs below.
Scalar = Literal[
    "ptr",
    "vptr",
    "size_t",
    "intptr_t",
    "bool",
    "int8",
    "uint8",
    "int16",
    "int32",
    "float",
    "enum",
    "int64",
    "double",
]


@dataclass(frozen=True)
class Abi:
    """Sizes and alignments of C scalar types on the target.

    ``pointer_bits`` 64: LP64 (the x86-64 pip package). 32: Arm AAPCS (Cortex-M) — pointers,
    ``size_t`` and ``intptr_t`` are 4 bytes; ``double`` and ``int64_t`` are 8 bytes and 8-byte
    aligned (AAPCS, unlike i386's 4). Enums are ``int``-sized unless ``short_enums``: GNU Arm
    Embedded GCC and armclang default to ``-fshort-enums`` on bare metal, which makes the plain
    TFLite C enums (``TfLiteType``, ``TfLiteFusedActivation``, ``TfLitePadding``...) 1 byte;
    TFLM's cortex_m_generic Makefile does not override it. Enums declared with ``: int`` or
    ``: uint8_t`` in C++ are written with their fixed type below and are unaffected.
    """

    pointer_bits: int = 64
    short_enums: bool = False

    def scalar(self, kind: Scalar) -> tuple[int, int]:
        """(size, alignment) of a scalar type."""
        p = self.pointer_bits // 8
        if kind in ("ptr", "vptr", "size_t", "intptr_t"):
            return p, p
        if kind in ("bool", "int8", "uint8"):
            return 1, 1
        if kind == "int16":
            return 2, 2
        if kind in ("int32", "float"):
            return 4, 4
        if kind == "enum":
            return (1, 1) if self.short_enums else (4, 4)
        if kind in ("int64", "double"):
            return 8, 8
        raise ValueError(f"unknown C type {kind!r}")


#: A struct member type: a scalar, a nested struct, or an array ``(element type, count)``.
FieldType = Union[Scalar, "CStruct", tuple[Union[Scalar, "CStruct"], int]]


@dataclass(frozen=True)
class CStruct:
    """A C/C++ struct: its members in declaration order, and where it is declared."""

    name: str
    source: str
    fields: tuple[tuple[str, FieldType], ...]

    def __post_init__(self) -> None:
        # Layouts already computed, per ABI (not a field: equality and hash ignore it).
        object.__setattr__(self, "_layouts", {})

    def layout(self, abi: Abi) -> tuple[int, int]:
        """(sizeof, alignof) under ``abi``, with the usual C padding rules."""
        cache: dict[Abi, tuple[int, int]] = self._layouts  # type: ignore[attr-defined]
        found = cache.get(abi)
        if found is None:
            found = cache[abi] = self._layout(abi)
        return found

    def _layout(self, abi: Abi) -> tuple[int, int]:
        offset = 0
        max_align = 1
        for _, ftype in self.fields:
            size, align = _field_layout(ftype, abi)
            offset = _align_up(offset, align) + size
            max_align = max(max_align, align)
        return _align_up(offset, max_align), max_align

    def size(self, abi: Abi) -> int:
        return self.layout(abi)[0]

    def align(self, abi: Abi) -> int:
        return self.layout(abi)[1]


def _field_layout(ftype: FieldType, abi: Abi) -> tuple[int, int]:
    if isinstance(ftype, CStruct):
        return ftype.layout(abi)
    if isinstance(ftype, tuple):
        element, count = ftype
        size, align = _field_layout(element, abi)
        return size * count, align
    return abi.scalar(ftype)


def _align_up(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


def _struct(name: str, source: str, *fields: tuple[str, FieldType]) -> CStruct:
    return CStruct(name, source, tuple(fields))


def _ints(*names: str) -> tuple[tuple[str, FieldType], ...]:
    return tuple((n, "int32") for n in names)


# --- tensorflow/lite/micro/c/common.h and c_api_types.h --------------------------------------

TFLITE_EVAL_TENSOR = _struct(
    "TfLiteEvalTensor",
    "tensorflow/lite/micro/c/common.h",
    ("data", "ptr"),  # TfLitePtrUnion: a union of pointers
    ("dims", "ptr"),  # TfLiteIntArray*
    ("type", "enum"),  # TfLiteType
)
TFLITE_NODE = _struct(
    "TfLiteNode",
    "tensorflow/lite/micro/c/common.h",
    ("inputs", "ptr"),
    ("outputs", "ptr"),
    ("intermediates", "ptr"),
    ("user_data", "ptr"),
    ("builtin_data", "ptr"),
    ("custom_initial_data", "ptr"),
    ("custom_initial_data_size", "int32"),
)
TFLITE_QUANTIZATION = _struct(
    "TfLiteQuantization",
    "tensorflow/lite/micro/c/common.h",
    ("type", "int32"),  # TfLiteQuantizationType is declared `: int` in C++
    ("params", "ptr"),
)
TFLITE_QUANTIZATION_PARAMS = _struct(
    "TfLiteQuantizationParams",
    "tensorflow/lite/micro/c/c_api_types.h",
    ("scale", "float"),
    ("zero_point", "int32"),
)
TFLITE_TENSOR = _struct(
    "TfLiteTensor",
    "tensorflow/lite/micro/c/common.h",
    ("quantization", TFLITE_QUANTIZATION),
    ("params", TFLITE_QUANTIZATION_PARAMS),
    ("data", "ptr"),
    ("dims", "ptr"),
    ("bytes", "size_t"),
    ("type", "enum"),
    ("allocation_type", "enum"),
    ("is_variable", "bool"),
)
TFLITE_AFFINE_QUANTIZATION = _struct(
    "TfLiteAffineQuantization",
    "tensorflow/lite/micro/c/common.h",
    ("scale", "ptr"),
    ("zero_point", "ptr"),
    ("quantized_dimension", "int32"),
)
#: TfLiteIntArray {int size; int data[];} (common.h): 4 + 4 * n bytes, alignof 4
#: (TfLiteIntArrayGetSizeInBytes).
INT_ARRAY_ALIGN = 4


def int_array_bytes(n: int) -> int:
    return 4 + 4 * n


# --- tensorflow/lite/micro/micro_allocator.h -----------------------------------------------

NODE_AND_REGISTRATION = _struct(
    "NodeAndRegistration",
    "tensorflow/lite/micro/micro_allocator.h",
    ("node", TFLITE_NODE),
    ("registration", "ptr"),
)
SCRATCH_BUFFER_HANDLE = _struct(
    "ScratchBufferHandle",
    "tensorflow/lite/micro/micro_allocator.h",
    ("data", "ptr"),
)


@functools.cache
def subgraph_allocations(compression: bool) -> CStruct:
    """SubgraphAllocations (micro_allocator.h); with USE_TFLM_COMPRESSION a third pointer to
    the subgraph's compressed-tensor list (24 bytes in the pip build: StartModelAllocation
    allocates 24 * subgraphs)."""
    fields: list[tuple[str, FieldType]] = [("node_and_registrations", "ptr"), ("tensors", "ptr")]
    if compression:
        fields.append(("compressed", "ptr"))
    return _struct("SubgraphAllocations", "tensorflow/lite/micro/micro_allocator.h", *fields)


# --- the allocator objects -------------------------------------------------------------------

SINGLE_ARENA_BUFFER_ALLOCATOR = _struct(
    "SingleArenaBufferAllocator",
    "tensorflow/lite/micro/arena_allocator/single_arena_buffer_allocator.h",
    # Two polymorphic bases (INonPersistentBufferAllocator, IPersistentBufferAllocator in
    # ibuffer_allocator.h, no data members): two vtable pointers.
    ("vptr_non_persistent", "vptr"),
    ("vptr_persistent", "vptr"),
    ("buffer_head_", "ptr"),
    ("buffer_tail_", "ptr"),
    ("head_", "ptr"),
    ("tail_", "ptr"),
    ("temp_", "ptr"),
    ("temp_buffer_ptr_check_sum_", "intptr_t"),
    ("temp_buffer_count_", "int32"),
)
RECORDING_SINGLE_ARENA_BUFFER_ALLOCATOR = _struct(
    "RecordingSingleArenaBufferAllocator",
    "tensorflow/lite/micro/arena_allocator/recording_single_arena_buffer_allocator.h",
    ("base", SINGLE_ARENA_BUFFER_ALLOCATOR),
    ("requested_head_bytes_", "size_t"),
    ("requested_tail_bytes_", "size_t"),
    ("used_bytes_", "size_t"),
    ("alloc_count_", "size_t"),
)
GREEDY_MEMORY_PLANNER = _struct(
    "GreedyMemoryPlanner",
    "tensorflow/lite/micro/memory_planner/greedy_memory_planner.h",
    ("vptr", "vptr"),  # MicroMemoryPlanner: interface, no data members
    ("max_buffer_count_", "int32"),
    ("buffer_count_", "int32"),
    ("requirements_", "ptr"),
    ("buffer_sizes_sorted_", "ptr"),
    ("buffer_ids_sorted_", "ptr"),
    ("buffers_sorted_by_offset_", "ptr"),
    ("next_free_entry_", "int32"),
    ("first_entry_index_", "int32"),
    ("buffer_offsets_", "ptr"),
    ("need_to_calculate_offsets_", "bool"),
)
MICRO_ALLOCATOR = _struct(
    "MicroAllocator",
    "tensorflow/lite/micro/micro_allocator.h",
    ("vptr", "vptr"),
    ("non_persistent_buffer_allocator_", "ptr"),
    ("persistent_buffer_allocator_", "ptr"),
    ("builtin_data_allocator_", "ptr"),
    ("memory_planner_", "ptr"),
    ("model_is_allocating_", "bool"),
    ("scratch_buffer_request_count_", "size_t"),
    ("scratch_buffer_head_", "ptr"),
    ("max_head_buffer_usage_", "size_t"),
)
RECORDED_ALLOCATION = _struct(
    "RecordedAllocation",
    "tensorflow/lite/micro/recording_micro_allocator.h",
    ("requested_bytes", "size_t"),
    ("used_bytes", "size_t"),
    ("count", "size_t"),
)
#: RecordedAllocation members of RecordingMicroAllocator: one per RecordedAllocationType.
#: The installed build has 8 (its GetRecordedAllocation switches over 8 values and
#: sizeof(RecordingMicroAllocator) is 272 = 72 + 8 + 8 * 24); older sources declare 7.
RECORDED_ALLOCATION_TYPES = 8
RECORDING_MICRO_ALLOCATOR = _struct(
    "RecordingMicroAllocator",
    "tensorflow/lite/micro/recording_micro_allocator.h",
    ("base", MICRO_ALLOCATOR),
    ("recording_memory_allocator_", "ptr"),
    ("recorded", (RECORDED_ALLOCATION, RECORDED_ALLOCATION_TYPES)),
)
MICRO_BUILTIN_DATA_ALLOCATOR = _struct(
    "MicroBuiltinDataAllocator",
    "tensorflow/lite/micro/micro_allocator.cc",
    ("vptr", "vptr"),  # TfLiteBridgeBuiltinDataAllocator: interface
    ("persistent_allocator_", "ptr"),
)

# ---------------------------------------------------------------------------------------------
# Builtin option structs (tensorflow/lite/micro/builtin_op_data.h), allocated by the Parse*
# functions of flatbuffer_conversions.cc as Allocate(sizeof(T), alignof(T)).
# ---------------------------------------------------------------------------------------------

_BOD = "tensorflow/lite/micro/builtin_op_data.h"
PADDING_VALUES = _struct(
    "TfLitePaddingValues",
    _BOD,
    *_ints("width", "height", "width_offset", "height_offset"),
)
CONV_PARAMS = _struct(
    "TfLiteConvParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("activation", "enum"),
    ("dilation_width_factor", "int32"),
    ("dilation_height_factor", "int32"),
    ("quantized_bias_type", "enum"),
)
DEPTHWISE_CONV_PARAMS = _struct(
    "TfLiteDepthwiseConvParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("depth_multiplier", "int32"),
    ("activation", "enum"),
    ("dilation_width_factor", "int32"),
    ("dilation_height_factor", "int32"),
)
FULLY_CONNECTED_PARAMS = _struct(
    "TfLiteFullyConnectedParams",
    _BOD,
    ("activation", "enum"),
    ("weights_format", "enum"),
    ("keep_num_dims", "bool"),
    ("asymmetric_quantize_inputs", "bool"),
    ("quantized_bias_type", "enum"),
    # The installed (2026) build also parses FullyConnectedOptions.quant_spec (a ubyte vector
    # in the schema): ParseFullyConnected stores a pointer at offset 16 and an int at 24,
    # allocating 32 bytes aligned to 8. Older sources end at quantized_bias_type (16 bytes).
    ("quant_spec", "ptr"),
    ("quant_spec_size", "int32"),
)
POOL_PARAMS = _struct(
    "TfLitePoolParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("filter_width", "int32"),
    ("filter_height", "int32"),
    ("activation", "enum"),
    ("computed_padding", PADDING_VALUES),
)
RESHAPE_PARAMS = _struct(
    "TfLiteReshapeParams",
    _BOD,
    ("shape", ("int32", 8)),
    ("num_dimensions", "int32"),
)  # TFLITE_RESHAPE_PARAMS_MAX_DIMENSION_COUNT = 8
SQUEEZE_PARAMS = _struct(
    "TfLiteSqueezeParams",
    _BOD,
    ("squeeze_dims", ("int32", 8)),
    ("num_squeeze_dims", "int32"),
)
SOFTMAX_PARAMS_BUILTIN = _struct("TfLiteSoftmaxParams", _BOD, ("beta", "float"))
ADD_PARAMS = _struct("TfLiteAddParams", _BOD, ("activation", "enum"), ("pot_scale_int16", "bool"))
SUB_PARAMS = _struct("TfLiteSubParams", _BOD, ("activation", "enum"), ("pot_scale_int16", "bool"))
MUL_PARAMS = _struct("TfLiteMulParams", _BOD, ("activation", "enum"))
CONCATENATION_PARAMS_BUILTIN = _struct(
    "TfLiteConcatenationParams",
    _BOD,
    ("axis", "int32"),
    ("activation", "enum"),
)
SVDF_PARAMS = _struct(
    "TfLiteSVDFParams",
    _BOD,
    ("rank", "int32"),
    ("activation", "enum"),
    ("asymmetric_quantize_inputs", "bool"),
)
UNIDIRECTIONAL_SEQUENCE_LSTM_PARAMS = _struct(
    "TfLiteUnidirectionalSequenceLSTMParams",
    _BOD,
    ("activation", "enum"),
    ("cell_clip", "float"),
    ("proj_clip", "float"),
    ("time_major", "bool"),
    ("asymmetric_quantize_inputs", "bool"),
    ("diagonal_recurrent_tensors", "bool"),
)
REDUCER_PARAMS = _struct("TfLiteReducerParams", _BOD, ("keep_dims", "bool"))
STRIDED_SLICE_PARAMS_BUILTIN = _struct(
    "TfLiteStridedSliceParams",
    _BOD,
    *_ints("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"),
    ("offset", "bool"),
)
TRANSPOSE_CONV_PARAMS = _struct(
    "TfLiteTransposeConvParams",
    _BOD,
    ("padding", "enum"),
    ("stride_width", "int32"),
    ("stride_height", "int32"),
    ("activation", "enum"),
    ("quantized_bias_type", "enum"),
)
LEAKY_RELU_PARAMS = _struct("TfLiteLeakyReluParams", _BOD, ("alpha", "float"))
GATHER_PARAMS = _struct("TfLiteGatherParams", _BOD, *_ints("axis", "batch_dims"))
PACK_PARAMS = _struct("TfLitePackParams", _BOD, *_ints("values_count", "axis"))
UNPACK_PARAMS = _struct("TfLiteUnpackParams", _BOD, *_ints("num", "axis"))
SPLIT_PARAMS = _struct("TfLiteSplitParams", _BOD, ("num_splits", "int32"))
SHAPE_PARAMS = _struct("TfLiteShapeParams", _BOD, ("out_type", "enum"))
IF_PARAMS = _struct("TfLiteIfParams", _BOD, *_ints("then_subgraph_index", "else_subgraph_index"))
WHILE_PARAMS = _struct(
    "TfLiteWhileParams",
    _BOD,
    *_ints("cond_subgraph_index", "body_subgraph_index"),
)
CALL_ONCE_PARAMS = _struct("TfLiteCallOnceParams", _BOD, ("init_subgraph_index", "int32"))

# ---------------------------------------------------------------------------------------------
# Kernel data (tensorflow/lite/kernels/internal/types.h and tensorflow/lite/micro/kernels/)
# ---------------------------------------------------------------------------------------------

_TYPES = "tensorflow/lite/kernels/internal/types.h"
PADDING_VALUES_INTERNAL = _struct(
    "PaddingValues",
    _TYPES,
    ("width", "int16"),
    ("height", "int16"),
    ("width_offset", "int16"),
    ("height_offset", "int16"),
)
CONV_PARAMS_INTERNAL = _struct(
    "ConvParams",
    _TYPES,
    ("padding_type", "uint8"),  # enum class PaddingType : uint8_t
    ("padding_values", PADDING_VALUES_INTERNAL),
    ("stride_width", "int16"),
    ("stride_height", "int16"),
    ("dilation_width_factor", "int16"),
    ("dilation_height_factor", "int16"),
    *_ints(
        "input_offset",
        "weights_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
        "quantized_activation_min",
        "quantized_activation_max",
    ),
    ("float_activation_min", "float"),
    ("float_activation_max", "float"),
)
SOFTMAX_PARAMS = _struct(
    "SoftmaxParams",
    _TYPES,
    ("beta", "double"),
    *_ints(
        "input_multiplier",
        "input_left_shift",
        "reverse_scaling_divisor",
        "reverse_scaling_right_shift",
        "diff_min",
        "zero_point",
    ),
    ("scale", "float"),
    ("table", "ptr"),
    ("exp_lut", "ptr"),
    ("one_over_one_plus_x_lut", "ptr"),
    ("uint8_table1", "ptr"),
    ("uint8_table2", "ptr"),
)
CONCATENATION_PARAMS = _struct(
    "ConcatenationParams",
    _TYPES,
    ("axis", "int8"),
    ("input_zeropoint", "ptr"),
    ("input_scale", "ptr"),
    ("inputs_count", "int16"),
    ("output_zeropoint", "int32"),
    ("output_scale", "float"),
)
PAD_PARAMS = _struct(
    "PadParams",
    _TYPES,
    ("left_padding_count", "int8"),
    ("left_padding", ("int32", 5)),
    ("right_padding_count", "int8"),
    ("right_padding", ("int32", 5)),
    ("resizing_category", "uint8"),  # enum class ResizingCategory : uint8_t
)
STRIDED_SLICE_PARAMS = _struct(
    "StridedSliceParams",
    _TYPES,
    ("start_indices_count", "int8"),
    ("start_indices", ("int32", 5)),
    ("stop_indices_count", "int8"),
    ("stop_indices", ("int32", 5)),
    ("strides_count", "int8"),
    ("strides", ("int32", 5)),
    ("begin_mask", "int16"),
    ("ellipsis_mask", "int16"),
    ("end_mask", "int16"),
    ("new_axis_mask", "int16"),
    ("shrink_axis_mask", "int16"),
)
HARD_SWISH_PARAMS = _struct(
    "HardSwishParams",
    _TYPES,
    ("input_zero_point", "int16"),
    ("output_zero_point", "int16"),
    ("reluish_multiplier_fixedpoint_int16", "int16"),
    ("reluish_multiplier_exponent", "int32"),
    ("output_multiplier_fixedpoint_int16", "int16"),
    ("output_multiplier_exponent", "int32"),
)
RELU_PARAMS = _struct(
    "ReluParams",
    _TYPES,
    # ActivationParams base: enum class FusedActivationFunctionType : uint8_t, two int32.
    ("activation_type", "uint8"),
    *_ints(
        "quantized_activation_min",
        "quantized_activation_max",
        "input_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
    ),
)
FULLY_CONNECTED_PARAMS_INTERNAL = _struct(
    "FullyConnectedParams",
    _TYPES,
    *_ints(
        "input_offset",
        "weights_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
        "quantized_activation_min",
        "quantized_activation_max",
    ),
    ("float_activation_min", "float"),
    ("float_activation_max", "float"),
    ("lhs_cacheable", "bool"),
    ("rhs_cacheable", "bool"),
    ("weights_format", "uint8"),  # enum class FullyConnectedWeightsFormat : uint8_t
)
ARITHMETIC_PARAMS = _struct(
    "ArithmeticParams",
    _TYPES,
    ("broadcast_category", "uint8"),  # enum class BroadcastableOpCategory : uint8_t
    *_ints(
        "input1_offset",
        "input2_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
        "left_shift",
        "input1_multiplier",
        "input1_shift",
        "input2_multiplier",
        "input2_shift",
        "quantized_activation_min",
        "quantized_activation_max",
    ),
    ("float_activation_min", "float"),
    ("float_activation_max", "float"),
    ("int64_activation_min", "int64"),
    ("int64_activation_max", "int64"),
    ("broadcast_shape", ("int32", 5)),
)
COMPARISON_PARAMS = _struct(
    "ComparisonParams",
    _TYPES,
    *_ints(
        "left_shift",
        "input1_offset",
        "input1_multiplier",
        "input1_shift",
        "input2_offset",
        "input2_multiplier",
        "input2_shift",
    ),
    ("is_broadcast", "bool"),
)
QUANTIZATION_PARAMS = _struct(
    "QuantizationParams",
    _TYPES,
    ("zero_point", "int32"),
    ("scale", "double"),
)
DEQUANTIZATION_PARAMS = _struct(
    "DequantizationParams",
    _TYPES,
    ("scale", "double"),
    ("zero_point", "int32"),
)

_K = "tensorflow/lite/micro/kernels/"


@functools.cache
def op_data_conv(compression: bool) -> CStruct:
    """OpDataConv (kernels/conv.h), shared by CONV_2D and DEPTHWISE_CONV_2D."""
    fields: list[tuple[str, FieldType]] = [
        ("padding", PADDING_VALUES),
        *_ints(
            "input_zero_point",
            "filter_zero_point",
            "output_zero_point",
            "output_multiplier",
            "output_shift",
        ),
        ("per_channel_output_multiplier", "ptr"),
        ("per_channel_output_shift", "ptr"),
        *_ints("output_activation_min", "output_activation_max", "filter_buffer_index"),
    ]
    if compression:
        fields += _ints("weights_scratch_index", "bias_scratch_index")
    return _struct("OpDataConv", _K + "conv.h", *fields)


@functools.cache
def op_data_fully_connected(compression: bool) -> CStruct:
    """OpDataFullyConnected (kernels/fully_connected.h; the !HEXAGON members included)."""
    fields: list[tuple[str, FieldType]] = [
        *_ints(
            "output_multiplier",
            "output_shift",
            "output_activation_min",
            "output_activation_max",
            "input_quantized_index",
            "input_zero_point",
            "filter_zero_point",
            "output_zero_point",
            "filter_buffer_index",
        ),
        ("per_channel_output_multiplier", "ptr"),
        ("per_channel_output_shift", "ptr"),
        ("is_per_channel", "bool"),
    ]
    if compression:
        fields += _ints("weights_scratch_index", "bias_scratch_index")
    return _struct("OpDataFullyConnected", _K + "fully_connected.h", *fields)


@functools.cache
def op_data_transpose_conv(compression: bool) -> CStruct:
    """OpData of kernels/transpose_conv.cc."""
    fields: list[tuple[str, FieldType]] = [
        ("params", CONV_PARAMS_INTERNAL),
        *_ints("scratch_buffer_index", "bias_converted_buffer_index"),
        ("per_channel_output_multiplier", "ptr"),
        ("per_channel_output_shift", "ptr"),
    ]
    if compression:
        fields += _ints("weights_scratch_index", "bias_scratch_index")
    return _struct("OpData (transpose_conv)", _K + "transpose_conv.cc", *fields)


@functools.cache
def op_data_concatenation(compression: bool) -> CStruct:
    """OpData of kernels/concatenation.cc (kMaxInputNum = 10 scratch indices with compression)."""
    fields: list[tuple[str, FieldType]] = [("params", CONCATENATION_PARAMS)]
    if compression:
        fields.append(("scratch_indices", ("int32", 10)))
    return _struct("OpData (concatenation)", _K + "concatenation.cc", *fields)


OP_DATA_POOLING = _struct(
    "OpDataPooling",
    _K + "pooling.h",
    ("padding", PADDING_VALUES),
    *_ints("activation_min", "activation_max"),
    ("activation_min_f32", "float"),
    ("activation_max_f32", "float"),
)
OP_DATA_ADD = _struct(
    "OpDataAdd",
    _K + "add.h",
    ("requires_broadcast", "bool"),
    *_ints(
        "input1_shift",
        "input2_shift",
        "output_activation_min",
        "output_activation_max",
        "input1_multiplier",
        "input2_multiplier",
        "output_multiplier",
        "output_shift",
        "left_shift",
        "input1_offset",
        "input2_offset",
        "output_offset",
    ),
    ("output_activation_min_f32", "float"),
    ("output_activation_max_f32", "float"),
)
OP_DATA_SUB = _struct(
    "OpDataSub",
    _K + "sub.h",
    ("requires_broadcast", "bool"),
    *_ints(
        "input1_shift",
        "input2_shift",
        "output_activation_min",
        "output_activation_max",
        "input1_multiplier",
        "input2_multiplier",
        "output_multiplier",
        "output_shift",
        "left_shift",
        "input1_offset",
        "input2_offset",
        "output_offset",
    ),
)
OP_DATA_MUL = _struct(
    "OpDataMul",
    _K + "mul.h",
    *_ints(
        "input1_zero_point",
        "input2_zero_point",
        "output_activation_min",
        "output_activation_max",
        "output_zero_point",
        "output_multiplier",
        "output_shift",
    ),
    ("output_activation_min_f32", "float"),
    ("output_activation_max_f32", "float"),
)
#: OpDataReduce (kernels/reduce.h): 11 int-sized members in the installed build (InitReduce
#: allocates 44 bytes); the stored 2021 header lists 9 (multiplier, shift, temp_buffer_idx,
#: resolved_axis_idx, input_zp, input_scale, output_zp, output_scale, num_output_elements).
#: All are int32/float, so the size is the same on 32- and 64-bit targets.
OP_DATA_REDUCE = _struct(
    "OpDataReduce",
    _K + "reduce.h",
    *_ints(
        "multiplier",
        "shift",
        "temp_buffer_idx",
        "resolved_axis_idx",
        "input_zp",
        "input_scale",
        "output_zp",
        "output_scale",
        "num_output_elements",
        "member_10",
        "member_11",
    ),
)
OP_DATA_PAD = _struct(
    "OpData (pad)",
    _K + "pad.cc",
    ("params", PAD_PARAMS),
    ("output_zero_point", "int32"),
)
OP_DATA_STRIDED_SLICE = _struct(
    "StridedSliceParams (strided_slice)",
    _K + "strided_slice.cc",
    ("params", STRIDED_SLICE_PARAMS),
)
OP_DATA_LOGISTIC = _struct(
    "OpDataLogistic",
    _K + "logistic.h",
    *_ints("input_zero_point", "input_range_radius", "input_multiplier", "input_left_shift"),
)
OP_DATA_TANH = _struct(
    "OpData (tanh)",
    _K + "tanh.cc",
    *_ints("input_zero_point", "input_range_radius", "input_multiplier", "input_left_shift"),
)
OP_DATA_QUANTIZE = _struct(
    "OpDataQuantizeReference",
    _K + "quantize.h",
    ("quantization_params", QUANTIZATION_PARAMS),
    *_ints("requantize_output_multiplier", "requantize_output_shift", "input_zero_point"),
)
OP_DATA_DEQUANTIZE = _struct(
    "DequantizeOpData",
    _K + "dequantize.h",
    ("quantization_params", DEQUANTIZATION_PARAMS),
    *_ints("output_multiplier", "output_shift", "output_zero_point"),
)
OP_DATA_LEAKY_RELU = _struct(
    "LeakyReluOpData",
    _K + "leaky_relu.h",
    *_ints(
        "input_zero_point",
        "output_zero_point",
        "output_multiplier_alpha",
        "output_shift_alpha",
        "output_multiplier_identity",
        "output_shift_identity",
    ),
)
OP_DATA_RELU = _struct("ReluOpData", _K + "activations.h", ("params", RELU_PARAMS))
OP_DATA_COMPARISON = _struct(
    "OpData (comparisons)",
    _K + "comparisons.cc",
    ("params", COMPARISON_PARAMS),
)
OP_DATA_IF = _struct(
    "OpData (if)",
    _K + "if.cc",
    *_ints("then_subgraph_index", "else_subgraph_index"),
)
OP_DATA_WHILE = _struct(
    "OpData (while)",
    _K + "while.cc",
    *_ints("cond_subgraph_index", "body_subgraph_index"),
)
OP_DATA_CALL_ONCE = _struct(
    "OpData (call_once)",
    _K + "call_once.cc",
    ("init_subgraph_index", "int32"),
    ("has_run", "bool"),
)
OP_DATA_SVDF = _struct(
    "OpDataSvdf",
    _K + "svdf.h",
    *_ints(
        "effective_scale_1_a",
        "effective_scale_2_a",
        "effective_scale_1_b",
        "effective_scale_2_b",
        "scratch_tensor_index",
        "scratch_output_tensor_index",
        "input_zero_point",
        "output_zero_point",
        "activation_state_zero_point",
    ),
)
_LSTM = _K + "lstm_shared.h"
LSTM_SIZE_INFO = _struct(
    "LstmSizeInfo",
    _LSTM,
    ("time_major", "bool"),
    *_ints("batch_size", "time_steps", "input_dimension", "state_dimension"),
)
CELL_STATE_INFO = _struct(
    "CellStateInfo",
    _LSTM,
    ("cell_clip", "float"),
    ("quantized_cell_clip", "int16"),
    ("cell_state_scale_power", "int32"),
)
GATE_PARAMETERS = _struct(
    "GateParameters",
    _LSTM,
    ("input_fc_params", FULLY_CONNECTED_PARAMS_INTERNAL),
    ("recurrent_fc_params", FULLY_CONNECTED_PARAMS_INTERNAL),
)
INTER_GATE_PARAMETERS = _struct(
    "InterGateParameters",
    _LSTM,
    ("forget_cell_mul_params", ARITHMETIC_PARAMS),
    ("input_mul_params", ARITHMETIC_PARAMS),
    ("output_mul_params", ARITHMETIC_PARAMS),
)
OP_DATA_LSTM = _struct(
    "OpDataLSTM",
    _LSTM,
    ("size_info", LSTM_SIZE_INFO),
    ("cell_state_info", CELL_STATE_INFO),
    ("cell_gate_nonlinear_type", "enum"),
    ("forget_gate_parameters", GATE_PARAMETERS),
    ("input_gate_parameters", GATE_PARAMETERS),
    ("cell_gate_parameters", GATE_PARAMETERS),
    ("output_gate_parameters", GATE_PARAMETERS),
    ("inter_gate_parameters", INTER_GATE_PARAMETERS),
    ("buffer_indices", ("int32", 4)),
)

# --- CMSIS-NN kernels (tensorflow/lite/micro/kernels/cmsis_nn/) ------------------------------

_C = "tensorflow/lite/micro/kernels/cmsis_nn/"
_ARM_TYPES = "CMSIS-NN Include/arm_nn_types.h"


@functools.cache
def cmsis_op_data_conv(compression: bool, depthwise: bool) -> CStruct:
    return _struct(
        "OpData (cmsis_nn)",
        _C + ("depthwise_conv.cc" if depthwise else "conv.cc"),
        ("reference_op_data", op_data_conv(compression)),
        ("buffer_idx", "int32"),
    )


@functools.cache
def cmsis_op_data_fully_connected(compression: bool) -> CStruct:
    return _struct(
        "OpData (cmsis_nn)",
        _C + "fully_connected.cc",
        ("reference_op_data", op_data_fully_connected(compression)),
        ("per_channel_output_multiplier", "ptr"),
        ("per_channel_output_shift", "ptr"),
        ("buffer_idx", "int32"),
        ("kernel_sums", "ptr"),
        *_ints("batches", "accum_depth", "output_depth"),
    )


CMSIS_SOFTMAX_PARAMS = _struct(
    "CMSISNNSoftmaxParams",
    _C + "softmax.cc",
    ("softmax_params", SOFTMAX_PARAMS),
    *_ints("num_rows", "row_size"),
)
CMSIS_OP_DATA_POOLING = _struct(
    "OpData (cmsis_nn)",
    _C + "pooling.cc",
    ("reference_op_data", OP_DATA_POOLING),
    ("buffer_idx", "int32"),
)


@functools.cache
def cmsis_op_data_svdf(optimized_for_speed: bool) -> CStruct:
    """CmsisNnOpDataSvdf: scratch_weight_tensor_index exists only with
    KERNELS_OPTIMIZED_FOR_SIZE."""
    fields: list[tuple[str, FieldType]] = [
        *_ints(
            "effective_scale_1_a",
            "effective_scale_2_a",
            "effective_scale_1_b",
            "effective_scale_2_b",
            "scratch_tensor_index",
        ),
    ]
    if not optimized_for_speed:
        fields.append(("scratch_weight_tensor_index", "int32"))
    fields += [
        *_ints(
            "scratch_output_tensor_index",
            "input_zero_point",
            "output_zero_point",
            "activation_state_zero_point",
        ),
        ("kernel_sums", "ptr"),
    ]
    return _struct("CmsisNnOpDataSvdf", _C + "svdf.cc", *fields)


CMSIS_LSTM_GATE = _struct(
    "cmsis_nn_lstm_gate",
    _ARM_TYPES,
    *_ints("input_multiplier", "input_shift"),
    ("input_weights", "ptr"),
    ("input_effective_bias", "ptr"),
    *_ints("hidden_multiplier", "hidden_shift"),
    ("hidden_weights", "ptr"),
    ("hidden_effective_bias", "ptr"),
    ("bias", "ptr"),
    ("activation_type", "enum"),
)
CMSIS_LSTM_PARAMS = _struct(
    "cmsis_nn_lstm_params",
    _ARM_TYPES,
    *_ints(
        "time_major",
        "batch_size",
        "time_steps",
        "input_size",
        "hidden_size",
        "input_offset",
        "forget_to_cell_multiplier",
        "forget_to_cell_shift",
        "input_to_cell_multiplier",
        "input_to_cell_shift",
        "cell_clip",
        "cell_scale_power",
        "output_multiplier",
        "output_shift",
        "output_offset",
    ),
    ("forget_gate", CMSIS_LSTM_GATE),
    ("input_gate", CMSIS_LSTM_GATE),
    ("cell_gate", CMSIS_LSTM_GATE),
    ("output_gate", CMSIS_LSTM_GATE),
)
CMSIS_OP_DATA_LSTM = _struct(
    "OpData (cmsis_nn)",
    _C + "unidirectional_sequence_lstm.cc",
    ("params_ref", OP_DATA_LSTM),
    ("params_cmsis_nn", CMSIS_LSTM_PARAMS),
)
CMSIS_OP_DATA_TRANSPOSE_CONV = _struct(
    "OpData (cmsis_nn)",
    _C + "transpose_conv.cc",
    ("params", CONV_PARAMS_INTERNAL),
    *_ints("scratch_buffer_index", "scratch_buffer_output_index", "bias_converted_buffer_index"),
    ("per_channel_output_multiplier", "ptr"),
    ("per_channel_output_shift", "ptr"),
)

# ---------------------------------------------------------------------------------------------
# The prediction
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """One persistent allocation, in the order TFLM makes it."""

    category: str
    what: str
    size: int
    alignment: int


@dataclass(frozen=True)
class TailPrediction:
    """The predicted persistent section of the arena.

    ``categories`` maps category names to bytes used *including* the alignment padding each
    allocation caused (the way RecordingMicroAllocator counts); they sum to ``total_bytes``.
    ``exact`` is False when ``unknown`` names anything: ops or features whose persistent needs
    this module does not know (their share is then missing from the total, never guessed).
    """

    total_bytes: int
    categories: Mapping[str, int]
    exact: bool
    unknown: tuple[str, ...]
    allocations: tuple[Allocation, ...] = ()
    requested_bytes: int = 0


@dataclass(frozen=True)
class _Build:
    abi: Abi
    kernels: str
    dsp: bool
    mve: bool
    compression: bool
    recording: bool
    optimized_for_speed: bool


class _UnknownOp(Exception):
    pass


#: Builtin operators whose parse, Init and Prepare allocations this module models, per kernel
#: library. Anything else (and every custom op) is reported in ``TailPrediction.unknown``.
COVERED_OPS: frozenset[str] = frozenset(
    {
        "ADD",
        "AVERAGE_POOL_2D",
        "CALL_ONCE",
        "CONCATENATION",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "DEQUANTIZE",
        "EQUAL",
        "EXPAND_DIMS",
        "FULLY_CONNECTED",
        "GATHER",
        "GREATER",
        "GREATER_EQUAL",
        "HARD_SWISH",
        "IF",
        "LEAKY_RELU",
        "LESS",
        "LESS_EQUAL",
        "LOGISTIC",
        "MAXIMUM",
        "MAX_POOL_2D",
        "MEAN",
        "MINIMUM",
        "MUL",
        "NOT_EQUAL",
        "PACK",
        "PAD",
        "PADV2",
        "QUANTIZE",
        "REDUCE_MAX",
        "REDUCE_MIN",
        "RELU",
        "RESHAPE",
        "SHAPE",
        "SOFTMAX",
        "SPLIT",
        "SQUEEZE",
        "STRIDED_SLICE",
        "SUB",
        "SUM",
        "SVDF",
        "TANH",
        "TRANSPOSE",
        "TRANSPOSE_CONV",
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "UNPACK",
        "WHILE",
    }
)

_COMPARISONS = ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL")

#: Builtin option struct each covered op's Parse* function allocates (None: the parser
#: allocates nothing, e.g. ParseLogistic returns without builtin data).
_PARAMS: Mapping[str, CStruct | None] = MappingProxyType(
    {
        "ADD": ADD_PARAMS,
        "AVERAGE_POOL_2D": POOL_PARAMS,
        "MAX_POOL_2D": POOL_PARAMS,
        "CONCATENATION": CONCATENATION_PARAMS_BUILTIN,
        "CONV_2D": CONV_PARAMS,
        "DEPTHWISE_CONV_2D": DEPTHWISE_CONV_PARAMS,
        "DEQUANTIZE": None,
        "EXPAND_DIMS": None,
        "FULLY_CONNECTED": FULLY_CONNECTED_PARAMS,
        "GATHER": GATHER_PARAMS,
        "HARD_SWISH": None,
        "LEAKY_RELU": LEAKY_RELU_PARAMS,
        "LOGISTIC": None,
        "MAXIMUM": None,
        "MINIMUM": None,
        "MEAN": REDUCER_PARAMS,
        "SUM": REDUCER_PARAMS,
        "REDUCE_MAX": REDUCER_PARAMS,
        "REDUCE_MIN": REDUCER_PARAMS,
        "MUL": MUL_PARAMS,
        "PACK": PACK_PARAMS,
        "PAD": None,
        "PADV2": None,
        "QUANTIZE": None,
        "RELU": None,
        "RESHAPE": RESHAPE_PARAMS,
        "SHAPE": SHAPE_PARAMS,
        "SOFTMAX": SOFTMAX_PARAMS_BUILTIN,
        "SPLIT": SPLIT_PARAMS,
        "SQUEEZE": SQUEEZE_PARAMS,
        "STRIDED_SLICE": STRIDED_SLICE_PARAMS_BUILTIN,
        "SUB": SUB_PARAMS,
        "SVDF": SVDF_PARAMS,
        "TANH": None,
        "TRANSPOSE": None,
        "TRANSPOSE_CONV": TRANSPOSE_CONV_PARAMS,
        "UNIDIRECTIONAL_SEQUENCE_LSTM": UNIDIRECTIONAL_SEQUENCE_LSTM_PARAMS,
        "UNPACK": UNPACK_PARAMS,
        "IF": IF_PARAMS,
        "WHILE": WHILE_PARAMS,
        "CALL_ONCE": CALL_ONCE_PARAMS,
        # ParseEqual, ParseLess, ... allocate nothing.
        **{c: None for c in _COMPARISONS},
    }
)


def _init_struct(opcode: str, build: _Build) -> CStruct | None:
    """The struct a kernel's Init allocates with AllocatePersistentBuffer (None: no Init)."""
    c = build.compression
    cmsis = build.kernels == "cmsis-nn"
    if opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        if cmsis:
            return cmsis_op_data_conv(c, depthwise=opcode == "DEPTHWISE_CONV_2D")
        return op_data_conv(c)
    if opcode == "FULLY_CONNECTED":
        return cmsis_op_data_fully_connected(c) if cmsis else op_data_fully_connected(c)
    if opcode == "TRANSPOSE_CONV":
        return CMSIS_OP_DATA_TRANSPOSE_CONV if cmsis else op_data_transpose_conv(c)
    if opcode == "SOFTMAX":
        return CMSIS_SOFTMAX_PARAMS if cmsis else SOFTMAX_PARAMS
    if opcode in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return CMSIS_OP_DATA_POOLING if cmsis else OP_DATA_POOLING
    if opcode == "SVDF":
        return cmsis_op_data_svdf(build.optimized_for_speed) if cmsis else OP_DATA_SVDF
    if opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        return CMSIS_OP_DATA_LSTM if cmsis else OP_DATA_LSTM
    if opcode == "CONCATENATION":
        return op_data_concatenation(c)
    simple: dict[str, CStruct | None] = {
        "ADD": OP_DATA_ADD,
        "SUB": OP_DATA_SUB,
        "MUL": OP_DATA_MUL,
        "MEAN": OP_DATA_REDUCE,
        "SUM": OP_DATA_REDUCE,
        "REDUCE_MAX": OP_DATA_REDUCE,
        "REDUCE_MIN": OP_DATA_REDUCE,
        "PAD": OP_DATA_PAD,
        "PADV2": OP_DATA_PAD,
        "STRIDED_SLICE": OP_DATA_STRIDED_SLICE,
        "HARD_SWISH": HARD_SWISH_PARAMS,
        "LOGISTIC": OP_DATA_LOGISTIC,
        "TANH": OP_DATA_TANH,
        "QUANTIZE": OP_DATA_QUANTIZE,
        "DEQUANTIZE": OP_DATA_DEQUANTIZE,
        "LEAKY_RELU": OP_DATA_LEAKY_RELU,
        "RELU": OP_DATA_RELU,
        "IF": OP_DATA_IF,
        "WHILE": OP_DATA_WHILE,
        "CALL_ONCE": OP_DATA_CALL_ONCE,
        **{c: OP_DATA_COMPARISON for c in _COMPARISONS},
        # Registered with a null Init: reshape.cc, transpose.cc, squeeze.cc, expand_dims.cc,
        # shape.cc, gather.cc, maximum_minimum.cc, pack.cc, unpack.cc, split.cc.
        "RESHAPE": None,
        "TRANSPOSE": None,
        "SQUEEZE": None,
        "EXPAND_DIMS": None,
        "SHAPE": None,
        "GATHER": None,
        "MAXIMUM": None,
        "MINIMUM": None,
        "PACK": None,
        "UNPACK": None,
        "SPLIT": None,
    }
    if opcode in simple:
        return simple[opcode]
    raise _UnknownOp(opcode)


def _tensor(sg: Subgraph, index: int) -> Tensor | None:
    if index < 0 or index >= len(sg.tensors):
        return None
    return sg.tensors[index]


def _input(sg: Subgraph, op: Operator, i: int) -> Tensor | None:
    return _tensor(sg, op.inputs[i]) if i < len(op.inputs) else None


def _output(sg: Subgraph, op: Operator, i: int) -> Tensor | None:
    return _tensor(sg, op.outputs[i]) if i < len(op.outputs) else None


def _dim(t: Tensor | None, axis: int) -> int:
    if t is None or not t.shape:
        return 0
    return t.shape[axis] if -len(t.shape) <= axis < len(t.shape) else 0


def _prepare_allocations(sg: Subgraph, op: Operator, build: _Build, label: str) -> list[Allocation]:
    """Persistent buffers a kernel's Prepare allocates (all 16-byte aligned)."""
    out: list[Allocation] = []

    def buf(what: str, size: int) -> None:
        out.append(
            Allocation(CATEGORY_PERSISTENT_BUFFERS, f"{label}: {what}", size, ARENA_ALIGNMENT)
        )

    cmsis = build.kernels == "cmsis-nn"
    code = op.opcode
    inp = _input(sg, op, 0)
    in_type = inp.dtype if inp is not None else ""
    if code in ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV"):
        # ConvPrepare (conv_common.cc), DepthwiseConvPrepare (depthwise_conv_common.cc),
        # transpose_conv.cc Prepare: two int32 arrays of num_channels = filter dim 0
        # (depthwise: dim 3). The CMSIS-NN conv/depthwise Prepare allocates them only for
        # int8/int16 inputs; the reference kernels always do.
        filt = _input(sg, op, 1)
        channels = _dim(filt, 3 if code == "DEPTHWISE_CONV_2D" else 0)
        if not (cmsis and code != "TRANSPOSE_CONV" and in_type not in ("INT8", "INT16")):
            buf("per-channel output multipliers", 4 * channels)
            buf("per-channel output shifts", 4 * channels)
    elif code == "FULLY_CONNECTED":
        filt = _input(sg, op, 1)
        out_t = _output(sg, op, 0)
        # CalculateOpDataFullyConnected (fully_connected_common.cc): per-channel quantized
        # filter (more than one scale) on a non-float op -> two int32 arrays.
        q = filt.quantization if filt is not None else None
        if in_type != "FLOAT32" and q is not None and len(q.scales) > 1:
            buf("per-channel output multipliers", 4 * len(q.scales))
            buf("per-channel output shifts", 4 * len(q.scales))
        if cmsis and in_type == "INT8" and filt is not None and filt.dtype != "INT4":
            # cmsis_nn/fully_connected.cc Prepare.
            out_rank = len(out_t.shape) if out_t is not None else 0
            accum_depth = _dim(filt, -1)
            output_depth = _dim(out_t, -1)
            if out_rank > 2 and accum_depth % 4 == 0:
                buf("1x1-conv per-channel multipliers", 4 * output_depth)
                buf("1x1-conv per-channel shifts", 4 * output_depth)
            elif build.mve and filt.is_constant:
                # arm_fully_connected_s8_get_buffer_size (CMSIS-NN
                # arm_fully_connected_get_buffer_sizes_s8.c): filter_dims->c * 4 with MVE,
                # 0 otherwise; a constant filter turns it into persistent kernel sums.
                buf("kernel sums", 4 * output_depth)
    elif code == "SOFTMAX":
        if in_type == "INT16":
            # softmax_common.cc: exp and 1/(1+x) LUTs of kInt16LUTArraySize int16 entries.
            buf("int16 exp LUT", 2 * SOFTMAX_INT16_LUT_ENTRIES)
            buf("int16 1/(1+x) LUT", 2 * SOFTMAX_INT16_LUT_ENTRIES)
    elif code == "RESHAPE":
        # reshape_common.cc ReshapeOutput: an output shape with a -1 gets its dims copied to
        # the arena (CreateWritableTensorDimsWithCopy, kernel_util.cc). A scalar output does
        # not (checked against the runtime), unlike some forks that also copy empty shapes.
        out_t = _output(sg, op, 0)
        if out_t is not None and -1 in out_t.shape:
            buf("writable output dims", int_array_bytes(len(out_t.shape)))
    elif code == "GATHER":
        # gather.cc Prepare always relocates the output dims (CreateWritableTensorDimsWithCopy).
        out_t = _output(sg, op, 0)
        rank = len(out_t.shape) if out_t is not None else 0
        buf("writable output dims", int_array_bytes(rank))
    elif code == "SVDF":
        if cmsis and in_type == "INT8" and build.mve and build.optimized_for_speed:
            # cmsis_nn/svdf.cc: arm_svdf_s8_get_buffer_size = num_filters * 4 with MVE
            # (arm_svdf_get_buffer_sizes_s8.c), kept as persistent kernel sums when
            # KERNELS_OPTIMIZED_FOR_SPEED.
            buf("kernel sums", 4 * _dim(_input(sg, op, 1), 0))
    elif code == "UNIDIRECTIONAL_SEQUENCE_LSTM" and cmsis:
        # cmsis_nn/unidirectional_sequence_lstm.cc CMSIS_NN_PortOpData: 8 effective-bias
        # arrays of hidden_size (state dimension) BiasType elements, for int8 (int32 bias)
        # and int16 (int64 bias) activations with an int16 cell state.
        cell = _input(sg, op, 19)
        hidden = _dim(_input(sg, op, 18), -1)
        if cell is not None and cell.dtype == "INT16" and in_type in ("INT8", "INT16"):
            width = 4 if in_type == "INT8" else 8
            for gate in ("input", "forget", "cell", "output"):
                buf(f"{gate} gate input kernel sums", width * hidden)
            for gate in ("input", "forget", "cell", "output"):
                buf(f"{gate} gate hidden kernel sums", width * hidden)
    return out


#: Kernels Espressif's esp-tflite-micro replaces with ESP-NN ones
#: (tensorflow/lite/micro/kernels/esp_nn/*.cc): their persistent and scratch needs are
#: not modelled, so predictions for esp-nn boards that use them are marked inexact.
ESP_NN_KERNELS = frozenset(
    {
        "ADD",
        "AVERAGE_POOL_2D",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "MAX_POOL_2D",
        "MUL",
        "SOFTMAX",
    }
)


def _op_label(sg: Subgraph, op: Operator) -> str:
    where = f"subgraph {sg.index} " if sg.index else ""
    return f"{where}op {op.index} {op.opcode}"


def persistent_allocations(
    graph: Graph,
    pointer_bits: int = 64,
    kernels: str = "reference",
    dsp: bool = False,
    mve: bool = False,
    scratch_buffer_count: int = 0,
    *,
    compression: bool | None = None,
    recording: bool | None = None,
    short_enums: bool = False,
    optimized_for_speed: bool = True,
) -> tuple[tuple[Allocation, ...], tuple[str, ...]]:
    """Every persistent allocation, in runtime order, and what could not be modelled."""
    if pointer_bits not in (32, 64):
        raise ValueError(f"pointer_bits must be 32 or 64, not {pointer_bits}")
    if kernels not in ("reference", "cmsis-nn", "esp-nn"):
        raise ValueError(f"kernels must be 'reference', 'cmsis-nn' or 'esp-nn', not {kernels!r}")
    esp_nn = kernels == "esp-nn"
    if esp_nn:
        # Espressif's ESP-NN build replaces a few kernels (ESP_NN_KERNELS) whose OpData is not
        # modelled; every other kernel is TFLM's reference one.
        kernels = "reference"
    if scratch_buffer_count < 0:
        raise ValueError("scratch_buffer_count must not be negative")
    pip = pointer_bits == 64
    build = _Build(
        abi=Abi(pointer_bits, short_enums),
        kernels=kernels,
        dsp=dsp,
        mve=mve,
        compression=pip if compression is None else compression,
        recording=pip if recording is None else recording,
        optimized_for_speed=optimized_for_speed,
    )
    abi = build.abi
    allocs: list[Allocation] = []
    unknown: list[str] = []

    def add(category: str, what: str, struct: CStruct, count: int = 1) -> None:
        size, align = struct.layout(abi)
        allocs.append(Allocation(category, what, size * count, align))

    # 1. MicroAllocator::Create (micro_allocator.cc) / RecordingMicroAllocator::Create.
    if build.recording:
        add(
            CATEGORY_ALLOCATOR,
            "RecordingSingleArenaBufferAllocator",
            RECORDING_SINGLE_ARENA_BUFFER_ALLOCATOR,
        )
        add(CATEGORY_ALLOCATOR, "GreedyMemoryPlanner", GREEDY_MEMORY_PLANNER)
        add(CATEGORY_ALLOCATOR, "RecordingMicroAllocator", RECORDING_MICRO_ALLOCATOR)
    else:
        add(CATEGORY_ALLOCATOR, "SingleArenaBufferAllocator", SINGLE_ARENA_BUFFER_ALLOCATOR)
        add(CATEGORY_ALLOCATOR, "GreedyMemoryPlanner", GREEDY_MEMORY_PLANNER)
        add(CATEGORY_ALLOCATOR, "MicroAllocator", MICRO_ALLOCATOR)
    if any(
        op.opcode in ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE")
        for sg in graph.subgraphs
        for op in sg.operators
    ):
        unknown.append("resource variables (MicroResourceVariables)")

    # 2. MicroAllocator::StartModelAllocation.
    add(CATEGORY_ALLOCATOR, "MicroBuiltinDataAllocator", MICRO_BUILTIN_DATA_ALLOCATOR)
    add(
        CATEGORY_SUBGRAPHS,
        f"SubgraphAllocations x {len(graph.subgraphs)}",
        subgraph_allocations(build.compression),
        len(graph.subgraphs),
    )
    for sg in graph.subgraphs:
        add(
            CATEGORY_EVAL_TENSORS,
            f"subgraph {sg.index}: {len(sg.tensors)} TfLiteEvalTensor",
            TFLITE_EVAL_TENSOR,
            len(sg.tensors),
        )
    for sg in graph.subgraphs:
        add(
            CATEGORY_NODES,
            f"subgraph {sg.index}: {len(sg.operators)} NodeAndRegistration",
            NODE_AND_REGISTRATION,
            len(sg.operators),
        )
    if "COMPRESSION_METADATA" in graph.metadata_names:
        unknown.append("compressed tensors (COMPRESSION_METADATA)")

    known: dict[tuple[int, int], bool] = {}
    for sg in graph.subgraphs:
        for op in sg.operators:
            ok = not op.is_custom and op.opcode in COVERED_OPS
            if esp_nn and op.opcode in ESP_NN_KERNELS:
                ok = False
            known[(sg.index, op.index)] = ok
            if not ok:
                name = f"custom op {op.custom_code}" if op.is_custom else op.opcode
                if esp_nn and op.opcode in ESP_NN_KERNELS:
                    name = f"{op.opcode} (ESP-NN kernel)"
                if name not in unknown:
                    unknown.append(name)

    # 3. Builtin data (MicroInterpreter::PrepareNodeAndRegistrationDataFromFlatbuffer).
    for sg in graph.subgraphs:
        for op in sg.operators:
            if not known[(sg.index, op.index)]:
                continue
            params = _PARAMS[op.opcode]
            if params is not None:
                add(CATEGORY_OP_PARAMS, f"{_op_label(sg, op)}: {params.name}", params)

    # 4. Kernel Init (MicroInterpreterGraph::InitSubgraphs).
    for sg in graph.subgraphs:
        for op in sg.operators:
            if not known[(sg.index, op.index)]:
                continue
            struct = _init_struct(op.opcode, build)
            if struct is not None:
                allocs.append(
                    Allocation(
                        CATEGORY_PERSISTENT_BUFFERS,
                        f"{_op_label(sg, op)}: {struct.name} ({struct.source})",
                        struct.size(abi),
                        ARENA_ALIGNMENT,
                    )
                )

    # 5. Kernel Prepare (MicroInterpreterGraph::PrepareSubgraphs).
    for sg in graph.subgraphs:
        for op in sg.operators:
            if known[(sg.index, op.index)]:
                allocs.extend(_prepare_allocations(sg, op, build, _op_label(sg, op)))

    # 6. FinishModelAllocation: scratch buffer handles, then variable tensors.
    if scratch_buffer_count:
        add(
            CATEGORY_SCRATCH_HANDLES,
            f"{scratch_buffer_count} ScratchBufferHandle",
            SCRATCH_BUFFER_HANDLE,
            scratch_buffer_count,
        )
    offline = graph.offline_offsets
    for sg in graph.subgraphs:
        for t in sg.tensors:
            if not t.is_variable:
                continue
            # AllocateVariables indexes the offline plan by the tensor's index in its own
            # subgraph; offline-planned variables live in the head.
            if offline is not None and t.index < len(offline) and offline[t.index] != -1:
                continue
            allocs.append(
                Allocation(
                    CATEGORY_VARIABLES,
                    f"subgraph {sg.index} variable tensor {t.index} {t.name}",
                    tensor_bytes(t.dtype, t.elements),
                    ARENA_ALIGNMENT,
                )
            )

    # 7. MicroInterpreter::AllocateTensors: input and output TfLiteTensors.
    main = graph.main
    for kind, indices in (("input", main.inputs), ("output", main.outputs)):
        allocs.append(
            Allocation(
                CATEGORY_PERSISTENT_BUFFERS,
                f"TfLiteTensor* array for {len(indices)} {kind}s",
                abi.scalar("ptr")[0] * len(indices),
                ARENA_ALIGNMENT,
            )
        )
        for i in indices:
            io_tensor = _tensor(main, i)
            add(CATEGORY_PERSISTENT_TENSORS, f"{kind} tensor {i}: TfLiteTensor", TFLITE_TENSOR)
            q = io_tensor.quantization if io_tensor is not None else None
            if q is not None and q.scales and q.zero_points:
                add(
                    CATEGORY_QUANTIZATION,
                    f"{kind} tensor {i}: TfLiteAffineQuantization",
                    TFLITE_AFFINE_QUANTIZATION,
                )
                allocs.append(
                    Allocation(
                        CATEGORY_QUANTIZATION,
                        f"{kind} tensor {i}: zero-point TfLiteIntArray",
                        int_array_bytes(len(q.scales)),
                        INT_ARRAY_ALIGN,
                    )
                )
    return tuple(allocs), tuple(unknown)


def simulate_tail(
    allocations: Iterable[Allocation], arena_end_misalignment: int = 0
) -> tuple[int, dict[str, int]]:
    """Replay ``AllocatePersistentBuffer`` on a tail that starts at an address
    ``arena_end_misalignment`` bytes past a 16-byte boundary. Returns (used bytes, used bytes
    per category, each allocation charged with the padding it caused)."""
    if not 0 <= arena_end_misalignment < ARENA_ALIGNMENT:
        raise ValueError("arena_end_misalignment must be in [0, 16)")
    end = (1 << 40) + arena_end_misalignment
    tail = end
    categories: dict[str, int] = {}
    for a in allocations:
        new_tail = (tail - a.size) // a.alignment * a.alignment
        categories[a.category] = categories.get(a.category, 0) + (tail - new_tail)
        tail = new_tail
    return end - tail, categories


def persistent_tail(
    graph: Graph,
    pointer_bits: int = 64,
    kernels: str = "reference",
    dsp: bool = False,
    mve: bool = False,
    scratch_buffer_count: int = 0,
    *,
    compression: bool | None = None,
    recording: bool | None = None,
    short_enums: bool = False,
    optimized_for_speed: bool = True,
    arena_end_misalignment: int = 0,
) -> TailPrediction:
    """Predict the persistent (tail) bytes TFLM allocates for ``graph``.

    ``pointer_bits`` 64 with the defaults reproduces the ``tflite-micro`` pip package exactly:
    its interpreter uses RecordingMicroAllocator (``recording``) and is built with
    USE_TFLM_COMPRESSION (``compression``). With ``pointer_bits`` 32 both default to off, as in a
    MicroInterpreter built for a Cortex-M with TFLM's default Makefile.

    ``scratch_buffer_count`` is the number of RequestScratchBufferInArena calls the kernels make
    (see planner.runtimes.tflm.kernels.scratch); each costs one ScratchBufferHandle in the tail.
    ``kernels`` "cmsis-nn" uses the CMSIS-NN kernels' OpData and Prepare allocations; ``mve``
    enables the MVE-only persistent kernel sums (FULLY_CONNECTED, SVDF); ``dsp`` changes
    nothing in the tail (only scratch sizes). ``optimized_for_speed`` mirrors
    KERNELS_OPTIMIZED_FOR_SPEED (the default) versus _FOR_SIZE for CMSIS-NN SVDF.
    ``arena_end_misalignment`` is the arena end address modulo 16 (0 for an aligned arena whose
    size is a multiple of 16).
    """
    allocs, unknown = persistent_allocations(
        graph,
        pointer_bits,
        kernels,
        dsp,
        mve,
        scratch_buffer_count,
        compression=compression,
        recording=recording,
        short_enums=short_enums,
        optimized_for_speed=optimized_for_speed,
    )
    total, categories = simulate_tail(allocs, arena_end_misalignment)
    return TailPrediction(
        total_bytes=total,
        categories=MappingProxyType(dict(categories)),
        exact=not unknown,
        unknown=unknown,
        allocations=allocs,
        requested_bytes=sum(a.size for a in allocs),
    )
