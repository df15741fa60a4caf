"""Load a ``.tflite`` file into the immutable :class:`~planner.model.graph.Graph`.

The flatbuffer is read with the TFLite schema classes that Google generates and ships in
``ai-edge-litert`` (``ai_edge_litert.schema_py_generated``); no byte is decoded by hand. Every
way a file can be broken is turned into a one-line :class:`~planner.errors.ModelError`.

Speed without leaving the generated code: vector fields are read with the generated
``*AsNumpy`` accessors, each operator's options table is unpacked by its generated
object-API class found with one dict lookup (the schema's ``BuiltinOptionsCreator`` tests
~130 union members one by one), and the cyclic garbage collector is paused while the graph
is built (:mod:`planner._gc`).
"""

from __future__ import annotations

import functools
import re
import struct
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from planner._gc import gc_paused
from planner.errors import ModelError
from planner.model.graph import TYPE_SIZES, Graph, Operator, Quantization, Subgraph, Tensor

#: The schema version this planner reads (TFLite has used 3 since 2018).
SUPPORTED_SCHEMA_VERSION = 3
#: Largest dimension and element count accepted: far above any microcontroller model, low
#: enough that byte counts stay exact and nothing tries to allocate them.
MAX_DIMENSION = 1 << 31
MAX_ELEMENTS = 1 << 40
OFFLINE_PLAN_METADATA = "OfflineMemoryAllocation"


def _schema() -> Any:
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


@functools.cache
def _enum_names(enum_class: type) -> dict[int, str]:
    return {
        v: k for k, v in vars(enum_class).items() if not k.startswith("_") and isinstance(v, int)
    }


_TEXT_BYTES = frozenset(range(32, 127)) | {9, 10, 13}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@functools.cache
def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


@functools.cache
def _options_classes(union_name: str) -> dict[int, Any]:
    """Union type -> the generated object-API class (``Conv2DOptionsT``...) that the schema's
    ``BuiltinOptionsCreator`` / ``BuiltinOptions2Creator`` unpack that member with; the
    generated code pairs every member ``X`` with ``XT.InitFromBuf``."""
    s = _schema()
    out: dict[int, Any] = {}
    for member, value in vars(getattr(s, union_name)).items():
        if member.startswith("_") or not isinstance(value, int) or member == "NONE":
            continue
        unpacked = getattr(s, member + "T", None)
        if unpacked is not None:
            out.setdefault(value, unpacked)
    return out


def _plain(value: object) -> object:
    if isinstance(value, np.ndarray):
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
    except (
        IndexError,
        ValueError,
        struct.error,
        TypeError,
        AttributeError,
        OverflowError,
        UnicodeDecodeError,
        RecursionError,
        MemoryError,
    ) as exc:
        raise ModelError(
            f"{name}: corrupt or truncated TFLite flatbuffer ({type(exc).__name__}: {exc})"
        ) from exc


class _Reader:
    """Walks one flatbuffer; every vector length is checked against the file size."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name
        self.s = _schema()
        self.model = self.s.Model.GetRootAs(data, 0)
        self.type_names = _enum_names(self.s.TensorType)
        self.op_names = _enum_names(self.s.BuiltinOperator)

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
        )

    def _buffer_size(self, buf: Any, index: int) -> int:
        if buf is None:
            return 0
        offset, size = buf.Offset(), buf.Size()
        if offset > 1:
            # Data stored after the flatbuffer (models over 2 GB, or written that way).
            if offset + size > len(self.data):
                raise ModelError(
                    f"{self.name}: buffer {index} points at bytes {offset}..{offset + size}, "
                    f"beyond the end of the {len(self.data)}-byte file"
                )
            self.external.add(index)
            return int(size)
        n = buf.DataLength()
        if n:
            # Touch the vector so a length running past the file end is caught here.
            buf.DataAsNumpy()
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
        tensors = tuple(self._tensor(sg.Tensors(i), i, index) for i in range(n_tensors))
        n_ops = self._count(sg.OperatorsLength(), f"subgraph {index}'s operator table")
        operators = tuple(
            self._operator(sg.Operators(i), i, index, n_tensors) for i in range(n_ops)
        )
        inputs = self._indices(sg.InputsAsNumpy(), n_tensors, f"subgraph {index} inputs")
        outputs = self._indices(sg.OutputsAsNumpy(), n_tensors, f"subgraph {index} outputs")
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

    def _indices(
        self, arr: Any, n_tensors: int, what: str, allow_missing: bool = False
    ) -> tuple[int, ...]:
        if isinstance(arr, int):  # the generated code returns 0 for an absent vector
            return ()
        values = tuple(int(v) for v in arr)
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
        shape_arr = t.ShapeAsNumpy()
        shape = () if isinstance(shape_arr, int) else tuple(int(d) for d in shape_arr)
        sig_arr = t.ShapeSignatureAsNumpy()
        signature = None if isinstance(sig_arr, int) else tuple(int(d) for d in sig_arr)
        where = f"{self.name}: tensor {index} '{name}'" + (
            f" in subgraph {sg_index}" if sg_index else ""
        )
        for d in shape:
            if d < 0:
                raise ModelError(
                    f"{where} has a dynamic shape {list(shape)}; TFLM needs fixed shapes "
                    "(re-export the model with a fixed batch size, e.g. batch_size=1)"
                )
            if d > MAX_DIMENSION:
                raise ModelError(f"{where} has an implausible dimension {d} in shape {list(shape)}")
        elements = 1
        for d in shape:
            elements *= d
        if elements > MAX_ELEMENTS:
            raise ModelError(
                f"{where} has an implausible {elements} elements (shape {list(shape)})"
            )
        type_code = t.Type()
        dtype = self.type_names.get(type_code, f"TYPE_{type_code}")
        buffer = t.Buffer()
        if not 0 <= buffer < len(self.buffer_bytes):
            raise ModelError(
                f"{where} names buffer {buffer}, but the model has {len(self.buffer_bytes)} buffers"
            )
        data_bytes = self.buffer_bytes[buffer] if buffer else 0
        return Tensor(
            index=index,
            name=name,
            shape=shape,
            dtype=dtype,
            buffer=buffer,
            data_bytes=data_bytes,
            is_variable=bool(t.IsVariable()),
            quantization=self._quantization(t.Quantization()),
            shape_signature=signature,
            external_data=buffer in self.external,
        )

    @staticmethod
    def _quantization(q: Any) -> Quantization | None:
        if q is None:
            return None
        scales = q.ScaleAsNumpy()
        zero_points = q.ZeroPointAsNumpy()
        if isinstance(scales, int):
            return None
        return Quantization(
            scales=tuple(float(s) for s in scales),
            zero_points=() if isinstance(zero_points, int) else tuple(int(z) for z in zero_points),
            axis=int(q.QuantizedDimension()),
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
        inputs = self._indices(op.InputsAsNumpy(), n_tensors, f"{what}: inputs", allow_missing=True)
        outputs = self._indices(
            op.OutputsAsNumpy(), n_tensors, f"{what}: outputs", allow_missing=True
        )
        intermediates = self._indices(
            op.IntermediatesAsNumpy(), n_tensors, f"{what}: intermediates"
        )
        options: dict[str, object] = {}
        for type_fn, table_fn, union in (
            (op.BuiltinOptionsType, op.BuiltinOptions, "BuiltinOptions"),
            (op.BuiltinOptions2Type, op.BuiltinOptions2, "BuiltinOptions2"),
        ):
            kind = type_fn()
            if kind:
                unpacked = _options_classes(union).get(kind)
                table = table_fn()
                if unpacked is not None and table is not None:
                    obj = unpacked.InitFromBuf(table.Bytes, table.Pos)
                    options.update({_snake(k): _plain(v) for k, v in vars(obj).items()})
        return Operator(
            index=index,
            opcode=opcode,
            inputs=inputs,
            outputs=outputs,
            intermediates=intermediates,
            options=MappingProxyType(options),
            custom_code=custom,
            version=version,
        )

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
                raw_plan = m.Buffers(b).DataAsNumpy()
                if isinstance(raw_plan, int) or len(raw_plan) % 4:
                    raise ModelError(f"{self.name}: metadata '{label}' is not a list of int32")
                words = np.frombuffer(raw_plan.tobytes(), dtype="<i4")
                if len(words) < 3 or len(words) != 3 + int(words[2]):
                    raise ModelError(f"{self.name}: metadata '{label}' has an inconsistent length")
                offline = tuple(int(w) for w in words[3:])
        return tuple(names), offline


__all__ = ["TYPE_SIZES", "load_model", "load_model_bytes"]
