"""Input and output counts (planner/validate/arity.py) against the real runtime.

Every hostile case of the "input and output counts" block (tests/hostile.py) is either
refused by TFLM itself, in that kernel's Prepare (its error names the kernel's source file
or the count it checks), or allocated by TFLM and refused by the planner as broken: the
kernel reads or writes an input or output past the operator's list when it runs. The same
operators with the counts their kernels take allocate and are accepted, and so are extra
inputs and outputs that kernels checking no count ignore (no false refusal). Counts only the
reference kernel refuses (CMSIS-NN's CONV_2D checks none) are not refused either: the
verdict does not depend on the target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.validate.arity import ARITY

from .hostile import CASES, IGNORED_COUNTS, LIBRARY_COUNTS, REFUSED, RIGHT_COUNTS, cases_between
from .runtime_check import allocate, allocates, needs_runtime, planner_fit, refused_in_prepare

#: Cases TFLM refuses in Prepare: the kernel, and what its error says (file, check).
REFUSED_IN_PREPARE = {
    "MUL with 3 inputs": ("MUL", "mul_common.cc", "NumInputs(node) != 2 (3 != 2)"),
    "SPACE_TO_BATCH_ND without paddings": (
        "SPACE_TO_BATCH_ND",
        "space_to_batch_nd.cc",
        "NumInputs(node) != 3 (2 != 3)",
    ),
    "SOFTMAX with 2 outputs": ("SOFTMAX", "softmax_common.cc", "NumOutputs(node) != 1 (2 != 1)"),
    "ADD with no output": ("ADD", "add_common.cc", "output != nullptr"),
    "PAD with 4 inputs": ("PAD", "pad_common.cc", "NumInputs(node) == 2 || NumInputs(node) == 3"),
    "CONCATENATION with a -1 input": ("CONCATENATION", "concatenation.cc", "input != nullptr"),
}
#: Cases TFLM allocates: the kernel reads or writes past the operator's list in Eval.
ALLOCATED_BY_TFLM = (
    "EQUAL with no output",
    "PACK with fewer inputs than values_count",
    "UNPACK with fewer outputs than num",
)


def test_the_count_cases_end_the_hostile_cases() -> None:
    section = cases_between("MUL with 3 inputs")
    assert set(section) == {*REFUSED_IN_PREPARE, *ALLOCATED_BY_TFLM}
    assert set(RIGHT_COUNTS) == set(section)


def test_the_table_names_a_source_file_for_every_kernel() -> None:
    for op, arity in ARITY.items():
        assert arity.source.endswith(".cc"), op
        for count in (arity.inputs, arity.outputs):
            assert count.most is None or count.least <= count.most, op


@needs_runtime
@pytest.mark.parametrize("name", list(REFUSED_IN_PREPARE))
def test_tflm_refuses_it_in_prepare(name: str, tmp_path: Path) -> None:
    kernel, source, check = REFUSED_IN_PREPARE[name]
    refused_in_prepare(CASES[name].build(tmp_path), kernel, source, check)


@needs_runtime
@pytest.mark.parametrize("name", ALLOCATED_BY_TFLM)
def test_tflm_allocates_what_the_planner_refuses_as_broken(name: str, tmp_path: Path) -> None:
    path = CASES[name].build(tmp_path)
    allocates(path)
    proc = planner_fit(path)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert REFUSED in proc.stderr and "without checking" in proc.stderr, proc.stderr


@needs_runtime
@pytest.mark.parametrize("name", list(RIGHT_COUNTS) + list(IGNORED_COUNTS))
def test_the_counts_tflm_takes_allocate_and_are_accepted(name: str, tmp_path: Path) -> None:
    path = {**RIGHT_COUNTS, **IGNORED_COUNTS}[name](tmp_path)
    allocates(path)
    proc = planner_fit(path)
    assert proc.returncode in (0, 1), proc.stderr  # fits (1: with an inexact figure)
    assert REFUSED not in proc.stderr


@needs_runtime
@pytest.mark.parametrize("name", list(LIBRARY_COUNTS))
def test_counts_a_kernel_library_takes_are_not_refused(name: str, tmp_path: Path) -> None:
    path = LIBRARY_COUNTS[name](tmp_path)
    answer, _ = allocate(path)
    assert "error" in answer, "the reference kernel refuses it; CMSIS-NN's does not"
    proc = planner_fit(path)
    assert proc.returncode in (0, 1) and REFUSED not in proc.stderr, proc.stderr
