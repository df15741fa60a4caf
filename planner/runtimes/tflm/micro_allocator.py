"""The arena *tail*: every persistent allocation TFLM makes for a model, phase by phase.

TFLM splits its tensor arena in two. The *head* (lowest addresses) holds the planned activation
buffers and kernel scratch buffers; the *tail* grows down from the arena's end and holds
everything that lives as long as the interpreter. One function here per phase of
``MicroAllocator`` and ``MicroInterpreter`` (micro_allocator.cc, micro_interpreter.cc,
micro_interpreter_graph.cc), in the order the runtime runs them:

1. :func:`create`: ``MicroAllocator::Create``: the arena allocator, the memory planner and the
   allocator itself (the *Recording* variants for RecordingMicroInterpreter and the pip
   package, recording_micro_allocator.cc).
2. :func:`start_model_allocation`: ``StartModelAllocation``: the builtin-data allocator, the
   ``SubgraphAllocations`` array, then per subgraph the ``TfLiteEvalTensor`` array and the
   ``NodeAndRegistration`` array.
3. :func:`prepare_node_and_registration_data`: each operator's builtin options struct
   (``Parse*`` in flatbuffer_conversions.cc), all subgraphs, in operator order.
4. :func:`init_subgraphs`: every kernel's ``Init`` (usually its ``OpData``).
5. :func:`prepare_subgraphs`: every kernel's ``Prepare`` (per-channel arrays, LUTs, copied
   dims, CMSIS-NN kernel sums).
6. :func:`finish_model_allocation`: the ``ScratchBufferHandle`` array, then (inside
   ``CommitStaticMemoryPlan``) the buffers of variable tensors that are not offline planned.
7. :func:`allocate_interpreter_tensors`: ``MicroInterpreter::AllocateTensors``: the
   ``TfLiteTensor*`` array and a persistent ``TfLiteTensor`` (plus quantization structs) for
   each model input, then the same for the outputs.

Each allocation goes through ``AllocatePersistentBuffer`` (``tail = AlignPointerDown(tail -
size, alignment)``, :func:`~planner.runtimes.tflm.allocations.simulate_tail`), so every byte of
alignment padding lands where the runtime puts it. Kernel allocations are 16-byte aligned; the
allocator's own structs use ``alignof``. What a kernel allocates comes from the kernel registry
(:mod:`planner.runtimes.tflm.kernels`); struct sizes from :mod:`planner.runtimes.tflm.structs`
for the target's ABI. Checked byte for byte against the pip runtime (tests/test_tail.py).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import NamedTuple

from planner.model.graph import Graph, Subgraph, tensor_bytes
from planner.runtimes.tflm.allocations import (
    ARENA_ALIGNMENT,
    Allocation,
    Category,
    TailPrediction,
    simulate_tail,
)
from planner.runtimes.tflm.kernels import Kernel, OpView, kernel_for
from planner.runtimes.tflm.memory_planner import planner_for
from planner.runtimes.tflm.structs.c_layout import Abi, CStruct
from planner.runtimes.tflm.structs.runtime import (
    INT_ARRAY_ALIGN,
    MICRO_ALLOCATOR,
    MICRO_BUILTIN_DATA_ALLOCATOR,
    NODE_AND_REGISTRATION,
    RECORDING_SINGLE_ARENA_BUFFER_ALLOCATOR,
    SCRATCH_BUFFER_HANDLE,
    SINGLE_ARENA_BUFFER_ALLOCATOR,
    TFLITE_AFFINE_QUANTIZATION,
    TFLITE_EVAL_TENSOR,
    TFLITE_TENSOR,
    int_array_bytes,
    recording_micro_allocator,
    subgraph_allocations,
)
from planner.targets.target import HOST, Target

__all__ = [
    "abi_of",
    "allocate_interpreter_tensors",
    "create",
    "finish_model_allocation",
    "init_subgraphs",
    "persistent_allocations",
    "persistent_tail",
    "prepare_node_and_registration_data",
    "prepare_subgraphs",
    "start_model_allocation",
]

#: Operators that make TFLM create MicroResourceVariables (not modelled).
_RESOURCE_OPS = frozenset({"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"})


def abi_of(target: Target) -> Abi:
    """The C ABI the target's TFLM was compiled for."""
    return Abi(target.pointer_bits, target.short_enums)


class _Model(NamedTuple):
    """The graph with each operator's kernel looked up once."""

    graph: Graph
    target: Target
    abi: Abi
    #: Per subgraph, per operator: its kernel, or None when its tail share is unknown.
    kernels: tuple[tuple[Kernel | None, ...], ...]

    def ops(self) -> list[tuple[OpView, Kernel]]:
        """Every operator with a modelled kernel, all subgraphs, in order."""
        return [
            (OpView(sg, op), kernel)
            for sg, ks in zip(self.graph.subgraphs, self.kernels, strict=True)
            for op, kernel in zip(sg.operators, ks, strict=True)
            if kernel is not None
        ]


def _struct(category: Category, what: str, struct: CStruct, abi: Abi, count: int = 1) -> Allocation:
    size, align = struct.layout(abi)
    return Allocation(category, what, size * count, align)


def _buffer(category: Category, what: str, size: int) -> Allocation:
    return Allocation(category, what, size, ARENA_ALIGNMENT)


def create(target: Target) -> list[Allocation]:
    """``MicroAllocator::Create`` (or ``RecordingMicroAllocator::Create``)."""
    abi = abi_of(target)
    arena_allocator, allocator = (
        (RECORDING_SINGLE_ARENA_BUFFER_ALLOCATOR, recording_micro_allocator(target.compression))
        if target.recording
        else (SINGLE_ARENA_BUFFER_ALLOCATOR, MICRO_ALLOCATOR)
    )
    return [
        _struct(Category.ALLOCATOR, s.name, s, abi)
        for s in (arena_allocator, planner_for(target).struct, allocator)
    ]


def start_model_allocation(graph: Graph, target: Target) -> list[Allocation]:
    """``MicroAllocator::StartModelAllocation``."""
    abi = abi_of(target)
    sgs = graph.subgraphs
    out = [
        _struct(Category.ALLOCATOR, "MicroBuiltinDataAllocator", MICRO_BUILTIN_DATA_ALLOCATOR, abi),
        _struct(
            Category.SUBGRAPHS,
            f"SubgraphAllocations x {len(sgs)}",
            subgraph_allocations(target.compression),
            abi,
            len(sgs),
        ),
    ]
    out += [
        _struct(
            Category.EVAL_TENSORS,
            f"subgraph {sg.index}: {len(sg.tensors)} TfLiteEvalTensor",
            TFLITE_EVAL_TENSOR,
            abi,
            len(sg.tensors),
        )
        for sg in sgs
    ]
    out += [
        _struct(
            Category.NODES,
            f"subgraph {sg.index}: {len(sg.operators)} NodeAndRegistration",
            NODE_AND_REGISTRATION,
            abi,
            len(sg.operators),
        )
        for sg in sgs
    ]
    return out


def _kernel_structs(
    model: _Model, struct_of: Callable[[Kernel, Target], CStruct | None]
) -> list[tuple[OpView, CStruct]]:
    """Each operator with the struct ``struct_of`` says its kernel allocates, if any."""
    found = ((view, struct_of(kernel, model.target)) for view, kernel in model.ops())
    return [(view, struct) for view, struct in found if struct is not None]


def prepare_node_and_registration_data(model: _Model) -> list[Allocation]:
    """Builtin data (``MicroInterpreter::PrepareNodeAndRegistrationDataFromFlatbuffer``)."""
    return [
        _struct(Category.OP_PARAMS, f"{view.label()}: {struct.name}", struct, model.abi)
        for view, struct in _kernel_structs(model, Kernel.builtin_data)
    ]


def init_subgraphs(model: _Model) -> list[Allocation]:
    """Kernel Init (``MicroInterpreterGraph::InitSubgraphs``): the OpData structs."""
    return [
        _buffer(
            Category.PERSISTENT_BUFFERS,
            f"{view.label()}: {struct.name} ({struct.source})",
            struct.size(model.abi),
        )
        for view, struct in _kernel_structs(model, Kernel.op_data)
    ]


def prepare_subgraphs(model: _Model) -> list[Allocation]:
    """Kernel Prepare (``MicroInterpreterGraph::PrepareSubgraphs``): persistent buffers."""
    return [
        _buffer(Category.PERSISTENT_BUFFERS, f"{view.label()}: {b.what}", b.size)
        for view, kernel in model.ops()
        for b in kernel.prepare_buffers(view, model.target)
    ]


def finish_model_allocation(
    graph: Graph, target: Target, scratch_buffer_count: int
) -> list[Allocation]:
    """``FinishModelAllocation``: scratch-buffer handles, then the variable tensors."""
    out = []
    if scratch_buffer_count:
        out.append(
            _struct(
                Category.SCRATCH_HANDLES,
                f"{scratch_buffer_count} ScratchBufferHandle",
                SCRATCH_BUFFER_HANDLE,
                abi_of(target),
                scratch_buffer_count,
            )
        )
    offline = graph.offline_offsets
    for sg in graph.subgraphs:
        for t in sg.tensors:
            # AllocateVariables indexes the offline plan by the tensor's index in its own
            # subgraph; offline-planned variables live in the head.
            if not t.is_variable or (
                offline is not None and t.index < len(offline) and offline[t.index] != -1
            ):
                continue
            what = f"subgraph {sg.index} variable tensor {t.index} {t.name}"
            out.append(_buffer(Category.VARIABLES, what, tensor_bytes(t.dtype, t.elements)))
    return out


def allocate_interpreter_tensors(graph: Graph, target: Target) -> list[Allocation]:
    """``MicroInterpreter::AllocateTensors``: persistent TfLiteTensors for inputs, outputs."""
    abi = abi_of(target)
    main = graph.main
    out = []
    size, align = TFLITE_TENSOR.layout(abi)
    for kind, indices in (("input", main.inputs), ("output", main.outputs)):
        array = f"TfLiteTensor* array for {len(indices)} {kind}s"
        out.append(_buffer(Category.PERSISTENT_BUFFERS, array, abi.scalar("ptr")[0] * len(indices)))
        seen: dict[int, list[Allocation]] = {}  # a tensor listed many times, built once
        for i in indices:
            allocations = seen.get(i)
            if allocations is None:
                what = f"{kind} tensor {i}: TfLiteTensor"
                allocations = [Allocation(Category.PERSISTENT_TENSORS, what, size, align)]
                allocations += _quantization(main, i, kind, abi)
                seen[i] = allocations
            out += allocations
    return out


def _quantization(sg: Subgraph, index: int, kind: str, abi: Abi) -> list[Allocation]:
    """A quantized I/O tensor's TfLiteAffineQuantization and zero-point TfLiteIntArray."""
    t = sg.tensors[index] if 0 <= index < len(sg.tensors) else None
    q = t.quantization if t is not None else None
    if q is None or not q.affine:
        return []
    return [
        _struct(
            Category.QUANTIZATION,
            f"{kind} tensor {index}: TfLiteAffineQuantization",
            TFLITE_AFFINE_QUANTIZATION,
            abi,
        ),
        Allocation(
            Category.QUANTIZATION,
            f"{kind} tensor {index}: zero-point TfLiteIntArray",
            int_array_bytes(len(q.scales)),
            INT_ARRAY_ALIGN,
        ),
    ]


def _model(graph: Graph, target: Target) -> tuple[_Model, tuple[str, ...]]:
    """Each operator's kernel, and what is not modelled."""
    unknown: list[str] = []
    if any(op.opcode in _RESOURCE_OPS for sg in graph.subgraphs for op in sg.operators):
        unknown.append("resource variables (MicroResourceVariables)")
    if "COMPRESSION_METADATA" in graph.metadata_names:
        unknown.append("compressed tensors (COMPRESSION_METADATA)")
    kernels: list[tuple[Kernel | None, ...]] = []
    for sg in graph.subgraphs:
        row: list[Kernel | None] = []
        for op in sg.operators:
            kernel = None if op.is_custom else kernel_for(op.opcode, target.kernels)
            if kernel is None or not kernel.tail_known:
                name = f"custom op {op.custom_code}" if op.is_custom else op.opcode
                if kernel is not None and kernel.library == "esp-nn":
                    name = f"{op.opcode} (ESP-NN kernel)"
                unknown.append(name)
                kernel = None
            row.append(kernel)
        kernels.append(tuple(row))
    model = _Model(graph, target, abi_of(target), tuple(kernels))
    return model, tuple(dict.fromkeys(unknown))


def persistent_allocations(
    graph: Graph, target: Target = HOST, scratch_buffer_count: int = 0
) -> tuple[tuple[Allocation, ...], tuple[str, ...]]:
    """Every persistent allocation, in runtime order, and what could not be modelled.

    ``scratch_buffer_count`` is the number of RequestScratchBufferInArena calls the kernels
    make; each costs one ScratchBufferHandle.
    """
    if scratch_buffer_count < 0:
        raise ValueError("scratch_buffer_count must not be negative")
    model, unknown = _model(graph, target)
    allocations = (
        create(target)
        + start_model_allocation(graph, target)
        + prepare_node_and_registration_data(model)
        + init_subgraphs(model)
        + prepare_subgraphs(model)
        + finish_model_allocation(graph, target, scratch_buffer_count)
        + allocate_interpreter_tensors(graph, target)
    )
    return tuple(allocations), unknown


def persistent_tail(
    graph: Graph,
    target: Target = HOST,
    scratch_buffer_count: int = 0,
    *,
    arena_end_misalignment: int = 0,
) -> TailPrediction:
    """Predict the persistent (tail) bytes TFLM allocates for ``graph`` on ``target``.

    ``arena_end_misalignment`` is the arena end address modulo 16 (0 for an aligned arena whose
    size is a multiple of 16).
    """
    allocs, unknown = persistent_allocations(graph, target, scratch_buffer_count)
    total, categories = simulate_tail(allocs, arena_end_misalignment)
    return TailPrediction(
        total_bytes=total,
        categories=MappingProxyType(categories),
        exact=not unknown,
        unknown=unknown,
        allocations=allocs,
        requested_bytes=sum(a.size for a in allocs),
    )
