"""Red team 4's Prepare checks (findings 2, 4-6) against the real runtime.

Every hostile case of that section (tests/hostile.py; test_hostile.py checks the one-line
refusal in every format) is one TFLM's kernel ``Prepare`` refuses, its error naming the
kernel's source file, or one it crashes on (a ``TFLITE_CHECK`` of a rescaling multiplier
aborts the process; an int8 SVDF without a bias reads the missing tensor). The same
operators built right (tests/prepare_models.py) allocate and the planner accepts them: among
them a convolution output and bias, and a bias-less FULLY_CONNECTED filter, with scales but
no zero points, which TFLM takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .hostile import CASES, cases_between
from .prepare_models import BUILT_RIGHT
from .runtime_check import allocates, allocation, needs_runtime, planner_fit, refused_in_prepare

#: Cases TFLM refuses in Prepare: the kernel and the source file its error names.
REFUSED_IN_PREPARE = {
    "CONV_2D input with scales but no zero points": ("CONV_2D", "kernel_util.cc"),
    "CONV_2D filter with scales but no zero points": ("CONV_2D", "conv_common.cc"),
    "FULLY_CONNECTED filter with scales but no zero points": (
        "FULLY_CONNECTED",
        "kernel_util.cc",
    ),
    "ADD output with scales but no zero points": ("ADD", "add_common.cc"),
    "AVERAGE_POOL_2D output with scales but no zero points": (
        "AVERAGE_POOL_2D",
        "pooling_common.cc",
    ),
    "SPLIT axis that is a model input": ("SPLIT", "split.cc"),
    "SPLIT_V axis that is a model input": ("SPLIT_V", "split_v.cc"),
    "TRANSPOSE permutation that is a model input": ("TRANSPOSE", "transpose_common.cc"),
    "RESIZE_NEAREST_NEIGHBOR size that is a model input": (
        "RESIZE_NEAREST_NEIGHBOR",
        "resize_nearest_neighbor.cc",
    ),
    "GATHER along an axis past the input's rank": ("GATHER", "gather.cc"),
    "GATHER with batch_dims past its axis": ("GATHER", "gather.cc"),
    "TRANSPOSE permutation entry out of range": ("TRANSPOSE", "transpose_common.cc"),
    "TRANSPOSE permutation longer than the input's rank": ("TRANSPOSE", "transpose_common.cc"),
    "SVDF rank not dividing its filters": ("SVDF", "svdf_common.cc"),
    "SVDF state smaller than memory x filters": ("SVDF", "svdf_common.cc"),
    "int8 SVDF bias scale not state x time-weights scale": ("SVDF", "svdf_common.cc"),
    "SOFTMAX of a scalar": ("SOFTMAX", "softmax_common.cc"),
    "int16 TANH at zero point 3": ("TANH", "tanh.cc"),
    "int16 TANH output at scale 1/1024": ("TANH", "tanh.cc"),
    "int16 SOFTMAX output at scale 0.5": ("SOFTMAX", "softmax_common.cc"),
    "int8 -> int16 SOFTMAX output at zero point 0": ("SOFTMAX", "softmax_common.cc"),
    "int8 LOG_SOFTMAX output at zero point 0": ("LOG_SOFTMAX", "log_softmax.cc"),
    "CONV_2D filter scales along axis 3": ("CONV_2D", "conv_common.cc"),
    "DEPTHWISE_CONV_2D filter scales along axis 1": (
        "DEPTHWISE_CONV_2D",
        "depthwise_conv_common.cc",
    ),
    "AVERAGE_POOL_2D int8 input into a float output": ("AVERAGE_POOL_2D", "pooling_common.cc"),
    "MAX_POOL_2D output at another zero point": ("MAX_POOL_2D", "pooling_common.cc"),
    "int16 CONCATENATION input at zero point 2": ("CONCATENATION", "concatenation.cc"),
    "int32 ADD of quantized inputs": ("ADD", "add_common.cc"),
    "FULLY_CONNECTED bias scale ten times input x filter": ("FULLY_CONNECTED", "kernel_util.cc"),
    "QUANTIZE into a per-channel output": ("QUANTIZE", "quantize_common.cc"),
    "QUANTIZE into an output with scales but no zero points": ("QUANTIZE", "quantize_common.cc"),
    "CONV_2D with RELU6 into an output with scales but no zero points": (
        "CONV_2D",
        "kernel_util.cc",
    ),
    "L2_NORMALIZATION with a fused RELU": ("L2_NORMALIZATION", "l2norm.cc"),
    "L2_NORMALIZATION of a rank-5 input": ("L2_NORMALIZATION", "l2norm.cc"),
    "EMBEDDING_LOOKUP of an int8 table at zero point 3 into floats": (
        "EMBEDDING_LOOKUP",
        "embedding_lookup.cc",
    ),
    "int8 HARD_SWISH output finer than input scale / 128": ("HARD_SWISH", "hard_swish_common.cc"),
    "FILL dims that are a model input": ("FILL", "fill.cc"),
    "BROADCAST_TO shape that is a model input": ("BROADCAST_TO", "broadcast_to.cc"),
    "RESIZE_BILINEAR size that is a model input": ("RESIZE_BILINEAR", "resize_bilinear.cc"),
    "RESIZE_NEAREST_NEIGHBOR with three size values": (
        "RESIZE_NEAREST_NEIGHBOR",
        "resize_nearest_neighbor.cc",
    ),
    "int8 PADV2 constant value quantized unlike the output": ("PADV2", "pad_common.cc"),
}
#: Cases whose Prepare kills the process: a TFLITE_CHECK on a rescaling multiplier aborts
#: it, and an int8 SVDF without a bias reads the missing tensor.
CRASHED_IN_PREPARE = (
    "int8 SOFTMAX input with scales but no zero points",
    "int8 SOFTMAX with beta 0",
    "int8 ADD input with scales but no zero points",
    "int8 ADD into an output of scale 1e-7",
    "int8 SUB input with scales but no zero points",
    "int8 SVDF without a bias",
)
FIRST, LAST = (
    "CONV_2D input with scales but no zero points",
    ("int8 PADV2 constant value quantized unlike the output"),
)


def test_every_case_of_the_section_says_what_the_runtime_does() -> None:
    cases = cases_between(FIRST, LAST)
    assert set(cases) == {*REFUSED_IN_PREPARE, *CRASHED_IN_PREPARE}
    assert all(CASES[name].kind == "refuse" for name in cases)


@needs_runtime
@pytest.mark.parametrize("name", list(REFUSED_IN_PREPARE))
def test_tflm_refuses_it_in_prepare(name: str, tmp_path: Path) -> None:
    kernel, source = REFUSED_IN_PREPARE[name]
    refused_in_prepare(CASES[name].build(tmp_path), kernel, source)


@needs_runtime
@pytest.mark.parametrize("name", CRASHED_IN_PREPARE)
def test_tflm_crashes_on_it(name: str, tmp_path: Path) -> None:
    proc = allocation(CASES[name].build(tmp_path))
    assert proc.returncode < 0, (proc.returncode, proc.stdout, proc.stderr[-2000:])


@needs_runtime
@pytest.mark.parametrize("name", list(BUILT_RIGHT))
def test_the_same_operators_built_right_allocate_and_are_accepted(
    name: str, tmp_path: Path
) -> None:
    path = BUILT_RIGHT[name](tmp_path)
    allocates(path)
    fit = planner_fit(path)
    assert fit.returncode in (0, 1), fit.stderr
