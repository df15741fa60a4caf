"""A small .tflite writer (the TFLite schema's object API) for models the corpus lacks.

Tests build models with it that reach rules the corpus does not, and random graphs for
property tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def schema() -> Any:
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


def i32(*v: int) -> bytes:
    return np.array(v, dtype="<i4").tobytes()


def f32(n: int) -> bytes:
    return np.full(n, 0.5, dtype="<f4").tobytes()


def i8(n: int) -> bytes:
    return np.ones(n, dtype="i1").tobytes()


def i16(n: int) -> bytes:
    return np.ones(n, dtype="<i2").tobytes()


#: How a tensor type's values are stored (little-endian), for data given as numbers.
_STORED = {"INT8": "i1", "UINT8": "u1", "INT16": "<i2", "INT32": "<i4", "FLOAT32": "<f4"}


def stored(values: Any, dtype: str) -> bytes:
    """``values`` (numbers or an array) as a buffer of type ``dtype`` holds them."""
    return np.asarray(values, _STORED[dtype]).tobytes()


class Model:
    def __init__(self) -> None:
        s = schema()
        self.s = s
        self.m = s.ModelT()
        self.m.version = 3
        self.m.buffers = [s.BufferT()]
        self.m.operatorCodes = []
        self.m.subgraphs = []
        self.m.metadata = []
        self.codes: dict[str, int] = {}

    def code(self, name: str) -> int:
        if name not in self.codes:
            c = self.s.OperatorCodeT()
            value = getattr(self.s.BuiltinOperator, name)
            c.builtinCode, c.deprecatedBuiltinCode, c.version = value, min(value, 127), 1
            self.codes[name] = len(self.m.operatorCodes)
            self.m.operatorCodes.append(c)
        return self.codes[name]

    def buffer(self, data: bytes | None) -> int:
        b = self.s.BufferT()
        if data:
            b.data = np.frombuffer(data, dtype=np.uint8).copy()
        self.m.buffers.append(b)
        return len(self.m.buffers) - 1

    def subgraph(self) -> Sub:
        sg = Sub(self)
        self.m.subgraphs.append(sg.t)
        return sg

    def offline(self, offsets: list[int]) -> None:
        md = self.s.MetadataT()
        md.name = "OfflineMemoryAllocation"
        words = [1, len(self.m.subgraphs), len(offsets), *offsets]
        md.buffer = self.buffer(np.array(words, dtype="<i4").tobytes())
        self.m.metadata.append(md)

    def bytes(self) -> bytes:
        import flatbuffers

        b = flatbuffers.Builder(1024)
        b.Finish(self.m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())

    def write(self, path: Path) -> Path:
        path.write_bytes(self.bytes())
        return path


class Sub:
    def __init__(self, model: Model) -> None:
        self.model = model
        s = model.s
        self.t = s.SubGraphT()
        self.t.tensors, self.t.operators, self.t.inputs, self.t.outputs = [], [], [], []

    def tensor(
        self,
        shape: list[int],
        dtype: str = "INT8",
        data: Any = None,
        variable: bool = False,
        scale: float | list[float] | None = None,
        axis: int = 0,
        zero_point: int = 0,
    ) -> int:
        """A tensor; ``data`` is its buffer's bytes, or numbers stored as ``dtype``; with a
        ``scale`` (a list: per channel along ``axis``) it is quantized."""
        s = self.model.s
        t = s.TensorT()
        t.shape, t.type, t.name = (
            list(shape),
            getattr(s.TensorType, dtype),
            f"t{len(self.t.tensors)}",
        )
        t.isVariable = variable
        if data is not None and not isinstance(data, bytes):
            data = stored(data, dtype)
        t.buffer = self.model.buffer(data) if data is not None else 0
        if scale is not None:
            q = s.QuantizationParametersT()
            q.scale = scale if isinstance(scale, list) else [scale]
            q.zeroPoint = [zero_point] * len(q.scale)
            q.quantizedDimension = axis
            t.quantization = q
        self.t.tensors.append(t)
        return len(self.t.tensors) - 1

    def const(self, values: Any, dtype: str = "INT32", scale: float | None = None) -> int:
        """A constant tensor of ``values``, shaped as they are."""
        arr = np.asarray(values)
        return self.tensor(list(arr.shape), dtype, data=arr, scale=scale)

    def op(self, name: str, inputs: list[int], outputs: list[int], options: str = "", **kw) -> None:
        s = self.model.s
        o = s.OperatorT()
        o.opcodeIndex = self.model.code(name)
        o.inputs, o.outputs = inputs, outputs
        if options:
            opt = getattr(s, options + "T")()
            for k, v in kw.items():
                setattr(opt, k, v)
            o.builtinOptionsType = getattr(s.BuiltinOptions, options)
            o.builtinOptions = opt
        self.t.operators.append(o)

    def add(self, a: int, b: int, shape: list[int], dtype: str = "FLOAT32") -> int:
        y = self.tensor(shape, dtype)
        self.op("ADD", [a, b], [y], "AddOptions")
        return y

    def conv(
        self, x: int, hw: int, cin: int, cout: int, k: int, stride: int = 1
    ) -> tuple[int, int]:
        """An int8 CONV_2D (SAME padding, per-channel weights) on a square input of side
        ``hw``; returns the output tensor and its side."""
        out_hw = -(-hw // stride)
        w = self.tensor([cout, k, k, cin], data=i8(cout * k * k * cin), scale=[0.02] * cout)
        b = self.tensor([cout], "INT32", data=i32(*([0] * cout)), scale=[0.0004] * cout)
        y = self.tensor([1, out_hw, out_hw, cout], scale=0.1)
        self.op(
            "CONV_2D",
            [x, w, b],
            [y],
            "Conv2DOptions",
            padding=0,
            strideW=stride,
            strideH=stride,
            dilationWFactor=1,
            dilationHFactor=1,
        )
        return y, out_hw

    def depthwise(self, x: int, hw: int, c: int, stride: int = 1) -> tuple[int, int]:
        """An int8 3x3 DEPTHWISE_CONV_2D (SAME padding, multiplier 1); output and its side."""
        out_hw = -(-hw // stride)
        w = self.tensor([1, 3, 3, c], data=i8(9 * c), scale=[0.02] * c, axis=3)
        b = self.tensor([c], "INT32", data=i32(*([0] * c)), scale=[0.0004] * c)
        y = self.tensor([1, out_hw, out_hw, c], scale=0.1)
        self.op(
            "DEPTHWISE_CONV_2D",
            [x, w, b],
            [y],
            "DepthwiseConv2DOptions",
            padding=0,
            strideW=stride,
            strideH=stride,
            depthMultiplier=1,
            dilationWFactor=1,
            dilationHFactor=1,
        )
        return y, out_hw

    def io(self, inputs: list[int], outputs: list[int]) -> None:
        self.t.inputs, self.t.outputs = inputs, outputs


def vela_like_model(path: Path, side: int = 16) -> Path:
    """A model whose only operator is the custom ``ethos-u`` op of Vela-compiled models (a
    command-stream constant and an int8 image in, an int8 tensor out), written to ``path``."""
    s = schema()
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, side, side, 3], scale=0.1)
    stream = g.tensor([64], "UINT8", data=i8(64))
    y = g.tensor([1, side // 2, side // 2, 4], scale=0.1)
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.CUSTOM
    code.customCode = "ethos-u"
    m.m.operatorCodes.append(code)
    op = s.OperatorT()
    op.opcodeIndex = len(m.m.operatorCodes) - 1
    op.inputs, op.outputs = [stream, x], [y]
    g.t.operators.append(op)
    g.io([x], [y])
    return m.write(path)


def planned_buffer(i: int, size: int, first: int, last: int, offline: int | None = None) -> Any:
    """A planner ``Buffer`` for tensor ``i`` of subgraph 0, for planner unit tests."""
    from planner.runtimes.tflm.allocation_info import Buffer

    return Buffer(
        key=("tensor", 0, i),
        size_bytes=size,
        first_step=first,
        last_step=last,
        offline_offset=offline,
        subgraph=0,
        tensor_index=i,
        op_index=None,
        name=f"b{i}",
        requested_bytes=size,
    )
