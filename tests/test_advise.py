"""What would fit: shape propagation, width scaling, the advisor and patch-based plans.

MobileNetV2 1.0 at 224x224 on the STM32F746 (320 KiB board) is the worked example; MCUNetV2
(Lin et al., NeurIPS 2021, arXiv 2110.15352, Table 1) gives the published figures: per-layer
peak 1372 kB, 172 kB with 4x4 patches, 75x75 input patches, +42% MACs in the patch stage and
+10% overall.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from planner.advise import (
    advise,
    candidate_splits,
    inplace_depthwise_peak,
    patch_plan,
    receptive_field,
    truncate_after,
)
from planner.analysis.layers import analyse
from planner.analysis.shapes import (
    ShapeError,
    make_divisible,
    mobilenet_like,
    with_input_shape,
    with_resolution,
    with_width,
)
from planner.api import predict
from planner.model.graph import Graph, Operator, Subgraph, Tensor
from planner.model.tflite_reader import load_model
from planner.report.advice import advice_to_dict, render_advice
from planner.report.text import make_console
from planner.targets.boards import find_board

ROOT = Path(__file__).resolve().parents[1]
MBV2_224 = ROOT / "models" / "mobilenet_v2_1.0_224_int8.tflite"
MBV2_035_144 = ROOT / "models" / "mobilenet_v2_0.35_144_int8.tflite"
MBV1 = ROOT / "models" / "mobilenet_v1_0.25_96_int8.tflite"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path.name} is not built yet (python models/build_models.py)")
    return path


@pytest.fixture(scope="module")
def mbv2() -> Graph:
    return load_model(_need(MBV2_224))


@pytest.fixture(scope="module")
def f746():
    return find_board("stm32f746")


# ---------------------------------------------------------------------------------------------
# Small synthetic graphs, checked by hand


def _t(i: int, shape: tuple[int, ...], const: bool = False, dtype: str = "INT8") -> Tensor:
    size = math.prod(shape) * (4 if dtype == "INT32" else 1)
    return Tensor(
        index=i, name=f"t{i}", shape=shape, dtype=dtype, buffer=i, data_bytes=size if const else 0
    )


def _op(i: int, code: str, ins: tuple[int, ...], outs: tuple[int, ...], **opts) -> Operator:
    return Operator(
        index=i, opcode=code, inputs=ins, outputs=outs, options=MappingProxyType(dict(opts))
    )


def _graph(tensors, ops, inputs, outputs) -> Graph:
    sg = Subgraph(
        index=0,
        name="main",
        tensors=tuple(tensors),
        operators=tuple(ops),
        inputs=inputs,
        outputs=outputs,
    )
    return Graph(subgraphs=(sg,), file_bytes=1000)


CONV = dict(padding=0, stride_h=1, stride_w=1, dilation_h_factor=1, dilation_w_factor=1)


def two_convs() -> Graph:
    """8x8x1 -> conv 3x3 s1 SAME -> 8x8x1 -> conv 3x3 s1 SAME -> 8x8x1."""
    tensors = [
        _t(0, (1, 8, 8, 1)),
        _t(1, (1, 3, 3, 1), const=True),
        _t(2, (1,), const=True, dtype="INT32"),
        _t(3, (1, 8, 8, 1)),
        _t(4, (1, 3, 3, 1), const=True),
        _t(5, (1,), const=True, dtype="INT32"),
        _t(6, (1, 8, 8, 1)),
        _t(7, (1, 4, 4, 1)),
    ]
    ops = [
        _op(0, "CONV_2D", (0, 1, 2), (3,), **CONV),
        _op(1, "CONV_2D", (3, 4, 5), (6,), **CONV),
        _op(2, "MAX_POOL_2D", (6,), (7,), padding=1, stride_h=2, stride_w=2,
            filter_height=2, filter_width=2),
    ]  # fmt: skip
    return _graph(tensors, ops, (0,), (7,))


def test_receptive_field_by_hand_two_convs():
    # Each 3x3 stride-1 conv adds (3-1) x 1 x 1 = 2: RF 1 -> 3 -> 5, stride product 1.
    rf, jump, steps = receptive_field(two_convs(), 1)
    assert (rf, jump) == (5, 1)
    assert [s.rf_increase for s in steps] == [2, 2]


def test_patch_macs_by_hand_two_convs():
    # Split after op 1 (8x8), 2x2 patches of 4x4. Patch (0,0) needs rows/cols [0,5) of the
    # first conv's output (one halo row/col; the image edge clips the other side), so the first
    # conv computes 5x5 = 25 pixels a patch, 100 in all instead of 64; the second conv computes
    # exactly its 4x4 patches (64). Each pixel costs 3x3x1 = 9 MACs:
    # layer-wise 2 x 64 x 9 = 1152 MACs; patched (100 + 64) x 9 = 1476.
    plan = patch_plan(two_convs(), 1, 2)
    assert plan.layerwise_stage_macs == 1152
    assert plan.patched_stage_macs == 1476
    assert plan.stage_mac_overhead == pytest.approx(1476 / 1152 - 1)
    # Formula before edge clipping: (4 - 1) x 1 + 5 = 8 (the whole 8-pixel side).
    assert plan.patch_input == (8, 8)
    # Memory for one patch while op 1 runs: its 5x5 input region (25 B) + the whole split
    # tensor (64 B) + the whole input image held in RAM (64 B) = 153 B; while op 0 runs:
    # its 5x5 output (25) + 64 + 64 = 153 as well.
    assert plan.stage_peak_bytes == 25 + 64 + 64


def test_flatten_before_fully_connected_is_refused():
    tensors = [
        _t(0, (1, 4, 4, 2)),
        _t(1, (2,), const=True, dtype="INT32"),
        _t(2, (1, 32)),
        _t(3, (10, 32), const=True),
        _t(4, (1, 10)),
    ]
    ops = [
        _op(0, "RESHAPE", (0, 1), (2,)),
        _op(1, "FULLY_CONNECTED", (2, 3), (4,), keep_num_dims=False),
    ]
    g = _graph(tensors, ops, (0,), (4,))
    with pytest.raises(ShapeError, match="operator 0 \\(RESHAPE\\) flattens"):
        with_resolution(g, 8)
    # The same size still works (nothing to re-derive).
    assert with_resolution(g, 4).main.tensors[4].shape == (1, 10)


def test_unknown_operator_is_named():
    tensors = [_t(0, (1, 4, 4, 2)), _t(1, (1, 4, 4, 2))]
    g = _graph(tensors, [_op(0, "NON_MAX_SUPPRESSION_V4", (0,), (1,))], (0,), (1,))
    with pytest.raises(ShapeError, match="operator 0 \\(NON_MAX_SUPPRESSION_V4\\)"):
        with_input_shape(g, (1, 8, 8, 2))


def test_make_divisible_matches_keras():
    # Keras MobileNetV2 at alpha 0.35: 32 -> 16, 16 -> 8, 24 -> 8, 64 -> 24, 320 -> 112.
    assert [make_divisible(c * 0.35) for c in (32, 16, 24, 64, 320)] == [16, 8, 8, 24, 112]


# ---------------------------------------------------------------------------------------------
# MobileNetV2 1.0 at 224x224


def test_mbv2_peaks_match_mcunetv2(mbv2):
    stats = analyse(mbv2)
    # MCUNetV2's 1372 kB: 112x112x16 input + 112x112x96 expansion = 1,404,928 B (= 1372 KiB),
    # the peak once depthwise layers run in place. With TFLM's separate depthwise output the
    # peak is the stride-2 depthwise, 112x112x96 in + 56x56x96 out = 1,505,280 B.
    assert stats.peak_live_bytes == 112 * 112 * 96 + 56 * 56 * 96
    peak, at = inplace_depthwise_peak(mbv2, stats)
    assert peak == 112 * 112 * (16 + 96) == 1_404_928
    assert at == 3


def test_mbv2_receptive_field_by_hand(mbv2):
    # Up to the first 28x28 block (op 12): the 3x3 layers are conv s2 (jump 1), dw s1 (jump 2),
    # dw s2 (jump 2), dw s1 (jump 4), dw s2 (jump 4); each adds (3-1) x 1 x jump:
    # 1 + 2 + 4 + 4 + 8 + 8 = 27, and the strides multiply to 2 x 2 x 2 = 8.
    rf, jump, steps = receptive_field(mbv2, 12)
    assert (rf, jump) == (27, 8)
    growing = [(s.op_index, s.rf_increase) for s in steps if s.rf_increase]
    assert growing == [(0, 2), (1, 4), (4, 4), (7, 8), (11, 8)]
    # 4x4 patches of the 28x28 map are 7x7: input patch (7 - 1) x 8 + 27 = 75 (MCUNetV2: 75^2).
    plan = patch_plan(mbv2, 12, 4)
    assert plan.patch_output == (7, 7)
    assert plan.patch_input == (75, 75)


def test_mbv2_mcunetv2_patch_plan_fits_f746(mbv2, f746):
    # MCUNetV2's configuration: 4x4 patches up to the first 28x28 block, input streamed,
    # in-place depthwise. The rest of the network peaks at the first 28x28 project conv:
    # 28x28x192 in + 28x28x32 out + the 28x28x32 residual = 200,704 B (MCUNetV2 reports
    # 172 kB = 28x28x(32+192) + one channel, not counting the residual separately).
    plan = patch_plan(mbv2, 12, 4, f746, input_in_ram=False, inplace_depthwise=True)
    assert plan.rest_bytes == 28 * 28 * (192 + 32 + 32)
    assert plan.stage_peak_bytes < plan.rest_bytes
    assert plan.sram_bytes == 200_704 < f746.sram_budget_bytes
    # MACs: MCUNetV2 +42% in the stage and +10% overall with uniform 75x75 patches; clipping
    # the border patches to the image gives less: about +31% and +9%.
    assert 0.25 < plan.stage_mac_overhead < 0.45
    assert 0.05 < plan.mac_overhead < 0.12
    assert (
        plan.patched_macs == plan.model_macs + plan.patched_stage_macs - plan.layerwise_stage_macs
    )


def test_truncated_rest_is_the_tail_of_the_network(mbv2):
    rest = truncate_after(mbv2, 12)
    assert rest.main.tensors[rest.main.inputs[0]].shape == (1, 28, 28, 32)
    assert len(rest.main.operators) == len(mbv2.main.operators) - 13
    assert analyse(rest).macs == sum(layer.macs for layer in analyse(mbv2).layers[13:])


def test_candidate_splits_stop_before_the_head(mbv2):
    splits = candidate_splits(mbv2)
    assert 12 in splits and 23 in splits
    assert max(splits) < 62  # MEAN is not spatially local
    assert 13 not in splits  # the residual of block 4 crosses it


@pytest.fixture(scope="module")
def mbv2_advice(mbv2, f746):
    return advise(mbv2, f746)


def test_advice_does_not_fit_as_is(mbv2_advice, f746):
    assert not mbv2_advice.fits
    assert mbv2_advice.required_bytes > f746.sram_budget_bytes


def test_advice_resolution_that_fits(mbv2, mbv2_advice, f746):
    (res,) = [s for s in mbv2_advice.suggestions if s.kind == "resolution"]
    # Issue 14: its SRAM fits, but the 3.9 MB model file still does not fit the 1 MB flash.
    assert res.sram_fits and not res.flash_fits and not res.fits
    assert res.stock_tflm and res.retrain
    r = res.resolution[0]
    assert r % 16 == 0 and r < 224
    assert res.sram_bytes <= f746.sram_budget_bytes
    # The figure is the arena of the re-derived graph, and one step up does not fit.
    assert res.sram_bytes == predict(with_resolution(mbv2, r), f746).min_arena_bytes
    assert predict(with_resolution(mbv2, r + 16), f746).min_arena_bytes > f746.sram_budget_bytes
    # MAC "overhead" is a saving here: MACs scale with the square of the resolution (+ FC).
    macs = analyse(with_resolution(mbv2, r)).macs
    assert res.macs == macs
    assert res.mac_overhead == pytest.approx(macs / analyse(mbv2).macs - 1)
    assert res.mac_overhead < -0.5


def test_advice_patch_plan_under_budget(mbv2_advice, f746):
    patches = [s for s in mbv2_advice.suggestions if s.kind == "patch-inplace"]
    assert patches and patches[0].sram_fits and not patches[0].flash_fits
    sug = patches[0]
    assert not sug.stock_tflm
    assert sug.sram_bytes <= f746.sram_budget_bytes
    assert sug.patch is not None and sug.patch.sram_bytes == sug.sram_bytes
    assert sug.mac_overhead == pytest.approx(sug.patch.mac_overhead)
    assert 0 < sug.mac_overhead < 0.15


def test_advice_ranking_and_flags(mbv2_advice):
    fits = [s.fits for s in mbv2_advice.suggestions]
    assert fits == sorted(fits, reverse=True)  # fitting ones first
    tiers = [s.cost_tier for s in mbv2_advice.suggestions if s.fits]
    assert tiers == sorted(tiers)
    kinds = {s.kind: s for s in mbv2_advice.suggestions}
    assert kinds["external-ram"].stock_tflm  # 32F746G-DISCO SDRAM
    assert not kinds["inplace-depthwise"].stock_tflm
    assert not kinds["inplace-depthwise"].fits  # 1,404,928 B of activations alone


def test_better_planner_hook(mbv2, f746):
    a = advise(mbv2, f746, better_arena_bytes=300_000)
    assert a.suggestions[0].kind == "better-planner" and a.suggestions[0].sram_fits


def test_advice_renders(mbv2_advice):
    doc = advice_to_dict(mbv2_advice)
    text = json.dumps(doc)
    assert json.loads(text)["budget_bytes"] == mbv2_advice.budget_bytes
    patch = next(s for s in doc["suggestions"] if s["kind"] == "patch-inplace")["patch"]
    assert isinstance(patch["sram_bytes"], int) and patch["receptive_field_steps"]
    import io

    buf = io.StringIO()
    render_advice(mbv2_advice, make_console(file=buf))
    out = buf.getvalue()
    assert "DOES NOT FIT" in out and "patch input" in out


def test_a_model_that_fits_gets_no_suggestions():
    g = load_model(_need(MBV1))
    a = advise(g, find_board("stm32h743"))
    assert a.fits and a.suggestions == ()


# ---------------------------------------------------------------------------------------------
# Width: reproduces the converter's MobileNetV2 0.35 / 144 exactly


def test_width_and_resolution_reproduce_converter_model(mbv2):
    built = load_model(_need(MBV2_035_144))
    derived, info = with_width(with_resolution(mbv2, 144), 0.35)
    assert mobilenet_like(mbv2)[0]
    assert [t.shape for t in derived.main.tensors if not t.is_constant] == [
        t.shape for t in built.main.tensors if not t.is_constant
    ]
    s_built, s_derived = analyse(built), analyse(derived)
    assert s_derived.macs == s_built.macs
    assert s_derived.weight_bytes == s_built.weight_bytes
    assert s_derived.peak_live_bytes == s_built.peak_live_bytes
    assert [i for i, _ in info.kept] == [61]  # the 1280-channel head


# ---------------------------------------------------------------------------------------------
# Against the converter and the real runtime (TensorFlow needed)


def _build_models_module():
    spec = importlib.util.spec_from_file_location("build_models", ROOT / "models/build_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_models"] = module
    spec.loader.exec_module(module)
    return module


def _convert_mobilenet_v2(resolution: int, alpha: float, out: Path) -> Path:
    bm = _build_models_module()
    bm._quiet_tensorflow()
    spec = bm.ModelSpec(
        name=f"mobilenet_v2_{alpha}_{resolution}",
        path=out.name,
        input_shape=(resolution, resolution, 3),
        build=lambda keras: bm._app(keras, "MobileNetV2", (resolution, resolution, 3), alpha),
        description="test",
        samples=2,
    )
    out.write_bytes(bm.convert(spec))
    return out


def test_resolution_propagation_matches_converter(mbv2, tmp_path):
    pytest.importorskip("tensorflow")
    built = load_model(_convert_mobilenet_v2(160, 1.0, tmp_path / "mbv2_160.tflite"))
    derived = with_resolution(mbv2, 160)
    assert [t.shape for t in derived.main.tensors if not t.is_constant] == [
        t.shape for t in built.main.tensors if not t.is_constant
    ]
    assert analyse(derived).macs == analyse(built).macs


def test_suggested_resolution_fits_in_the_real_runtime(mbv2, mbv2_advice, tmp_path):
    pytest.importorskip("tensorflow")
    from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

    if not runtime_available():
        pytest.skip("tflite-micro is not installed")
    (res,) = [s for s in mbv2_advice.suggestions if s.kind == "resolution"]
    r = res.resolution[0]
    path = _convert_mobilenet_v2(r, 1.0, tmp_path / f"mbv2_{r}.tflite")
    built = load_model(path)
    derived = with_resolution(mbv2, r)
    assert [t.shape for t in derived.main.tensors if not t.is_constant] == [
        t.shape for t in built.main.tensors if not t.is_constant
    ]
    # The runtime is the 64-bit host build with reference kernels: compare it with the
    # planner's figure for that target, derived from the *re-derived* graph (not the built one).
    host = find_board("host")
    claimed = predict(derived, host)
    measured = measure_runtime(path)
    assert measured.min_arena_bytes is not None
    assert measured.min_arena_bytes <= claimed.min_arena_bytes <= measured.min_arena_bytes + 16
    # And on the board the suggestion was made for, the claimed figure is under budget.
    assert res.sram_bytes <= find_board("stm32f746").sram_budget_bytes


#: Operator models (models/ops/, 16x16x8 input) re-derived at 24x24x8 and compared with the
#: converter's own build at 24x24x8. None: the planner must refuse, naming the operator.
OP_MODELS = {
    "add": True,
    "mul": True,
    "concatenation": True,
    "mean": True,
    "pad": True,
    "average_pool_2d": True,
    "max_pool_2d": True,
    "transpose_conv": True,
    "hard_swish": True,
    "logistic": True,
    "softmax": True,
    "strided_slice": None,  # fixed slice bounds: not re-derivable
    "reshape": None,  # 16x16x16 -> 32x32x4 splits a dimension: ambiguous
}


@pytest.mark.parametrize("op", sorted(OP_MODELS))
def test_operator_shapes_match_converter_at_another_size(op, tmp_path):
    pytest.importorskip("tensorflow")
    committed = ROOT / "models" / "ops" / f"{op}.tflite"
    g = load_model(_need(committed))
    if OP_MODELS[op] is None:
        with pytest.raises(ShapeError, match=op.upper()):
            with_input_shape(g, (1, 24, 24, 8))
        return
    derived = with_input_shape(g, (1, 24, 24, 8))
    bm = _build_models_module()
    bm._quiet_tensorflow()
    original = bm._op_input

    def bigger(keras, shape=(24, 24, 8)):
        return original(keras, (24, 24, 8) if shape == (16, 16, 8) else shape)

    bm._op_input = bigger
    spec = next(s for s in bm.SPECS if s.name == op)
    spec = bm.ModelSpec(
        name=spec.name,
        path=spec.path,
        input_shape=(24, 24, 8),
        build=spec.build,
        description=spec.description,
        keras_module=spec.keras_module,
        samples=2,
    )
    out = tmp_path / f"{op}.tflite"
    out.write_bytes(bm.convert(spec))
    built = load_model(out)
    assert [t.shape for t in derived.main.tensors if not t.is_constant] == [
        t.shape for t in built.main.tensors if not t.is_constant
    ]
    assert analyse(derived).macs == analyse(built).macs
