"""Per-layer figures against a real TFLite interpreter, and MACs against hand formulas."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from planner.analysis.layers import analyse
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.model.tflite_reader import load_model

from .corpus import all_models, model_id

MODELS = all_models()


def _repaired(data: bytes) -> bytes:
    """The model with out-of-range per-axis quantization dimensions reset to 0.

    Some of TFLM's own example models (person_detect) carry quantized_dimension=3 on 1-D bias
    tensors; TFLM ignores it but LiteRT's interpreter refuses the model. Shapes and types,
    which the test compares, are untouched.
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(data, 0)
    for sg in model.subgraphs:
        for t in sg.tensors:
            q = t.quantization
            if q is not None and t.shape is not None and q.quantizedDimension >= len(t.shape):
                q.quantizedDimension = 0
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _interpreter_details(path: Path) -> tuple[list[dict], dict[int, dict]]:
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_path=str(path))
    except ValueError as exc:
        if "quantized_dimension" not in str(exc):
            raise
        interpreter = Interpreter(model_content=_repaired(path.read_bytes()))
    ops = interpreter._get_ops_details()
    tensors = {d["index"]: d for d in interpreter.get_tensor_details()}
    return ops, tensors


def _nbytes(detail: dict) -> int:
    return int(np.prod(detail["shape"])) * np.dtype(detail["dtype"]).itemsize


@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_layer_bytes_match_the_interpreter(path: Path) -> None:
    graph = load_model(path)
    stats = analyse(graph)
    ops, tensors = _interpreter_details(path)
    main = [layer for layer in stats.layers if layer.subgraph == 0]
    assert [layer.op for layer in main] == [op["op_name"] for op in ops]
    for layer, op in zip(main, ops, strict=True):
        assert set(layer.output_tensors) <= {int(t) for t in op["outputs"]}
        for t in layer.input_tensors + layer.output_tensors:
            mine = graph.main.tensors[t]
            theirs = tensors[t]
            assert list(mine.shape) == list(theirs["shape"]), mine.name
            assert mine.nbytes == _nbytes(theirs), mine.name
        assert layer.input_bytes == sum(_nbytes(tensors[t]) for t in layer.input_tensors)
        assert layer.output_bytes == sum(_nbytes(tensors[t]) for t in layer.output_tensors)
        # Weight bytes: the constant inputs' stored data, sized as the interpreter sees them.
        constant = {
            int(t) for t in op["inputs"] if t >= 0 and graph.main.tensors[int(t)].is_constant
        }
        assert layer.weight_bytes == sum(_nbytes(tensors[t]) for t in constant)


@pytest.mark.parametrize("path", MODELS, ids=model_id)
def test_live_bytes_include_every_tensor_crossing_the_step(path: Path) -> None:
    """Recompute the live set from scratch: produced at or before the op, read at or after it."""
    graph = load_model(path)
    sg = graph.main
    stats = analyse(graph)
    n = len(sg.operators)
    for layer in (x for x in stats.layers if x.subgraph == 0):
        i = layer.index
        expected = set()
        for t, tensor in enumerate(sg.tensors):
            if tensor.is_constant:
                continue
            producers = [op.index for op in sg.operators if t in op.outputs]
            readers = [op.index for op in sg.operators if t in op.inputs]
            if not producers and not readers and t not in sg.inputs:
                continue
            start = -1 if (t in sg.inputs or not producers or tensor.is_variable) else producers[0]
            end = max(readers, default=start)
            if t in sg.outputs or tensor.is_variable:
                end = n - 1
            if start <= i <= max(end, start if start >= 0 else 0):
                expected.add(t)
        assert set(layer.live_tensors) == expected
        assert layer.live_bytes == sum(sg.tensors[t].nbytes for t in expected)


def test_person_detect_first_layers_by_hand() -> None:
    stats = analyse(load_model(Path(__file__).parents[2] / "shared/models/person_detect.tflite"))
    first = stats.layers[0]
    # 96x96x1 int8 input, depthwise 3x3 stride 2 with depth multiplier 8 -> 48x48x8.
    assert first.op == "DEPTHWISE_CONV_2D"
    assert first.input_bytes == 96 * 96 * 1
    assert first.output_bytes == 48 * 48 * 8
    assert first.macs == 48 * 48 * 8 * 3 * 3
    assert first.params == 3 * 3 * 8 + 8  # int8 filter + int32 bias
    assert first.weight_bytes == 3 * 3 * 8 * 1 + 8 * 4


# ----- A graph built by hand: AlexNet with its grouped convolutions ------------------------


def _t(index: int, shape: tuple[int, ...], const: bool = False, dtype: str = "INT8") -> Tensor:
    elements = math.prod(shape)
    size = {"INT8": 1, "INT32": 4}[dtype]
    return Tensor(
        index=index,
        name=f"t{index}",
        shape=shape,
        dtype=dtype,
        buffer=index + 1 if const else 0,
        data_bytes=elements * size if const else 0,
    )


def alexnet() -> Graph:
    """Krizhevsky et al. 2012 with groups of 2 on conv2/4/5, as a planner graph (int8)."""
    tensors: list[Tensor] = []
    ops: list[Operator] = []

    def add(shape: tuple[int, ...], const: bool = False, dtype: str = "INT8") -> int:
        tensors.append(_t(len(tensors), shape, const, dtype))
        return len(tensors) - 1

    x = add((1, 224, 224, 3))
    first_input = x

    def conv(x: int, co: int, k: int, ci_g: int, out_hw: int, stride: int) -> int:
        w = add((co, k, k, ci_g), const=True)
        bias = add((co,), const=True, dtype="INT32")
        y = add((1, out_hw, out_hw, co))
        ops.append(Operator(len(ops), "CONV_2D", (x, w, bias), (y,), options={"stride_h": stride}))
        return y

    def pool(x: int, c: int, out_hw: int) -> int:
        y = add((1, out_hw, out_hw, c))
        ops.append(Operator(len(ops), "MAX_POOL_2D", (x,), (y,)))
        return y

    def fc(x: int, k: int, units: int) -> int:
        w = add((units, k), const=True)
        bias = add((units,), const=True, dtype="INT32")
        y = add((1, units))
        ops.append(Operator(len(ops), "FULLY_CONNECTED", (x, w, bias), (y,)))
        return y

    x = conv(x, 96, 11, 3, 55, 4)
    x = pool(x, 96, 27)
    x = conv(x, 256, 5, 48, 27, 1)  # 2 groups of 48 input channels
    x = pool(x, 256, 13)
    x = conv(x, 384, 3, 256, 13, 1)
    x = conv(x, 384, 3, 192, 13, 1)  # 2 groups
    x = conv(x, 256, 3, 192, 13, 1)  # 2 groups
    x = pool(x, 256, 6)
    flat = add((1, 9216))
    ops.append(Operator(len(ops), "RESHAPE", (x,), (flat,)))
    x = fc(flat, 9216, 4096)
    x = fc(x, 4096, 4096)
    x = fc(x, 4096, 1000)
    sg = Subgraph(0, "alexnet", tuple(tensors), tuple(ops), (first_input,), (x,))
    return Graph(subgraphs=(sg,), file_bytes=0)


def test_eleven_by_eleven_conv_macs() -> None:
    stats = analyse(alexnet())
    # 96 filters of 11x11x3, stride 4, pad 2 on 224x224x3 -> 55x55x96.
    assert stats.layers[0].macs == 96 * 3 * 11 * 11 * 55 * 55 == 105_415_200


def test_alexnet_table() -> None:
    stats = analyse(alexnet())
    weights = [(96, 3, 11), (256, 48, 5), (384, 256, 3), (384, 192, 3), (256, 192, 3)]
    conv_weights = sum(co * ci * k * k for co, ci, k in weights)
    fc_weights = 9216 * 4096 + 4096 * 4096 + 4096 * 1000
    biases = 96 + 256 + 384 + 384 + 256 + 4096 + 4096 + 1000
    assert conv_weights + fc_weights == 60_954_656
    assert stats.params == 60_954_656 + biases
    conv_macs = 105_415_200 + 256 * 48 * 25 * 27 * 27 + 384 * 256 * 9 * 13 * 13
    conv_macs += 384 * 192 * 9 * 13 * 13 + 256 * 192 * 9 * 13 * 13
    assert stats.macs == conv_macs + fc_weights == 724_406_816
    assert stats.flops == 2 * 724_406_816
    # Activations: the input and every output (RESHAPE's 9216 is a second copy in TFLM, so it
    # counts; the seed's table, without it, is 932,264).
    assert stats.total_activation_bytes - 9216 == 932_264
    assert stats.peak_io_bytes == 224 * 224 * 3 + 55 * 55 * 96 == 440_928
    assert stats.layers[0].io_bytes == stats.peak_io_bytes
    # Model size: 60,965,224 parameters; at 8 bits (int8 weights, int32 biases as TFLite
    # stores them) and at 32 bits (all float32).
    assert stats.params == 60_965_224
    assert stats.weight_bytes == 60_954_656 * 1 + biases * 4 == 60_996_928
    assert stats.params * 4 == 243_860_896


def test_lstm_and_svdf_macs_by_hand() -> None:
    shared = Path(__file__).parents[2] / "shared/models"
    graph = load_model(shared / "keyword_scrambled_8bit.tflite")
    sg = graph.main
    for op in sg.operators:
        if op.opcode == "SVDF":
            features = sg.tensors[op.inputs[1]].shape  # [filters, input_size]
            time = sg.tensors[op.inputs[2]].shape  # [filters, memory_size]
            batch = sg.tensors[op.inputs[0]].shape[0]
            layer = analyse(graph).layers[op.index]
            assert layer.macs == batch * (features[0] * features[1] + time[0] * time[1])


def test_buffers_stored_after_the_flatbuffer_are_counted(tmp_path: Path) -> None:
    """Large models keep weights outside the flatbuffer (Buffer.offset/size); the loader
    takes their size from those fields and checks they lie inside the file."""
    import flatbuffers

    from .builder import Model, i8

    m = Model()
    g = m.subgraph()
    x = g.tensor([1, 4], scale=0.1)
    w = g.tensor([3, 4], data=i8(12), scale=[0.1])
    y = g.tensor([1, 3], scale=0.1)
    g.op("FULLY_CONNECTED", [x, w, -1], [y], "FullyConnectedOptions")
    g.io([x], [y])
    weights = m.m.buffers[g.t.tensors[w].buffer]
    weights.data = None
    builder = flatbuffers.Builder(1024)
    # Pack once to learn the flatbuffer's size, then point the buffer past it.
    weights.offset, weights.size = 1 << 20, 12
    builder.Finish(m.m.Pack(builder), file_identifier=b"TFL3")
    head = bytes(builder.Output())
    weights.offset = len(head) + 16 - len(head) % 16
    builder = flatbuffers.Builder(1024)
    builder.Finish(m.m.Pack(builder), file_identifier=b"TFL3")
    head = bytes(builder.Output())
    assert len(head) <= weights.offset
    data = head + bytes(weights.offset - len(head)) + bytes(range(12))
    path = tmp_path / "external.tflite"
    path.write_bytes(data)
    graph = load_model(path)
    assert graph.main.tensors[w].data_bytes == 12
    assert graph.main.tensors[w].is_constant
    assert analyse(graph).layers[0].weight_bytes == 12
    # Pointing past the end of the file is an error, not a silent zero.
    path.write_bytes(data[:-1])
    from planner.errors import ModelError

    with pytest.raises(ModelError, match="beyond the end"):
        load_model(path)
