"""Synthetic int8 models of any size, for the speed benchmark and the scale tests.

Each model is a real ``.tflite`` flatbuffer written with the TFLite schema's object API, which
the TFLM runtime loads and allocates like any converted model: int8 activations (per-tensor
scale and zero point), int8 CONV_2D / DEPTHWISE_CONV_2D weights with per-channel scales and
zero points, int32 per-channel biases, so the persistent tail holds the per-channel arrays a
real model's does. Three shapes of graph:

``chain``
    CONV_2D 1x1 and DEPTHWISE_CONV_2D 3x3 in turn, the channel count changing as it goes.
``residual``
    MobileNetV2-like blocks: expand (CONV_2D 1x1), DEPTHWISE_CONV_2D 3x3, project
    (CONV_2D 1x1), then ADD of the block's input and output (the skip branch stays live).
``inception``
    Three branches from the same input (1x1; 1x1 then 3x3 depthwise; 3x3 depthwise then
    1x1), CONCATENATION of the three, and a 1x1 CONV_2D back to the block's width.

The model has exactly ``n_ops`` operators (blocks, topped up with chain operators).

Write them to a directory (nothing is committed; the 10,000-operator models are a few MB)::

    python benchmarks/synthetic.py /tmp/synthetic --ops 1000 10000
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("chain", "residual", "inception")

#: Activation quantization shared by every activation tensor (CONCATENATION and ADD inputs
#: then need no requantization, as in converted models).
_ACT_SCALE = 0.05
_ACT_ZERO_POINT = -3
_CHANNELS = (8, 16, 24, 16)


def _schema() -> Any:
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


class _Writer:
    """Builds one subgraph's tensors and operators with the schema's object API."""

    def __init__(self, hw: int, seed: int) -> None:
        s = _schema()
        self.s = s
        self.hw = hw
        self.rng = np.random.default_rng(seed)
        self.model = s.ModelT()
        self.model.version = 3
        self.model.description = "tflm-planner synthetic benchmark model"
        self.model.buffers = [s.BufferT()]
        self.model.operatorCodes = []
        self.codes: dict[str, int] = {}
        self.sg = s.SubGraphT()
        self.sg.name = "main"
        self.sg.tensors, self.sg.operators, self.sg.inputs, self.sg.outputs = [], [], [], []

    @property
    def n_ops(self) -> int:
        return len(self.sg.operators)

    def _code(self, name: str) -> int:
        if name not in self.codes:
            c = self.s.OperatorCodeT()
            value = getattr(self.s.BuiltinOperator, name)
            c.builtinCode, c.deprecatedBuiltinCode, c.version = value, min(value, 127), 1
            self.codes[name] = len(self.model.operatorCodes)
            self.model.operatorCodes.append(c)
        return self.codes[name]

    def _buffer(self, data: np.ndarray) -> int:
        b = self.s.BufferT()
        b.data = np.frombuffer(data.tobytes(), dtype=np.uint8).copy()
        self.model.buffers.append(b)
        return len(self.model.buffers) - 1

    def _tensor(
        self,
        shape: list[int],
        dtype: str,
        scales: np.ndarray,
        zero_points: np.ndarray,
        axis: int = 0,
        data: np.ndarray | None = None,
    ) -> int:
        s = self.s
        t = s.TensorT()
        t.shape = np.array(shape, dtype=np.int32)
        t.type = getattr(s.TensorType, dtype)
        t.name = f"t{len(self.sg.tensors)}"
        t.buffer = self._buffer(data) if data is not None else 0
        q = s.QuantizationParametersT()
        q.scale = scales.astype(np.float32)
        q.zeroPoint = zero_points.astype(np.int64)
        q.quantizedDimension = axis
        t.quantization = q
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def activation(self, channels: int) -> int:
        return self._tensor(
            [1, self.hw, self.hw, channels],
            "INT8",
            np.array([_ACT_SCALE]),
            np.array([_ACT_ZERO_POINT]),
        )

    def _op(
        self, name: str, inputs: list[int], outputs: list[int], options: str, **kw: Any
    ) -> None:
        o = self.s.OperatorT()
        o.opcodeIndex = self._code(name)
        o.inputs = np.array(inputs, dtype=np.int32)
        o.outputs = np.array(outputs, dtype=np.int32)
        opt = getattr(self.s, options + "T")()
        for k, v in kw.items():
            setattr(opt, k, v)
        o.builtinOptionsType = getattr(self.s.BuiltinOptions, options)
        o.builtinOptions = opt
        self.sg.operators.append(o)

    def _per_channel(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.rng.uniform(0.002, 0.02, n), np.zeros(n, dtype=np.int64)

    def _bias(self, channels: int, weight_scales: np.ndarray) -> int:
        return self._tensor(
            [channels],
            "INT32",
            weight_scales * _ACT_SCALE,
            np.zeros(channels, dtype=np.int64),
            data=self.rng.integers(-1000, 1000, channels, dtype=np.int32),
        )

    def conv(self, x: int, cin: int, cout: int) -> int:
        """CONV_2D 1x1, SAME padding, stride 1: per-output-channel weights (axis 0)."""
        scales, zps = self._per_channel(cout)
        w = self._tensor(
            [cout, 1, 1, cin],
            "INT8",
            scales,
            zps,
            axis=0,
            data=self.rng.integers(-127, 128, (cout, 1, 1, cin), dtype=np.int8),
        )
        b = self._bias(cout, scales)
        y = self.activation(cout)
        self._op(
            "CONV_2D",
            [x, w, b],
            [y],
            "Conv2DOptions",
            padding=self.s.Padding.SAME,
            strideW=1,
            strideH=1,
            dilationWFactor=1,
            dilationHFactor=1,
            fusedActivationFunction=self.s.ActivationFunctionType.RELU6,
        )
        return y

    def depthwise(self, x: int, channels: int) -> int:
        """DEPTHWISE_CONV_2D 3x3, SAME padding, multiplier 1: per-channel weights (axis 3)."""
        scales, zps = self._per_channel(channels)
        w = self._tensor(
            [1, 3, 3, channels],
            "INT8",
            scales,
            zps,
            axis=3,
            data=self.rng.integers(-127, 128, (1, 3, 3, channels), dtype=np.int8),
        )
        b = self._bias(channels, scales)
        y = self.activation(channels)
        self._op(
            "DEPTHWISE_CONV_2D",
            [x, w, b],
            [y],
            "DepthwiseConv2DOptions",
            padding=self.s.Padding.SAME,
            strideW=1,
            strideH=1,
            depthMultiplier=1,
            dilationWFactor=1,
            dilationHFactor=1,
            fusedActivationFunction=self.s.ActivationFunctionType.RELU6,
        )
        return y

    def add(self, a: int, b: int, channels: int) -> int:
        y = self.activation(channels)
        self._op("ADD", [a, b], [y], "AddOptions")
        return y

    def concat(self, inputs: list[int], channels: int) -> int:
        y = self.activation(channels)
        self._op("CONCATENATION", inputs, [y], "ConcatenationOptions", axis=3)
        return y

    def finish(self, x: int, y: int) -> bytes:
        import flatbuffers

        self.sg.inputs = np.array([x], dtype=np.int32)
        self.sg.outputs = np.array([y], dtype=np.int32)
        self.model.subgraphs = [self.sg]
        b = flatbuffers.Builder(1 << 20)
        b.Finish(self.model.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def _chain_step(w: _Writer, x: int, c: int, k: int) -> tuple[int, int]:
    """One chain operator: even k a 1x1 CONV_2D to the next width, odd k a depthwise 3x3."""
    if k % 2 == 0:
        c_next = _CHANNELS[(k // 2 + 1) % len(_CHANNELS)]
        return w.conv(x, c, c_next), c_next
    return w.depthwise(x, c), c


def _residual_block(w: _Writer, x: int, c: int) -> int:
    y = w.conv(x, c, 2 * c)
    y = w.depthwise(y, 2 * c)
    y = w.conv(y, 2 * c, c)
    return w.add(x, y, c)


def _inception_block(w: _Writer, x: int, c: int) -> int:
    b1 = w.conv(x, c, c)
    b2 = w.depthwise(w.conv(x, c, c), c)
    b3 = w.conv(w.depthwise(x, c), c, c)
    return w.conv(w.concat([b1, b2, b3], 3 * c), 3 * c, c)


_BLOCK_OPS = {"residual": 4, "inception": 7}


def build(kind: str, n_ops: int, *, hw: int = 8, seed: int = 0, unused: int = 0) -> bytes:
    """A ``kind`` model (see :data:`KINDS`) with exactly ``n_ops`` operators, as .tflite bytes.

    ``unused`` adds that many activation tensors no operator reads or writes (as converters
    leave behind): TFLM still gives each one a TfLiteEvalTensor in the tail; the planner
    must handle them in time linear in their number."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if n_ops < 1:
        raise ValueError("n_ops must be at least 1")
    w = _Writer(hw, seed)
    c = 16
    x = w.activation(c)
    y = x
    if kind != "chain":
        block = _residual_block if kind == "residual" else _inception_block
        while n_ops - w.n_ops >= _BLOCK_OPS[kind]:
            y = block(w, y, c)
    k = 0
    while w.n_ops < n_ops:
        y, c = _chain_step(w, y, c, k)
        k += 1
    for _ in range(unused):
        w.activation(c)
    return w.finish(x, y)


def write_models(
    directory: str | Path, sizes: Iterable[int] = (1000, 10000), kinds: Iterable[str] = KINDS
) -> dict[tuple[str, int], Path]:
    """Write ``<kind>_<n>.tflite`` for every kind and size into ``directory`` (reused if there)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for n in sizes:
        for kind in kinds:
            path = out / f"{kind}_{n}.tflite"
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(build(kind, n))
                tmp.replace(path)
            paths[(kind, n)] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--ops", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = parser.parse_args(argv)
    for (kind, n), path in write_models(args.directory, args.ops, args.kinds).items():
        print(f"{kind:>9} {n:>6} ops  {path.stat().st_size:>10,} B  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
