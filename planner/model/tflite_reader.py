"""Load a ``.tflite`` file into the immutable :class:`~planner.model.graph.Graph`.

The flatbuffer is read with the TFLite schema's reader classes that ``flatc`` generates from
TFLM's ``schema.fbs`` (:mod:`planner.model.tflite_fbs`, through
:func:`~planner.model.schema.tflite_schema`); no byte is decoded by hand. Every way a file
can be broken is turned into a one-line :class:`~planner.errors.ModelError`.

Speed without leaving the generated code: the loader reads what planning needs and no
more. A tensor's quantization is read when a stage first asks for it (numpy views of its
scales are handed out as :class:`~planner.model.graph.LazyVector`, whose values are
converted when first used); buffers are measured, not copied
(the values of a small constant integer tensor are read when a check first asks for them);
each operator's options are read with the generated accessors of its options table, found
once per options type (an options table with a nested table is unpacked with the object
API instead). numpy is imported
only when something asks for it (:mod:`planner.model.deferred_numpy`): shape vectors are
read as numpy views once the model is big enough to repay numpy's import, or numpy is loaded
anyway. The cyclic garbage collector is paused while the graph is built (:mod:`planner._gc`).
"""

from __future__ import annotations

import functools
import math
import re
import struct
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from planner._gc import gc_paused
from planner.errors import ModelError
from planner.model.deferred_numpy import numpy_loaded
from planner.model.graph import (
    SMALL_CONSTANT_ELEMENTS,
    TYPE_SIZES,
    Deferred,
    Graph,
    LazyVector,
    Operator,
    Quantization,
    Subgraph,
    Tensor,
)
from planner.model.schema import tflite_object_api, tflite_schema

#: The schema version this planner reads (TFLite has used 3 since 2018).
SUPPORTED_SCHEMA_VERSION = 3
#: Largest dimension and element count accepted: far above any microcontroller model, low
#: enough that byte counts stay exact and nothing tries to allocate them.
MAX_DIMENSION = 1 << 31
MAX_ELEMENTS = 1 << 40
OFFLINE_PLAN_METADATA = "OfflineMemoryAllocation"
T = TypeVar("T")
#: What the generated accessors raise on a corrupt or truncated flatbuffer.
CORRUPT_FLATBUFFER = (
    IndexError,
    ValueError,
    struct.error,
    TypeError,
    AttributeError,
    OverflowError,
    UnicodeDecodeError,
    RecursionError,
    MemoryError,
)
#: The constant integer tensors whose values the loader can hand out, and their struct codes.
INT_VALUE_CODES = {"INT32": "i", "INT64": "q"}
#: From this many tensors on, shape vectors are read as numpy views (numpy's import, a
#: tenth of a second, is then repaid); below it, element by element unless numpy is loaded.
NUMPY_FROM_TENSORS = 4096
#: Without numpy, a vector longer than this is read with one ``struct`` call
#: (:func:`read_vector`); a shorter one element by element, which costs less than the probe.
SHORT_VECTOR = 2


@functools.cache
def _noting_table() -> type:
    """A flatbuffers table class that notes where, and as what, it last read a value
    (defined on first use: flatbuffers is imported after numpy is deferred)."""
    tflite_schema()
    from flatbuffers.table import Table

    class NotingTable(Table):
        __slots__ = ("at", "flags")

        def Get(self, flags: Any, off: int) -> Any:
            self.at, self.flags = off, flags
            return super().Get(flags, off)

    return NotingTable


def read_vector(item: Callable[[int], Any], n: int) -> tuple[Any, ...]:
    """The ``n`` values of the vector whose generated accessor ``X(i)`` is ``item``, in one
    ``struct`` call instead of ``n`` accessor calls (a MobileNetV2 has 8,000 per-channel
    scales; each accessor call looks the field up in the vtable again). ``X(0)`` is called
    on a copy of its table that notes where and as what the accessor reads element 0: the
    generated code locates the vector and gives its element type, as it does for
    ``XAsNumpy``, without numpy."""
    owner = item.__self__  # type: ignore[attr-defined]
    table = owner._tab
    probe = type(owner)()
    probe._tab = noting = _noting_table()(table.Bytes, table.Pos)
    getattr(probe, item.__name__)(0)  # type: ignore[attr-defined]
    code = noting.flags.packer_type.format  # e.g. "<f": little-endian, one element
    return struct.unpack_from(f"{code[0]}{n}{code[1:]}", table.Bytes, noting.at)


@functools.cache
def _enum_names(enum_class: type) -> dict[int, str]:
    return {
        v: k for k, v in vars(enum_class).items() if not k.startswith("_") and isinstance(v, int)
    }


_TEXT_BYTES = frozenset(range(32, 127)) | {9, 10, 13}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@functools.cache
def snake_case(name: str) -> str:
    """A schema name in the loader's key style: ``fusedActivationFunction`` and
    ``FusedActivationFunction`` become ``fused_activation_function``."""
    return _CAMEL.sub("_", name).lower()


#: How one options field is read: (snake_case key, accessor, kind) where kind is "vector"
#: (a vector of scalars: ``X(i)`` for i below ``XLength()``, None when ``XIsNone()``) or
#: "value" (a scalar, or a string as bytes).
OptionField = tuple[str, Callable[..., Any], str]


#: Methods of a generated reader class that read no field of its own (and names starting
#: ``GetRootAs`` or ending ``BufferHasIdentifier``).
_NOT_FIELDS = frozenset({"Init"})
#: Companions the generated code adds to a vector field ``X``.
_VECTOR_PARTS = ("Length", "IsNone", "AsNumpy")


@functools.cache
def options_fields(union_name: str, kind: int) -> tuple[type, tuple[OptionField, ...]] | None:
    """The generated reader class of union member ``kind`` of ``union_name``
    (``BuiltinOptions`` or ``BuiltinOptions2``) and how to read each of its fields, in the
    schema's order: the class has an accessor ``X`` per field, with ``XLength`` and
    ``XIsNone`` beside a vector's. A vector is read element by element, not as a numpy array.
    None for an unknown member."""
    s = tflite_schema()
    names: dict[int, str] = {}
    for name, value in vars(getattr(s, union_name)).items():
        if not name.startswith("_") and isinstance(value, int):
            names.setdefault(value, name)
    member = names.get(kind)
    reader = getattr(s, member, None) if member and member != "NONE" else None
    if reader is None:
        return None
    methods = {
        name
        for name in vars(reader)
        if name[:1].isupper()
        and name not in _NOT_FIELDS
        and not name.startswith("GetRootAs")
        and not name.endswith("BufferHasIdentifier")
    }
    fields: list[OptionField] = []
    for name in vars(reader):  # definition order: the schema's field order
        if name not in methods:
            continue
        if any(name.endswith(part) and name[: -len(part)] in methods for part in _VECTOR_PARTS):
            continue  # a vector's companion
        vector = name + "Length" in methods and name + "IsNone" in methods
        fields.append((snake_case(name), getattr(reader, name), "vector" if vector else "value"))
    return reader, tuple(fields)


def read_options(union_name: str, kind: int, table: Any) -> dict[str, object] | None:
    """Operator options (snake_case keys, plain values) of union member ``kind`` stored in
    ``table`` (a flatbuffers Table), as the schema's ``BuiltinOptionsCreator`` would unpack
    them: vectors as tuples, strings decoded. None for an unknown member."""
    how = options_fields(union_name, kind)
    if how is None:
        return _options_by_object_api(union_name, kind, table)
    reader_class, fields = how
    reader = reader_class()
    reader.Init(table.Bytes, table.Pos)
    out: dict[str, object] = {}
    for key, accessor, field_kind in fields:
        if field_kind == "vector":
            name = accessor.__name__
            if getattr(reader, name + "IsNone")():
                out[key] = None
            else:
                out[key] = tuple(
                    accessor(reader, i) for i in range(getattr(reader, name + "Length")())
                )
            continue
        value = accessor(reader)
        if hasattr(value, "Init"):  # a nested table: let the object API unpack it
            return _options_by_object_api(union_name, kind, table)
        out[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return out


def _options_by_object_api(union_name: str, kind: int, table: Any) -> dict[str, object] | None:
    s = tflite_object_api()
    creator = (
        s.BuiltinOptionsCreator if union_name == "BuiltinOptions" else s.BuiltinOptions2Creator
    )
    obj = creator(kind, table)
    if obj is None:
        return None
    return {snake_case(k): _plain(v) for k, v in vars(obj).items()}


def _plain(value: object) -> object:
    if hasattr(value, "tolist"):  # a numpy array
        return tuple(value.tolist())
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


#: Largest model file read (1 GiB): far beyond any microcontroller's flash, and checked
#: before reading so that a huge file is refused without filling memory.
MAX_MODEL_BYTES = 1 << 30


def check_model_path(p: Path) -> None:
    """Refuse, before reading, a path that is missing, not a regular file (a directory, a
    FIFO that would block, a device such as /dev/zero that never ends) or too large."""
    import stat

    try:
        st = p.stat()
    except FileNotFoundError:
        raise ModelError(f"{p}: no such file") from None
    except OSError as exc:
        raise ModelError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise ModelError(f"{p}: is a directory, not a .tflite model")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or special file"
        raise ModelError(f"{p}: is {kind}, not a regular .tflite file")
    if st.st_size > MAX_MODEL_BYTES:
        raise ModelError(
            f"{p}: {st.st_size:,} bytes is over the {MAX_MODEL_BYTES:,}-byte limit for a model"
        )


def load_model(path: str | Path) -> Graph:
    """Read a ``.tflite`` file from disk into a :class:`Graph`."""
    p = Path(path)
    check_model_path(p)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ModelError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    return load_model_bytes(data, str(p))


@gc_paused
def load_model_bytes(data: bytes, name: str = "<memory>") -> Graph:
    """Parse the bytes of a ``.tflite`` flatbuffer into a :class:`Graph`."""
    if len(data) == 0:
        raise ModelError(f"{name}: empty file")
    if len(data) < 16:
        raise ModelError(f"{name}: {len(data)} bytes is too short to be a TFLite model")
    if data[4:8] != b"TFL3":
        head = data[:256]
        if head.isascii() and all(c in _TEXT_BYTES for c in head):
            raise ModelError(f"{name}: a text file, not a TFLite flatbuffer")
        raise ModelError(
            f"{name}: not a TFLite model (file identifier {data[4:8]!r}, expected b'TFL3')"
        )
    try:
        return _Reader(data, name).graph()
    except ModelError:
        raise
    except CORRUPT_FLATBUFFER as exc:
        raise ModelError(
            f"{name}: corrupt or truncated TFLite flatbuffer ({type(exc).__name__}: {exc})"
        ) from exc


class _Reader:
    """Walks one flatbuffer; every vector length is checked against the file size."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name
        self.s = tflite_schema()
        self.model = self.s.Model.GetRootAs(data, 0)
        self.type_names = _enum_names(self.s.TensorType)
        self.op_names = _enum_names(self.s.BuiltinOperator)
        self.read_quantization = self._read_quantization
        self.read_signature = self._read_signature
        self.read_int_values = self._read_int_values

    def _count(self, n: int, what: str, min_bytes: int = 4) -> int:
        if n < 0 or n * min_bytes > len(self.data):
            raise ModelError(f"{self.name}: corrupt flatbuffer: {what} claims {n} entries")
        return n

    def graph(self) -> Graph:
        m = self.model
        version = m.Version()
        if version != SUPPORTED_SCHEMA_VERSION:
            raise ModelError(
                f"{self.name}: TFLite schema version {version} is not supported "
                f"(this planner reads version {SUPPORTED_SCHEMA_VERSION})"
            )
        n_buffers = self._count(m.BuffersLength(), "the buffer table")
        self.external: set[int] = set()
        self.misplaced: list[tuple[int, int, int]] = []
        self.buffer_bytes = [self._buffer_size(m.Buffers(i), i) for i in range(n_buffers)]
        n_codes = self._count(m.OperatorCodesLength(), "the operator-code table")
        self.opcodes = [self._opcode(m.OperatorCodes(i)) for i in range(n_codes)]
        n_sub = self._count(m.SubgraphsLength(), "the subgraph table")
        if n_sub == 0:
            raise ModelError(f"{self.name}: the model has no subgraph")
        subgraphs = tuple(self._subgraph(m.Subgraphs(i), i) for i in range(n_sub))
        metadata_names, offline = self._metadata(n_buffers)
        description = m.Description()
        return Graph(
            subgraphs=subgraphs,
            file_bytes=len(self.data),
            path=self.name,
            description=description.decode("utf-8", "replace") if description else "",
            schema_version=version,
            offline_offsets=offline,
            metadata_names=metadata_names,
            misplaced_buffers=tuple(self.misplaced),
        )

    def _buffer_size(self, buf: Any, index: int) -> int:
        if buf is None:
            return 0
        offset = buf.Offset()
        if offset > 1:
            size = buf.Size()
            # Data stored after the flatbuffer (models over 2 GB, or written that way).
            if offset + size > len(self.data):
                raise ModelError(
                    f"{self.name}: buffer {index} points at bytes {offset}..{offset + size}, "
                    f"beyond the end of the {len(self.data)}-byte file"
                )
            self.external.add(index)
            return int(size)
        n = self._count(buf.DataLength(), f"buffer {index}", min_bytes=1)
        if n:
            # Read the last byte, so a length running past the file end is caught here.
            buf.Data(n - 1)
        elif size := buf.Size():  # read only when there is no data: most buffers have some
            self.misplaced.append((index, int(offset), int(size)))
        return int(n)

    def _opcode(self, code: Any) -> tuple[str, str | None, int]:
        builtin = max(code.DeprecatedBuiltinCode(), code.BuiltinCode())
        version = code.Version()
        if builtin == self.s.BuiltinOperator.CUSTOM:
            custom = code.CustomCode()
            label = custom.decode("utf-8", "replace") if custom else "<unnamed custom op>"
            return label, label, version
        name = self.op_names.get(builtin)
        if name is None:
            return f"BUILTIN_{builtin}", None, version
        return name, None, version

    def _subgraph(self, sg: Any, index: int) -> Subgraph:
        n_tensors = self._count(sg.TensorsLength(), f"subgraph {index}'s tensor table")
        self.use_numpy = n_tensors >= NUMPY_FROM_TENSORS or numpy_loaded()
        self.stretched: list[int] = []  # tensors with one -1 dimension
        tensors = tuple(self._tensor(sg.Tensors(i), i, index) for i in range(n_tensors))
        n_ops = self._count(sg.OperatorsLength(), f"subgraph {index}'s operator table")
        operators = tuple(
            self._operator(sg.Operators(i), i, index, n_tensors) for i in range(n_ops)
        )
        tensors = self._reshape_outputs(tensors, operators, index)
        inputs = self._indices(sg.Inputs, n_tensors, f"subgraph {index} inputs")
        outputs = self._indices(sg.Outputs, n_tensors, f"subgraph {index} outputs")
        self._check_empty_activations(tensors, operators, inputs, index)
        name = sg.Name()
        return Subgraph(
            index=index,
            name=name.decode("utf-8", "replace") if name else "",
            tensors=tensors,
            operators=operators,
            inputs=inputs,
            outputs=outputs,
        )

    def _reshape_outputs(
        self, tensors: tuple[Tensor, ...], operators: tuple[Operator, ...], sg_index: int
    ) -> tuple[Tensor, ...]:
        """RESHAPE outputs given the shape TFLM plans (reshape_common.cc's ReshapeOutput): a
        single -1 becomes the input's element count over the other dimensions', and ``[0]``
        without a shape input is the legacy form of a scalar. A -1 anywhere else is refused."""
        changed: dict[int, Tensor] = {}
        stretched = set(self.stretched)
        for op in operators:
            if op.opcode != "RESHAPE" or not op.inputs or len(op.outputs) != 1:
                continue
            x, t = op.inputs[0], op.outputs[0]
            if x < 0 or t < 0 or x in stretched:
                continue
            declared = tensors[t].shape
            if t in stretched:
                known = math.prod(d for d in declared if d != -1)
                fill = tensors[x].elements // known if known else 0
                shape = tuple(fill if d == -1 else d for d in declared)
            elif declared == (0,) and len(op.inputs) == 1:
                shape = ()
            else:
                continue
            changed[t] = replace(tensors[t], shape=shape, declared_shape=declared)
        for t in stretched - changed.keys():
            tensor = tensors[t]
            raise ModelError(
                f"{self._where(tensor.name, t, sg_index)} has a dynamic shape "
                f"{list(tensor.shape)}; TFLM needs fixed shapes (re-export the model with a "
                "fixed batch size, e.g. batch_size=1)"
            )
        if not changed:
            return tensors
        return tuple(changed.get(i, tensor) for i, tensor in enumerate(tensors))

    def _check_empty_activations(
        self,
        tensors: tuple[Tensor, ...],
        operators: tuple[Operator, ...],
        inputs: tuple[int, ...],
        sg_index: int,
    ) -> None:
        """A model input or operator output with a zero dimension holds nothing: refuse it."""
        produced = [t for op in operators for t in op.outputs if t >= 0]
        for t in (*inputs, *produced):
            tensor = tensors[t]
            if tensor.shape and 0 in tensor.shape and not tensor.is_constant:
                where = f"tensor {t} '{tensor.name}'" + (
                    f" in subgraph {sg_index}" if sg_index else ""
                )
                raise ModelError(
                    f"{self.name}: {where} has a zero dimension in shape {list(tensor.shape)}; "
                    "an activation with no elements means the model was exported with a "
                    "placeholder shape"
                )

    def _vector(self, item: Callable[[int], T], what: str) -> tuple[T, ...]:
        """The vector whose generated accessor ``X(i)`` is ``item``: one numpy view
        (``XAsNumpy``) when numpy is in use (see :data:`NUMPY_FROM_TENSORS`), else one
        :func:`read_vector` call, or ``X(i)`` for each ``i`` below ``XLength()`` when it has
        at most :data:`SHORT_VECTOR` values. Empty when the vector is absent."""
        table, name = item.__self__, item.__name__  # type: ignore[attr-defined]
        if self.use_numpy:
            array = getattr(table, name + "AsNumpy")()
            return () if isinstance(array, int) else tuple(array.tolist())
        length = self._count(getattr(table, name + "Length")(), what)
        if length > SHORT_VECTOR:
            return read_vector(item, length)
        return tuple(item(i) for i in range(length))

    def _indices(
        self,
        item: Callable[[int], int],
        n_tensors: int,
        what: str,
        allow_missing: bool = False,
    ) -> tuple[int, ...]:
        values = self._vector(item, what)
        low = -1 if allow_missing else 0
        for v in values:
            if not low <= v < n_tensors:
                raise ModelError(
                    f"{self.name}: {what} name tensor {v}, but the subgraph has {n_tensors} tensors"
                )
        return values

    def _tensor(self, t: Any, index: int, sg_index: int) -> Tensor:
        name_b = t.Name()
        name = name_b.decode("utf-8", "replace") if name_b else f"tensor_{index}"
        if self.use_numpy:
            array = t.ShapeAsNumpy()
            shape: tuple[int, ...] = () if isinstance(array, int) else tuple(array.tolist())
        else:
            shape = self._vector(t.Shape, f"tensor {index}'s shape")
        if shape and (min(shape) < 0 or max(shape) > MAX_DIMENSION):
            self._bad_dimension(shape, name, index, sg_index)
        elements = math.prod(shape)
        if elements > MAX_ELEMENTS:
            raise ModelError(
                f"{self._where(name, index, sg_index)} has an implausible {elements} elements "
                f"(shape {list(shape)})"
            )
        type_code = t.Type()
        buffer = t.Buffer()
        buffer_bytes = self.buffer_bytes
        if not 0 <= buffer < len(buffer_bytes):
            raise ModelError(
                f"{self._where(name, index, sg_index)} names buffer {buffer}, but the model has "
                f"{len(buffer_bytes)} buffers"
            )
        later = (t._tab.Pos, index)  # where the deferred fields find the tensor's table
        dtype = self.type_names.get(type_code) or f"TYPE_{type_code}"
        code = INT_VALUE_CODES.get(dtype)
        int_values = (
            Deferred(self.read_int_values, (buffer, elements, code, index))
            if code is not None
            and buffer
            and elements >= 0
            and elements <= SMALL_CONSTANT_ELEMENTS
            and elements * struct.calcsize(code) <= buffer_bytes[buffer]
            and buffer not in self.external
            else None  # not a small constant integer tensor, or data shorter than the shape
        )
        return Tensor.read(
            index,
            name,
            shape,
            dtype,
            buffer,
            buffer_bytes[buffer],
            bool(t.IsVariable()),
            Deferred(self.read_quantization, later),
            Deferred(self.read_signature, later),
            buffer in self.external,
            int_values,
        )

    def _deferred(self, read: Callable[..., T], *args: Any, index: int) -> T:
        """``read(*args)`` when a stage first asks for tensor ``index``'s field; a corrupt
        field is then refused as :func:`load_model_bytes` refuses one."""
        try:
            return read(*args)
        except CORRUPT_FLATBUFFER as exc:
            raise ModelError(
                f"{self.name}: corrupt or truncated TFLite flatbuffer (tensor {index}: "
                f"{type(exc).__name__}: {exc})"
            ) from exc

    # What a tensor's Deferred fields call on first use (see _tensor), bound once in __init__.
    def _tensor_at(self, position: int) -> Any:
        """The generated ``Tensor`` reader of the table at ``position`` in the file."""
        table = self.s.Tensor()
        table.Init(self.data, position)
        return table

    def _read_quantization(self, position: int, index: int) -> Quantization | None:
        return self._deferred(self._quantization, self._tensor_at(position), index=index)

    def _read_signature(self, position: int, index: int) -> tuple[int, ...] | None:
        return self._deferred(self._signature, self._tensor_at(position), index=index)

    def _read_int_values(
        self, buffer: int, count: int, code: str, index: int
    ) -> tuple[int, ...] | None:
        return self._deferred(self._int_values, buffer, count, code, index=index)

    def _signature(self, t: Any) -> tuple[int, ...] | None:
        if t.ShapeSignatureIsNone():
            return None
        return self._vector(t.ShapeSignature, "a shape signature")

    def _int_values(self, buffer: int, count: int, code: str) -> tuple[int, ...] | None:
        """The ``count`` values (struct ``code`` "i" or "q") of a small constant integer
        tensor, from its buffer's bytes: what :attr:`Tensor.int_values` reads on first use."""
        if not count:
            return ()
        raw = bytes(read_vector(self.model.Buffers(buffer).Data, count * struct.calcsize(code)))
        return struct.unpack(f"<{count}{code}", raw)

    def _where(self, name: str, index: int, sg_index: int) -> str:
        return f"{self.name}: tensor {index} '{name}'" + (
            f" in subgraph {sg_index}" if sg_index else ""
        )

    def _bad_dimension(self, shape: tuple[int, ...], name: str, index: int, sg_index: int) -> None:
        where = self._where(name, index, sg_index)
        if shape.count(-1) == 1 and min(shape) == -1 and max(shape) <= MAX_DIMENSION:
            self.stretched.append(index)  # RESHAPE's stretch dimension, or refused later
            return
        for d in shape:
            if d < 0:
                raise ModelError(
                    f"{where} has a dynamic shape {list(shape)}; TFLM needs fixed shapes "
                    "(re-export the model with a fixed batch size, e.g. batch_size=1)"
                )
            if d > MAX_DIMENSION:
                raise ModelError(f"{where} has an implausible dimension {d} in shape {list(shape)}")

    def _quantization(self, t: Any) -> Quantization | None:
        """Scales and zero points: numpy views as :class:`LazyVector` when numpy is in use,
        else tuples (:meth:`_vector`). Either way a vector running past the file's end is
        refused here."""
        q = t.Quantization()
        if q is None:
            return None
        if self.use_numpy:  # one view each: its length and bounds checked at once
            scales, zero_points = q.ScaleAsNumpy(), q.ZeroPointAsNumpy()
            if isinstance(scales, int):
                return None
            return Quantization(
                scales=LazyVector(len(scales), scales.item, scales),
                zero_points=LazyVector(0, int)
                if isinstance(zero_points, int)
                else LazyVector(len(zero_points), zero_points.item, zero_points),
                axis=q.QuantizedDimension(),
            )
        if q.ScaleIsNone():
            return None
        # Read whole: the first stage that asks for a tensor's quantization (validation)
        # checks every scale of the tensors the kernels read.
        return Quantization(
            scales=self._vector(q.Scale, "quantization scales"),
            zero_points=self._vector(q.ZeroPoint, "quantization zero points"),
            axis=q.QuantizedDimension(),
        )

    def _operator(self, op: Any, index: int, sg_index: int, n_tensors: int) -> Operator:
        code_index = op.OpcodeIndex()
        if not 0 <= code_index < len(self.opcodes):
            raise ModelError(
                f"{self.name}: operator {index} uses opcode {code_index}, "
                f"but the model defines {len(self.opcodes)}"
            )
        opcode, custom, version = self.opcodes[code_index]
        what = f"operator {index} ({opcode})" + (f" in subgraph {sg_index}" if sg_index else "")
        inputs = self._indices(op.Inputs, n_tensors, f"{what}: inputs", allow_missing=True)
        outputs = self._indices(op.Outputs, n_tensors, f"{what}: outputs", allow_missing=True)
        intermediates = self._indices(op.Intermediates, n_tensors, f"{what}: intermediates")
        options: dict[str, object] = {}
        for type_fn, table_fn, union in (
            (op.BuiltinOptionsType, op.BuiltinOptions, "BuiltinOptions"),
            (op.BuiltinOptions2Type, op.BuiltinOptions2, "BuiltinOptions2"),
        ):
            kind = type_fn()
            if kind:
                table = table_fn()
                read = read_options(union, kind, table) if table is not None else None
                if read:
                    options.update(read)
        # Positional, in Operator's field order (index, opcode, inputs, outputs,
        # intermediates, options, custom code, version).
        view = MappingProxyType(options)
        return Operator(index, opcode, inputs, outputs, intermediates, view, custom, version)

    def _metadata(self, n_buffers: int) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
        m = self.model
        names: list[str] = []
        offline: tuple[int, ...] | None = None
        for i in range(self._count(m.MetadataLength(), "the metadata table")):
            entry = m.Metadata(i)
            raw = entry.Name()
            label = raw.decode("utf-8", "replace") if raw else ""
            names.append(label)
            if label == OFFLINE_PLAN_METADATA:
                b = entry.Buffer()
                if not 0 <= b < n_buffers:
                    raise ModelError(f"{self.name}: metadata '{label}' names missing buffer {b}")
                import numpy as np  # only for models that carry an offline plan

                raw_plan = m.Buffers(b).DataAsNumpy()
                if isinstance(raw_plan, int) or len(raw_plan) % 4:
                    raise ModelError(f"{self.name}: metadata '{label}' is not a list of int32")
                words = np.frombuffer(raw_plan.tobytes(), dtype="<i4")
                if len(words) < 3 or len(words) != 3 + int(words[2]):
                    raise ModelError(f"{self.name}: metadata '{label}' has an inconsistent length")
                offline = tuple(int(w) for w in words[3:])
        return tuple(names), offline


__all__ = ["TYPE_SIZES", "load_model", "load_model_bytes", "snake_case"]
