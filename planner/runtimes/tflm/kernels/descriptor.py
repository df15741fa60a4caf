"""One operator's kernel, as far as memory and cost go: the :class:`Kernel` descriptor.

A descriptor says, for one builtin operator and one kernel library, everything the planner
models of it: the builtin-options struct its ``Parse*`` function allocates, the ``OpData`` its
``Init`` allocates, the persistent buffers and the scratch buffers its ``Prepare`` asks for,
the temporary tensors ``Prepare`` takes, how its MACs are counted, its shape rule and its
latency class. A field left ``None`` means "nothing" where the matching ``*_known`` flag is
True, and "not known" otherwise: unknown needs are reported, never guessed.

Kernel functions receive an :class:`OpView` (the operator with its subgraph's tensors) and
the whole :class:`~planner.targets.target.Target`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from planner.analysis.shape_rules import Rule
from planner.model.graph import Operator, Subgraph, Tensor
from planner.targets.target import Target

if TYPE_CHECKING:
    from planner.runtimes.tflm.structs.c_layout import CStruct

#: TFLite's ``Padding`` enum (schema): SAME = 0, VALID = 1.
PADDING_SAME, PADDING_VALID = 0, 1


class ScratchUnknownError(ValueError):
    """The operator's scratch needs are not covered for this kernel library and data type."""


class OpView(NamedTuple):
    """An operator together with its subgraph, for kernel functions to read tensors from."""

    subgraph: Subgraph
    op: Operator

    def tensor(self, position: int, outputs: bool = False) -> Tensor | None:
        """Input (or output) ``position``; None where omitted (-1) or past the end."""
        indices = self.op.outputs if outputs else self.op.inputs
        if position >= len(indices) or not 0 <= indices[position] < len(self.subgraph.tensors):
            return None
        return self.subgraph.tensors[indices[position]]

    def input(self, position: int) -> Tensor | None:
        return self.tensor(position)

    def output(self, position: int = 0) -> Tensor | None:
        return self.tensor(position, outputs=True)

    def need(self, position: int, outputs: bool = False) -> Tensor:
        """Like :meth:`tensor`, but a missing tensor makes the needs unknown."""
        t = self.tensor(position, outputs)
        if t is None:
            where = "output" if outputs else "input"
            raise ScratchUnknownError(f"{self.op.opcode} has no {where} {position}")
        return t

    def input_type(self) -> str:
        t = self.input(0)
        return t.dtype if t is not None else ""

    def option(self, key: str, default: int) -> int:
        value = self.op.options.get(key, default)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def label(self) -> str:
        where = f"subgraph {self.subgraph.index} " if self.subgraph.index else ""
        return f"{where}op {self.op.index} {self.op.opcode}"


def dim(t: Tensor | None, axis: int) -> int:
    """Dimension ``axis`` of ``t`` (negative from the end), 0 when it has none."""
    if t is None or not t.shape:
        return 0
    return t.shape[axis] if -len(t.shape) <= axis < len(t.shape) else 0


def need_dim(t: Tensor, axis: int) -> int:
    """Dimension ``axis`` of ``t``; a missing one makes the needs unknown."""
    if not -len(t.shape) <= axis < len(t.shape):
        raise ScratchUnknownError(f"tensor '{t.name}' has no dimension {axis} (shape {t.shape})")
    return t.shape[axis]


class PersistentBuffer(NamedTuple):
    """One ``AllocatePersistentBuffer`` call a kernel's Prepare makes (16-byte aligned)."""

    what: str
    size: int


#: A temporary tensor Prepare takes: ("i", n) is the node's input n, ("o", n) its output n.
Slot = tuple[str, int]
InitFn = Callable[[Target], "CStruct | None"]
PrepareFn = Callable[[OpView, Target], tuple[PersistentBuffer, ...]]
ScratchFn = Callable[[OpView, Target], tuple[int, ...]]
TempsFn = Callable[[OpView], tuple[Slot, ...]]
MacsFn = Callable[[OpView], int]


@dataclass(frozen=True)
class Kernel:
    """What one operator's kernel in one library allocates, requests and costs."""

    opcode: str
    library: str = "reference"
    #: Where the facts come from (kernel source files).
    source: str = ""
    #: The persistent side (Parse*, Init, Prepare) is modelled.
    tail_known: bool = False
    #: The builtin-options struct the operator's ``Parse*`` function allocates (None: none).
    parse: InitFn | None = None
    #: The struct ``Init`` allocates with AllocatePersistentBuffer (None: no Init).
    init: InitFn | None = None
    #: Persistent buffers ``Prepare`` allocates.
    prepare: PrepareFn | None = None
    #: The RequestScratchBufferInArena calls are known (``scratch`` None: there are none).
    scratch_known: bool = False
    #: Bytes of each RequestScratchBufferInArena call, in call order.
    scratch: ScratchFn | None = None
    #: Temporary TfLiteTensors Prepare takes, in order (None: an upper bound is assumed).
    temps: TempsFn | None = None
    #: Init and Prepare are known (read from the source) to allocate no persistent buffer,
    #: even where the persistent side is not otherwise modelled (``tail_known`` False).
    no_kernel_buffers: bool = False
    #: Multiply-accumulates of one invocation (None: 0).
    macs: MacsFn | None = None
    #: Its output shapes from its input shapes (None: not re-derivable).
    shape: Rule | None = None
    #: Latency class: "conv", "depthwise", "fc", "pooling", "transcendental", "copy" or
    #: "elementwise".
    latency: str = "elementwise"

    def in_library(self, library: str, source: str, **changes: Any) -> Kernel:
        """This kernel as another library's file replaces it (what that file changes; its
        ``parse`` and ``init`` may be given as the struct they allocate on every target)."""
        for name in ("parse", "init"):
            if name in changes:
                changes[name] = _init_fn(changes[name])
        return replace(self, library=library, source=source, **changes)

    def scratch_sizes(self, view: OpView, target: Target) -> tuple[int, ...]:
        """Bytes of each scratch request; raises :class:`ScratchUnknownError` if not known."""
        if not self.scratch_known:
            raise ScratchUnknownError(
                f"scratch needs of {self.opcode} with {self.library} kernels are unknown"
            )
        return () if self.scratch is None else self.scratch(view, target)

    def scratch_known_for(self, view: OpView, target: Target) -> bool:
        """Known for this operator's data types too."""
        try:
            self.scratch_sizes(view, target)
        except ScratchUnknownError:
            return False
        return True

    def builtin_data(self, target: Target) -> CStruct | None:
        return None if self.parse is None else self.parse(target)

    def op_data(self, target: Target) -> CStruct | None:
        return None if self.init is None else self.init(target)

    def prepare_buffers(self, view: OpView, target: Target) -> tuple[PersistentBuffer, ...]:
        return () if self.prepare is None else self.prepare(view, target)

    def count_macs(self, view: OpView) -> int:
        if self.macs is None:
            return 0
        try:
            return self.macs(view)
        except (IndexError, ValueError, ZeroDivisionError):
            return 0  # malformed operator: its shapes do not say


def fixed(struct: CStruct | None) -> InitFn:
    """An Init that allocates the same struct on every target."""
    return lambda _target: struct


def with_compression(build: Callable[[bool], CStruct]) -> InitFn:
    """An Init whose struct depends on whether TFLM is built with compression."""
    return lambda target: build(target.compression)


def _init_fn(struct: CStruct | InitFn | None) -> InitFn | None:
    return struct if struct is None or callable(struct) else fixed(struct)


def temps_fn(temps: tuple[Slot, ...] | TempsFn | None) -> TempsFn | None:
    """A kernel's ``temps``: fixed slots made a function of the operator; None stays None."""
    if temps is None or callable(temps):
        return temps
    slots = temps
    return lambda _view: slots


def modelled(
    opcode: str,
    builtin: CStruct | InitFn | None,
    op_data: CStruct | InitFn | None,
    temps: tuple[Slot, ...] | TempsFn | None,
    shape: Rule | None,
    latency: str,
    **more: Any,
) -> Kernel:
    """A kernel whose persistent side and scratch requests are modelled: its builtin options
    and OpData (a struct, the same on every target, or a function of the target; either may be
    absent), the temporary tensors Prepare takes (fixed, or a function of the operator; None:
    an upper bound), and ``more`` of its fields (``prepare``, ``scratch``, ``macs``, ...);
    without ``scratch`` its Prepare requests none."""
    return Kernel(
        opcode,
        tail_known=True,
        parse=_init_fn(builtin),
        init=_init_fn(op_data),
        scratch_known=True,
        temps=temps_fn(temps),
        shape=shape,
        latency=latency,
        **more,
    )
