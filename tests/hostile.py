"""Hostile models: structurally valid flatbuffers that are semantically broken, unusual but
valid layouts, and models built to make a careless planner slow.

Each case builds a model with tests/builder.py's writer and says what the planner must do:

- ``refuse``: exit 2 with one line "TFLM will refuse this model: ..." (or another one-line
  model error) containing every needle;
- ``runtime``: the figures must agree with the real TFLM runtime (never under-predict);
- ``fast``: the model is fine; it only has to be handled in seconds.

Run one by hand:  python -m tests.hostile OUTDIR  (writes every case's model there).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import prepare_models as pm
from .builder import Model, Sub, i8, i32, schema

REFUSED = "TFLM will refuse this model"


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], Path]
    kind: str  # "refuse" | "runtime" | "fast"
    needles: tuple[str, ...] = ()


def _chain(m: Model, side: int = 8, channels: int = 4) -> tuple[Sub, int, int]:
    """An int8 CONV_2D on a ``side`` x ``side`` x ``channels`` image: (subgraph, in, out)."""
    g = m.subgraph()
    x = g.tensor([1, side, side, channels], scale=0.1)
    y, _ = g.conv(x, side, channels, channels, 3)
    g.io([x], [y])
    return g, x, y


def _write(m: Model, d: Path, name: str) -> Path:
    return m.write(d / f"{name}.tflite")


def _edit_chain(name: str, edit: Callable[[Model, Sub, int, int], None]) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        m = Model()
        g, x, y = _chain(m)
        edit(m, g, x, y)
        return _write(m, d, name)

    return build


def _retype(dtype: str | int) -> Callable[[Model, Sub, int, int], None]:
    def edit(m: Model, g: Sub, x: int, y: int) -> None:
        t = g.t.tensors[y]
        t.type = dtype if isinstance(dtype, int) else getattr(m.s.TensorType, dtype)
        t.quantization = None

    return edit


def _weights(g: Sub) -> Any:
    return g.t.tensors[g.t.operators[0].inputs[1]]


def _quant(**fields: Any) -> Callable[[Model, Sub, int, int], None]:
    def edit(m: Model, g: Sub, x: int, y: int) -> None:
        q = _weights(g).quantization
        for k, v in fields.items():
            setattr(q, k, v)

    return edit


def _act_scale(value: float) -> Callable[[Model, Sub, int, int], None]:
    def edit(m: Model, g: Sub, x: int, y: int) -> None:
        g.t.tensors[y].quantization.scale = [value]

    return edit


def _set_op(**fields: Any) -> Callable[[Model, Sub, int, int], None]:
    def edit(m: Model, g: Sub, x: int, y: int) -> None:
        op = g.t.operators[0]
        for k, v in fields.items():
            if k in ("inputs", "outputs", "intermediates"):
                setattr(op, k, v(op) if callable(v) else v)
            else:
                setattr(op.builtinOptions, k, v)

    return edit


def _int4_short(d: Path) -> Path:
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 3], scale=0.1)
    w = g.tensor([3, 3], "INT4", data=i8(4), scale=[0.02])  # 9 nibbles need 5 bytes
    b = g.tensor([3], "INT32", data=i32(0, 0, 0), scale=[0.002])
    y = g.tensor([1, 3], scale=0.1)
    g.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions")
    g.io([x], [y])
    return _write(m, d, "int4_short")


def _int4_odd(d: Path) -> Path:
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 9], "INT4", scale=0.1)
    y = g.tensor([1, 9], "INT4", scale=0.1)
    g.op("ADD", [x, x], [y], "AddOptions")
    g.io([x], [y])
    return _write(m, d, "int4_odd")


def _reshape_larger(d: Path) -> Path:
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 8], scale=0.1)
    shape = g.tensor([2], "INT32", data=i32(1, 16))
    y = g.tensor([1, 16], scale=0.1)
    g.op("RESHAPE", [x, shape], [y])
    g.io([x], [y])
    return _write(m, d, "reshape_larger")


def _concat(n: int) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        xs = [g.tensor([1, 1], scale=0.1) for _ in range(n)]
        y = g.tensor([1, n], scale=0.1)
        g.op("CONCATENATION", xs, [y], "ConcatenationOptions", axis=1)
        g.io(xs, [y])
        return _write(m, d, f"concat_{n}")

    return build


def _call_once(options: bool, target: int = 1, name: str = "call_once") -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        m = Model()
        g, _, _ = _chain(m)
        if options:
            g.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=target)
        else:
            g.op("CALL_ONCE", [], [])
        g.t.operators.insert(0, g.t.operators.pop())
        init = m.subgraph()
        init.io([], [])
        return _write(m, d, name)

    return build


def _while(name: str, cond_inputs: int, body_grows: bool) -> Callable[[Path], Path]:
    """A WHILE carrying one [1, 4] int32 value: its cond subgraph takes ``cond_inputs``
    values (1 is right), its body ADDs the value to itself or, ``body_grows``, concatenates
    it with itself into [1, 8]."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([1, 4], "INT32")
        y = g.tensor([1, 4], "INT32")
        g.op("WHILE", [x], [y], "WhileOptions", condSubgraphIndex=1, bodySubgraphIndex=2)
        g.io([x], [y])
        cond = m.subgraph()
        a = cond.tensor([1, 4], "INT32")
        if cond_inputs == 2:
            b = cond.tensor([1, 4], "INT32")
        else:
            b = cond.tensor([1, 4], "INT32", data=i32(9, 9, 9, 9))
        flag = cond.tensor([1], "BOOL")
        cond.op("LESS", [a, b], [flag])
        cond.io([a, b] if cond_inputs == 2 else [a], [flag])
        body = m.subgraph()
        p = body.tensor([1, 4], "INT32")
        if body_grows:
            q = body.tensor([1, 8], "INT32")
            body.op("CONCATENATION", [p, p], [q], "ConcatenationOptions", axis=1)
        else:
            q = body.tensor([1, 4], "INT32")
            body.op("ADD", [p, p], [q], "AddOptions")
        body.io([p], [q])
        return _write(m, d, name)

    return build


def _if_call(then: int, name: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        c = g.tensor([1], "BOOL")
        x = g.tensor([1, 4], "INT32")
        y = g.tensor([1, 4], "INT32")
        g.op("IF", [c, x], [y], "IfOptions", thenSubgraphIndex=then, elseSubgraphIndex=1)
        g.io([c, x], [y])
        e = m.subgraph()
        p = e.tensor([1, 4], "INT32")
        q = e.tensor([1, 4], "INT32")
        e.op("ADD", [p, p], [q], "AddOptions")
        e.io([p], [q])
        return _write(m, d, name)

    return build


def _two_adds(name: str, wire: Callable[[Sub, list[int]], None]) -> Callable[[Path], Path]:
    """Two int8 ADDs over tensors t0..t3 (t0 input); ``wire`` sets their inputs/outputs."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        ts = [g.tensor([1, 8], scale=0.1) for _ in range(4)]
        g.op("ADD", [ts[0], ts[0]], [ts[1]], "AddOptions")
        g.op("ADD", [ts[1], ts[1]], [ts[2]], "AddOptions")
        g.io([ts[0]], [ts[2]])
        wire(g, ts)
        return _write(m, d, name)

    return build


def _ops(g: Sub) -> Any:
    return g.t.operators


def _cycle(g: Sub, ts: list[int]) -> None:
    _ops(g)[0].inputs = [ts[0], ts[2]]  # op 0 reads op 1's output, op 1 reads op 0's


def _out_of_order(g: Sub, ts: list[int]) -> None:
    _ops(g).reverse()  # the consumer first


def _two_writers(g: Sub, ts: list[int]) -> None:
    _ops(g)[1].outputs = [ts[1]]
    _ops(g)[1].inputs = [ts[0], ts[0]]


def _output_unwritten(g: Sub, ts: list[int]) -> None:
    g.t.outputs = [ts[2], ts[3]]


def _read_unwritten(g: Sub, ts: list[int]) -> None:
    _ops(g)[1].inputs = [ts[1], ts[3]]


def _activation_with_weights(d: Path) -> Path:
    m = Model()
    g, _, y = _chain(m)
    g.t.tensors[y].buffer = m.buffer(i8(8 * 8 * 4))
    return _write(m, d, "activation_with_weights")


def _short_weights(d: Path) -> Path:
    m = Model()
    g, _, _ = _chain(m)
    w = _weights(g)
    w.buffer = m.buffer(i8(10))
    return _write(m, d, "short_weights")


def _offline(offsets: Callable[[int], list[int]], name: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([1, 64], scale=0.1)
        h = g.tensor([1, 64], scale=0.1)
        y = g.tensor([1, 64], scale=0.1)
        g.op("ADD", [x, x], [h], "AddOptions")
        g.op("ADD", [h, x], [y], "AddOptions")
        g.io([x], [y])
        m.offline(offsets(len(g.t.tensors)))
        return _write(m, d, name)

    return build


def _binary(
    name: str, a: tuple[list[int], str], b: tuple[list[int], str], out: tuple[list[int], str]
) -> Callable[[Path], Path]:
    """One ADD of two activations (shape, type) into an output (shape, type)."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x, y, z = (
            g.tensor(shape, dtype, scale=None if dtype.startswith("FLOAT") else 0.1)
            for shape, dtype in (a, b, out)
        )
        g.op("ADD", [x, y], [z], "AddOptions")
        g.io([x, y], [z])
        return _write(m, d, name)

    return build


def _conv_output(shape: list[int]) -> Callable[[Path], Path]:
    """A 3x3 SAME CONV_2D on 16x16x8 whose output is declared ``shape``."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([1, 16, 16, 8], scale=0.1)
        y, _ = g.conv(x, 16, 8, 8, 3)
        g.t.tensors[y].shape = shape
        g.io([x], [y])
        return _write(m, d, "conv_output_" + "x".join(map(str, shape)))

    return build


def _int8_without_quantization(d: Path) -> Path:
    m = Model()
    g, x, y = _chain(m)
    g.t.tensors[x].quantization = None
    g.t.tensors[y].quantization = None
    return _write(m, d, "int8_no_quantization")


def _unknown_builtin(d: Path) -> Path:
    """An operator whose builtin code no schema names (9999)."""
    m = Model()
    _chain(m)
    code = m.m.operatorCodes[0]
    code.builtinCode, code.deprecatedBuiltinCode = 9999, 127
    return _write(m, d, "builtin_9999")


def _deprecated_127(d: Path) -> Path:
    """CONV_2D in ``builtin_code`` with 127 in ``deprecated_builtin_code``: the larger, 127
    (PLACEHOLDER_FOR_GREATER_OP_CODES), is the operator TFLM looks up, and it has no kernel."""
    m = Model()
    _chain(m)
    code = m.m.operatorCodes[0]
    code.deprecatedBuiltinCode = 127
    return _write(m, d, "deprecated_127")


def _buffer0_data(n: int) -> Callable[[Path], Path]:
    """``n`` bytes in buffer 0, which the chain's activations use: TFLM reads buffer 0 like
    any other, so they become constants in the (read-only) model."""

    def build(d: Path) -> Path:
        m = Model()
        _chain(m)
        m.m.buffers[0].data = np.zeros(n, np.uint8)
        return _write(m, d, f"buffer0_{n}")

    return build


def _repeated_output(n: int) -> Callable[[Path], Path]:
    """One tensor listed ``n`` times as a model output (TFLM allocates a TfLiteTensor each)."""

    def build(d: Path) -> Path:
        m = Model()
        g, _, y = _chain(m)
        g.t.outputs = [y] * n
        return _write(m, d, f"repeated_output_{n}")

    return build


def _uncalled_copy(d: Path) -> Path:
    m = Model()
    _chain(m)
    _chain(m)
    return _write(m, d, "uncalled_copy_of_main")


def _self_call(d: Path) -> Path:
    m = Model()
    g, _, _ = _chain(m)
    g.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=1)
    sub = m.subgraph()
    sub.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=1)
    sub.io([], [])
    return _write(m, d, "self_call")


def _external_weights(d: Path) -> Path:
    """Weights stored after the flatbuffer, named by ``Buffer.offset/size``."""
    m = Model()
    g, _, _ = _chain(m, side=16, channels=8)
    w = _weights(g)
    data = i8(8 * 3 * 3 * 8)
    m.m.buffers[w.buffer].data = None
    path = _write(m, d, "external_weights")
    raw = bytearray(path.read_bytes())
    while len(raw) % 16:
        raw.append(0)
    model = schema().ModelT.InitFromPackedBuf(bytes(raw), 0)
    model.buffers[w.buffer].offset = 1 << 20  # placeholder, fixed below
    model.buffers[w.buffer].size = len(data)
    import flatbuffers

    for _ in range(2):  # the offset depends on the packed size: pack, measure, repack
        b = flatbuffers.Builder(1024)
        b.Finish(model.Pack(b), file_identifier=b"TFL3")
        head = bytes(b.Output())
        offset = -(-len(head) // 16) * 16
        model.buffers[w.buffer].offset = offset
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    head = bytes(b.Output())
    assert -(-len(head) // 16) * 16 == offset
    path.write_bytes(head + bytes(offset - len(head)) + data)
    return path


def _weights_at_offset(offset: int) -> Callable[[Path], Path]:
    """Weights whose buffer gives a size at offset 0 or 1 (not a valid place) and no data."""

    def build(d: Path) -> Path:
        m = Model()
        g, _, _ = _chain(m, side=16, channels=8)
        w = _weights(g)
        m.m.buffers[w.buffer].data = None
        path = _write(m, d, f"weights_offset_{offset}")
        model = schema().ModelT.InitFromPackedBuf(path.read_bytes(), 0)
        model.buffers[w.buffer].offset = offset
        model.buffers[w.buffer].size = 8 * 3 * 3 * 8
        import flatbuffers

        b = flatbuffers.Builder(1024)
        b.Finish(model.Pack(b), file_identifier=b"TFL3")
        path.write_bytes(bytes(b.Output()))
        return path

    return build


def _one_op(
    name: str,
    opcode: str,
    dtype: str,
    out: tuple[float, int],
    options: str = "",
    ins: tuple[tuple[float, int], ...] = ((0.1, 0),),
    **kw: Any,
) -> Callable[[Path], Path]:
    """One ``opcode`` on [1, 32] ``dtype`` tensors: inputs and output quantized as given
    (scale, zero point), to reach what its Prepare requires of them."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        xs = [g.tensor([1, 32], dtype, scale=sc, zero_point=zp) for sc, zp in ins]
        y = g.tensor([1, 32 * (len(xs) if opcode == "CONCATENATION" else 1)], dtype,
                     scale=out[0], zero_point=out[1])  # fmt: skip
        g.op(opcode, xs, [y], options, **kw)
        g.io(xs, [y])
        return _write(m, d, name)

    return build


def _gather_resized(d: Path) -> Path:
    """GATHER declaring a [1, 1] output where it computes [128, 1024]: TFLM plans 128 KiB."""
    m = Model()
    g = m.subgraph()
    x, y = g.tensor([128, 1024], scale=0.1), g.tensor([1, 1], scale=0.1)
    g.op("GATHER", [x, g.const(np.arange(128, dtype=np.int32))], [y], "GatherOptions", axis=0)
    g.io([x], [y])
    return _write(m, d, "gather_resized")


def _shaped(
    name: str,
    opcode: str,
    shapes: tuple[list[int], list[int]],
    second: list[int] | None = None,
    options: str = "",
    **kw: Any,
) -> Callable[[Path], Path]:
    """One int8 ``opcode`` from shape to shape, with constant int32 operands ``second``
    (one vector per extra input, each the same)."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x, y = g.tensor(shapes[0], scale=0.1), g.tensor(shapes[1], scale=0.1)
        extra = (
            []
            if second is None
            else [g.const(np.array(second, dtype=np.int32))]
            * (3 if opcode == "STRIDED_SLICE" else 1)
        )
        g.op(opcode, [x, *extra], [y], options, **kw)
        g.io([x], [y])
        return _write(m, d, name)

    return build


def _svdf_state_input(d: Path) -> Path:
    """SVDF whose activation state (input 4) is a model input, not a variable tensor."""
    m = Model()
    g = m.subgraph()
    x, state = g.tensor([1, 16]), g.tensor([1, 80])
    wf = g.tensor([8, 16], data=i8(8 * 16))
    wt = g.tensor([8, 10], data=i8(8 * 10))
    b = g.tensor([8], "INT32", data=i32(*[0] * 8))
    y = g.tensor([1, 8])
    for t in (x, state, wf, wt, y):
        g.t.tensors[t].type = m.s.TensorType.FLOAT32
    g.t.tensors[b].type = m.s.TensorType.FLOAT32
    g.op("SVDF", [x, wf, wt, b, state], [y], "SVDFOptions", rank=1)
    g.io([x, state], [y])
    return _write(m, d, "svdf_state_input")


def _conv_int16_filter(d: Path) -> Path:
    m = Model()
    g = m.subgraph()
    x, y = g.tensor([1, 4, 4, 2], scale=0.1), g.tensor([1, 4, 4, 2], scale=0.1)
    w = g.tensor([2, 1, 1, 2], "INT16", data=np.ones(4, dtype=np.int16), scale=0.01)
    b = g.tensor([2], "INT32", data=i32(0, 0), scale=0.001)
    g.op("CONV_2D", [x, w, b], [y], "Conv2DOptions", padding=0, strideW=1, strideH=1)
    g.io([x], [y])
    return _write(m, d, "conv_int16_filter")


def _empty_subgraph_passthrough(d: Path) -> Path:
    """A subgraph with no operators whose input is its output."""
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 10], scale=0.1)
    g.io([x], [x])
    return _write(m, d, "passthrough")


def _empty_subgraph_called(d: Path) -> Path:
    m = Model()
    g = m.subgraph()
    c = g.tensor([1], "BOOL")
    x = g.tensor([1, 24], "INT32")
    y = g.tensor([1, 24], "INT32")
    g.op("IF", [c, x], [y], "IfOptions", thenSubgraphIndex=1, elseSubgraphIndex=1)
    g.io([c, x], [y])
    e = m.subgraph()
    p = e.tensor([1, 24], "INT32")
    e.io([p], [p])
    return _write(m, d, "if_passthrough")


def _int32_overflow(d: Path) -> Path:
    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 8], scale=0.1)
    y = g.tensor([1, 8], scale=0.1)
    g.op("ADD", [x, x], [y], "AddOptions")
    big = g.tensor([65536, 65536, 2], "INT32")  # 2^33 elements: an unused activation
    g.io([x], [y])
    del big
    return _write(m, d, "int32_overflow")


def _diamond(depth: int) -> Callable[[Path], Path]:
    """Subgraph k calls subgraph k+1 twice (two CALL_ONCE): 2^depth walks when unmemoised."""

    def build(d: Path) -> Path:
        m = Model()
        g, _, _ = _chain(m)
        g.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=1)
        for k in range(1, depth + 1):
            s = m.subgraph()
            if k < depth:
                for _ in range(2):
                    s.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=k + 1)
            s.io([], [])
        return _write(m, d, f"diamond_{depth}")

    return build


def _copies(n: int) -> Callable[[Path], Path]:
    """Subgraph 0 calls ``n`` copies of a small subgraph, each with CALL_ONCE."""

    def build(d: Path) -> Path:
        m = Model()
        g, _, _ = _chain(m)
        for k in range(n):
            g.op("CALL_ONCE", [], [], "CallOnceOptions", initSubgraphIndex=k + 1)
        for _ in range(n):
            s = m.subgraph()
            a = s.tensor([1, 4], "INT32", data=i32(1, 2, 3, 4))
            b = s.tensor([1, 4], "INT32")
            s.op("ADD", [a, a], [b], "AddOptions")
            s.io([], [])
        return _write(m, d, f"copies_{n}")

    return build


def _many_outputs(n: int) -> Callable[[Path], Path]:
    """An UNPACK (SPLIT-like) operator with ``n`` outputs."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([n, 4], scale=0.1)
        ys = [g.tensor([4], scale=0.1) for _ in range(n)]
        g.op("UNPACK", [x], ys, "UnpackOptions", num=n, axis=0)
        g.io([x], ys)
        return _write(m, d, f"outputs_{n}")

    return build


def _unused_tensors(n: int) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        m = Model()
        g, _, _ = _chain(m)
        s = m.s
        proto = g.t.tensors[0]
        for k in range(n):
            t = s.TensorT()
            t.shape, t.type, t.name, t.buffer = [1, 4], proto.type, f"u{k}", 0
            g.t.tensors.append(t)
        return _write(m, d, f"unused_{n}")

    return build


def _wide_live(n: int) -> Callable[[Path], Path]:
    """``n`` branches off the input (RELU or PAD), every one a model output, so all stay live
    to the end, and a chain of ``n`` ADDs: 2n operators, n buffers live at once."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([1, 64], scale=0.1)
        branches = []
        for i in range(n):
            k = i % 7
            y = g.tensor([1, 64 + k * 16], scale=0.1)
            if k == 0:
                g.op("RELU", [x], [y])
            else:
                g.op("PAD", [x, g.const(np.array([[0, 0], [0, k * 16]], dtype=np.int32))], [y])
            branches.append(y)
        acc = branches[0]
        for _ in branches[1:]:
            z = g.tensor([1, 64], scale=0.1)
            g.op("ADD", [acc, acc], [z], "AddOptions")
            acc = z
        g.io([x], [acc, *branches[1:]])
        return _write(m, d, f"wide_live_{n}")

    return build


def _conv_chain(n: int) -> Callable[[Path], Path]:
    """A chain of ``n`` small int8 3x3 convolutions (8x8x4)."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = t = g.tensor([1, 8, 8, 4], scale=0.1)
        for _ in range(n):
            t, _ = g.conv(t, 8, 4, 4, 3)
        g.io([x], [t])
        return _write(m, d, f"conv_chain_{n}")

    return build


def _control_name(d: Path) -> Path:
    m = Model()
    g, _, y = _chain(m)
    g.t.tensors[y].type = m.s.TensorType.STRING
    g.t.tensors[y].name = "evil\nname\x1b[31m"
    return _write(m, d, "control_name")


def _operands(
    name: str,
    opcode: str,
    shapes: tuple[list[int], list[int]],
    operands: list[Any],
    options: str = "",
    dtype: str = "INT8",
    **kw: Any,
) -> Callable[[Path], Path]:
    """One ``opcode`` from an activation of ``shapes[0]`` to an output declared ``shapes[1]``,
    its further inputs constant int32 tensors of ``operands`` (None: a model input)."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        scale = 0.1 if dtype == "INT8" else None
        x, y = (g.tensor(shape, dtype, scale=scale) for shape in shapes)
        extra = [
            g.tensor([len(shapes[0]), 2], "INT32") if v is None else g.const(np.array(v, "<i4"))
            for v in operands
        ]
        g.op(opcode, [x, *extra], [y], options, **kw)
        g.io([x, *(t for t, v in zip(extra, operands, strict=True) if v is None)], [y])
        return _write(m, d, name)

    return build


def _pad_int64(d: Path) -> Path:
    """PAD with INT64 paddings, right as values: TFLM's Prepare reads them as int32 words."""
    m = Model()
    g = m.subgraph()
    x, y = g.tensor([1, 4, 4, 2], scale=0.1), g.tensor([1, 6, 6, 2], scale=0.1)
    paddings = np.array([[0, 0], [1, 1], [1, 1], [0, 0]], "<i8")
    g.op("PAD", [x, g.tensor([4, 2], "INT64", data=paddings.tobytes())], [y])
    g.io([x], [y])
    return _write(m, d, "pad_int64")


#: PAD's paddings of a [1, 4, 4, 2] input: one row and column on each side ([1, 6, 6, 2]).
PAD_HW = [[0, 0], [1, 1], [1, 1], [0, 0]]
#: STRIDED_SLICE's begin, end and strides taking every other row of a [1, 8, 8] input.
EVERY_OTHER_ROW = [[0, 0, 0], [1, 8, 8], [1, 2, 1]]


def lstm(
    name: str,
    *,
    recurrent: tuple[int, int] | None = None,
    cell_variable: bool = True,
    out_cells: int | None = None,
) -> Callable[[Path], Path]:
    """A float32 UNIDIRECTIONAL_SEQUENCE_LSTM over [1, 6, 4] with 8 cells (the shapes TFLM's
    Prepare requires), or with recurrent weights of ``recurrent``, a cell state that is not a
    variable, or an output of ``out_cells`` cells."""
    steps, n_input, n_cell = 6, 4, 8

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([1, steps, n_input], "FLOAT32")
        rec = recurrent or (n_cell, n_cell)
        weights = [g.const(np.full((n_cell, n_input), 0.1), "FLOAT32") for _ in range(4)]
        weights += [g.const(np.full(rec, 0.1), "FLOAT32") for _ in range(4)]
        biases = [g.const(np.zeros(n_cell), "FLOAT32") for _ in range(4)]
        hidden = g.tensor([1, n_cell], "FLOAT32", variable=True)
        cell = g.tensor([1, n_cell], "FLOAT32", variable=cell_variable)
        y = g.tensor([1, steps, out_cells or n_cell], "FLOAT32")
        inputs = [x, *weights, -1, -1, -1, *biases, -1, -1, hidden, cell, -1, -1, -1, -1]
        g.op(
            "UNIDIRECTIONAL_SEQUENCE_LSTM",
            inputs,
            [y],
            "UnidirectionalSequenceLSTMOptions",
            fusedActivationFunction=4,  # TANH
            cellClip=10.0,
        )
        g.io([x, *([] if cell_variable else [cell])], [y])
        return _write(m, d, name)

    return build


#: The models of the shape cases built right: every one allocates in TFLM and is accepted.
WELL_SHAPED: dict[str, Callable[[Path], Path]] = {
    "pad": _operands("pad_ok", "PAD", ([1, 4, 4, 2], [1, 6, 6, 2]), [PAD_HW]),
    "padv2": _operands("padv2_ok", "PADV2", ([1, 4, 4, 2], [1, 6, 6, 2]), [PAD_HW]),
    "mirror_pad": _operands(
        "mirror_pad_ok",
        "MIRROR_PAD",
        ([1, 4, 4, 2], [1, 6, 6, 2]),
        [PAD_HW],
        "MirrorPadOptions",
        mode=0,
    ),
    "expand_dims": _operands("expand_dims_ok", "EXPAND_DIMS", ([4, 8], [4, 1, 8]), [[1]]),
    "expand_dims_negative": _operands(
        "expand_dims_neg_ok", "EXPAND_DIMS", ([4, 8], [4, 8, 1]), [[-1]]
    ),
    "strided_slice": _operands(
        "ss_ok", "STRIDED_SLICE", ([1, 8, 8], [1, 4, 8]), EVERY_OTHER_ROW, "StridedSliceOptions"
    ),
    "strided_slice_masks": _operands(
        "ss_masks_ok",
        "STRIDED_SLICE",
        ([1, 8, 8], [3, 3]),
        [[0, -1, 6], [1, 1, 1], [1, -3, -2]],
        "StridedSliceOptions",
        shrinkAxisMask=1,
        endMask=2,
        beginMask=4,
    ),
    "slice": _operands("slice_ok", "SLICE", ([1, 8, 8], [1, 4, 8]), [[0, 2, 0], [1, 4, -1]]),
    "relu": _operands("relu_ok", "RELU", ([1, 64], [1, 64]), []),
    "relu_reshaped": _operands("relu_reshaped_ok", "RELU", ([1, 64], [8, 8]), []),
    "lstm": lstm("lstm_ok"),
}

#: A tensor of a one-operator model: (shape, type, constant values or None, (scale, zero
#: point) or None). Activations are model inputs (or the output); constants are stored.
Spec = tuple[list[int], str, Any, "tuple[float, int] | None"]
#: Types these models store quantized (scale 0.1, zero point 0 unless given).
QUANTIZED = frozenset({"INT8", "INT16", "UINT8", "INT4"})
#: How each type's values are stored (INT4: one byte per element, enough for two).
_NUMPY = {"INT8": "i1", "UINT8": "u1", "INT16": "<i2", "INT32": "<i4", "INT64": "<i8",
          "FLOAT32": "<f4", "BOOL": "?", "INT4": "i1"}  # fmt: skip


def act(shape: list[int], dtype: str = "INT8", q: tuple[float, int] | None = None) -> Spec:
    """An activation of ``shape`` and ``dtype`` (quantized as ``q`` or at scale 0.1)."""
    return (shape, dtype, None, q)


def const(values: Any, dtype: str = "INT32", q: tuple[float, int] | None = None) -> Spec:
    """A constant tensor holding ``values``, shaped as they are."""
    arr = np.asarray(values)
    return (list(arr.shape), dtype, arr, q)


@dataclass(frozen=True)
class OneOp:
    """One operator on tensors of the given specs (None: an optional input left out)."""

    opcode: str
    inputs: tuple[Spec | None, ...]
    outputs: tuple[Spec, ...]
    options: str = ""
    kw: tuple[tuple[str, Any], ...] = ()
    #: Activations that are variable tensors (``"i4"``: input 4), not model inputs.
    variables: tuple[str, ...] = ()


def _spec_tensor(g: Sub, spec: Spec) -> int:
    shape, dtype, values, q = spec
    if q is None and dtype in QUANTIZED:
        q = (0.1, 0)
    data = None if values is None else np.asarray(values).astype(_NUMPY[dtype]).tobytes()
    return g.tensor(shape, dtype, data=data, scale=None if q is None else q[0],
                    zero_point=0 if q is None else q[1])  # fmt: skip


def _retyped(spec: Spec, dtype: str) -> Spec:
    """``spec`` as ``dtype``: the same shape and values; quantized as before unless retyped
    to a type these models do not quantize."""
    keep = dtype == spec[1] or dtype in QUANTIZED
    return (spec[0], dtype, spec[2], spec[3] if keep else None)


def typed(name: str, op: OneOp, **retype: str) -> Callable[[Path], Path]:
    """``op`` with its tensors retyped: ``i1="INT16"`` makes input 1 int16, ``o0`` output 0."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        specs = {f"i{k}": s for k, s in enumerate(op.inputs)}
        specs |= {f"o{k}": s for k, s in enumerate(op.outputs)}
        made = {
            key: -1 if s is None else _spec_tensor(g, _retyped(s, retype.get(key, s[1])))
            for key, s in specs.items()
        }
        for key in op.variables:
            g.t.tensors[made[key]].isVariable = True
        ins = [made[f"i{k}"] for k in range(len(op.inputs))]
        outs = [made[f"o{k}"] for k in range(len(op.outputs))]
        g.op(op.opcode, ins, outs, op.options, **dict(op.kw))
        feeds = [
            made[key]
            for key, s in specs.items()
            if key[0] == "i" and s is not None and s[2] is None and key not in op.variables
        ]
        g.io(feeds, outs)
        return _write(m, d, name)

    return build


def _if_typed(name: str, cond: str) -> Callable[[Path], Path]:
    """IF on a [1] condition of type ``cond`` whose branches add an int32 value to itself."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        c, x, y = g.tensor([1], cond), g.tensor([1, 4], "INT32"), g.tensor([1, 4], "INT32")
        g.op("IF", [c, x], [y], "IfOptions", thenSubgraphIndex=1, elseSubgraphIndex=1)
        g.io([c, x], [y])
        e = m.subgraph()
        p, q = e.tensor([1, 4], "INT32"), e.tensor([1, 4], "INT32")
        e.op("ADD", [p, p], [q], "AddOptions")
        e.io([p], [q])
        return _write(m, d, name)

    return build


_CONV_KW = (("padding", 1), ("strideW", 1), ("strideH", 1))
_POOL_KW = (*_CONV_KW[1:], ("padding", 1), ("filterWidth", 2), ("filterHeight", 2))
_SOFT = (1 / 256, -128)  # the int8 output SOFTMAX and LOGISTIC require
_X4 = act([1, 4, 4, 2])
#: Operators built with types their kernels accept: each allocates in TFLM. The hostile type
#: cases below change one or two of their tensors' types.
TYPED_RIGHT: dict[str, OneOp] = {
    "conv": OneOp(
        "CONV_2D",
        (_X4, const(np.ones((2, 1, 1, 2)), "INT8", (0.1, 0)), const([0, 0], "INT32", (0.01, 0))),
        (_X4,),
        "Conv2DOptions",
        _CONV_KW,
    ),
    "depthwise": OneOp(
        "DEPTHWISE_CONV_2D",
        (_X4, const(np.ones((1, 1, 1, 2)), "INT8", (0.1, 0)), const([0, 0], "INT32", (0.01, 0))),
        (_X4,),
        "DepthwiseConv2DOptions",
        (*_CONV_KW, ("depthMultiplier", 1)),
    ),
    "transpose_conv": OneOp(
        "TRANSPOSE_CONV",
        (
            const([1, 4, 4, 2]),
            const(np.ones((2, 1, 1, 2)), "INT8", (0.1, 0)),
            _X4,
            const([0, 0], "INT32", (0.01, 0)),
        ),
        (_X4,),
        "TransposeConvOptions",
        _CONV_KW,
    ),
    "fully_connected": OneOp(
        "FULLY_CONNECTED",
        (act([1, 8]), const(np.ones((4, 8)), "INT8", (0.1, 0)), const([0] * 4, "INT32", (0.01, 0))),
        (act([1, 4]),),
        "FullyConnectedOptions",
    ),
    "dequantize": OneOp("DEQUANTIZE", (act([1, 16]),), (act([1, 16], "FLOAT32"),)),
    "quantize": OneOp("QUANTIZE", (act([1, 16], "FLOAT32"),), (act([1, 16]),)),
    "reshape": OneOp("RESHAPE", (act([1, 16]), const([4, 4])), (act([4, 4]),)),
    "pad": OneOp("PAD", (act([1, 4]), const([[0, 0], [1, 1]])), (act([1, 6]),)),
    "padv2": OneOp(
        "PADV2", (act([1, 4]), const([[0, 0], [1, 1]]), const([0], "INT8")), (act([1, 6]),)
    ),
    "transpose": OneOp("TRANSPOSE", (act([2, 3]), const([1, 0])), (act([3, 2]),)),
    "concatenation": OneOp(
        "CONCATENATION",
        (act([1, 4]), act([1, 4])),
        (act([1, 8]),),
        "ConcatenationOptions",
        (("axis", 1),),
    ),
    "softmax": OneOp(
        "SOFTMAX", (act([1, 16]),), (act([1, 16], q=_SOFT),), "SoftmaxOptions", (("beta", 1.0),)
    ),
    "average_pool": OneOp(
        "AVERAGE_POOL_2D", (_X4,), (act([1, 2, 2, 2]),), "Pool2DOptions", _POOL_KW
    ),
    "gather": OneOp(
        "GATHER", (act([4, 3]), const([0, 2])), (act([2, 3]),), "GatherOptions", (("axis", 0),)
    ),
    "leaky_relu": OneOp(
        "LEAKY_RELU", (act([1, 16]),), (act([1, 16]),), "LeakyReluOptions", (("alpha", 0.2),)
    ),
    "logistic": OneOp("LOGISTIC", (act([1, 16]),), (act([1, 16], q=_SOFT),)),
    "tanh": OneOp("TANH", (act([1, 16]),), (act([1, 16], q=(1 / 128, 0)),)),
    "mean": OneOp(
        "MEAN", (_X4, const([1, 2])), (act([1, 1, 1, 2]),), "ReducerOptions", (("keepDims", True),)
    ),
    "exp": OneOp("EXP", (act([1, 16], "FLOAT32"),), (act([1, 16], "FLOAT32"),)),
    "select_v2": OneOp(
        "SELECT_V2",
        (act([1, 4], "BOOL"), act([1, 4], "FLOAT32"), act([1, 4], "FLOAT32")),
        (act([1, 4], "FLOAT32"),),
    ),
    "batch_matmul": OneOp(
        "BATCH_MATMUL",
        (act([1, 2, 3], "FLOAT32"), act([1, 3, 4], "FLOAT32")),
        (act([1, 2, 4], "FLOAT32"),),
        "BatchMatMulOptions",
    ),
    "depth_to_space": OneOp(
        "DEPTH_TO_SPACE",
        (act([1, 2, 2, 4]),),
        (act([1, 4, 4, 1]),),
        "DepthToSpaceOptions",
        (("blockSize", 2),),
    ),
    "gather_nd": OneOp("GATHER_ND", (act([4, 3]), const([[0], [2]])), (act([2, 3]),)),
    "floor_div": OneOp(
        "FLOOR_DIV", (act([1, 4], "INT32"), act([1, 4], "INT32")), (act([1, 4], "INT32"),)
    ),
    "embedding_lookup": OneOp(
        "EMBEDDING_LOOKUP",
        (const([0, 2]), const(np.ones((4, 3)), "FLOAT32")),
        (act([2, 3], "FLOAT32"),),
    ),
    "cumsum": OneOp(
        "CUMSUM", (act([2, 4], "FLOAT32"), const(1)), (act([2, 4], "FLOAT32"),), "CumsumOptions"
    ),
    "log_softmax": OneOp("LOG_SOFTMAX", (act([1, 16], "FLOAT32"),), (act([1, 16], "FLOAT32"),)),
    "abs": OneOp("ABS", (act([1, 16], "FLOAT32"),), (act([1, 16], "FLOAT32"),)),
    "broadcast_to": OneOp("BROADCAST_TO", (act([1, 4]), const([3, 4])), (act([3, 4]),)),
    "svdf": OneOp(
        "SVDF",
        (
            act([1, 16]),
            const(np.ones((8, 16)), "INT8", (0.1, 0)),
            const(np.ones((8, 10)), "INT16", (0.1, 0)),
            const([0] * 8, "INT32", (0.01, 0)),
            act([1, 80], "INT16"),
        ),
        (act([1, 8]),),
        "SVDFOptions",
        (("rank", 1),),
        ("i4",),
    ),
    "prelu": OneOp(
        "PRELU", (_X4, const(np.ones((1, 1, 2)), "INT8", (0.1, 0))), (act([1, 4, 4, 2]),)
    ),
    "reverse": OneOp("REVERSE_V2", (act([2, 3]), const([1])), (act([2, 3]),)),
    "l2_norm": OneOp(
        "L2_NORMALIZATION",
        (act([1, 16], "FLOAT32"),),
        (act([1, 16], "FLOAT32"),),
        "L2NormOptions",
    ),
}


def _counted(
    name: str,
    opcode: str,
    n_in: int,
    n_out: int,
    options: str = "",
    out: tuple[str, float | None, int] = ("INT8", 0.1, 0),
    **kw: Any,
) -> Callable[[Path], Path]:
    """One ``opcode`` with ``n_in`` int8 [1, 8] model inputs and ``n_out`` outputs of
    ``out`` = (type, scale, zero point): the right counts allocate in TFLM."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        xs = [g.tensor([1, 8], scale=0.1) for _ in range(n_in)]
        dtype, scale, zero_point = out
        ys = [g.tensor([1, 8], dtype, scale=scale, zero_point=zero_point) for _ in range(n_out)]
        g.op(opcode, xs, ys, options, **kw)
        g.io(xs, ys)
        return _write(m, d, name)

    return build


def _conv_inputs(n: int) -> Callable[[Model, Sub, int, int], None]:
    """The chain's CONV_2D with its first ``n`` inputs of (input, filter, bias, bias)."""

    def edit(m: Model, g: Sub, x: int, y: int) -> None:
        op = g.t.operators[0]
        op.inputs = [*op.inputs, op.inputs[2]][:n]

    return edit


def _concat_missing(d: Path) -> Path:
    """CONCATENATION of two inputs, the second -1 (NumInputs counts it: 2)."""
    m = Model()
    g = m.subgraph()
    x, y = g.tensor([1, 4], scale=0.1), g.tensor([1, 4], scale=0.1)
    g.op("CONCATENATION", [x, -1], [y], "ConcatenationOptions", axis=1)
    g.io([x], [y])
    return _write(m, d, "concat_missing")


def _packed(name: str, n_in: int, values_count: int) -> Callable[[Path], Path]:
    """PACK of ``n_in`` int8 [4] inputs into [values_count, 4]."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        xs = [g.tensor([4], scale=0.1) for _ in range(n_in)]
        y = g.tensor([values_count, 4], scale=0.1)
        g.op("PACK", xs, [y], "PackOptions", valuesCount=values_count, axis=0)
        g.io(xs, [y])
        return _write(m, d, name)

    return build


def _unpacked(name: str, n_out: int, num: int) -> Callable[[Path], Path]:
    """UNPACK of an int8 [num, 4] input into ``n_out`` [4] outputs."""

    def build(d: Path) -> Path:
        m = Model()
        g = m.subgraph()
        x = g.tensor([num, 4], scale=0.1)
        ys = [g.tensor([4], scale=0.1) for _ in range(n_out)]
        g.op("UNPACK", [x], ys, "UnpackOptions", num=num, axis=0)
        g.io([x], ys)
        return _write(m, d, name)

    return build


def _pad_valued(d: Path) -> Path:
    """PAD with its optional third input, an int8 constant value: 3 inputs."""
    m = Model()
    g = m.subgraph()
    x, y = g.tensor([1, 4, 4, 2], scale=0.1), g.tensor([1, 6, 6, 2], scale=0.1)
    value = g.tensor([], "INT8", data=i8(1), scale=0.1)
    g.op("PAD", [x, g.const(np.array(PAD_HW, "<i4")), value], [y])
    g.io([x], [y])
    return _write(m, d, "pad_valued")


#: SOFTMAX's int8 output quantization TFLM requires (scale 1/256, zero point -128).
SOFTMAX_OUT = ("INT8", 1 / 256, -128)
#: Each input/output count case below with the counts its kernel takes: it allocates.
RIGHT_COUNTS: dict[str, Callable[[Path], Path]] = {
    "MUL with 3 inputs": _counted("mul_ok", "MUL", 2, 1, "MulOptions"),
    "SPACE_TO_BATCH_ND without paddings": _operands(
        "s2b_ok", "SPACE_TO_BATCH_ND", ([1, 4, 4, 1], [4, 2, 2, 1]), [[2, 2], [[0, 0], [0, 0]]]
    ),
    "SOFTMAX with 2 outputs": _counted(
        "softmax_ok", "SOFTMAX", 1, 1, "SoftmaxOptions", out=SOFTMAX_OUT, beta=1.0
    ),
    "ADD with no output": _counted("add_ok", "ADD", 2, 1, "AddOptions"),
    "PAD with 4 inputs": _pad_valued,
    "CONCATENATION with a -1 input": _concat(2),
    "EQUAL with no output": _counted("equal_ok", "EQUAL", 2, 1, out=("BOOL", None, 0)),
    "PACK with fewer inputs than values_count": _packed("pack_ok", 3, 3),
    "UNPACK with fewer outputs than num": _unpacked("unpack_ok", 3, 3),
}
#: Extra inputs or outputs that kernels checking no count ignore: TFLM allocates them.
IGNORED_COUNTS: dict[str, Callable[[Path], Path]] = {
    "ADD with 3 inputs": _counted("add_3_inputs", "ADD", 3, 1, "AddOptions"),
    "RELU with 2 outputs": _counted("relu_2_outputs", "RELU", 1, 2),
    "MAXIMUM with 3 inputs": _counted("maximum_3_inputs", "MAXIMUM", 3, 1),
    "CONV_2D without bias": _edit_chain("conv_2_inputs", _conv_inputs(2)),
}
#: Counts the reference kernel refuses but a kernel library's accepts: not refused, since
#: the verdict does not depend on the target (cmsis_nn/conv.cc checks no count).
LIBRARY_COUNTS: dict[str, Callable[[Path], Path]] = {
    "CONV_2D with 4 inputs": _edit_chain("conv_4_inputs", _conv_inputs(4)),
}

NAN = math.nan

CASES: dict[str, Case] = {
    # ---- per tensor
    "string activation": Case(_edit_chain("string", _retype("STRING")), "refuse", ("STRING",)),
    "resource activation": Case(
        _edit_chain("resource", _retype("RESOURCE")), "refuse", ("RESOURCE",)
    ),
    "complex128 activation": Case(
        _edit_chain("complex128", _retype("COMPLEX128")), "refuse", ("COMPLEX128",)
    ),
    "unknown tensor type": Case(_edit_chain("type99", _retype(99)), "refuse", ("type 99",)),
    "odd-length int4 activation": Case(_int4_odd, "refuse", ("INT4", "odd")),
    "int4 weights shorter than their packed shape": Case(_int4_short, "refuse", ("5 bytes",)),
    "per-channel scales of the wrong length": Case(
        _edit_chain("scales_len", _quant(scale=[0.02] * 3, zeroPoint=[0] * 3)),
        "refuse",
        ("3 scales",),
    ),
    "more zero points than scales": Case(
        _edit_chain("zp_count", _quant(zeroPoint=[0] * 7)), "refuse", ("zero points",)
    ),
    "quantized axis out of range": Case(
        _edit_chain("axis", _quant(quantizedDimension=4)), "refuse", ("axis 4",)
    ),
    "negative quantized axis": Case(
        _edit_chain("axis_neg", _quant(quantizedDimension=-1)), "refuse", ("axis -1",)
    ),
    "empty scales": Case(
        _edit_chain("empty_scales", _quant(scale=[], zeroPoint=[0])), "refuse", ("scale",)
    ),
    "nan scale": Case(_edit_chain("nan", _act_scale(NAN)), "refuse", ("scale",)),
    "infinite scale": Case(_edit_chain("inf", _act_scale(math.inf)), "refuse", ("scale",)),
    "zero scale": Case(_edit_chain("zero_scale", _act_scale(0.0)), "refuse", ("scale",)),
    "negative scale": Case(_edit_chain("neg_scale", _act_scale(-0.5)), "refuse", ("scale",)),
    "control characters in a name": Case(_control_name, "refuse", ("\\n", "\\x1b")),
    # ---- per operator
    "-1 as a required input": Case(
        _edit_chain("minus1_in", _set_op(inputs=lambda op: [-1, *op.inputs[1:]])),
        "refuse",
        ("input 0",),
    ),
    "-1 as an output": Case(
        _edit_chain("minus1_out", _set_op(outputs=[-1])), "refuse", ("output",)
    ),
    "missing required input": Case(
        _edit_chain("few_inputs", _set_op(inputs=lambda op: op.inputs[:1])),
        "refuse",
        ("input",),
    ),
    "padding enum out of range": Case(
        _edit_chain("padding", _set_op(padding=7)), "refuse", ("padding",)
    ),
    "activation enum out of range": Case(
        _edit_chain("activation", _set_op(fusedActivationFunction=99)),
        "refuse",
        ("activation",),
    ),
    "intermediate tensor with a size": Case(
        _edit_chain("intermediate", _set_op(intermediates=lambda op: [op.outputs[0]])),
        "refuse",
        ("intermediate",),
    ),
    "reshape output larger than input": Case(_reshape_larger, "refuse", ("RESHAPE",)),
    "concatenation of 10,000 inputs": Case(_concat(10_000), "refuse", ("CONCATENATION",)),
    "call_once without options": Case(_call_once(False), "refuse", ("CALL_ONCE",)),
    "while cond/body arity mismatch": Case(
        _while("while_arity", 2, body_grows=False), "refuse", ("WHILE",)
    ),
    # ---- per graph
    "cycle": Case(_two_adds("cycle", _cycle), "refuse", ("before it is written",)),
    "operators out of topological order": Case(
        _two_adds("order", _out_of_order), "refuse", ("before it is written",)
    ),
    "two writers of one tensor": Case(
        _two_adds("writers", _two_writers), "refuse", ("written by operators",)
    ),
    "output never written": Case(
        _two_adds("unwritten_out", _output_unwritten), "refuse", ("never written",)
    ),
    "tensor read before written": Case(
        _two_adds("read_unwritten", _read_unwritten), "refuse", ("never written",)
    ),
    "call to a missing subgraph": Case(_call_once(True, 9, "missing_sg"), "refuse", ("9",)),
    "if calling a missing subgraph": Case(_if_call(7, "if_missing"), "refuse", ("7",)),
    "subgraph calling itself": Case(_self_call, "refuse", ("calls itself",)),
    "activation backed by a weights buffer": Case(
        _activation_with_weights, "refuse", ("constant",)
    ),
    "weights buffer shorter than its shape": Case(_short_weights, "refuse", ("bytes",)),
    "offline plan with a negative offset": Case(
        _offline(lambda n: [-1, -1, -64], "offline_negative"), "refuse", ("offset",)
    ),
    "offline plan with overlapping offsets": Case(
        _offline(lambda n: [0, 32, 0], "offline_overlap"), "refuse", ("overlap",)
    ),
    "uncalled copy of subgraph 0": Case(_uncalled_copy, "refuse", ("subgraph 1",)),
    # ---- layouts the runtime handles its own way
    "weights after the flatbuffer": Case(_external_weights, "runtime"),
    # ---- a second independent hostile set (2026-12-02): Prepare's requirements
    "GATHER declaring a smaller output than it computes": Case(
        _gather_resized, "refuse", ("[128, 1024]", "[1, 1]")
    ),
    "int8 SOFTMAX output at zero point 0": Case(
        _one_op("softmax_zp0", "SOFTMAX", "INT8", (1 / 256, 0), "SoftmaxOptions", beta=1.0),
        "refuse",
        ("zero point -128",),
    ),
    "int8 SOFTMAX output at scale 0.5": Case(
        _one_op("softmax_scale", "SOFTMAX", "INT8", (0.5, -128), "SoftmaxOptions", beta=1.0),
        "refuse",
        ("scale 1/256",),
    ),
    "int16 SOFTMAX output at zero point 3": Case(
        _one_op("softmax16", "SOFTMAX", "INT16", (1 / 32768, 3), "SoftmaxOptions", beta=1.0),
        "refuse",
        ("zero point 3",),
    ),
    "int8 LOGISTIC output at zero point 0": Case(
        _one_op("logistic_zp0", "LOGISTIC", "INT8", (1 / 256, 0)), "refuse", ("-128",)
    ),
    "int16 LOGISTIC at zero point 3": Case(
        _one_op("logistic16", "LOGISTIC", "INT16", (1 / 32768, 3)), "refuse", ("symmetric",)
    ),
    "int16 RELU at zero point 7": Case(
        _one_op("relu16", "RELU", "INT16", (0.1, 7)), "refuse", ("zero point 7",)
    ),
    "int16 MUL at zero point 4": Case(
        _one_op("mul16", "MUL", "INT16", (0.1, 0), "MulOptions", ins=((0.1, 4), (0.1, 0))),
        "refuse",
        ("zero point 4",),
    ),
    "int8 CONCATENATION of differently quantized inputs": Case(
        _one_op(
            "concat_scales",
            "CONCATENATION",
            "INT8",
            (0.1, 0),
            "ConcatenationOptions",
            ins=((0.1, 0), (0.3, 0)),
            axis=1,
        ),
        "refuse",
        ("concatenates",),
    ),
    "int8 CONV_2D with an int16 filter": Case(_conv_int16_filter, "refuse", ("hybrid",)),
    "STRIDED_SLICE with an ellipsis mask": Case(
        _shaped(
            "ss_ellipsis",
            "STRIDED_SLICE",
            ([1, 8], [1, 4]),
            [0, 0],
            "StridedSliceOptions",
            ellipsisMask=1,
        ),
        "refuse",
        ("ellipsis_mask",),
    ),
    "TRANSPOSE of rank 6": Case(
        _shaped(
            "transpose6", "TRANSPOSE", ([1, 2, 1, 2, 1, 2], [2, 1, 2, 1, 2, 1]), [5, 4, 3, 2, 1, 0]
        ),
        "refuse",
        ("rank-6",),
    ),
    "SQUEEZE into a smaller output": Case(
        _shaped(
            "squeeze_small",
            "SQUEEZE",
            ([1, 4, 1, 2], [1, 1]),
            None,
            "SqueezeOptions",
            squeezeDims=[0, 2],
        ),
        "refuse",
        ("[4, 2]",),
    ),
    "SVDF state that is not a variable": Case(_svdf_state_input, "refuse", ("variable",)),
    "weights at Buffer.offset 0": Case(_weights_at_offset(0), "refuse", ("at offset 0",)),
    "weights at Buffer.offset 1": Case(_weights_at_offset(1), "refuse", ("at offset 1",)),
    "operator-less subgraph passing its input through": Case(
        _empty_subgraph_passthrough, "runtime"
    ),
    "IF calling an operator-less subgraph": Case(_empty_subgraph_called, "runtime"),
    "element count over int32": Case(_int32_overflow, "refuse", ("int32",)),
    "IF with a then branch that is not a subgraph of the model": Case(
        _if_call(-5, "if_negative"), "refuse", ("-5",)
    ),
    "concatenation of 11 inputs": Case(_concat(11), "refuse", ("kMaxInputNum",)),
    "zero stride": Case(_edit_chain("stride0", _set_op(strideW=0)), "refuse", ("stride_w",)),
    # ---- what kernels assume of their tensors (found by an independent hostile set)
    "int8 activations without quantization": Case(
        _int8_without_quantization, "refuse", ("without quantization",)
    ),
    "ADD whose output is smaller than its inputs": Case(
        _binary("add_small_out", ([1, 4096], "INT8"), ([1, 4096], "INT8"), ([1, 16], "INT8")),
        "refuse",
        ("[1, 16]",),
    ),
    "ADD of shapes that do not broadcast": Case(
        _binary("add_no_broadcast", ([1, 16], "INT8"), ([1, 7], "INT8"), ([1, 16], "INT8")),
        "refuse",
        ("broadcast",),
    ),
    "ADD of int8 and int16": Case(
        _binary("add_mixed", ([1, 16], "INT8"), ([1, 16], "INT16"), ([1, 16], "INT8")),
        "refuse",
        ("mixes types",),
    ),
    "ADD of float64": Case(
        _binary("add_f64", ([1, 16], "FLOAT64"), ([1, 16], "FLOAT64"), ([1, 16], "FLOAT64")),
        "refuse",
        ("FLOAT64",),
    ),
    "ADD of rank 10,000": Case(
        _binary("add_rank", ([16], "INT8"), ([16], "INT8"), ([1] * 9999 + [16], "INT8")),
        "refuse",
        ("rank 10000",),
    ),
    "CONV_2D output smaller than computed": Case(
        _conv_output([1, 2, 2, 8]), "refuse", ("[1, 16, 16, 8]",)
    ),
    "WHILE body changing a loop value's shape": Case(
        _while("while_shape_change", 1, body_grows=True), "refuse", ("keeps its shape",)
    ),
    "offline offset past INT_MAX": Case(
        _offline(lambda n: [0, 2**31 - 64, 64], "offline_int_max"), "refuse", ("int",)
    ),
    "two 1.5 GiB activations": Case(
        _binary(
            "add_3gib", ([1, 24576, 65536], "INT8"), ([1], "INT8"), ([1, 24576, 65536], "INT8")
        ),
        "refuse",
        ("overflows",),
    ),
    # ---- output shapes kernels compute from constant operands (issue 13)
    "PAD declaring an output other than its paddings give": Case(
        _operands("pad_declared", "PAD", ([1, 4, 4, 2], [1, 5, 6, 2]), [PAD_HW]),
        "refuse",
        ("[1, 6, 6, 2]", "dimension 1 is 5, not 6"),
    ),
    "PADV2 declaring an output other than its paddings give": Case(
        _operands("padv2_declared", "PADV2", ([1, 4, 4, 2], [1, 6, 7, 2]), [PAD_HW]),
        "refuse",
        ("[1, 6, 6, 2]", "dimension 2 is 7, not 6"),
    ),
    "PAD with paddings for another rank": Case(
        _operands("pad_rank", "PAD", ([1, 4, 4, 2], [1, 6, 6]), [PAD_HW]),
        "refuse",
        ("8 paddings", "rank-3 output"),
    ),
    "PAD with paddings that are a model input": Case(
        _operands("pad_input", "PAD", ([1, 4, 4, 2], [1, 6, 6, 2]), [None]),
        "refuse",
        ("not constant",),
    ),
    "PAD with INT64 paddings": Case(_pad_int64, "refuse", ("int32 words", "[1, 4, 5, 3]")),
    "MIRROR_PAD declaring a larger output": Case(
        _operands(
            "mirror_pad_declared",
            "MIRROR_PAD",
            ([1, 4, 4, 2], [1, 9, 9, 2]),
            [PAD_HW],
            "MirrorPadOptions",
            mode=0,
        ),
        "refuse",
        ("[1, 6, 6, 2]", "does not check"),
    ),
    "EXPAND_DIMS declaring another axis": Case(
        _operands("expand_dims_declared", "EXPAND_DIMS", ([4, 8], [1, 4, 8]), [[1]]),
        "refuse",
        ("[4, 1, 8]", "[1, 4, 8]"),
    ),
    "EXPAND_DIMS at an axis out of range": Case(
        _operands("expand_dims_axis", "EXPAND_DIMS", ([4, 8], [4, 8, 1]), [[5]]),
        "refuse",
        ("axis 5", "[-3, 2]"),
    ),
    "STRIDED_SLICE declaring the unsliced shape": Case(
        _operands(
            "ss_declared",
            "STRIDED_SLICE",
            ([1, 8, 8], [1, 8, 8]),
            EVERY_OTHER_ROW,
            "StridedSliceOptions",
        ),
        "refuse",
        ("[1, 4, 8]", "dimension 1 is 8, not 4"),
    ),
    "STRIDED_SLICE with a zero stride": Case(
        _operands(
            "ss_stride0",
            "STRIDED_SLICE",
            ([1, 8, 8], [1, 4, 8]),
            [[0, 0, 0], [1, 8, 8], [1, 0, 1]],
            "StridedSliceOptions",
        ),
        "refuse",
        ("stride 0",),
    ),
    "SLICE writing past a smaller output": Case(
        _operands("slice_small", "SLICE", ([1, 8, 8], [1, 2, 8]), [[0, 2, 0], [1, 4, -1]]),
        "refuse",
        ("[1, 4, 8]", "writes 32 bytes into a tensor of 16"),
    ),
    "SLICE reading past its input": Case(
        _operands("slice_past", "SLICE", ([1, 8, 8], [1, 4, 8]), [[0, 6, 0], [1, 4, -1]]),
        "refuse",
        ("[6, 10)", "outside the input"),
    ),
    "RELU writing past a smaller output": Case(
        _operands("relu_small", "RELU", ([1, 64], [1, 16]), []),
        "refuse",
        ("64 elements", "writes past the end"),
    ),
    "ABS into a larger output": Case(
        _operands("abs_large", "ABS", ([1, 16], [1, 64]), [], dtype="FLOAT32"),
        "refuse",
        ("never written",),
    ),
    "EXP into another shape of as many elements": Case(
        _operands("exp_reshaped", "EXP", ([1, 64], [8, 8]), [], dtype="FLOAT32"),
        "refuse",
        ("[8, 8]", "requires the input's shape"),
    ),
    "LSTM with n_cell x n_input recurrent weights": Case(
        lstm("lstm_recurrent", recurrent=(8, 4)), "refuse", ("recurrent weights", "[8, 8]")
    ),
    "LSTM cell state that is not a variable": Case(
        lstm("lstm_cell_input", cell_variable=False), "refuse", ("cell state", "variable")
    ),
    "LSTM output of another n_cell": Case(
        lstm("lstm_output", out_cells=12), "refuse", ("[1, 6, 8]", "[1, 6, 12]")
    ),
    # ---- cost
    "CALL_ONCE diamond of depth 6": Case(_diamond(6), "runtime"),
    "CALL_ONCE diamond of depth 40": Case(_diamond(40), "fast"),
    "3,000 copies of a subgraph": Case(_copies(3000), "fast"),
    "an operator with 10,000 outputs": Case(_many_outputs(10_000), "fast"),
    "100,000 unused tensors": Case(_unused_tensors(100_000), "fast"),
    "one tensor listed 100,000 times as an output": Case(_repeated_output(100_000), "fast"),
    "2,000 model outputs live to the end": Case(_wide_live(2000), "fast"),
    "an unknown builtin code": Case(_unknown_builtin, "refuse", ("builtin code 9999",)),
    "data in buffer 0, under the activations": Case(
        _buffer0_data(256), "refuse", ("constant data (buffer 0)",)
    ),
    "data in buffer 0 shorter than the activations": Case(
        _buffer0_data(4), "refuse", ("4 bytes of data",)
    ),
    "a dilation whose filter extent overflows int": Case(
        _edit_chain("dilation_2_30", _set_op(dilationHFactor=2**30, dilationWFactor=2**30)),
        "refuse",
        ("dilation_h_factor = 1,073,741,824", "2^31 - 1"),
    ),
    "builtin code 127 in deprecated_builtin_code": Case(
        _deprecated_127, "refuse", ("builtin code 127", "no kernel")
    ),
    # ---- Prepare type checks (red team 4, finding 3)
    "CONV_2D writing int16 from int8": Case(
        typed("conv_out16", TYPED_RIGHT["conv"], o0="INT16"),
        "refuse",
        ("writes an INT16 output from an INT8 input", "conv_common.cc"),
    ),
    "CONV_2D of int16 with an int16 filter": Case(
        typed("conv_w16", TYPED_RIGHT["conv"], i0="INT16", i1="INT16", o0="INT16"),
        "refuse",
        ("INT16 input and an INT16 filter", "hybrid"),
    ),
    "CONV_2D of float32 with an int8 filter": Case(
        typed("conv_float_w8", TYPED_RIGHT["conv"], i0="FLOAT32", o0="FLOAT32"),
        "refuse",
        ("FLOAT32 input and an INT8 filter", "hybrid"),
    ),
    "CONV_2D of uint8": Case(
        typed("conv_u8", TYPED_RIGHT["conv"], i0="UINT8", i1="UINT8", o0="UINT8"),
        "refuse",
        ("UINT8 input", "hybrid"),
    ),
    "DEPTHWISE_CONV_2D of int32 with an int8 filter": Case(
        typed("dw_i32", TYPED_RIGHT["depthwise"], i0="INT32", o0="INT32"),
        "refuse",
        ("INT32 input and an INT8 filter", "depthwise_conv_common.cc"),
    ),
    "TRANSPOSE_CONV of int8 with an int16 filter": Case(
        typed("transpose_conv_w16", TYPED_RIGHT["transpose_conv"], i1="INT16"),
        "refuse",
        ("INT8 input and an INT16 filter", "transpose_conv.cc"),
    ),
    "FULLY_CONNECTED writing int16 from int8": Case(
        typed("fc_out16", TYPED_RIGHT["fully_connected"], o0="INT16"),
        "refuse",
        ("writes an INT16 output from an INT8 input", "fully_connected.cc"),
    ),
    "FULLY_CONNECTED of int8 with an int16 filter": Case(
        typed("fc_w16", TYPED_RIGHT["fully_connected"], i1="INT16"),
        "refuse",
        ("INT8 input and an INT16 filter",),
    ),
    "FULLY_CONNECTED of float32 with an int8 filter": Case(
        typed("fc_float_w8", TYPED_RIGHT["fully_connected"], i0="FLOAT32", o0="FLOAT32"),
        "refuse",
        ("FLOAT32 input and an INT8 filter",),
    ),
    "DEQUANTIZE of float32": Case(
        typed("dequantize_f32", TYPED_RIGHT["dequantize"], i0="FLOAT32"),
        "refuse",
        ("FLOAT32 input", "INT8, INT16 or UINT8"),
    ),
    "DEQUANTIZE of int32": Case(
        typed("dequantize_i32", TYPED_RIGHT["dequantize"], i0="INT32"),
        "refuse",
        ("INT32 input", "dequantize_common.cc"),
    ),
    "DEQUANTIZE to int16": Case(
        typed("dequantize_to_i16", TYPED_RIGHT["dequantize"], o0="INT16"),
        "refuse",
        ("INT16 output", "only FLOAT32"),
    ),
    "DEQUANTIZE of uint8 to int8": Case(
        typed("dequantize_u8_i8", TYPED_RIGHT["dequantize"], i0="UINT8", o0="INT8"),
        "refuse",
        ("INT8 output", "only FLOAT32"),
    ),
    "QUANTIZE to float32": Case(
        typed("quantize_f2f", TYPED_RIGHT["quantize"], o0="FLOAT32"),
        "refuse",
        ("FLOAT32 output", "quantize_common.cc"),
    ),
    "QUANTIZE of int8 to float32": Case(
        typed("quantize_i8_f", TYPED_RIGHT["quantize"], i0="INT8", o0="FLOAT32"),
        "refuse",
        ("FLOAT32 output",),
    ),
    "QUANTIZE of bool": Case(
        typed("quantize_bool", TYPED_RIGHT["quantize"], i0="BOOL"),
        "refuse",
        ("BOOL input", "quantize_common.cc"),
    ),
    "QUANTIZE to int4": Case(
        typed("quantize_i4", TYPED_RIGHT["quantize"], o0="INT4"),
        "refuse",
        ("INT4 output",),
    ),
    "RESHAPE changing the type": Case(
        typed("reshape_i16", TYPED_RIGHT["reshape"], o0="INT16"),
        "refuse",
        ("INT16 output from an INT8 input", "reshape_common.cc"),
    ),
    "PAD changing the type": Case(
        typed("pad_i16", TYPED_RIGHT["pad"], o0="INT16"),
        "refuse",
        ("INT16 output from an INT8 input", "pad_common.cc"),
    ),
    "PADV2 with an int32 pad value": Case(
        typed("padv2_value_i32", TYPED_RIGHT["padv2"], i2="INT32"),
        "refuse",
        ("INT32 pad value", "pad_common.cc"),
    ),
    "TRANSPOSE changing the type": Case(
        typed("transpose_i16", TYPED_RIGHT["transpose"], o0="INT16"),
        "refuse",
        ("INT16 output from an INT8 input", "transpose_common.cc"),
    ),
    "CONCATENATION of int8 and int16": Case(
        typed("concat_i8_i16", TYPED_RIGHT["concatenation"], i1="INT16"),
        "refuse",
        ("INT16 input 1", "concatenation.cc"),
    ),
    "SOFTMAX of uint8": Case(
        typed("softmax_u8", TYPED_RIGHT["softmax"], i0="UINT8", o0="UINT8"),
        "refuse",
        ("UINT8 input", "softmax_common.cc"),
    ),
    "AVERAGE_POOL_2D of int32": Case(
        typed("avgpool_i32", TYPED_RIGHT["average_pool"], i0="INT32", o0="INT32"),
        "refuse",
        ("INT32 input", "pooling_common.cc"),
    ),
    "GATHER at float32 positions": Case(
        typed("gather_f32_positions", TYPED_RIGHT["gather"], i1="FLOAT32"),
        "refuse",
        ("FLOAT32 positions", "only INT32"),
    ),
    "LEAKY_RELU writing int16 from int8": Case(
        typed("leaky_relu_i16", TYPED_RIGHT["leaky_relu"], o0="INT16"),
        "refuse",
        ("INT16 output from an INT8 input", "leaky_relu_common.cc"),
    ),
    "LOGISTIC writing float32 from int8": Case(
        typed("logistic_f32", TYPED_RIGHT["logistic"], o0="FLOAT32"),
        "refuse",
        ("FLOAT32 output from an INT8 input", "logistic_common.cc"),
    ),
    "TANH writing int16 from int8": Case(
        typed("tanh_i16", TYPED_RIGHT["tanh"], o0="INT16"),
        "refuse",
        ("INT16 output from an INT8 input", "tanh.cc"),
    ),
    "MEAN along an int8 axis": Case(
        typed("mean_axis_i8", TYPED_RIGHT["mean"], i1="INT8"),
        "refuse",
        ("INT8 axis", "reduce_common.cc"),
    ),
    "IF on an int32 condition": Case(
        _if_typed("if_int32_condition", "INT32"), "refuse", ("INT32 condition", "if.cc")
    ),
    "EXP of int8": Case(
        typed("exp_i8", TYPED_RIGHT["exp"], i0="INT8", o0="INT8"), "refuse", ("INT8 input",)
    ),
    "SELECT_V2 on a float32 condition": Case(
        typed("select_f32_condition", TYPED_RIGHT["select_v2"], i0="FLOAT32"),
        "refuse",
        ("FLOAT32 condition", "only BOOL"),
    ),
    "BATCH_MATMUL of float32 and int8": Case(
        typed("batch_matmul_mixed", TYPED_RIGHT["batch_matmul"], i1="INT8"),
        "refuse",
        ("FLOAT32 input and an INT8 input", "batch_matmul.cc"),
    ),
    "DEPTH_TO_SPACE changing the type": Case(
        typed("depth_to_space_i16", TYPED_RIGHT["depth_to_space"], o0="INT16"),
        "refuse",
        ("INT16 output", "only FLOAT32 or INT8"),
    ),
    "GATHER_ND at float32 indices": Case(
        typed("gather_nd_f32_indices", TYPED_RIGHT["gather_nd"], i1="FLOAT32"),
        "refuse",
        ("FLOAT32 indices",),
    ),
    "FLOOR_DIV of int32 by float32": Case(
        typed("floor_div_mixed", TYPED_RIGHT["floor_div"], i1="FLOAT32"),
        "refuse",
        ("INT32 input and a FLOAT32 input",),
    ),
    "EMBEDDING_LOOKUP of float32 ids": Case(
        typed("embedding_f32_ids", TYPED_RIGHT["embedding_lookup"], i0="FLOAT32"),
        "refuse",
        ("FLOAT32 lookup",),
    ),
    "CUMSUM along an int8 axis": Case(
        typed("cumsum_axis_i8", TYPED_RIGHT["cumsum"], i1="INT8"),
        "refuse",
        ("INT8 axis", "cumsum.cc"),
    ),
    "LOG_SOFTMAX writing int8 from float32": Case(
        typed("log_softmax_i8", TYPED_RIGHT["log_softmax"], o0="INT8"),
        "refuse",
        ("INT8 output from a FLOAT32 input",),
    ),
    "ABS writing int8 from float32": Case(
        typed("abs_i8", TYPED_RIGHT["abs"], o0="INT8"),
        "refuse",
        ("INT8 output from a FLOAT32 input", "elementwise.cc"),
    ),
    "BROADCAST_TO changing the type": Case(
        typed("broadcast_to_i16", TYPED_RIGHT["broadcast_to"], o0="INT16"),
        "refuse",
        ("INT16 output from an INT8 input",),
    ),
    "L2_NORMALIZATION of int16": Case(
        typed("l2_norm_i16", TYPED_RIGHT["l2_norm"], i0="INT16", o0="INT16"),
        "refuse",
        ("INT16 output", "l2norm.cc"),
    ),
    "SVDF of int8 writing int16": Case(
        typed("svdf_out16", TYPED_RIGHT["svdf"], o0="INT16"),
        "refuse",
        ("INT8 input and an INT16 output", "svdf_common.cc"),
    ),
    "SVDF of int8 with an int32 state": Case(
        typed("svdf_state_i32", TYPED_RIGHT["svdf"], i4="INT32"),
        "refuse",
        ("INT32 state", "svdf_common.cc"),
    ),
    "PRELU writing int16 with int16 alpha": Case(
        typed("prelu_alpha16", TYPED_RIGHT["prelu"], i0="INT16", i1="INT16", o0="INT16"),
        "refuse",
        ("INT16 alpha", "prelu_common.cc"),
    ),
    "REVERSE_V2 along an int64 axis": Case(
        typed("reverse_axis_i64", TYPED_RIGHT["reverse"], i1="INT64"),
        "refuse",
        ("INT64 axis", "reverse.cc"),
    ),
    # ---- Prepare operand, option and quantization checks (red team 4, findings 2, 4-6)
    "CONV_2D input with scales but no zero points": Case(
        pm.conv("nozp_x", edit=pm.no_zero_points(("in", 0))), "refuse", ("unquantized INT8 input",)
    ),
    "CONV_2D filter with scales but no zero points": Case(
        pm.conv("nozp_w", edit=pm.no_zero_points(("in", 1))),
        "refuse",
        ("unquantized INT8 filter",),
    ),
    "FULLY_CONNECTED filter with scales but no zero points": Case(
        pm.fully_connected("nozp_fc_w", edit=pm.no_zero_points(("in", 1))),
        "refuse",
        ("bias of scale", "within 2%"),
    ),
    "ADD output with scales but no zero points": Case(
        pm.binary(
            "nozp_add",
            "ADD",
            "INT8",
            ((0.1, 0), (0.1, 0), (0.1, 0)),
            "AddOptions",
            pm.no_zero_points(("out", 0)),
        ),
        "refuse",
        ("without quantization",),
    ),
    "AVERAGE_POOL_2D output with scales but no zero points": Case(
        pm.model(
            "nozp_pool",
            "AVERAGE_POOL_2D",
            [pm.t([1, 4, 4, 2])],
            [pm.t([1, 2, 2, 2])],
            "Pool2DOptions",
            pm.no_zero_points(("out", 0)),
            padding=1,
            strideW=2,
            strideH=2,
            filterWidth=2,
            filterHeight=2,
        ),
        "refuse",
        ("(unquantized)", "requires them equal"),
    ),
    "int8 SOFTMAX input with scales but no zero points": Case(
        pm.softmax(
            "nozp_softmax_in", ("INT8", "INT8"), (1 / 256, -128), edit=pm.no_zero_points(("in", 0))
        ),
        "refuse",
        ("above 2^-26", "aborts"),
    ),
    "int8 SOFTMAX with beta 0": Case(
        pm.softmax("softmax_beta0", ("INT8", "INT8"), (1 / 256, -128), beta=0.0),
        "refuse",
        ("beta 0.0",),
    ),
    "int8 ADD input with scales but no zero points": Case(
        pm.binary(
            "nozp_add_in",
            "ADD",
            "INT8",
            ((0.1, 0), (0.1, 0), (0.1, 0)),
            "AddOptions",
            pm.no_zero_points(("in", 1)),
        ),
        "refuse",
        ("scale 0.1", "and 0.0", "(0, 1)"),
    ),
    "int8 ADD into an output of scale 1e-7": Case(
        pm.binary("add_out_tiny", "ADD", "INT8", ((0.1, 0), (0.1, 0), (1e-7, 0)), "AddOptions"),
        "refuse",
        ("1.0000000116860974e-07", "(0, 1)"),
    ),
    "int8 SUB input with scales but no zero points": Case(
        pm.binary(
            "nozp_sub_in",
            "SUB",
            "INT8",
            ((0.1, 0), (0.1, 0), (0.1, 0)),
            "SubOptions",
            pm.no_zero_points(("in", 1)),
        ),
        "refuse",
        ("and 0.0", "(0, 1)"),
    ),
    "int8 SVDF without a bias": Case(
        pm.svdf("svdf_nobias", bias_scale=None), "refuse", ("without a bias", "crashes")
    ),
    "SPLIT axis that is a model input": Case(
        pm.split("split_axis_input", False), "refuse", ("axis from tensor 0", "not constant")
    ),
    "SPLIT_V axis that is a model input": Case(
        pm.split("split_v_axis_input", False, "SPLIT_V"),
        "refuse",
        ("axis from tensor 2", "not constant"),
    ),
    "TRANSPOSE permutation that is a model input": Case(
        pm.transpose("transpose_perm_input", pm.t([2], "INT32", None)),
        "refuse",
        ("permutation from tensor 1", "not constant"),
    ),
    "RESIZE_NEAREST_NEIGHBOR size that is a model input": Case(
        pm.resize("resize_size_input", pm.t([2], "INT32", None)),
        "refuse",
        ("size from tensor 1", "not constant"),
    ),
    "GATHER along an axis past the input's rank": Case(
        pm.gather("gather_axis5", [10, 4], [3], [3, 4], 5, 0), "refuse", ("axis 5", "[-2, 2)")
    ),
    "GATHER with batch_dims past its axis": Case(
        pm.gather("gather_batch3", [10, 4], [3], [3, 4], 0, 3), "refuse", ("batch_dims 3",)
    ),
    "TRANSPOSE permutation entry out of range": Case(
        pm.transpose("transpose_perm5", pm.c([5, 0])), "refuse", ("entry 5", "[0, 2)")
    ),
    "TRANSPOSE permutation longer than the input's rank": Case(
        pm.transpose("transpose_perm3", pm.c([1, 0, 2])), "refuse", ("shape [3]", "requires [2]")
    ),
    "SVDF rank not dividing its filters": Case(
        pm.svdf("svdf_rank3", rank=3), "refuse", ("rank 3 for 8 filters",)
    ),
    "SVDF state smaller than memory x filters": Case(
        pm.svdf("svdf_state8", state=[1, 8]), "refuse", ("activation state", "[1, 80]")
    ),
    "int8 SVDF bias scale not state x time-weights scale": Case(
        pm.svdf("svdf_bias_scale", bias_scale=0.002), "refuse", ("bias of scale", "1e-5")
    ),
    "SOFTMAX of a scalar": Case(
        pm.softmax("softmax_scalar", ("INT8", "INT8"), (1 / 256, -128), []),
        "refuse",
        ("scalar input",),
    ),
    "int16 TANH at zero point 3": Case(
        pm.unary("tanh16_zp", "TANH", ("INT16", "INT16"), (0.001, 3), pm.Q15),
        "refuse",
        ("zero point 3", "symmetric"),
    ),
    "int16 TANH output at scale 1/1024": Case(
        pm.unary("tanh16_scale", "TANH", ("INT16", "INT16"), (0.001, 0), (1 / 1024, 0)),
        "refuse",
        ("scale 2^-15",),
    ),
    "int16 SOFTMAX output at scale 0.5": Case(
        pm.softmax("softmax16_scale", ("INT16", "INT16"), (0.5, 0)), "refuse", ("1/32768",)
    ),
    "int8 -> int16 SOFTMAX output at zero point 0": Case(
        pm.softmax("softmax8to16_zp", ("INT8", "INT16"), (1 / 65536, 0)),
        "refuse",
        ("zero point -32768",),
    ),
    "int8 LOG_SOFTMAX output at zero point 0": Case(
        pm.unary("log_softmax_zp", "LOG_SOFTMAX", ("INT8", "INT8"), (0.1, 0), (16 / 256, 0)),
        "refuse",
        ("zero point 127",),
    ),
    "CONV_2D filter scales along axis 3": Case(
        pm.conv("conv_axis3", [0.02] * 2, axis=3), "refuse", ("2 scales", "4 output channels")
    ),
    "DEPTHWISE_CONV_2D filter scales along axis 1": Case(
        pm.depthwise("dw_axis1", 3, 1), "refuse", ("3 scales", "4 output channels")
    ),
    "AVERAGE_POOL_2D int8 input into a float output": Case(
        pm.pool("avgpool_float_out", "AVERAGE_POOL_2D", "INT8", (0.1, 0), None),
        "refuse",
        ("requires them equal",),
    ),
    "MAX_POOL_2D output at another zero point": Case(
        pm.pool("maxpool_zp", "MAX_POOL_2D", "INT8", (0.1, 0), (0.1, 5)),
        "refuse",
        ("zero point 5", "requires them equal"),
    ),
    "int16 CONCATENATION input at zero point 2": Case(
        pm.concat16("concat16_zp", 2), "refuse", ("zero point 2", "symmetric")
    ),
    "int32 ADD of quantized inputs": Case(
        pm.binary("add32_quantized", "ADD", "INT32", ((0.1, 0), (0.1, 0), None), "AddOptions"),
        "refuse",
        ("quantized int32",),
    ),
    "FULLY_CONNECTED bias scale ten times input x filter": Case(
        pm.fully_connected("fc_bias_scale", 0.02), "refuse", ("bias of scale", "within 2%")
    ),
    "QUANTIZE into a per-channel output": Case(
        pm.model(
            "quantize_pc_out",
            "QUANTIZE",
            [pm.t([1, 4], "FLOAT32", None)],
            [pm.t([1, 4], "INT8", None, scale=[0.1] * 4, zero_point=0, axis=1)],
        ),
        "refuse",
        ("4 scales", "one scale"),
    ),
    "QUANTIZE into an output with scales but no zero points": Case(
        pm.model(
            "quantize_nozp",
            "QUANTIZE",
            [pm.t([1, 16], "FLOAT32", None)],
            [pm.t([1, 16])],
            "",
            pm.no_zero_points(("out", 0)),
        ),
        "refuse",
        ("no quantization",),
    ),
    "CONV_2D with RELU6 into an output with scales but no zero points": Case(
        pm.conv("conv_relu6_nozp", edit=pm.no_zero_points(("out", 0)), activation=3),
        "refuse",
        ("fused activation", "scale 0.0"),
    ),
    "L2_NORMALIZATION with a fused RELU": Case(
        pm.l2_norm("l2_relu", [1, 16], 1), "refuse", ("fused activation 1",)
    ),
    "L2_NORMALIZATION of a rank-5 input": Case(
        pm.l2_norm("l2_rank5", [1, 1, 1, 2, 16]), "refuse", ("rank-5", "at most 4")
    ),
    "EMBEDDING_LOOKUP of an int8 table at zero point 3 into floats": Case(
        pm.embedding_lookup("embedding_zp", 3), "refuse", ("zero point 3", "symmetric")
    ),
    "int8 HARD_SWISH output finer than input scale / 128": Case(
        pm.unary("hard_swish_scale", "HARD_SWISH", ("INT8", "INT8"), (1.0, 0), (0.001, 0)),
        "refuse",
        ("input scale / 128",),
    ),
    "FILL dims that are a model input": Case(
        pm.fill("fill_dims_input", pm.t([2], "INT32", None)),
        "refuse",
        ("dims from tensor 0", "not constant"),
    ),
    "BROADCAST_TO shape that is a model input": Case(
        pm.broadcast_to("broadcast_to_input", pm.t([2], "INT32", None)),
        "refuse",
        ("shape from tensor 1", "not constant"),
    ),
    "RESIZE_BILINEAR size that is a model input": Case(
        pm.resize_bilinear("resize_bilinear_input", pm.t([2], "INT32", None)),
        "refuse",
        ("size from tensor 1", "not constant"),
    ),
    "RESIZE_NEAREST_NEIGHBOR with three size values": Case(
        pm.resize("resize_size3", pm.c([8, 8, 1])), "refuse", ("size of shape [3]",)
    ),
    "int8 PADV2 constant value quantized unlike the output": Case(
        pm.padv2("padv2_value_q", (0.5, 3)), "refuse", ("constant value", "(0.5, 3)")
    ),
    # ---- input and output counts (red team 4)
    "MUL with 3 inputs": Case(
        _counted("mul_3_inputs", "MUL", 3, 1, "MulOptions"),
        "refuse",
        ("has 3 inputs", "MUL kernel takes 2 (mul_common.cc)"),
    ),
    "SPACE_TO_BATCH_ND without paddings": Case(
        _operands("s2b_2_inputs", "SPACE_TO_BATCH_ND", ([1, 4, 4, 1], [4, 2, 2, 1]), [[2, 2]]),
        "refuse",
        ("has 2 inputs", "SPACE_TO_BATCH_ND kernel takes 3 (space_to_batch_nd.cc)"),
    ),
    "SOFTMAX with 2 outputs": Case(
        _counted("softmax_2_outputs", "SOFTMAX", 1, 2, "SoftmaxOptions", out=SOFTMAX_OUT, beta=1.0),
        "refuse",
        ("has 2 outputs", "SOFTMAX kernel takes 1 (softmax_common.cc)"),
    ),
    "ADD with no output": Case(
        _counted("add_no_output", "ADD", 2, 0, "AddOptions"),
        "refuse",
        ("has 0 outputs", "takes at least 1 (add_common.cc)"),
    ),
    "PAD with 4 inputs": Case(
        _operands("pad_4_inputs", "PAD", ([1, 4, 4, 2], [1, 6, 6, 2]), [PAD_HW, 0, 0]),
        "refuse",
        ("has 4 inputs", "PAD kernel takes 2 or 3 (pad_common.cc)"),
    ),
    "CONCATENATION with a -1 input": Case(
        _concat_missing, "refuse", ("no tensor (-1) for input 1", "reads every input")
    ),
    "EQUAL with no output": Case(
        _counted("equal_no_output", "EQUAL", 2, 0),
        "refuse",
        ("has 0 outputs", "writes output 0 without checking", "comparisons.cc"),
    ),
    "PACK with fewer inputs than values_count": Case(
        _packed("pack_2_of_3", 2, 3),
        "refuse",
        ("values_count = 3", "reads input 2 without checking", "pack.cc"),
    ),
    "UNPACK with fewer outputs than num": Case(
        _unpacked("unpack_2_of_3", 2, 3),
        "refuse",
        ("num = 3", "writes output 2 without checking", "unpack.cc"),
    ),
}


def cases_between(first: str, last: str | None = None) -> list[str]:
    """The names of :data:`CASES` from ``first`` to ``last`` (to the end if None), in order:
    one block of cases, which a test file checks against the runtime."""
    names = list(CASES)
    return names[names.index(first) : names.index(last) + 1 if last else None]


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "hostile_models")
    out.mkdir(parents=True, exist_ok=True)
    for name, case in CASES.items():
        path = case.build(out)
        print(f"{case.kind:8} {path.name:40} {name}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main(sys.argv[1:]))
