"""TFLM's own structs: tensors, nodes, the allocator and memory-planner objects
(tensorflow/lite/micro/c/common.h, micro_allocator.h, arena_allocator/, memory_planner/)."""

from __future__ import annotations

import functools

from planner.runtimes.tflm.structs.c_layout import CStruct, FieldType, struct

# --- tensorflow/lite/micro/c/common.h and c_api_types.h --------------------------------------

TFLITE_EVAL_TENSOR = struct(
    "TfLiteEvalTensor",
    "tensorflow/lite/micro/c/common.h",
    ("data", "ptr"),  # TfLitePtrUnion: a union of pointers
    ("dims", "ptr"),  # TfLiteIntArray*
    ("type", "enum"),  # TfLiteType
)
TFLITE_NODE = struct(
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
TFLITE_QUANTIZATION = struct(
    "TfLiteQuantization",
    "tensorflow/lite/micro/c/common.h",
    ("type", "int32"),  # TfLiteQuantizationType is declared `: int` in C++
    ("params", "ptr"),
)
TFLITE_QUANTIZATION_PARAMS = struct(
    "TfLiteQuantizationParams",
    "tensorflow/lite/micro/c/c_api_types.h",
    ("scale", "float"),
    ("zero_point", "int32"),
)
TFLITE_TENSOR = struct(
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
TFLITE_AFFINE_QUANTIZATION = struct(
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

NODE_AND_REGISTRATION = struct(
    "NodeAndRegistration",
    "tensorflow/lite/micro/micro_allocator.h",
    ("node", TFLITE_NODE),
    ("registration", "ptr"),
)
SCRATCH_BUFFER_HANDLE = struct(
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
    return struct("SubgraphAllocations", "tensorflow/lite/micro/micro_allocator.h", *fields)


# --- the allocator objects -------------------------------------------------------------------

SINGLE_ARENA_BUFFER_ALLOCATOR = struct(
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
RECORDING_SINGLE_ARENA_BUFFER_ALLOCATOR = struct(
    "RecordingSingleArenaBufferAllocator",
    "tensorflow/lite/micro/arena_allocator/recording_single_arena_buffer_allocator.h",
    ("base", SINGLE_ARENA_BUFFER_ALLOCATOR),
    ("requested_head_bytes_", "size_t"),
    ("requested_tail_bytes_", "size_t"),
    ("used_bytes_", "size_t"),
    ("alloc_count_", "size_t"),
)
GREEDY_MEMORY_PLANNER = struct(
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
MICRO_ALLOCATOR = struct(
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
RECORDED_ALLOCATION = struct(
    "RecordedAllocation",
    "tensorflow/lite/micro/recording_micro_allocator.h",
    ("requested_bytes", "size_t"),
    ("used_bytes", "size_t"),
    ("count", "size_t"),
)


@functools.cache
def recording_micro_allocator(compression: bool) -> CStruct:
    """RecordingMicroAllocator: one RecordedAllocation per RecordedAllocationType, 7 of them,
    8 with USE_TFLM_COMPRESSION (recording_micro_allocator.h; 272 bytes in the pip package =
    72 + 8 + 8 x 24, 124 on a 32-bit build without compression, measured by the probes)."""
    return struct(
        "RecordingMicroAllocator",
        "tensorflow/lite/micro/recording_micro_allocator.h",
        ("base", MICRO_ALLOCATOR),
        ("recording_memory_allocator_", "ptr"),
        ("recorded", (RECORDED_ALLOCATION, 8 if compression else 7)),
    )


MICRO_BUILTIN_DATA_ALLOCATOR = struct(
    "MicroBuiltinDataAllocator",
    "tensorflow/lite/micro/micro_allocator.cc",
    ("vptr", "vptr"),  # TfLiteBridgeBuiltinDataAllocator: interface
    ("persistent_allocator_", "ptr"),
)

# --- structs that live in the head while TFLM prepares and plans -------------------------------

SCRATCH_BUFFER_REQUEST = struct(
    "ScratchBufferRequest",
    "tensorflow/lite/micro/micro_allocator.h",
    ("bytes", "size_t"),
    ("node_idx", "int32"),
    ("subgraph_idx", "int32"),
)
ALLOCATION_INFO = struct(
    "AllocationInfo",
    "tensorflow/lite/micro/micro_allocation_info.h",
    ("bytes", "size_t"),
    ("output_ptr", "ptr"),
    ("first_created", "int32"),
    ("last_used", "int32"),
    ("offline_offset", "int32"),
    ("needs_allocating", "bool"),
)
#: ``kMaxScratchBuffersPerOp`` (micro_allocator.cc): request slots reserved past the list.
MAX_SCRATCH_BUFFERS_PER_OP = 12
