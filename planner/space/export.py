"""Write a built subnet as a ``.tflite`` flatbuffer that TFLM loads, with random int8 weights.

The model is assembled with the TFLite schema's object API (``ai_edge_litert``'s ``ModelT``
and friends, as :mod:`planner.rewrite` packs models): one subgraph, one buffer per constant
tensor (written 16-byte aligned, as the converter does), no metadata. Weight values are
random (memory does not depend on them); MEAN's axes are the real ``[1, 2]``.

The file's size (what TFLM keeps in flash) does not depend on the weight values. Packing a
model in Python takes about 0.1 s, too slow for thousands of subnets, so the explorer uses
:func:`file_bytes_bound`, an upper bound that is exact for the weights and bounds the
flatbuffer structure around them (4 to 6 KiB, under 2 %, above the real size on these models).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from planner.model.schema import tflite_object_api
from planner.model.tflite_writer import pack_aligned_bytes
from planner.space.build import OPTIONS_TABLES, BuiltNetwork, options_fields
from planner.space.pipeline import Graph, PlannerError, Tensor


def _pack_buffer(builder: Any, s: Any, payload: bytes | None) -> int:
    """A ``Buffer`` table whose data vector starts on a 16-byte boundary."""
    data = pack_aligned_bytes(builder, payload) if payload else None
    s.BufferStart(builder)
    if data is not None:
        s.BufferAddData(builder, data)
    return int(s.BufferEnd(builder))


def _tensor_t(s: Any, t: Tensor) -> Any:
    out = s.TensorT()
    out.shape = np.asarray(t.shape, dtype=np.int32)
    out.type = getattr(s.TensorType, t.dtype)
    out.buffer = t.buffer
    out.name = t.name
    if t.quantization is not None:
        q = s.QuantizationParametersT()
        q.scale = np.asarray(t.quantization.scales, dtype=np.float32)
        q.zeroPoint = np.asarray(t.quantization.zero_points, dtype=np.int64)
        q.quantizedDimension = t.quantization.axis
        out.quantization = q
    return out


def _model_t(s: Any, graph: Graph) -> Any:
    sg = graph.main
    model = s.ModelT()
    model.version = 3
    model.description = graph.description or None
    codes: dict[str, int] = {}
    model.operatorCodes = []
    sub = s.SubGraphT()
    sub.name = sg.name
    sub.tensors = [_tensor_t(s, t) for t in sg.tensors]
    sub.inputs = np.asarray(sg.inputs, dtype=np.int32)
    sub.outputs = np.asarray(sg.outputs, dtype=np.int32)
    sub.operators = []
    for op in sg.operators:
        if op.opcode not in codes:
            code = s.OperatorCodeT()
            value = getattr(s.BuiltinOperator, op.opcode)
            code.builtinCode, code.deprecatedBuiltinCode = value, min(value, 127)
            code.version = op.version
            codes[op.opcode] = len(model.operatorCodes)
            model.operatorCodes.append(code)
        o = s.OperatorT()
        o.opcodeIndex = codes[op.opcode]
        o.inputs = np.asarray(op.inputs, dtype=np.int32)
        o.outputs = np.asarray(op.outputs, dtype=np.int32)
        table = OPTIONS_TABLES[op.opcode]
        options = getattr(s, table + "T")()
        for attr, key in options_fields(table):
            setattr(options, attr, op.options[key])
        o.builtinOptionsType = getattr(s.BuiltinOptions, table)
        o.builtinOptions = options
        sub.operators.append(o)
    model.subgraphs = [sub]
    return model


def _payloads(built: BuiltNetwork, rng: np.random.Generator | None) -> list[bytes | None]:
    """Buffer contents in buffer order (index 0 is the schema's empty sentinel)."""
    tensors = built.graph.main.tensors
    out: list[bytes | None] = [None] * (1 + max((t.buffer for t in tensors), default=0))
    for t in tensors:
        if not t.buffer:
            continue
        fixed = built.fixed_data.get(t.index)
        if fixed is not None:
            out[t.buffer] = fixed
        elif rng is None:
            out[t.buffer] = bytes(t.data_bytes)
        elif t.dtype == "INT32":  # biases: small values around 0
            out[t.buffer] = rng.integers(-256, 256, t.elements, dtype="<i4").tobytes()
        else:
            out[t.buffer] = rng.integers(-127, 128, t.data_bytes, dtype=np.int8).tobytes()
    return out


def model_bytes(built: BuiltNetwork, seed: int | None = 0) -> bytes:
    """The subnet's ``.tflite`` bytes; weights random from ``seed``, or zeros for ``None``."""
    import flatbuffers  # type: ignore[import-untyped]

    s = tflite_object_api()
    model = _model_t(s, built.graph)
    rng = None if seed is None else np.random.default_rng(seed)
    payloads = _payloads(built, rng)
    weights = sum(len(p) for p in payloads if p)
    builder = flatbuffers.Builder(weights + 64 * 1024)
    # Pack the buffers first (the builder writes back to front, so they end up last in the
    # file, as the converter places them), then the model that points at them.
    offsets = [_pack_buffer(builder, s, p) for p in payloads]
    model.buffers = None
    root = _pack_model(builder, s, model, offsets)
    builder.Finish(root, file_identifier=b"TFL3")
    return bytes(builder.Output())


def _pack_model(builder: Any, s: Any, model: Any, buffer_offsets: list[int]) -> int:
    """``ModelT.Pack`` with the already packed buffer tables."""
    codes = [c.Pack(builder) for c in model.operatorCodes]
    s.ModelStartOperatorCodesVector(builder, len(codes))
    for c in reversed(codes):
        builder.PrependUOffsetTRelative(c)
    codes_vec = builder.EndVector()
    subs = [g.Pack(builder) for g in model.subgraphs]
    s.ModelStartSubgraphsVector(builder, len(subs))
    for g in reversed(subs):
        builder.PrependUOffsetTRelative(g)
    subs_vec = builder.EndVector()
    description = builder.CreateString(model.description) if model.description else None
    s.ModelStartBuffersVector(builder, len(buffer_offsets))
    for b in reversed(buffer_offsets):
        builder.PrependUOffsetTRelative(b)
    buffers_vec = builder.EndVector()
    s.ModelStart(builder)
    s.ModelAddVersion(builder, model.version)
    s.ModelAddOperatorCodes(builder, codes_vec)
    s.ModelAddSubgraphs(builder, subs_vec)
    if description is not None:
        s.ModelAddDescription(builder, description)
    s.ModelAddBuffers(builder, buffers_vec)
    return int(s.ModelEnd(builder))


#: Upper bounds of the flatbuffer bytes around each item, from the schema's tables as the
#: generated ``Pack`` methods write them: an entry in the parent's offset vector (4), the table
#: (4-byte vtable offset + its fields, padded to 4; vtables are shared between tables of the
#: same layout and counted in the fixed part), vector length prefixes (4) and alignment.
#: Checked against packed files in tests/test_space_build.py: never below the real size.
_FILE_FIXED = 1_024  # header, Model and SubGraph tables, every distinct vtable, buffer 0
_PER_TENSOR = 4 + 24 + (4 + 1 + 3) + 4  # entry, table, name (length, NUL, pad), shape length
_PER_QUANTIZATION = 16 + 4 + (4 + 4)  # table, scale length, zero-point length + 8-byte pad
_PER_BUFFER = 4 + 8 + 4 + 15  # entry, table, data length, 16-byte alignment of the data
_PER_OPERATOR = 4 + 24 + 4 + 4 + 36  # entry, table, inputs and outputs lengths, options
_PER_OPCODE = 4 + 16


def file_bytes_bound(graph: Graph) -> int:
    """An upper bound of the exported file's size, without packing it (packing costs ~0.1 s
    in Python): the exact weight bytes plus bounded structure around them."""
    sg = graph.main
    total = _FILE_FIXED + len(graph.description) + _PER_OPCODE * len(graph.opcodes)
    for t in sg.tensors:
        total += _PER_TENSOR + 4 * len(t.shape) + len(t.name.encode())
        if t.data_bytes:
            total += _PER_BUFFER + t.data_bytes
        q = t.quantization
        if q is not None:
            total += _PER_QUANTIZATION + 4 * len(q.scales) + 8 * len(q.zero_points)
    for op in sg.operators:
        total += _PER_OPERATOR + 4 * (len(op.inputs) + len(op.outputs))
    return total + 2 * 8 * len(sg.inputs + sg.outputs)


def with_file_bytes(built: BuiltNetwork, exact: bool = False) -> BuiltNetwork:
    """The network with its graph's ``file_bytes`` set: the exported file's exact size when
    ``exact`` (packs the model), else :func:`file_bytes_bound` (never below it)."""
    size = len(model_bytes(built, seed=None)) if exact else file_bytes_bound(built.graph)
    return replace(built, graph=replace(built.graph, file_bytes=size))


def write_model(built: BuiltNetwork, path: Path, seed: int = 0) -> int:
    """Write the subnet to ``path``; returns the bytes written."""
    data = model_bytes(built, seed)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise PlannerError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return len(data)
