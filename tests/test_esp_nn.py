"""ESP-NN kernels (esp-tflite-micro 99f49e1, esp-nn d45b843): scratch and persistent sizes.

No ESP32 runtime exists here, so every expected figure is worked out by hand in the test from
the source formulas quoted beside it (esp-nn src/convolution/esp_nn_conv_esp32s3.c
``esp_nn_get_conv_scratch_size_esp32s3``, esp_nn_depthwise_conv_s8_esp32s3.c
``esp_nn_get_depthwise_conv_scratch_size_esp32s3``, src/softmax/*: ``width * 4``; the
generic ``*_opt`` conv functions the ESP32 uses return 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import pytest
from click.testing import CliRunner

from planner.api import predict
from planner.cli import main
from planner.model.graph import Graph, Operator, Quantization, Subgraph, Tensor
from planner.model.tflite_reader import load_model
from planner.runtimes.tflm.allocation_info import scratch_request_sizes, unknown_scratch_ops
from planner.runtimes.tflm.kernels import OpView, kernel_for
from planner.runtimes.tflm.micro_allocator import persistent_allocations
from planner.runtimes.tflm.structs.c_layout import Abi
from planner.targets.boards import catalog
from planner.targets.target import Target, target_for

from .builder import Model
from .corpus import BUNDLED_MODELS

ESP32 = target_for(catalog()["esp32"])
ESP32_S3 = target_for(catalog()["esp32-s3"])
SAME, VALID = 0, 1
ESP_NN_OPS = (
    "ADD",
    "AVERAGE_POOL_2D",
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "FULLY_CONNECTED",
    "MAX_POOL_2D",
    "MUL",
    "SOFTMAX",
)


def _t(index: int, shape: tuple[int, ...], dtype: str = "INT8", **kw: object) -> Tensor:
    return Tensor(index=index, name=f"t{index}", shape=shape, dtype=dtype, buffer=0, **kw)  # type: ignore[arg-type]


def _q(channels: int = 1) -> Quantization:
    return Quantization(scales=(0.1,) * channels, zero_points=(0,) * channels)


def _graph(opcode: str, tensors: tuple[Tensor, ...], n_in: int, **options: object) -> Graph:
    op = Operator(
        index=0,
        opcode=opcode,
        inputs=tuple(range(n_in)),
        outputs=(n_in,),
        options=MappingProxyType(dict(options)),
    )
    sg = Subgraph(index=0, name="", inputs=(0,), outputs=(n_in,), tensors=tensors, operators=(op,))
    return Graph(subgraphs=(sg,), file_bytes=0)


def _conv(
    opcode: str,
    hw: int,
    cin: int,
    k: int,
    cout: int,
    padding: int = SAME,
    stride: int = 1,
    filter_dtype: str = "INT8",
) -> Graph:
    """One int8 convolution on a square input; the output side follows TFLite's padding."""
    out = -(-hw // stride) if padding == SAME else (hw - k) // stride + 1
    depthwise = opcode == "DEPTHWISE_CONV_2D"
    filt = (1, k, k, cout) if depthwise else (cout, k, k, cin)
    tensors = (
        _t(0, (1, hw, hw, cin), quantization=_q()),
        _t(1, filt, filter_dtype, data_bytes=k * k * cin * cout, quantization=_q(cout)),
        _t(2, (cout,), "INT32", data_bytes=4 * cout),
        _t(3, (1, out, out, cout), quantization=_q()),
    )
    options: dict[str, object] = {
        "padding": padding,
        "stride_w": stride,
        "stride_h": stride,
        "dilation_w_factor": 1,
        "dilation_h_factor": 1,
    }
    if depthwise:
        options["depth_multiplier"] = cout // cin
    return _graph(opcode, tensors, 3, **options)


def _scratch(g: Graph, target: Target) -> tuple[int, ...]:
    return scratch_request_sizes(g, 0, g.main.operators[0], target)


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------


def test_every_esp_nn_kernel_is_modelled_with_its_source() -> None:
    for op in ESP_NN_OPS:
        k = kernel_for(op, "esp-nn")
        assert k.library == "esp-nn", op
        assert k.tail_known and k.scratch_known, op
        assert "esp-tflite-micro" in k.source and "/esp_nn/" in k.source, op
    # Operators ESP-NN does not replace fall back to the reference kernel.
    assert kernel_for("RESHAPE", "esp-nn").library == "reference"


# ---------------------------------------------------------------------------------------------
# CONV_2D
# ---------------------------------------------------------------------------------------------


def test_conv_1x1_scratch() -> None:
    # 1x1, stride 1, no padding: new_ch = align8(cin); input copy only when cin % 8;
    # transpose buffer 2 * 8 * new_ch unless w * h < 8; filter new_ch * cout; + 64.
    g = _conv("CONV_2D", hw=8, cin=10, k=1, cout=16)
    new_ch = 16
    assert _scratch(g, ESP32_S3) == (8 * 8 * new_ch + new_ch * 16 + 2 * 8 * new_ch + 64,)
    g = _conv("CONV_2D", hw=2, cin=16, k=1, cout=24)
    assert _scratch(g, ESP32_S3) == (0 + 16 * 24 + 0 + 64,)
    # The ESP32's generic esp_nn_get_conv_scratch_size_opt returns 0: no request at all.
    assert _scratch(g, ESP32) == ()


def test_conv_im2col_scratch() -> None:
    # 3x3 on 3 channels: row = 9 < 16, window = 27 >= 16 -> im2col, window aligned to 32:
    # cout * 4 + 16 + cout * 32 + 16 + 32 + 64.
    g = _conv("CONV_2D", hw=8, cin=3, k=3, cout=8)
    assert _scratch(g, ESP32_S3) == (8 * 4 + 16 + 8 * 32 + 16 + 32 + 64,)
    assert _scratch(g, ESP32) == ()


def test_conv_general_scratch() -> None:
    # 3x3 on 10 channels, VALID, 8x8 -> 6x6: no input padding; filter 3 * 3 * align16(10) * 16;
    # filter rows of 30 aligned to 32: 32 * 3 * 16; pad_right = 6 * 1 + 3 - 1 - 8 = 0, so no
    # boundary copy; + 64 + cout * 4.
    g = _conv("CONV_2D", hw=8, cin=10, k=3, cout=16, padding=VALID)
    assert _scratch(g, ESP32_S3) == (3 * 3 * 16 * 16 + 32 * 3 * 16 + 64 + 16 * 4,)
    # SAME: TFLM's padding is 1 on each axis, so the padded input (8 + 2) * (8 + 2) * 10;
    # pad_right = 8 * 1 + 3 - 1 - 8 = 2 -> boundary copy (8 + 2) * (8 + 2) * 10.
    g = _conv("CONV_2D", hw=8, cin=10, k=3, cout=16)
    padded = 10 * 10 * 10
    assert _scratch(g, ESP32_S3) == (padded + 2304 + 1536 + padded + 64 + 64,)
    # Stride 2, SAME, 9x9 -> 5x5: total padding (5 - 1) * 2 + 3 - 9 = 2, 1 before: as above
    # with (9 + 2)^2 * 10; pad_right = 5 * 2 + 2 - 9 = 3 -> (9 + 3)^2 * 10.
    g = _conv("CONV_2D", hw=9, cin=10, k=3, cout=16, stride=2)
    assert _scratch(g, ESP32_S3) == (11 * 11 * 10 + 2304 + 1536 + 12 * 12 * 10 + 64 + 64,)


def test_conv_int4_unpacking_comes_first_and_other_types_request_nothing() -> None:
    g = _conv("CONV_2D", hw=8, cin=10, k=3, cout=16, padding=VALID, filter_dtype="INT4")
    assert _scratch(g, ESP32_S3) == (16 * 3 * 3 * 10, 3968)
    assert _scratch(g, ESP32) == (16 * 3 * 3 * 10,)
    # Only an int8 input asks ESP-NN for a buffer.
    g = _conv("CONV_2D", hw=8, cin=10, k=3, cout=16, padding=VALID)
    floats = tuple(
        Tensor(t.index, t.name, t.shape, "FLOAT32", 0, data_bytes=t.data_bytes)
        for t in g.main.tensors
    )
    options = g.main.operators[0].options
    assert _scratch(_graph("CONV_2D", floats, 3, **options), ESP32_S3) == ()


# ---------------------------------------------------------------------------------------------
# DEPTHWISE_CONV_2D
# ---------------------------------------------------------------------------------------------


def test_depthwise_3x3_multiplier_1_scratch() -> None:
    dw = "DEPTHWISE_CONV_2D"
    # 16 channels, SAME: padding 1 -> input padded by 2: (8 + 2)^2 * 16 <= 40 KiB, + filter
    # 3 * 3 * 16 + 16.
    assert _scratch(_conv(dw, 8, 16, 3, 16), ESP32_S3) == (144 + 10 * 10 * 16 + 16,)
    # VALID 8 -> 6: pad = (6 * 1 + 3 - 1) - 8 = 0 on both axes -> filter + 16.
    assert _scratch(_conv(dw, 8, 16, 3, 16, padding=VALID), ESP32_S3) == (144 + 16,)
    # Stride 2, SAME, 72 -> 36 (MobileNet v2's block 1): TFLM's padding before is 0, so the
    # source pads (36 * 2 + 2) - 72 = 2; (72 + 2)^2 * 48 > 40 KiB -> a 3-row strip.
    assert _scratch(_conv(dw, 72, 48, 3, 48, stride=2), ESP32_S3) == (432 + 74 * 3 * 48 + 16,)
    # 8 channels: the s16 path, 2 * (filter + input) + 32.
    assert _scratch(_conv(dw, 8, 8, 3, 8), ESP32_S3) == (2 * (72 + 8 * 8 * 8) + 32,)
    # 24 channels (% 8, not % 16, >= 12): padded to 32 channels; padding 2 + max(0, 8 + 2 - 8)
    # per axis; 9 * 32 + (8 + 4)^2 * 32 + 8 * 8 * 32 (output) + 64.
    assert _scratch(_conv(dw, 8, 24, 3, 24), ESP32_S3) == (288 + 12 * 12 * 32 + 2048 + 64,)


def test_depthwise_other_shapes_scratch() -> None:
    dw = "DEPTHWISE_CONV_2D"
    # 5x5, 16 channels: 2 * (filter 400 + input 1024) <= 48 KiB -> + 32.
    assert _scratch(_conv(dw, 8, 16, 5, 16), ESP32_S3) == (2 * (400 + 8 * 8 * 16) + 32,)
    # 5 channels (multiplier 1, > 3, not % 8): channels padded to 8 and 16-aligned parts:
    # filter 9 * 8 * 2 = 144 | input 8 * 8 * 8 * 2 = 1024 -> 1168 | output 512 -> 1680 |
    # bias, shift, mult 3 * 8 * 4 | + 16.
    assert _scratch(_conv(dw, 8, 5, 3, 5), ESP32_S3) == (1680 + 96 + 16,)
    # Multiplier 4 (2 -> 8 channels): 2 * (filter 3 * 3 * 2 * 4 + input 8 * 8 * 2) + 32.
    assert _scratch(_conv(dw, 8, 2, 3, 8), ESP32_S3) == (2 * (72 + 128) + 32,)
    # 3 channels, multiplier 1: the fallback 32.
    assert _scratch(_conv(dw, 8, 3, 3, 3), ESP32_S3) == (32,)
    # The ESP32's generic esp_nn_get_depthwise_conv_scratch_size_opt returns 0.
    for g in (_conv(dw, 8, 16, 3, 16), _conv(dw, 8, 5, 3, 5), _conv(dw, 8, 2, 3, 8)):
        assert _scratch(g, ESP32) == ()


# ---------------------------------------------------------------------------------------------
# SOFTMAX and the operators that request nothing
# ---------------------------------------------------------------------------------------------


def _softmax(shape: tuple[int, ...], dtype: str = "INT8") -> Graph:
    return _graph("SOFTMAX", (_t(0, shape, dtype), _t(1, shape, dtype)), 1, beta=1.0)


def test_softmax_scratch_is_dimension_1_times_4_on_both_chips() -> None:
    for target in (ESP32, ESP32_S3):
        assert _scratch(_softmax((1, 10)), target) == (10 * 4,)
        # Dimension 1 even when it is not the depth, as the kernel reads it.
        assert _scratch(_softmax((1, 1, 1, 10)), target) == (1 * 4,)
        assert _scratch(_softmax((1, 10), "INT16"), target) == ()
        assert _scratch(_softmax((1, 10), "FLOAT32"), target) == ()
    rank1 = _softmax((10,))
    assert unknown_scratch_ops(rank1, ESP32_S3) == ("SOFTMAX",)
    assert unknown_scratch_ops(rank1) == ()


def test_elementwise_pooling_and_fully_connected_request_nothing() -> None:
    shape = (1, 4, 4, 8)
    add = _graph("ADD", (_t(0, shape), _t(1, shape), _t(2, shape)), 2)
    mul = _graph("MUL", (_t(0, shape), _t(1, shape), _t(2, shape)), 2)
    pools = [
        _graph(p, (_t(0, shape), _t(1, (1, 2, 2, 8))), 1, filter_width=2, filter_height=2)
        for p in ("AVERAGE_POOL_2D", "MAX_POOL_2D")
    ]
    fc = _graph(
        "FULLY_CONNECTED",
        (_t(0, (1, 12)), _t(1, (5, 12), data_bytes=60, quantization=_q()), _t(2, (1, 5))),
        2,
    )
    for g in (add, mul, *pools, fc):
        assert _scratch(g, ESP32_S3) == () and _scratch(g, ESP32) == ()


# ---------------------------------------------------------------------------------------------
# Persistent data
# ---------------------------------------------------------------------------------------------


def _kernel_data(g: Graph, target: Target) -> list[tuple[str, int]]:
    allocations, unknown = persistent_allocations(g, target)
    assert unknown == ()
    return [(a.what, a.size) for a in allocations if a.what.startswith("op 0 ")]


def test_conv_persistent_data() -> None:
    # NodeData = OpDataConv (32-bit, no compression: TfLitePaddingValues 16 + 5 int32 +
    # 2 pointers + 3 int32 = 56) + int buffer_idx = 60; TfLiteConvParams 28 (int enums);
    # Prepare: multipliers and shifts, cout int32 each.
    g = _conv("CONV_2D", hw=8, cin=10, k=3, cout=16)
    for target in (ESP32, ESP32_S3):
        sizes = [size for _, size in _kernel_data(g, target)]
        assert sizes == [28, 60, 16 * 4, 16 * 4]
    dw = _conv("DEPTHWISE_CONV_2D", 8, 16, 3, 16)
    assert [size for _, size in _kernel_data(dw, ESP32_S3)] == [28, 60, 16 * 4, 16 * 4]
    what = [w for w, _ in _kernel_data(dw, ESP32_S3)]
    assert "NodeData (esp_nn)" in what[1] and "depthwise_conv.cc" in what[1]


def test_softmax_and_other_persistent_data() -> None:
    # NodeData = SoftmaxParams (double beta, 6 int32, float, 5 pointers = 8 + 24 + 4 + 20 = 56,
    # 8-aligned) + int buffer_idx -> 60, padded to 64; TfLiteSoftmaxParams is one float.
    assert [s for _, s in _kernel_data(_softmax((1, 10)), ESP32_S3)] == [4, 64]
    # int16: CalculateSoftmaxParams adds the two 513-entry int16 LUTs.
    assert [s for _, s in _kernel_data(_softmax((1, 10), "INT16"), ESP32)] == [4, 64, 1026, 1026]
    # ADD: TfLiteAddParams (enum activation + bool pot_scale_int16 -> 8) and OpDataAdd (bool,
    # 12 int32, 2 floats -> 60), both as the reference kernel's.
    shape = (1, 4, 4, 8)
    add = _graph("ADD", (_t(0, shape), _t(1, shape), _t(2, shape)), 2)
    assert [s for _, s in _kernel_data(add, ESP32_S3)] == [8, 60]
    reference = Target.mcu()
    assert _kernel_data(add, ESP32_S3) == _kernel_data(add, reference)


def test_struct_sizes_by_hand() -> None:
    abi = Abi(32)
    conv = kernel_for("CONV_2D", "esp-nn").op_data(ESP32_S3)
    assert conv is not None and conv.size(abi) == 56 + 4
    softmax = kernel_for("SOFTMAX", "esp-nn").op_data(ESP32)
    assert softmax is not None and softmax.size(abi) == 64
    view = OpView(_softmax((1, 10)).main, _softmax((1, 10)).main.operators[0])
    assert kernel_for("SOFTMAX", "esp-nn").prepare_buffers(view, ESP32) == ()


# ---------------------------------------------------------------------------------------------
# Whole models
# ---------------------------------------------------------------------------------------------


def test_built_conv_model_plans_the_esp_nn_buffer(tmp_path: Path) -> None:
    m = Model()
    sg = m.subgraph()
    x = sg.tensor([1, 8, 8, 10], scale=0.1)
    y, _ = sg.conv(x, hw=8, cin=10, cout=16, k=3)
    sg.io([x], [y])
    graph = load_model(m.write(tmp_path / "conv.tflite"))
    # Read from the flatbuffer: SAME, stride 1 -> the general path as in test_conv_general.
    scratch = 1000 + 2304 + 1536 + 1000 + 64 + 64
    assert _scratch(graph, ESP32_S3) == (scratch,)
    s3, esp32 = predict(graph, ESP32_S3), predict(graph, ESP32)
    assert s3.exact and esp32.exact
    # One step: input 640 B, output 1,024 B and the scratch buffer, all 16-aligned.
    assert esp32.head_bytes == 640 + 1024
    assert s3.head_bytes == 640 + 1024 + scratch


MBV2_035 = BUNDLED_MODELS / "mobilenet_v2_0.35_144_int8.tflite"


@pytest.mark.parametrize("board", ["esp32-s3", "esp32"])
def test_mobilenet_gets_a_verdict_on_esp32_boards(board: str) -> None:
    result = CliRunner().invoke(main, ["fit", str(MBV2_035), "--board", board, "-f", "json"])
    doc = json.loads(result.output)
    assert doc["exact"] is True and doc["arena"]["unknown"] == []
    assert doc["verdict"] in ("fits", "does not fit")  # not "unknown" (cannot tell)
