"""The smallest ``kTensorArenaSize`` with which TFLM's allocation succeeds.

``arena_used_bytes()`` (head + tail, :func:`reported_total`) is what TFLM reports once it has
allocated, but on the way there the head briefly holds more. Three moments can set the
smallest arena; this module takes the largest of them.

**While each operator is prepared** (``MicroInterpreterGraph::PrepareSubgraphs``) the head
holds the scratch-request list (``sizeof(ScratchBufferRequest) x (requests so far +
kMaxScratchBuffersPerOp = 12)``) and, above it, every temporary ``TfLiteTensor`` the kernel's
Prepare took (``AllocateTempInputTensor`` ...): 64 bytes each on 64-bit, plus a
``TfLiteAffineQuantization`` and a zero-point ``TfLiteIntArray`` for a quantized tensor.
Freeing them does not lower the temp pointer; only the end of the operator does. The tail at
that moment is bounded by the final tail less what is allocated later (scratch-buffer
handles, variable tensors, the model's input/output tensors, conv-like kernels' per-channel
arrays). This moment matters only for models whose planning data is tiny.

**While the head is planned** (``MicroAllocator::CommitStaticMemoryPlan``, micro_allocator.cc
and micro_allocation_info.cc) the head holds, from the 16-aligned arena start:

1. the scratch-request list, ``sizeof(ScratchBufferRequest) x (requests + 12)`` bytes;
2. temp: ``subgraph_offsets``, one ``size_t`` per subgraph;
3. temp: the ``AllocationInfo`` array, one per tensor of every subgraph (weights included)
   plus one per scratch request;
4. temp: all the remaining memory, from the 16-aligned end of (3) to the 16-aligned tail,
   given to ``GreedyMemoryPlanner::Init``, which must fit 40 bytes (``per_buffer_size()``:
   BufferRequirements 16 + 3 ints + ListEntry 12) for each planned buffer.

The tail then holds everything but what ``MicroInterpreter::AllocateTensors`` adds after
planning: the arrays of input and output ``TfLiteTensor*`` (16-aligned) and one persistent
``TfLiteTensor`` per model input and output, with its ``TfLiteAffineQuantization`` and
zero-point ``TfLiteIntArray`` when quantized. Those are subtracted from the final tail,
replaying their alignment from the tail position at planning time: 16-aligned when tail
variable tensors were allocated last, else just past the scratch-buffer handles
(``sizeof(void*)`` each), else 16-aligned.

**After planning** the head shrinks to the plan's high-water mark and the arena must hold
head + tail.

All three are computed for an arena whose end is 16-aligned (``MicroAllocator::Create``
aligns the start; the pip package's arena comes from ``new[]``, 16-aligned on x86-64). With an
end 8 bytes past a 16-byte boundary the tail's 8-aligned structs can pack 8 bytes tighter,
which is why the runtime's smallest arena is the figure for a 16-aligned end or 8 bytes less;
the result here, rounded up to 16, is never below the measured minimum and at most 16 above
it (checked on every model in tests/test_head.py).

Struct sizes (64-bit figures checked against the pip package's machine code; 32-bit ones from
the struct layouts, as a Cortex-M compiler lays them out, not measured):

=============================  ======  ======
struct                         64-bit  32-bit
=============================  ======  ======
ScratchBufferRequest           16 (8)  12 (4)
size_t                         8 (8)   4 (4)
AllocationInfo                 32 (8)  24 (4)
planner bytes per buffer       40      40
TfLiteTensor                   64 (8)  40 (4)
TfLiteAffineQuantization       24 (8)  12 (4)
TfLiteIntArray header / entry  4 / 4   4 / 4
pointer (TfLiteTensor*,        8       4
ScratchBufferHandle)
=============================  ======  ======

(alignment in parentheses)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.model.graph import Graph, Tensor
from planner.runtimes.tflm.allocation_info import Buffer
from planner.runtimes.tflm.memory_planner.greedy import Plan

#: ``kMaxScratchBuffersPerOp`` in micro_allocator.cc.
MAX_SCRATCH_BUFFERS_PER_OP = 12
#: ``GreedyMemoryPlanner::per_buffer_size()``.
PLANNER_BYTES_PER_BUFFER = 40
ARENA_ALIGNMENT = 16


@dataclass(frozen=True)
class StructSizes:
    """Sizes and alignments of TFLM's structs for one pointer width."""

    pointer: int
    scratch_request: int
    scratch_request_align: int
    size_t: int
    allocation_info: int
    allocation_info_align: int
    tflite_tensor: int
    tflite_tensor_align: int
    affine_quantization: int
    affine_quantization_align: int


STRUCTS = {
    64: StructSizes(8, 16, 8, 8, 32, 8, 64, 8, 24, 8),
    32: StructSizes(4, 12, 4, 4, 24, 4, 40, 4, 12, 4),
}


def _up(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


def _down(value: int, alignment: int) -> int:
    return value // alignment * alignment


def reported_total(head_bytes: int, tail_bytes: int) -> int:
    """What TFLM reports after allocation (``arena_used_bytes()``): head + tail."""
    return head_bytes + tail_bytes


def _structs(pointer_bits: int) -> StructSizes:
    try:
        return STRUCTS[pointer_bits]
    except KeyError:
        raise ValueError(f"pointer_bits must be 32 or 64, not {pointer_bits}") from None


def planning_head_bytes(graph: Graph, buffers: Sequence[Buffer], pointer_bits: int = 64) -> int:
    """Head bytes in use while TFLM plans: request list, temp arrays and planner workspace.

    Measured from the 16-aligned arena start to the end of the planner's workspace.
    """
    s = _structs(pointer_bits)
    requests = sum(1 for b in buffers if b.is_scratch)
    tensors = sum(len(sg.tensors) for sg in graph.subgraphs)
    head = s.scratch_request * (requests + MAX_SCRATCH_BUFFERS_PER_OP)
    head = _up(head, s.size_t) + s.size_t * len(graph.subgraphs)
    head = _up(head, s.allocation_info_align) + s.allocation_info * (tensors + requests)
    return _up(head, ARENA_ALIGNMENT) + PLANNER_BYTES_PER_BUFFER * len(buffers)


def _quantized(t: Tensor) -> int:
    """Channels of a tensor TFLM gives quantization structs (0: none)."""
    q = t.quantization
    if q is None or not q.scales or not q.zero_points:
        return 0
    return len(q.scales)


def _tail_position_at_planning(graph: Graph, buffers: Sequence[Buffer], s: StructSizes) -> int:
    """Offset of the tail pointer above a 16-byte boundary when planning starts (0..15)."""
    variables = [(sg.index, t.index) for sg in graph.subgraphs for t in sg.tensors if t.is_variable]
    if variables:
        planned = {(b.subgraph, b.tensor_index) for b in buffers if not b.is_scratch}
        if any(v not in planned for v in variables):
            return 0  # tail variable tensors, 16-aligned, were allocated last
    requests = sum(1 for b in buffers if b.is_scratch)
    return (-requests * s.pointer) % ARENA_ALIGNMENT


def post_planning_tail_bytes(
    graph: Graph, buffers: Sequence[Buffer], pointer_bits: int = 64
) -> int:
    """Tail bytes added after planning, measured from the 16-aligned tail at planning time.

    Can be smaller than the bytes actually allocated when the first 16-aligned allocation
    reuses the padding below an 8-aligned tail.
    """
    s = _structs(pointer_bits)
    ptr = _tail_position_at_planning(graph, buffers, s)

    def alloc(size: int, alignment: int) -> None:
        nonlocal ptr
        ptr = _down(ptr - size, alignment)

    main = graph.main
    for group in (main.inputs, main.outputs):
        alloc(s.pointer * len(group), ARENA_ALIGNMENT)
        for index in group:
            alloc(s.tflite_tensor, s.tflite_tensor_align)
            channels = _quantized(main.tensors[index])
            if channels:
                alloc(s.affine_quantization, s.affine_quantization_align)
                alloc(4 + 4 * channels, 4)
    return -ptr


# --- Prepare: temporary TfLiteTensors ------------------------------------------------------
#
# While an operator's Prepare runs, every ``AllocateTempInputTensor`` /
# ``AllocateTempOutputTensor`` takes a TfLiteTensor (and, for a quantized tensor, its
# TfLiteAffineQuantization and zero-point array) from the head, above the scratch-request
# list. ``DeallocateTempTfLiteTensor`` does not give the memory back: the temp section is only
# reset after the operator (``FinishPrepareNodeAllocations``). The sequences below are the
# calls each reference kernel's Prepare makes (kernels/*.cc; call counts checked against the
# pip runtime's machine code). ("i", n) is the node's input n, ("o", n) its output n; an
# omitted optional tensor (-1, or past the end of the list) allocates nothing.

_Slot = tuple[str, int]
_IN0_OUT0: tuple[_Slot, ...] = (("i", 0), ("o", 0))

_TEMP_SEQUENCES: dict[str, tuple[_Slot, ...]] = {
    # ConvPrepare (output, input, filter) + CalculateOpDataConv (input, filter, bias, output).
    "CONV_2D": (("o", 0), ("i", 0), ("i", 1), ("i", 0), ("i", 1), ("i", 2), ("o", 0)),
    "DEPTHWISE_CONV_2D": (("o", 0), ("i", 0), ("i", 1), ("i", 0), ("i", 1), ("i", 2), ("o", 0)),
    "FULLY_CONNECTED": (("i", 0), ("i", 1), ("i", 2), ("o", 0)),
    "SVDF": (("i", 0), ("i", 1), ("i", 2), ("i", 3), ("i", 4), ("o", 0)),
    "ADD": (("i", 0), ("i", 1), ("o", 0)),
    "SUB": (("i", 0), ("i", 1), ("o", 0)),
    "MUL": (("i", 0), ("i", 1), ("o", 0)),
    "MIRROR_PAD": (("i", 0), ("i", 1), ("o", 0)),
    "SOFTMAX": _IN0_OUT0,
    "PAD": (("i", 0), ("i", 1), ("i", 2), ("o", 0)),
    "STRIDED_SLICE": (("i", 0), ("i", 1), ("i", 2), ("i", 3), ("o", 0)),
    "PADV2": (("i", 0), ("i", 1), ("i", 2), ("o", 0)),
}
for _name in (
    "SOFTMAX",
    "AVERAGE_POOL_2D",
    "MAX_POOL_2D",
    "RESHAPE",
    "QUANTIZE",
    "DEQUANTIZE",
    "LOGISTIC",
    "HARD_SWISH",
    "RELU",
    "LEAKY_RELU",
):
    _TEMP_SEQUENCES[_name] = _IN0_OUT0


def _temp_slots(graph: Graph, sg_index: int, op_index: int) -> tuple[_Slot, ...]:
    sg = graph.subgraphs[sg_index]
    op = sg.operators[op_index]
    name = op.opcode
    if name in _TEMP_SEQUENCES:
        return _TEMP_SEQUENCES[name]
    int8_out = bool(op.outputs) and sg.tensors[op.outputs[0]].dtype in ("INT8",)
    if name in ("MEAN", "SUM"):
        # PrepareMeanOrSumHelper (input, output, axis) + PrepareSimple (input, axis[, output]).
        simple = (("i", 0), ("i", 1)) + ((("o", 0),) if int8_out else ())
        return (("i", 0), ("o", 0), ("i", 1), *simple)
    if name in ("REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL"):
        simple = (("i", 0), ("i", 1)) + ((("o", 0),) if int8_out else ())
        return (*simple, ("i", 0), ("o", 0), ("i", 1))
    if name == "TRANSPOSE_CONV":
        # Prepare (output, input, filter) + CalculateOpData when quantized.
        quantized = sg.tensors[op.inputs[2]].dtype != "FLOAT32" if len(op.inputs) > 2 else False
        extra = (("i", 2), ("i", 1), ("i", 3), ("o", 0)) if quantized else ()
        return (("o", 0), ("i", 2), ("i", 1), *extra)
    if name == "CONCATENATION":
        # ConcatenationPrepare: input 0, output, then every input.
        return (("i", 0), ("o", 0), *(("i", n) for n in range(len(op.inputs))))
    if name == "ADD_N":
        # CalculateOpData: input 0, output, then inputs 1..n-1.
        return (("i", 0), ("o", 0), *(("i", n) for n in range(1, len(op.inputs))))
    if name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        # LstmTensors: every input, then the output.
        return (*(("i", n) for n in range(len(op.inputs))), ("o", 0))
    # Not modelled: assume every input and output is taken twice (an upper bound for the
    # kernels read; the planning step dominates in all but the smallest models).
    once = (*(("i", n) for n in range(len(op.inputs))), *(("o", n) for n in range(len(op.outputs))))
    return once + once


def _temp_tensor_end(graph: Graph, sg_index: int, op_index: int, start: int, s: StructSizes) -> int:
    sg = graph.subgraphs[sg_index]
    op = sg.operators[op_index]
    tensors, inputs, outputs = sg.tensors, op.inputs, op.outputs
    t_align, t_size = s.tflite_tensor_align, s.tflite_tensor
    q_align, q_size = s.affine_quantization_align, s.affine_quantization
    end = start
    for kind, n in _temp_slots(graph, sg_index, op_index):
        indices = inputs if kind == "i" else outputs
        if n >= len(indices) or indices[n] < 0:
            continue
        end = -(-end // t_align) * t_align + t_size  # _up(end, t_align) + t_size
        channels = _quantized(tensors[indices[n]])
        if channels:
            end = -(-end // q_align) * q_align + q_size
            end = -(-end // 4) * 4 + 4 + 4 * channels
    return end


def _known_prepare_persistent(graph: Graph, sg_index: int, op_index: int) -> int:
    """Tail bytes an operator's Prepare surely allocates (a lower bound): conv-like kernels'
    per-channel output multipliers and shifts, two 16-aligned int32 arrays."""
    sg = graph.subgraphs[sg_index]
    op = sg.operators[op_index]
    axis = {"CONV_2D": (0, 1, 0), "DEPTHWISE_CONV_2D": (0, 1, 3), "TRANSPOSE_CONV": (2, 1, 0)}
    if op.opcode not in axis:
        return 0
    in_pos, filter_pos, channel_axis = axis[op.opcode]
    if max(in_pos, filter_pos) >= len(op.inputs):
        return 0
    if min(op.inputs[in_pos], op.inputs[filter_pos]) < 0:
        return 0
    if sg.tensors[op.inputs[in_pos]].dtype not in ("INT8", "INT16"):
        return 0
    shape = sg.tensors[op.inputs[filter_pos]].shape
    if len(shape) <= channel_axis:
        return 0
    return 2 * _up(4 * shape[channel_axis], ARENA_ALIGNMENT)


def prepare_peaks(
    graph: Graph, buffers: Sequence[Buffer], pointer_bits: int = 64
) -> list[tuple[int, int]]:
    """For each operator, in Prepare order: (head bytes at the end of its Prepare, tail bytes
    surely allocated by the operators prepared after it)."""
    s = _structs(pointer_bits)
    scratch_by_op: dict[tuple[int, int], int] = {}
    for b in buffers:
        if b.is_scratch and b.op_index is not None:
            key = (b.subgraph, b.op_index)
            scratch_by_op[key] = scratch_by_op.get(key, 0) + 1
    order = [(sg.index, op.index) for sg in graph.subgraphs for op in sg.operators]
    # later[k]: what the operators after the k-th surely add to the tail.
    later = [0] * len(order)
    for k in range(len(order) - 2, -1, -1):
        later[k] = later[k + 1] + _known_prepare_persistent(graph, *order[k + 1])
    out = []
    count = 0
    for k, (sg_index, op_index) in enumerate(order):
        start = s.scratch_request * (count + MAX_SCRATCH_BUFFERS_PER_OP)
        out.append((_temp_tensor_end(graph, sg_index, op_index, start, s), later[k]))
        count += scratch_by_op.get((sg_index, op_index), 0)
    return out


def prepare_head_bytes(graph: Graph, buffers: Sequence[Buffer], pointer_bits: int = 64) -> int:
    """Largest head in use during the operators' Prepare: request list plus temp tensors."""
    return max((head for head, _ in prepare_peaks(graph, buffers, pointer_bits)), default=0)


def _tail_before_finish(
    graph: Graph, buffers: Sequence[Buffer], tail_at_planning: int, s: StructSizes
) -> int:
    """The tail when the last Prepare ends: the 16-aligned tail at planning less what
    ``FinishModelAllocation`` adds first, the scratch-buffer handles (pointer-aligned) and
    the variable tensors not planned offline (16-aligned each). Assumes the tail was
    16-aligned before them, as after any kernel's persistent buffer."""
    requests = sum(1 for b in buffers if b.is_scratch)
    ptr = -s.pointer * requests
    variables = [(sg.index, t) for sg in graph.subgraphs for t in sg.tensors if t.is_variable]
    if variables:
        planned = {(b.subgraph, b.tensor_index) for b in buffers if not b.is_scratch}
        for sg_index, t in variables:
            if (sg_index, t.index) not in planned:
                ptr = _down(ptr - t.nbytes, ARENA_ALIGNMENT)
    return tail_at_planning + _down(ptr, ARENA_ALIGNMENT)


def smallest_arena_bytes(
    graph: Graph,
    buffers: Sequence[Buffer],
    plan: Plan,
    tail_bytes: int,
    pointer_bits: int = 64,
) -> int:
    """Smallest ``kTensorArenaSize`` (a multiple of 16) with which allocation succeeds.

    ``tail_bytes`` is the final tail (persistent data) for an arena whose end is 16-aligned.
    """
    s = _structs(pointer_bits)
    tail_at_planning = tail_bytes - post_planning_tail_bytes(graph, buffers, pointer_bits)
    tail_after_prepare = _tail_before_finish(graph, buffers, tail_at_planning, s)
    during_prepare = max(
        (
            head + tail_after_prepare - later
            for head, later in prepare_peaks(graph, buffers, pointer_bits)
        ),
        default=0,
    )
    during_planning = planning_head_bytes(graph, buffers, pointer_bits) + tail_at_planning
    after_planning = plan.head_bytes + tail_bytes
    return _up(max(during_prepare, during_planning, after_planning), ARENA_ALIGNMENT)


__all__ = [
    "MAX_SCRATCH_BUFFERS_PER_OP",
    "PLANNER_BYTES_PER_BUFFER",
    "STRUCTS",
    "StructSizes",
    "planning_head_bytes",
    "post_planning_tail_bytes",
    "prepare_head_bytes",
    "reported_total",
    "smallest_arena_bytes",
]
