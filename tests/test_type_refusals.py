"""The type checks of kernels' Prepare (planner/validate/types.py) against the real runtime.

For every hostile type case (tests/hostile.py; test_hostile.py checks the one-line refusal in
every format), TFLM itself refuses the model in that kernel's Prepare: its error names the
kernel's source file (or, for kernels that print their own message, that message), and the
planner's reason names the same file. The same operators built with types their kernels
accept allocate in TFLM and are accepted by the planner, so each refusal comes from the type
it is about.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner.model.tflite_reader import load_model
from planner.validate import problems

from .hostile import CASES, TYPED_RIGHT, cases_between, typed
from .runtime_check import allocates, needs_runtime, planner_fit, refused_in_prepare

HYBRID = "Hybrid models are not supported on TFLite Micro."
#: Each type case: the kernel TFLM names and what its error says (the kernel's source file,
#: or the message of a kernel that prints its own).
REFUSED_IN_PREPARE: dict[str, tuple[str, str]] = {
    "CONV_2D writing int16 from int8": ("CONV_2D", "conv_common.cc"),
    "CONV_2D of int16 with an int16 filter": ("CONV_2D", HYBRID),
    "CONV_2D of float32 with an int8 filter": ("CONV_2D", HYBRID),
    "CONV_2D of uint8": ("CONV_2D", HYBRID),
    "DEPTHWISE_CONV_2D of int32 with an int8 filter": ("DEPTHWISE_CONV_2D", HYBRID),
    "TRANSPOSE_CONV of int8 with an int16 filter": ("TRANSPOSE_CONV", HYBRID),
    "FULLY_CONNECTED writing int16 from int8": ("FULLY_CONNECTED", "fully_connected.cc"),
    "FULLY_CONNECTED of int8 with an int16 filter": (
        "FULLY_CONNECTED",
        "Input type: INT8 with filter type: INT16 not supported.",
    ),
    "FULLY_CONNECTED of float32 with an int8 filter": (
        "FULLY_CONNECTED",
        "Input type: FLOAT32 with filter type: INT8 not supported.",
    ),
    "DEQUANTIZE of float32": ("DEQUANTIZE", "dequantize_common.cc"),
    "DEQUANTIZE of int32": ("DEQUANTIZE", "dequantize_common.cc"),
    "DEQUANTIZE to int16": ("DEQUANTIZE", "dequantize_common.cc"),
    "DEQUANTIZE of uint8 to int8": ("DEQUANTIZE", "dequantize_common.cc"),
    "QUANTIZE to float32": ("QUANTIZE", "quantize_common.cc"),
    "QUANTIZE of int8 to float32": ("QUANTIZE", "quantize_common.cc"),
    "QUANTIZE of bool": ("QUANTIZE", "quantize_common.cc"),
    "QUANTIZE to int4": ("QUANTIZE", "quantize_common.cc"),
    "RESHAPE changing the type": ("RESHAPE", "reshape_common.cc"),
    "PAD changing the type": ("PAD", "pad_common.cc"),
    "PADV2 with an int32 pad value": ("PADV2", "pad_common.cc"),
    "TRANSPOSE changing the type": ("TRANSPOSE", "transpose_common.cc"),
    "CONCATENATION of int8 and int16": ("CONCATENATION", "concatenation.cc"),
    "SOFTMAX of uint8": ("SOFTMAX", "softmax_common.cc"),
    "AVERAGE_POOL_2D of int32": ("AVERAGE_POOL_2D", "Type INT32 (2) not supported."),
    "GATHER at float32 positions": ("GATHER", "Positions of type 'FLOAT32' are not supported"),
    "LEAKY_RELU writing int16 from int8": ("LEAKY_RELU", "leaky_relu_common.cc"),
    "LOGISTIC writing float32 from int8": ("LOGISTIC", "logistic_common.cc"),
    "TANH writing int16 from int8": ("TANH", "tanh.cc"),
    "MEAN along an int8 axis": ("MEAN", "reduce_common.cc"),
    "IF on an int32 condition": ("IF", "if.cc"),
    "EXP of int8": ("EXP", "exp.cc"),
    "SELECT_V2 on a float32 condition": ("SELECT_V2", "select.cc"),
    "BATCH_MATMUL of float32 and int8": ("BATCH_MATMUL", "batch_matmul.cc"),
    "DEPTH_TO_SPACE changing the type": ("DEPTH_TO_SPACE", "depth_to_space.cc"),
    "GATHER_ND at float32 indices": ("GATHER_ND", "Indices of type 'FLOAT32' are not supported"),
    "FLOOR_DIV of int32 by float32": ("FLOOR_DIV", "floor_div.cc"),
    "EMBEDDING_LOOKUP of float32 ids": ("EMBEDDING_LOOKUP", "embedding_lookup.cc"),
    "CUMSUM along an int8 axis": ("CUMSUM", "cumsum.cc"),
    "LOG_SOFTMAX writing int8 from float32": ("LOG_SOFTMAX", "log_softmax.cc"),
    "ABS writing int8 from float32": ("ABS", "elementwise.cc"),
    "BROADCAST_TO changing the type": ("BROADCAST_TO", "broadcast_to.cc"),
    "L2_NORMALIZATION of int16": ("L2_NORMALIZATION", "l2norm.cc"),
    "SVDF of int8 writing int16": ("SVDF", "svdf_common.cc"),
    "SVDF of int8 with an int32 state": ("SVDF", "svdf_common.cc"),
    "PRELU writing int16 with int16 alpha": ("PRELU", "prelu_common.cc"),
    "REVERSE_V2 along an int64 axis": ("REVERSE_V2", "Axis Type 'INT64' is not supported"),
}
#: Types these kernels' Prepare lets through, which the planner must not refuse either.
ACCEPTED = {
    "int16 CONV_2D with int8 weights": ("conv", {"i0": "INT16", "o0": "INT16"}),
    "float32 DEPTHWISE_CONV_2D": ("depthwise", {"i0": "FLOAT32", "i1": "FLOAT32", "o0": "FLOAT32"}),
    "TRANSPOSE_CONV writing int16 from int8 (checked in Eval)": ("transpose_conv", {"o0": "INT16"}),
    "uint8 FULLY_CONNECTED (left to Eval)": ("fully_connected", {"i0": "UINT8", "o0": "UINT8"}),
    "QUANTIZE of uint8 to int16 (left to Eval)": ("quantize", {"i0": "UINT8", "o0": "INT16"}),
    "int8 EMBEDDING_LOOKUP into float32": ("embedding_lookup", {"i1": "INT8"}),
    "int32 ABS (its type list never refuses)": ("abs", {"i0": "INT32", "o0": "INT32"}),
    "float32 RESHAPE": ("reshape", {"i0": "FLOAT32", "o0": "FLOAT32"}),
    "int16 PRELU with int8 alpha": ("prelu", {"i0": "INT16", "o0": "INT16"}),
    "SVDF with int8 time weights and state": ("svdf", {"i2": "INT8", "i4": "INT8"}),
}


def test_every_type_case_is_checked_against_the_runtime() -> None:
    """The type block of tests/hostile.py is exactly the cases checked against the runtime."""
    section = cases_between("CONV_2D writing int16 from int8", "REVERSE_V2 along an int64 axis")
    assert section == list(REFUSED_IN_PREPARE)


@needs_runtime
@pytest.mark.parametrize("name", list(REFUSED_IN_PREPARE))
def test_tflm_refuses_it_in_prepare(name: str, tmp_path: Path) -> None:
    kernel, said = REFUSED_IN_PREPARE[name]
    path = CASES[name].build(tmp_path)
    stderr = refused_in_prepare(path, kernel, said)
    why = next(iter(problems(load_model(path))), "")
    assert why.startswith(f"operator 0 ({kernel})"), why
    source = re.search(r"kernels/(\w+\.cc)", stderr)
    if source is not None:  # the planner names the file TFLM's error comes from
        assert f"({source.group(1)})" in why, (why, stderr)


@needs_runtime
@pytest.mark.parametrize("name", list(TYPED_RIGHT))
def test_the_same_operators_built_right_allocate_and_are_accepted(
    name: str, tmp_path: Path
) -> None:
    path = typed(f"{name}_ok", TYPED_RIGHT[name])(tmp_path)
    allocates(path)
    proc = planner_fit(path)
    assert proc.returncode in (0, 1), proc.stderr


@needs_runtime
@pytest.mark.parametrize("name", list(ACCEPTED))
def test_types_prepare_lets_through_are_not_refused(name: str, tmp_path: Path) -> None:
    base, retype = ACCEPTED[name]
    path = typed(f"{base}_accepted", TYPED_RIGHT[base], **retype)(tmp_path)
    allocates(path)
    assert next(iter(problems(load_model(path))), None) is None
