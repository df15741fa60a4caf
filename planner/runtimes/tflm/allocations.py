"""What TFLM allocates in the arena's tail: allocation categories and one allocation record.

The categories are those ``RecordingMicroAllocator::PrintAllocations`` prints
(recording_micro_allocator.cc, its ``RecordedAllocationType``) plus the allocations the
recording allocator does not attribute (they go straight to the arena allocator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from planner.runtimes.tflm.structs.c_layout import align_down, align_up

#: ``MicroArenaBufferAlignment()`` (micro_arena_constants.h): alignment of every planned
#: buffer, of every ``AllocatePersistentBuffer(bytes)`` a kernel makes and of variable tensors.
ARENA_ALIGNMENT = 16


def planned_bytes(nbytes: int) -> int:
    """Bytes TFLM plans for a buffer of ``nbytes``: rounded up to the arena alignment
    (``CreatePlan``, micro_allocator.cc)."""
    return align_up(nbytes, ARENA_ALIGNMENT)


class Category(StrEnum):
    """Where a tail allocation is accounted (the first six as the runtime prints them)."""

    EVAL_TENSORS = "TfLiteEvalTensor data"
    PERSISTENT_TENSORS = "Persistent TfLiteTensor data"
    QUANTIZATION = "Persistent TfLiteTensor quantization data"
    PERSISTENT_BUFFERS = "Persistent buffer data"
    VARIABLES = "TfLiteTensor variable buffer data"
    NODES = "NodeAndRegistration struct"
    ALLOCATOR = "allocator objects"
    SUBGRAPHS = "subgraph allocations"
    OP_PARAMS = "op params"
    SCRATCH_HANDLES = "scratch handles"


#: Categories that RecordingMicroAllocator prints (same names, same accounting).
RUNTIME_CATEGORIES: tuple[Category, ...] = (
    Category.EVAL_TENSORS,
    Category.PERSISTENT_TENSORS,
    Category.QUANTIZATION,
    Category.PERSISTENT_BUFFERS,
    Category.VARIABLES,
    Category.NODES,
)


@dataclass(frozen=True)
class Allocation:
    """One persistent allocation, in the order TFLM makes it."""

    category: Category
    what: str
    size: int
    alignment: int


@dataclass(frozen=True)
class TailPrediction:
    """The predicted persistent section of the arena.

    ``categories`` maps category names to bytes used *including* the alignment padding each
    allocation caused (the way RecordingMicroAllocator counts); they sum to ``total_bytes``.
    ``exact`` is False when ``unknown`` names anything: ops or features whose persistent needs
    are not modelled (their share is then missing from the total, never guessed).
    """

    total_bytes: int
    categories: Mapping[str, int]
    exact: bool
    unknown: tuple[str, ...]
    allocations: tuple[Allocation, ...] = ()
    requested_bytes: int = 0


def simulate_tail(
    allocations: Iterable[Allocation], arena_end_misalignment: int = 0
) -> tuple[int, dict[str, int]]:
    """Replay ``SingleArenaBufferAllocator::AllocatePersistentBuffer``
    (``tail = AlignPointerDown(tail - size, alignment)``) on a tail that starts
    ``arena_end_misalignment`` bytes past a 16-byte boundary. Returns (used bytes, used bytes
    per category, each allocation charged with the padding it caused)."""
    if not 0 <= arena_end_misalignment < ARENA_ALIGNMENT:
        raise ValueError("arena_end_misalignment must be in [0, 16)")
    end = (1 << 40) + arena_end_misalignment
    tail = end
    categories: dict[str, int] = {}
    for a in allocations:
        new_tail = align_down(tail - a.size, a.alignment)
        key = str(a.category)
        categories[key] = categories.get(key, 0) + (tail - new_tail)
        tail = new_tail
    return end - tail, categories
