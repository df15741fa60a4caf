"""The buffers TFLM plans in the arena head, with TFLM's own lifetimes.

This reproduces, step by step, what TFLM does in ``MicroAllocator::CommitStaticMemoryPlan``
before it hands buffers to its memory planner:

``AllocationInfoBuilder::CreateAllocationInfo`` / ``InitializeAllocationInfo``
(``tensorflow/lite/micro/micro_allocation_info.cc``)
    One ``AllocationInfo`` per tensor of every subgraph (subgraph 0's tensors first, then
    subgraph 1's, ...), then one per kernel scratch-buffer request, in request order.
    A tensor needs planning when it has no data in the flatbuffer, is not a variable tensor
    and its byte length is not zero. Variable tensors live in the tail, except that a
    variable tensor given an offline offset (``OfflineMemoryAllocation`` metadata, one entry
    per tensor across all subgraphs) is planned at that offset (checked in the pip runtime's
    ``InitializeAllocationInfo``). Constant tensors are read from the flatbuffer and never
    planned. Every scratch request is planned.

``AllocationInfoBuilder::MarkAllocationLifetimes``
    Walks subgraph 0 only; IF (then, else), WHILE (cond, body) and CALL_ONCE (init) walk their
    subgraphs recursively, each entering a new step. The step counter starts at 0:

    * subgraph inputs, then subgraph outputs, are "created" at the subgraph's entry step;
    * each operator enters a new step; its outputs are created there, the subgraphs it calls
      are walked, then its inputs and its outputs are last used at the (possibly advanced)
      current step, so an output nobody reads still lives that one step;
    * scratch buffers of the operator live from the operator's step (before the called
      subgraphs) to the current step after them;
    * subgraph outputs are last used at the last step of the subgraph.

    "Created" overwrites both ends of the lifetime (``UpdateFirstCreated``), so a tensor
    produced by an operator that is also a subgraph output starts at its producer, and a
    subgraph walked twice keeps the lifetimes of its last walk. Buffers never reached keep
    the lifetime (-1, -1) and are still planned, as TFLM does.

``CreatePlan`` (``micro_allocator.cc``)
    Each buffer's size is its byte length rounded up to 16 (``MicroArenaBufferAlignment``).

Kernel scratch requests come from the kernel registry (:mod:`planner.runtimes.tflm.kernels`).
Operators whose scratch needs it does not know are listed by :func:`unknown_scratch_ops` and
contribute no buffer here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from planner._gc import gc_paused
from planner.errors import ModelError
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.records import frozen_record
from planner.runtimes.tflm.allocations import planned_bytes
from planner.runtimes.tflm.kernels import OpView, ScratchUnknownError, kernel_for
from planner.targets.target import HOST, Target

#: Bytes per element as TFLM's ``TfLiteTypeSizeOf`` (micro/memory_helpers.cc) has them.
#: INT4 tensors are stored unpacked at run time (one byte each); RESOURCE handles are int32.
TFLM_TYPE_SIZES: dict[str, int] = {
    "FLOAT32": 4,
    "FLOAT16": 2,
    "BFLOAT16": 2,
    "FLOAT64": 8,
    "INT16": 2,
    "UINT16": 2,
    "INT32": 4,
    "UINT32": 4,
    "UINT8": 1,
    "INT8": 1,
    "INT64": 8,
    "UINT64": 8,
    "BOOL": 1,
    "RESOURCE": 4,
    "COMPLEX64": 8,
    "COMPLEX128": 16,
    "INT4": 1,
}

#: Deepest chain of IF/WHILE/CALL_ONCE calls followed before the model is called cyclic.
_MAX_CALL_DEPTH = 64


@dataclass(frozen=True)
class Buffer:
    """One buffer TFLM's memory planner places in the arena head."""

    #: ``("tensor", subgraph, tensor_index)`` or ``("scratch", subgraph, op_index, n)``.
    key: tuple[object, ...]
    #: Bytes planned: the requested bytes rounded up to 16.
    size_bytes: int
    #: First and last step (TFLM's allocation scope) the buffer is live, both inclusive.
    first_step: int
    last_step: int
    #: Offset fixed by the model's ``OfflineMemoryAllocation`` metadata, else None.
    offline_offset: int | None
    subgraph: int
    #: The tensor's index in its subgraph (tensor buffers), else None.
    tensor_index: int | None
    #: The operator that requested it (scratch buffers), else None.
    op_index: int | None
    #: Tensor name, or e.g. ``"scratch 0 of op 3 (TRANSPOSE_CONV)"``.
    name: str
    #: Bytes asked for, before rounding.
    requested_bytes: int

    @property
    def is_scratch(self) -> bool:
        return self.key[0] == "scratch"

    @classmethod
    def of_tensor(
        cls, sg_index: int, t: Tensor, nbytes: int, info: _Info, offline_offset: int | None
    ) -> Buffer:
        """Tensor ``t``'s buffer of ``nbytes`` requested, live over ``info``: equal to
        ``Buffer(...)`` with the same fields (:func:`~planner.records.frozen_record`: a model
        can plan 100,000 tensors)."""
        return frozen_record(
            cls,
            key=("tensor", sg_index, t.index),
            size_bytes=planned_bytes(nbytes),
            first_step=info.first,
            last_step=info.last,
            offline_offset=offline_offset,
            subgraph=sg_index,
            tensor_index=t.index,
            op_index=None,
            name=t.name,
            requested_bytes=nbytes,
        )


def planned_tensor_bytes(t: Tensor) -> int:
    """Bytes TFLM plans for a tensor: its byte length rounded up to the arena alignment."""
    return planned_bytes(tensor_byte_length(t.dtype, t.shape))


def tensor_byte_length(dtype: str, shape: tuple[int, ...]) -> int:
    """``TfLiteEvalTensorByteLength``: elements times TFLM's type size (0 for unknown types).

    TFLM multiplies the dimensions in an ``int`` (wrapping past 2^31 - 1) and converts the
    count to ``size_t`` before multiplying by the type size, as done here."""
    elements = 1
    for d in shape:
        elements *= d
    elements = (elements + (1 << 31)) % (1 << 32) - (1 << 31)
    return (elements % (1 << 64)) * TFLM_TYPE_SIZES.get(dtype, 0) % (1 << 64)


def called_subgraphs(op: Operator) -> tuple[int, ...]:
    """Subgraphs an IF/WHILE/CALL_ONCE operator walks, in TFLM's order."""
    names: tuple[str, ...]
    if op.opcode == "IF":
        names = ("then_subgraph_index", "else_subgraph_index")
    elif op.opcode == "WHILE":
        names = ("cond_subgraph_index", "body_subgraph_index")
    elif op.opcode == "CALL_ONCE":
        names = ("init_subgraph_index",)
    else:
        return ()
    out = []
    for name in names:
        value = op.options.get(name)
        if isinstance(value, int) and value != -1:
            out.append(value)
    return tuple(out)


class _Request(NamedTuple):
    subgraph: int
    op_index: int
    n: int
    bytes: int
    opcode: str


class _Info:
    """A mutable AllocationInfo, used only while marking lifetimes."""

    __slots__ = ("first", "last")

    def __init__(self) -> None:
        self.first = -1
        self.last = -1

    def created(self, step: int) -> None:  # UpdateFirstCreated
        self.first = step
        self.last = step

    def used(self, step: int) -> None:  # UpdateLastUsed
        self.last = step


class _Walk:
    """One walk of a subgraph, relative to its entry step: what every walk of it does.

    Every walk of a subgraph touches the same tensors at the same offsets from its entry
    step, so the last walk's lifetimes are this template moved to the last entry step.
    """

    __slots__ = ("calls", "length", "scratch", "tensors")

    def __init__(self) -> None:
        self.length = 0
        #: (tensor, first or None when only "used", last), in touch order.
        self.tensors: list[tuple[int, int | None, int]] = []
        #: (scratch request index, first, last).
        self.scratch: list[tuple[int, int, int]] = []
        #: (called subgraph, its entry step), in walk order.
        self.calls: list[tuple[int, int]] = []


class _LifetimeMarker:
    """TFLM's ``MarkAllocationLifetimes`` with each called subgraph walked once.

    TFLM walks a subgraph again at every call (exponential for CALL_ONCE diamonds); the
    lifetimes it leaves are those of each subgraph's last walk. Here each subgraph's walk is
    computed once as a template (:class:`_Walk`); the last entry step of each subgraph is
    the latest entry of its callers plus the call's offset, found in topological order.
    Linear in tensors, operators and call sites; the step numbers are TFLM's.
    """

    def __init__(self, graph: Graph, requests: list[_Request]) -> None:
        self.graph = graph
        self.tensors = [[_Info() for _ in sg.tensors] for sg in graph.subgraphs]
        self.requests = requests
        self.scratch = [_Info() for _ in requests]
        by_op: dict[tuple[int, int], list[int]] = {}
        for i, r in enumerate(requests):
            by_op.setdefault((r.subgraph, r.op_index), []).append(i)
        self.by_op = by_op
        self.walks: dict[int, _Walk] = {}
        self.order: list[int] = []  # subgraphs in post-order of the call graph

    def _check(self, sg_index: int, tensor: int, what: str) -> None:
        n = len(self.tensors[sg_index])
        if not 0 <= tensor < n:
            raise ModelError(
                f"{self.graph.path}: subgraph {sg_index} {what} names tensor {tensor}, "
                f"but the subgraph has {n} tensors"
            )

    def _too_deep(self) -> ModelError:
        return ModelError(
            f"{self.graph.path}: subgraph calls nest deeper than {_MAX_CALL_DEPTH} "
            "(a subgraph that calls itself?); TFLM would recurse without end"
        )

    def _walk(self, sg_index: int, depth: int) -> _Walk:
        if not 0 <= sg_index < len(self.graph.subgraphs):
            raise ModelError(
                f"{self.graph.path}: a control-flow operator calls subgraph {sg_index}, "
                f"but the model has {len(self.graph.subgraphs)} subgraphs"
            )
        if depth > _MAX_CALL_DEPTH:
            raise self._too_deep()
        done = self.walks.get(sg_index)
        if done is not None:
            return done
        sg = self.graph.subgraphs[sg_index]
        info: dict[int, list[int | None]] = {}
        for what, ts in (("input", sg.inputs), ("output", sg.outputs)):
            for t in ts:
                self._check(sg_index, t, what)
                info[t] = [0, 0]
        step = 0
        walk = _Walk()
        for i, op in enumerate(sg.operators):
            step += 1
            for t in op.outputs:
                if t >= 0:
                    info[t] = [step, step]
            start = step
            for called in called_subgraphs(op):
                step += 1
                walk.calls.append((called, step))
                step += self._walk(called, depth + 1).length
            for t in (*op.inputs, *op.outputs):
                if t >= 0:
                    info.setdefault(t, [None, step])[1] = step
            walk.scratch.extend((r, start, step) for r in self.by_op.get((sg_index, i), ()))
        for t in sg.outputs:
            info[t][1] = step
        walk.length = step
        walk.tensors = [(t, f, last) for t, (f, last) in info.items() if last is not None]
        self.walks[sg_index] = walk
        self.order.append(sg_index)
        return walk

    def mark(self, sg_index: int) -> None:
        self._walk(sg_index, 0)
        entry = {sg_index: 0}
        depth = {sg_index: 0}
        for sg in reversed(self.order):  # callers before callees
            for called, offset in self.walks[sg].calls:
                entry[called] = max(entry.get(called, 0), entry[sg] + offset)
                depth[called] = max(depth.get(called, 0), depth[sg] + 1)
                if depth[called] > _MAX_CALL_DEPTH:
                    raise self._too_deep()
        for sg in self.order:
            base, walk, infos = entry[sg], self.walks[sg], self.tensors[sg]
            for t, first, last in walk.tensors:
                infos[t].first = -1 if first is None else base + first
                infos[t].last = base + last
            for r, first, last in walk.scratch:
                self.scratch[r].first, self.scratch[r].last = base + first, base + last


def _offline_offsets(graph: Graph) -> tuple[int, ...] | None:
    offsets = graph.offline_offsets
    if offsets is None:
        return None
    total = sum(len(sg.tensors) for sg in graph.subgraphs)
    if len(offsets) != total:
        raise ModelError(
            f"{graph.path}: the OfflineMemoryAllocation metadata has {len(offsets)} offsets "
            f"but the model has {total} tensors; TFLM refuses such a model"
        )
    return offsets


def scratch_request_sizes(
    graph: Graph, subgraph: int, op: Operator, target: Target = HOST
) -> tuple[int, ...]:
    """Bytes of each RequestScratchBufferInArena call ``op``'s Prepare makes, in call order.

    Raises :class:`~planner.runtimes.tflm.kernels.ScratchUnknownError` when not known.
    """
    kernel = kernel_for(op.opcode, target.kernels)
    return kernel.scratch_sizes(OpView(graph.subgraphs[subgraph], op), target)


ScratchRequest = tuple[int, int, int, str]


def _scratch_pass(
    graph: Graph, target: Target
) -> tuple[tuple[ScratchRequest, ...], tuple[str, ...]]:
    """Every operator's scratch requests, and the operators whose requests are not known:
    one walk over the operators (each kernel's scratch rule run once) per graph and target
    (predict_arena asks for the requests, through tflm_buffers, then for the unknown ones)."""
    return graph.memo(("scratch pass", target), lambda: _walk_scratch(graph, target))


def _walk_scratch(
    graph: Graph, target: Target
) -> tuple[tuple[ScratchRequest, ...], tuple[str, ...]]:
    out: list[ScratchRequest] = []
    unknown: list[str] = []
    for sg in graph.subgraphs:
        for op in sg.operators:
            try:
                sizes = scratch_request_sizes(graph, sg.index, op, target)
            except ScratchUnknownError:
                unknown.append(op.opcode)
                continue
            out.extend((sg.index, op.index, size, op.opcode) for size in sizes)
    return tuple(out), tuple(dict.fromkeys(unknown))


def scratch_requests(graph: Graph, target: Target = HOST) -> tuple[ScratchRequest, ...]:
    """Every RequestScratchBufferInArena call, in TFLM's order (subgraph, op, bytes, opcode).

    TFLM prepares subgraph 0's operators in order, then subgraph 1's, and so on
    (``MicroInterpreterGraph::PrepareSubgraphs``). Operators with unknown needs are skipped.
    """
    return _scratch_pass(graph, target)[0]


def unknown_scratch_ops(graph: Graph, target: Target = HOST) -> tuple[str, ...]:
    """Distinct operator names whose scratch-buffer needs are not known (so not planned)."""
    return _scratch_pass(graph, target)[1]


def _resource_handles(sg: Subgraph) -> set[int]:
    """Outputs of VAR_HANDLE: its Prepare points their data at its OpData's resource id
    (var_handle.cc), so ``needs_allocating`` is false when the plan is made after Prepare."""
    return {i for op in sg.operators if op.opcode == "VAR_HANDLE" for i in op.outputs}


@gc_paused
def tflm_buffers(graph: Graph, target: Target = HOST) -> tuple[Buffer, ...]:
    """The buffers TFLM plans on ``target``, in the order it adds them to its memory planner."""
    raw = scratch_requests(graph, target)
    requests: list[_Request] = []
    count: dict[tuple[int, int], int] = {}
    for sg_index, op_index, size, opcode in raw:
        n = count.get((sg_index, op_index), 0)
        count[(sg_index, op_index)] = n + 1
        requests.append(_Request(sg_index, op_index, n, size, opcode))

    marker = _LifetimeMarker(graph, requests)
    marker.mark(0)
    offline = _offline_offsets(graph)

    buffers: list[Buffer] = []
    global_index = 0
    for sg in graph.subgraphs:
        handles = _resource_handles(sg)
        infos = marker.tensors[sg.index]
        for t in sg.tensors:
            offset = offline[global_index] if offline is not None else -1
            global_index += 1
            if t.data_bytes > 0 and not t.external_data:  # constant: read from the flatbuffer
                continue
            if t.index in handles:
                continue
            nbytes = tensor_byte_length(t.dtype, t.shape)
            needs = offset != -1 if t.is_variable else nbytes != 0
            if not needs:
                continue
            buffers.append(
                Buffer.of_tensor(
                    sg.index, t, nbytes, infos[t.index], None if offset == -1 else offset
                )
            )
    for r, info in zip(requests, marker.scratch, strict=True):
        buffers.append(
            Buffer(
                key=("scratch", r.subgraph, r.op_index, r.n),
                size_bytes=planned_bytes(r.bytes),
                first_step=info.first,
                last_step=info.last,
                offline_offset=None,
                subgraph=r.subgraph,
                tensor_index=None,
                op_index=r.op_index,
                name=f"scratch {r.n} of op {r.op_index} ({r.opcode})"
                + (f" in subgraph {r.subgraph}" if r.subgraph else ""),
                requested_bytes=r.bytes,
            )
        )
    return tuple(buffers)


__all__ = [
    "TFLM_TYPE_SIZES",
    "Buffer",
    "planned_tensor_bytes",
    "scratch_request_sizes",
    "scratch_requests",
    "tensor_byte_length",
    "tflm_buffers",
    "unknown_scratch_ops",
]
