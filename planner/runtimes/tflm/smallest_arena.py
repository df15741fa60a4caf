"""The smallest ``kTensorArenaSize`` with which TFLM's allocation succeeds.

``arena_used_bytes()`` (head + tail) is what TFLM reports once it has
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
   BufferRequirements 16 + 3 ints + ListEntry 12) for each planned buffer. Its end is 16-aligned,
   so the head counts as its end rounded up to 16.

A model with no tensor at all is the exception: TFLM's temp allocations compare
``tail_ - aligned_result`` as a ``size_t``, which wraps once the temp pointer passes the tail,
so there only (1) and (2) must fit below it.

The tail then holds everything but what ``MicroInterpreter::AllocateTensors`` adds after
planning: the arrays of input and output ``TfLiteTensor*`` (16-aligned) and one persistent
``TfLiteTensor`` per model input and output, with its ``TfLiteAffineQuantization`` and
zero-point ``TfLiteIntArray`` when quantized. Those are subtracted from the final tail,
replaying their alignment from the tail position at planning time: 16-aligned when tail
variable tensors were allocated last, else just past the scratch-buffer handles
(``sizeof(void*)`` each), else 16-aligned. When the tail's allocations are known, their exact
replay up to planning is taken if larger (a model without any kernel's 16-aligned persistent
buffer can leave the tail off a 16-byte boundary there).

**After planning** the head shrinks to the plan's high-water mark and the arena must hold
head + tail.

All three are computed for an arena whose end is 16-aligned (``MicroAllocator::Create``
aligns the start; the pip package's arena comes from ``new[]``, 16-aligned on x86-64). With an
end 8 bytes past a 16-byte boundary the tail's 8-aligned structs can pack 8 bytes tighter,
which is why the runtime's smallest arena is the figure for a 16-aligned end or 8 bytes less;
the result here, rounded up to 16, is never below the measured minimum and at most 16 above
it (checked on every model in tests/test_head.py).

Struct sizes come from :mod:`planner.runtimes.tflm.structs` for the target's ABI (64-bit
figures checked against the pip package's machine code, 32-bit ones against the Cortex-M
probes): ``ScratchBufferRequest``, ``AllocationInfo``, ``TfLiteTensor``,
``TfLiteAffineQuantization``; the planner's workspace per buffer from
:mod:`planner.runtimes.tflm.memory_planner`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from planner.model.graph import Graph, Tensor
from planner.runtimes.tflm.allocation_info import Buffer
from planner.runtimes.tflm.allocations import ARENA_ALIGNMENT, Allocation, simulate_tail
from planner.runtimes.tflm.kernels import OpView, kernel_for
from planner.runtimes.tflm.kernels.descriptor import Slot
from planner.runtimes.tflm.memory_planner import Plan, planner_for
from planner.runtimes.tflm.micro_allocator import (
    abi_of,
    allocate_interpreter_tensors,
    persistent_allocations,
)
from planner.runtimes.tflm.structs.c_layout import align_down, align_up
from planner.runtimes.tflm.structs.runtime import (
    ALLOCATION_INFO,
    MAX_SCRATCH_BUFFERS_PER_OP,
    SCRATCH_BUFFER_REQUEST,
    TFLITE_AFFINE_QUANTIZATION,
    TFLITE_TENSOR,
)
from planner.targets.target import HOST, Target

__all__ = [
    "StructSizes",
    "planning_head_bytes",
    "post_planning_tail_bytes",
    "prepare_peaks",
    "smallest_arena_bytes",
]


class StructSizes(NamedTuple):
    """(size, alignment) of the structs that sit in the head while TFLM prepares and plans."""

    pointer: int
    size_t: int
    scratch_request: tuple[int, int]
    allocation_info: tuple[int, int]
    tflite_tensor: tuple[int, int]
    affine_quantization: tuple[int, int]

    @classmethod
    def of(cls, target: Target) -> StructSizes:
        abi = abi_of(target)
        return cls(
            pointer=abi.scalar("ptr")[0],
            size_t=abi.scalar("size_t")[0],
            scratch_request=SCRATCH_BUFFER_REQUEST.layout(abi),
            allocation_info=ALLOCATION_INFO.layout(abi),
            tflite_tensor=TFLITE_TENSOR.layout(abi),
            affine_quantization=TFLITE_AFFINE_QUANTIZATION.layout(abi),
        )


def _scratch_count(buffers: Sequence[Buffer]) -> int:
    return sum(1 for b in buffers if b.is_scratch)


def planning_head_bytes(graph: Graph, buffers: Sequence[Buffer], target: Target = HOST) -> int:
    """Head bytes in use while TFLM plans: request list, temp arrays and planner workspace.

    Measured from the 16-aligned arena start to the end of the planner's workspace.
    """
    s = StructSizes.of(target)
    requests = _scratch_count(buffers)
    tensors = sum(len(sg.tensors) for sg in graph.subgraphs)
    head = s.scratch_request[0] * (requests + MAX_SCRATCH_BUFFERS_PER_OP)
    head = align_up(head, s.size_t) + s.size_t * len(graph.subgraphs)
    info_size, info_align = s.allocation_info
    head = align_up(head, info_align) + info_size * (tensors + requests)
    workspace = planner_for(target).workspace_bytes(len(buffers))
    return align_up(head, ARENA_ALIGNMENT) + workspace


def _quantized(t: Tensor) -> int:
    """Channels of a tensor TFLM gives quantization structs (0: none)."""
    q = t.quantization
    if q is None or not q.affine:
        return 0
    return len(q.scales)


def _variables_in_tail(graph: Graph, buffers: Sequence[Buffer]) -> list[Tensor]:
    """Variable tensors not planned in the head (their buffers go to the tail)."""
    variables = [(sg.index, t) for sg in graph.subgraphs for t in sg.tensors if t.is_variable]
    if not variables:  # most models: no need to index the buffers
        return []
    planned = {(b.subgraph, b.tensor_index) for b in buffers if not b.is_scratch}
    return [t for sg_index, t in variables if (sg_index, t.index) not in planned]


def _tail_position_at_planning(graph: Graph, buffers: Sequence[Buffer], pointer: int) -> int:
    """Offset of the tail pointer above a 16-byte boundary when planning starts (0..15)."""
    if _variables_in_tail(graph, buffers):
        return 0  # tail variable tensors, 16-aligned, were allocated last
    return (-_scratch_count(buffers) * pointer) % ARENA_ALIGNMENT


def post_planning_tail_bytes(graph: Graph, buffers: Sequence[Buffer], target: Target = HOST) -> int:
    """Tail bytes added after planning (:func:`allocate_interpreter_tensors`), measured from
    the 16-aligned tail at planning time.

    Can be smaller than the bytes actually allocated when the first 16-aligned allocation
    reuses the padding below an 8-aligned tail.
    """
    position = _tail_position_at_planning(graph, buffers, StructSizes.of(target).pointer)
    return _post_planning_from(graph, target, position)


def _post_planning_from(graph: Graph, target: Target, position: int) -> int:
    """:func:`post_planning_tail_bytes` for a tail ``position`` bytes above a 16-byte
    boundary at planning time."""
    ptr = position
    for a in allocate_interpreter_tensors(graph, target):
        ptr = align_down(ptr - a.size, a.alignment)
    return -ptr


def _tail_taken_aligned(graph: Graph, target: Target) -> bool:
    """Whether the tail is taken to be 16-aligned before ``FinishModelAllocation``: variable
    tensors go to the tail (allocated last), or some operator's Init or Prepare allocates, or
    may allocate, a persistent buffer (16-aligned, as is every kernel allocation after it).
    A kernel whose persistent side is not modelled is assumed to (most kernels have an Init
    that does) unless its descriptor says it allocates none."""
    if any(t.is_variable for sg in graph.subgraphs for t in sg.tensors):
        return True
    for sg in graph.subgraphs:
        for op in sg.operators:
            kernel = kernel_for(op.opcode, target.kernels)
            if kernel.no_kernel_buffers:
                continue
            if not kernel.tail_known or kernel.op_data(target) is not None:
                return True
            try:
                if kernel.prepare_buffers(OpView(sg, op), target):
                    return True
            except ValueError:  # malformed operator: its buffers do not say
                return True
    return False


# --- Prepare: temporary TfLiteTensors ------------------------------------------------------
#
# While an operator's Prepare runs, every ``AllocateTempInputTensor`` /
# ``AllocateTempOutputTensor`` takes a TfLiteTensor (and, for a quantized tensor, its
# TfLiteAffineQuantization and zero-point array) from the head, above the scratch-request
# list. ``DeallocateTempTfLiteTensor`` does not give the memory back: the temp section is only
# reset after the operator (``FinishPrepareNodeAllocations``). The calls each kernel's Prepare
# makes are its descriptor's ``temps`` (call counts checked against the pip runtime's machine
# code).


def _temp_slots(view: OpView, target: Target) -> tuple[Slot, ...]:
    temps = kernel_for(view.op.opcode, target.kernels).temps
    if temps is not None:
        return temps(view)
    # Not modelled: assume every input and output is taken twice (an upper bound for the
    # kernels read; the planning step dominates in all but the smallest models). Every
    # described kernel is modelled but for the operators TFLM has no kernel for (CONV_3D,
    # GELU, LOCAL_RESPONSE_NORMALIZATION, ONES_LIKE, POW, REDUCE_PROD, RELU_0_TO_1,
    # RELU_N1_TO_1); undescribed ones (custom operators, say) take this bound too.
    op = view.op
    once = (*(("i", n) for n in range(len(op.inputs))), *(("o", n) for n in range(len(op.outputs))))
    return once + once


def _temp_tensor_end(channels: Sequence[int], start: int, s: StructSizes) -> int:
    """Where the temporary tensors end, taken from ``start`` on: ``channels`` has one entry
    per tensor (its quantization channels, 0 when none)."""
    t_size, t_align = s.tflite_tensor
    q_size, q_align = s.affine_quantization
    end = start
    for n in channels:
        end = align_up(end, t_align) + t_size
        if n:
            end = align_up(end, q_align) + q_size
            end = align_up(end, 4) + 4 + 4 * n
    return end


def _known_prepare_persistent(view: OpView) -> int:
    """Tail bytes an operator's Prepare surely allocates (a lower bound): conv-like kernels'
    per-channel output multipliers and shifts, two 16-aligned int32 arrays."""
    axis = {"CONV_2D": (0, 1, 0), "DEPTHWISE_CONV_2D": (0, 1, 3), "TRANSPOSE_CONV": (2, 1, 0)}
    if view.op.opcode not in axis:
        return 0
    in_pos, filter_pos, channel_axis = axis[view.op.opcode]
    inp, filt = view.input(in_pos), view.input(filter_pos)
    if inp is None or filt is None or inp.dtype not in ("INT8", "INT16"):
        return 0
    if len(filt.shape) <= channel_axis:
        return 0
    return 2 * align_up(4 * filt.shape[channel_axis], ARENA_ALIGNMENT)


class _PrepareFacts(NamedTuple):
    """What the Prepare moment needs of a graph for one kernel library, whatever the ABI."""

    #: Per operator in Prepare order: (subgraph, operator) and the quantization channels of
    #: each temporary tensor its Prepare takes (0: not quantized).
    temps: tuple[tuple[tuple[int, int], tuple[int, ...]], ...]
    #: later[k]: what the operators after the k-th surely add to the tail.
    later: tuple[int, ...]


def _prepare_facts(graph: Graph, target: Target) -> _PrepareFacts:
    """The graph's Prepare facts for the target's kernel library, computed once per graph (a
    fit walks the host-to-board steps, which share them)."""
    return graph.memo(("prepare facts", target.kernels), lambda: _facts_of(graph, target))


def _facts_of(graph: Graph, target: Target) -> _PrepareFacts:
    views = [OpView(sg, op) for sg in graph.subgraphs for op in sg.operators]
    later = [0] * len(views)
    for k in range(len(views) - 2, -1, -1):
        later[k] = later[k + 1] + _known_prepare_persistent(views[k + 1])
    temps = []
    for view in views:
        tensors = (view.tensor(n, outputs=kind == "o") for kind, n in _temp_slots(view, target))
        channels = tuple(_quantized(t) for t in tensors if t is not None)
        temps.append(((view.subgraph.index, view.op.index), channels))
    return _PrepareFacts(tuple(temps), tuple(later))


def prepare_peaks(
    graph: Graph, buffers: Sequence[Buffer], target: Target = HOST
) -> list[tuple[int, int]]:
    """For each operator, in Prepare order: (head bytes at the end of its Prepare, tail bytes
    surely allocated by the operators prepared after it)."""
    s = StructSizes.of(target)
    scratch_by_op: dict[tuple[int, int], int] = {}
    for b in buffers:
        if b.is_scratch and b.op_index is not None:
            key = (b.subgraph, b.op_index)
            scratch_by_op[key] = scratch_by_op.get(key, 0) + 1
    facts = _prepare_facts(graph, target)
    out = []
    count = 0
    for (op_key, channels), later in zip(facts.temps, facts.later, strict=True):
        start = s.scratch_request[0] * (count + MAX_SCRATCH_BUFFERS_PER_OP)
        out.append((_temp_tensor_end(channels, start, s), later))
        count += scratch_by_op.get(op_key, 0)
    return out


def _tail_before_finish(
    graph: Graph, buffers: Sequence[Buffer], tail_at_planning: int, pointer: int
) -> int:
    """The tail when the last Prepare ends: the 16-aligned tail at planning less what
    ``FinishModelAllocation`` adds first, the scratch-buffer handles (pointer-aligned) and
    the variable tensors not planned offline (16-aligned each). Assumes the tail was
    16-aligned before them, as after any kernel's persistent buffer."""
    ptr = -pointer * _scratch_count(buffers)
    for t in _variables_in_tail(graph, buffers):
        ptr = align_down(ptr - t.nbytes, ARENA_ALIGNMENT)
    return tail_at_planning + align_down(ptr, ARENA_ALIGNMENT)


def _tail_at_planning(
    graph: Graph,
    buffers: Sequence[Buffer],
    tail_bytes: int,
    target: Target,
    allocations: Sequence[Allocation] | None,
) -> int:
    """The tail when planning starts: the final tail less what is allocated after planning
    (:func:`post_planning_tail_bytes`, which assumes a 16-aligned tail there, as after any
    kernel's persistent buffer), and, when the tail's ``allocations`` are known, no less than
    their exact replay up to planning: a model without kernel buffers (no operator, say) can
    leave the tail 8 bytes past a 16-byte boundary. Without ``allocations``, such a model's
    tail is taken where it leaves the most before planning (never under)."""
    tail = tail_bytes - post_planning_tail_bytes(graph, buffers, target)
    if allocations is None:
        if _tail_taken_aligned(graph, target):
            return tail
        # No kernel buffer aligns the tail (kernels without Init or Prepare buffers, after
        # builtin data of any alignment): its position is unknown, so take the one that
        # leaves the most of the final tail before planning.
        return max(
            tail_bytes - _post_planning_from(graph, target, position)
            for position in range(ARENA_ALIGNMENT)
        )
    later = len(allocate_interpreter_tensors(graph, target))
    return max(tail, simulate_tail(allocations[: len(allocations) - later])[0])


def _request_list_and_offsets(graph: Graph, target: Target) -> int:
    """Planning's head for a model with no tensor at all.

    TFLM's temporary allocations check ``tail_ - aligned_result`` as a ``size_t``: once the
    temp pointer has passed the tail, that difference wraps to a huge value and the check
    passes. With an empty ``AllocationInfo`` array, only the resizable scratch-request list and
    the subgraph offsets must fit below the tail; the planner's workspace may lie past it
    (nothing is planned, so nothing is written there). Measured on the pip runtime and the
    Cortex-M probes (688 and 280 B for a model without tensors)."""
    s = StructSizes.of(target)
    head = align_up(s.scratch_request[0] * MAX_SCRATCH_BUFFERS_PER_OP, s.size_t)
    return head + s.size_t * len(graph.subgraphs)


def smallest_arena_bytes(
    graph: Graph,
    buffers: Sequence[Buffer],
    plan: Plan,
    tail_bytes: int,
    target: Target = HOST,
    allocations: Sequence[Allocation] | None = None,
) -> int:
    """Smallest ``kTensorArenaSize`` (a multiple of 16) with which allocation succeeds.

    ``tail_bytes`` is the final tail (persistent data) for an arena whose end is 16-aligned;
    ``allocations``, when known, the tail's allocations in runtime order.
    """
    pointer = StructSizes.of(target).pointer
    has_tensors = any(sg.tensors for sg in graph.subgraphs)
    if allocations is None and not has_tensors:
        allocations = persistent_allocations(graph, target)[0]  # a few, with no tensor
    tail_at_planning = _tail_at_planning(graph, buffers, tail_bytes, target, allocations)
    tail_after_prepare = _tail_before_finish(graph, buffers, tail_at_planning, pointer)
    during_prepare = max(
        (
            head + tail_after_prepare - later
            for head, later in prepare_peaks(graph, buffers, target)
        ),
        default=0,
    )
    if has_tensors:
        # The planner's workspace ends at or below the tail aligned down to 16
        # (GetAvailableMemory), which matters when the tail is not 16-aligned.
        head_at_planning = align_up(planning_head_bytes(graph, buffers, target), ARENA_ALIGNMENT)
    else:
        head_at_planning = _request_list_and_offsets(graph, target)
    during_planning = head_at_planning + tail_at_planning
    after_planning = plan.head_bytes + tail_bytes
    return align_up(max(during_prepare, during_planning, after_planning), ARENA_ALIGNMENT)
