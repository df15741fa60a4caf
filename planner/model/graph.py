"""The immutable model graph that every later stage shares.

`planner.model.tflite_reader` builds a :class:`Graph` from a ``.tflite`` file; analysis, memory
planning,
board checks and rendering only ever read it. Nothing here touches the file system.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar, overload

T = TypeVar("T")

#: Bytes per element for each TFLite tensor type name, as TFLM's ``TfLiteTypeSizeOf`` has them.
#: INT4/UINT4/INT2 are packed; their byte counts are computed by :func:`tensor_bytes`.
TYPE_SIZES: Mapping[str, float] = MappingProxyType(
    {
        "FLOAT32": 4,
        "FLOAT16": 2,
        "BFLOAT16": 2,
        "INT32": 4,
        "UINT32": 4,
        "UINT8": 1,
        "INT8": 1,
        "INT16": 2,
        "UINT16": 2,
        "INT64": 8,
        "UINT64": 8,
        "FLOAT64": 8,
        "BOOL": 1,
        "COMPLEX64": 8,
        "COMPLEX128": 16,
        "INT4": 0.5,
        "UINT4": 0.5,
        "INT2": 0.25,
        "FLOAT8_E4M3FN": 1,
        "FLOAT8_E5M2": 1,
    }
)


def tensor_bytes(dtype: str, elements: int) -> int:
    """Bytes a tensor of ``elements`` elements of ``dtype`` occupies (packed types round up)."""
    size = TYPE_SIZES.get(dtype)
    if size is None:
        return 0
    return math.ceil(elements * size)


class LazyVector(Sequence[T]):
    """A vector of the model file whose values are read when first used (its length is known):
    ``item(i)`` for each ``i`` below ``length``. Equal to (and hashes as) the tuple of them.

    Planning needs only how many scales a per-channel tensor has (TFLM allocates arrays of
    that length), so the loader hands out its numpy views of scales and zero points in this
    form: they become Python numbers only when something uses the values."""

    __slots__ = ("_item", "_n", "_values", "array")

    def __init__(self, length: int, item: Callable[[int], T], array: Any = None) -> None:
        self._n = length
        self._item = item
        self._values: tuple[T, ...] | None = None
        #: A numpy view of the values when the loader has one (for vectorised checks).
        self.array = array

    def __len__(self) -> int:
        return self._n

    def values(self) -> tuple[T, ...]:
        if self._values is None:
            if self.array is not None:  # a numpy view: converted in one call
                self._values = tuple(self.array.tolist())
            else:
                item = self._item
                self._values = tuple(item(i) for i in range(self._n))
        return self._values

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.values()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyVector):
            other = other.values()
        return isinstance(other, tuple) and self.values() == other

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return repr(self.values())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.values(),))  # pickled (e.g. for Dask workers) as a plain tuple


class Deferred(Generic[T]):
    """A field value to be read on first use: ``read(*args)`` gives it (see
    :class:`DeferredField`). The loader makes two of these per tensor (100,000 tensors and
    more), so they are kept small: ``read`` is a function made once per model, and ``args``
    a tuple both of a tensor's fields share (its table's position and its index, plain ints:
    the garbage collector stops tracking such a tuple)."""

    __slots__ = ("args", "read")

    def __init__(self, read: Callable[..., T], args: tuple[Any, ...] = ()) -> None:
        self.read = read
        self.args = args


class DeferredField(Generic[T]):
    """A dataclass field that may be given a :class:`Deferred`: the value is read on the first
    access and kept. The loader uses it for what only some stages read of some tensors
    (quantization, the shape signature): a tensor nobody asks about is never read for them.
    Everything else sees a plain field: ``==``, ``hash``, ``repr``, ``dataclasses.replace``
    and pickling read the value."""

    def __init__(self, default: T) -> None:
        self.default = default
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = "_deferred_" + name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> T: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T:
        if obj is None:
            return self.default  # the dataclass's default for the field
        state = obj.__dict__
        value = state.get(self.key, self.default)  # absent: a class attribute never set
        if type(value) is Deferred:
            value = state[self.key] = value.read(*value.args)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: object, value: T | Deferred[T]) -> None:
        obj.__dict__[self.key] = value


@dataclass(frozen=True)
class Quantization:
    """Affine quantization of a tensor: one scale per tensor, or one per channel along ``axis``.

    ``scales`` and ``zero_points`` are tuples, or, as the loader makes them, a
    :class:`LazyVector` that reads the values from the model only when they are used."""

    scales: Sequence[float]
    zero_points: Sequence[int]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scales) > 1

    @property
    def affine(self) -> bool:
        """Both scales and zero points: only then does TFLM copy the quantization into the
        tensor (``InitializeTfLiteTensorFromFlatbuffer``); without zero points the kernels see
        an unquantized tensor (no quantization struct, scale 0, zero point 0)."""
        return len(self.scales) > 0 and len(self.zero_points) > 0


#: The most elements a constant integer tensor may have for its values to be read
#: (:attr:`Tensor.int_values`): shape vectors, paddings, axes and slice bounds are shorter.
SMALL_CONSTANT_ELEMENTS = 64


@dataclass(frozen=True)
class Tensor:
    """One tensor of a subgraph, as the flatbuffer describes it."""

    #: Position in its subgraph's tensor table (what operators' inputs and outputs name).
    index: int
    #: The converter's name, often several TF names joined by ';' (``tensor_N`` if none).
    name: str
    #: Fixed dimensions, as TFLM plans them (the loader refuses a -1 other than RESHAPE's).
    shape: tuple[int, ...]
    #: TFLite tensor type name (``INT8``, ``INT32``, ...; ``TYPE_N`` for an unknown code).
    dtype: str
    #: Index into the model's buffer table; 0 is the empty buffer (no stored data).
    buffer: int
    #: Bytes of constant data stored for this tensor (in the flatbuffer or beside it); 0 if none.
    data_bytes: int = 0
    is_variable: bool = False
    quantization: DeferredField[Quantization | None] = DeferredField(None)
    #: The shape with -1 where the model was converted with a free dimension (for messages).
    shape_signature: DeferredField[tuple[int, ...] | None] = DeferredField(None)
    #: The data is stored after the flatbuffer (``Buffer.offset/size``). TFLM reads only
    #: ``Buffer.data``, so it plans such a tensor in the arena like an activation.
    external_data: bool = False
    #: The values of a small constant integer tensor (INT32 or INT64, at most
    #: :data:`SMALL_CONSTANT_ELEMENTS` elements, stored in the flatbuffer), read from its buffer
    #: on first use: the paddings, axes and slice bounds kernels read in Prepare. None for
    #: every other tensor, for one whose data is shorter than its shape, and for a tensor
    #: built without the file (``Tensor(...)``, ``dataclasses.replace``). Not a dataclass
    #: field: the file's data, not the tensor's description, so it is not compared, hashed or
    #: printed (a graph built without the data equals the one loaded from its export).
    int_values: ClassVar[DeferredField[tuple[int, ...] | None]] = DeferredField(None)
    #: The shape the file declares, when it is not the one TFLM plans: a RESHAPE output with a
    #: -1 (Prepare computes that dimension, in a copy of the dims it allocates) or the legacy
    #: scalar ``[0]`` of a RESHAPE without a shape input. None for every other tensor.
    declared_shape: tuple[int, ...] | None = None

    def __getstate__(self) -> dict[str, object]:
        """Pickled with every deferred field read (a reader of the file is not pickled)."""
        self.quantization, self.shape_signature, self.int_values  # noqa: B018  (reads them)
        return dict(self.__dict__)

    @classmethod
    def read(
        cls,
        index: int,
        name: str,
        shape: tuple[int, ...],
        dtype: str,
        buffer: int,
        data_bytes: int,
        is_variable: bool,
        quantization: Deferred[Quantization | None],
        shape_signature: Deferred[tuple[int, ...] | None],
        external_data: bool,
        int_values: Deferred[tuple[int, ...] | None] | None,
    ) -> Tensor:
        """The loader's constructor: every field given, checked by the loader already, set
        without the frozen ``__init__``'s per-field ``object.__setattr__`` (a model can have
        100,000 tensors). Equal to ``Tensor(...)`` with the same values (tested)."""
        tensor = object.__new__(cls)
        tensor.__dict__.update(
            index=index,
            name=name,
            shape=shape,
            dtype=dtype,
            buffer=buffer,
            data_bytes=data_bytes,
            is_variable=is_variable,
            _deferred_quantization=quantization,
            _deferred_shape_signature=shape_signature,
            external_data=external_data,
            _deferred_int_values=int_values,
        )
        return tensor

    @property
    def is_constant(self) -> bool:
        """True when the tensor's values are stored in the model (weights, biases, shapes)."""
        return self.data_bytes > 0

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes of the tensor's values (elements x type size), unrounded."""
        return tensor_bytes(self.dtype, self.elements)


@dataclass(frozen=True)
class Operator:
    """One operator, in the order the subgraph lists (and TFLM runs) them."""

    #: Position in its subgraph's operator list: the order TFLM runs them in.
    index: int
    #: Builtin operator name (``CONV_2D``), the custom code for custom operators, or
    #: ``BUILTIN_N`` for a code this schema does not name.
    opcode: str
    #: Tensor indices into the operator's subgraph; -1 marks an omitted optional input.
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    intermediates: tuple[int, ...] = ()
    #: The builtin options table as plain values (snake_case keys), empty for custom ops.
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    custom_code: str | None = None
    version: int = 1

    @property
    def is_custom(self) -> bool:
        return self.custom_code is not None


@dataclass(frozen=True)
class Subgraph:
    """One subgraph: 0 is the one TFLM invokes; others are called by IF, WHILE, CALL_ONCE."""

    #: Position in the model's subgraph list (what control-flow options name).
    index: int
    name: str
    #: Every tensor of the subgraph, by index; TFLM sizes (and plans) each one.
    tensors: tuple[Tensor, ...]
    #: In execution order.
    operators: tuple[Operator, ...]
    #: Tensor indices of the subgraph's inputs and outputs (what a caller passes and reads).
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class Graph:
    """A whole model: its subgraphs (0 is the one TFLM invokes), metadata and file size."""

    subgraphs: tuple[Subgraph, ...]
    #: Size of the ``.tflite`` file in bytes (what TFLM keeps in flash).
    file_bytes: int
    path: str = "<memory>"
    description: str = ""
    schema_version: int = 3
    #: The ``OfflineMemoryAllocation`` metadata, if present: one arena offset per tensor across
    #: all subgraphs, -1 where the runtime plans the tensor.
    offline_offsets: tuple[int, ...] | None = None
    #: Names of metadata entries in the model.
    metadata_names: tuple[str, ...] = ()
    #: Buffers that give a size but no valid offset (0 or 1; offsets count only above 1) and
    #: hold no data, as (buffer index, offset, size). TFLM finds no data in them.
    misplaced_buffers: tuple[tuple[int, int, int], ...] = ()

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered on this graph under ``key``. What several stages derive
        from one graph (its scratch requests, the temporary tensors of each Prepare, the
        arena per target) is computed once; the graph never changes, so nothing goes stale,
        and the values live and die with it (a changed copy starts with none). Two threads
        asking at once may both compute; they get equal values. Not compared, hashed or
        printed."""
        memo: dict[Hashable, Any] = self.__dict__.setdefault("_memo", {})
        if key in memo:
            return memo[key]  # type: ignore[no-any-return]
        return memo.setdefault(key, compute())  # type: ignore[no-any-return]

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]

    @property
    def opcodes(self) -> tuple[str, ...]:
        """Distinct operator names used anywhere in the model, sorted."""
        return tuple(sorted({op.opcode for sg in self.subgraphs for op in sg.operators}))
