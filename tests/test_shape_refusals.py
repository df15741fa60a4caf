"""Issue 13's output-shape checks against the real runtime.

For every hostile case they refuse (tests/hostile.py; test_hostile.py checks the one-line
refusal), the runtime shows why: either TFLM refuses the model itself, in that kernel's
Prepare (its error names the kernel's source file), or TFLM allocates it and the planner
refuses it as broken (the kernel would write past its output, leave part of it unwritten,
read outside its input or fill it with something other than the operation's result). The
same operators built right allocate in TFLM and are accepted, so each refusal comes from the
shape it is about.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from planner.model.tflite_reader import load_model

from .builder import Model
from .hostile import CASES, WELL_SHAPED, cases_between
from .runtime_check import allocate, allocates, needs_runtime, planner_fit, refused_in_prepare

#: Cases TFLM refuses in Prepare: the kernel and the source file its error names.
REFUSED_IN_PREPARE = {
    "PAD declaring an output other than its paddings give": ("PAD", "pad_common.cc"),
    "PADV2 declaring an output other than its paddings give": ("PADV2", "pad_common.cc"),
    "PAD with paddings for another rank": ("PAD", "pad_common.cc"),
    "PAD with paddings that are a model input": ("PAD", "pad_common.cc"),
    "PAD with INT64 paddings": ("PAD", "pad_common.cc"),
    "EXPAND_DIMS declaring another axis": ("EXPAND_DIMS", "expand_dims.cc"),
    "EXPAND_DIMS at an axis out of range": ("EXPAND_DIMS", "expand_dims.cc"),
    "STRIDED_SLICE declaring the unsliced shape": ("STRIDED_SLICE", "strided_slice_common.cc"),
    "STRIDED_SLICE with a zero stride": ("STRIDED_SLICE", "strided_slice_common.cc"),
    "EXP into another shape of as many elements": ("EXP", "exp.cc"),
    "LSTM with n_cell x n_input recurrent weights": (
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "lstm_eval_common.cc",
    ),
    "LSTM cell state that is not a variable": ("UNIDIRECTIONAL_SEQUENCE_LSTM", "lstm_eval.cc"),
    "LSTM output of another n_cell": ("UNIDIRECTIONAL_SEQUENCE_LSTM", "lstm_eval_common.cc"),
}
#: Cases TFLM allocates: the planner refuses them as broken, never as "fits".
ALLOCATED_BY_TFLM = (
    "MIRROR_PAD declaring a larger output",
    "SLICE writing past a smaller output",
    "SLICE reading past its input",
    "RELU writing past a smaller output",
    "ABS into a larger output",
)


def test_every_new_refusal_says_what_the_runtime_does() -> None:
    section = cases_between(
        "PAD declaring an output other than its paddings give", "LSTM output of another n_cell"
    )
    assert set(section) == {*REFUSED_IN_PREPARE, *ALLOCATED_BY_TFLM}


@needs_runtime
@pytest.mark.parametrize("name", list(REFUSED_IN_PREPARE))
def test_tflm_refuses_it_in_prepare(name: str, tmp_path: Path) -> None:
    kernel, source = REFUSED_IN_PREPARE[name]
    refused_in_prepare(CASES[name].build(tmp_path), kernel, source)


@needs_runtime
@pytest.mark.parametrize("name", ALLOCATED_BY_TFLM)
def test_tflm_allocates_what_the_planner_refuses_as_broken(name: str, tmp_path: Path) -> None:
    path = CASES[name].build(tmp_path)
    allocates(path)
    proc = planner_fit(path)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert "TFLM will refuse this model" in proc.stderr


@needs_runtime
@pytest.mark.parametrize("name", list(WELL_SHAPED))
def test_the_same_operators_built_right_allocate_and_are_accepted(
    name: str, tmp_path: Path
) -> None:
    path = WELL_SHAPED[name](tmp_path)
    allocates(path)
    proc = planner_fit(path)
    assert proc.returncode in (0, 1), proc.stderr


#: STRIDED_SLICE operands (begin, end, strides) and masks (begin, end, shrink) on [2, 9, 7]:
#: negative indices and strides, clamping past both ends, masks, shrunk axes.
STRIDED = [
    (([0, 1, 0], [2, 9, 7], [1, 3, 2]), (0, 0, 0)),
    (([1, -1, -2], [2, 0, 0], [1, -1, -3]), (0, 0, 0)),
    (([0, -100, 50], [1, 100, -50], [1, 4, -1]), (0, 0, 0)),
    (([1, 2, 0], [2, 0, 0], [1, 1, 1]), (1, 6, 0)),
    (([1, 5, 3], [0, 2, 7], [1, -2, 1]), (0, 0, 1)),
    (([-1, 3, 6], [2, 8, 0], [1, 1, -2]), (0, 0, 5)),
    (([0, 8, 0], [1, 100, 7], [2, 5, 7]), (3, 0, 0)),
]


@needs_runtime
@pytest.mark.parametrize(("operands", "masks"), STRIDED)
def test_strided_slice_shapes_are_the_kernels(
    operands: tuple[list[int], ...], masks: tuple[int, int, int], tmp_path: Path
) -> None:
    """The shape the planner computes is the one TFLM's Prepare accepts: declared, the model
    allocates; one more element in its first dimension, Prepare refuses it (and so does the
    planner)."""
    from planner.validate import problems

    begin_mask, end_mask, shrink = masks
    m = Model()
    g = m.subgraph()
    x, y = g.tensor([2, 9, 7], scale=0.1), g.tensor([99, 99, 99, 99], scale=0.1)
    consts = [g.const(np.array(v, "<i4")) for v in operands]
    g.op("STRIDED_SLICE", [x, *consts], [y], "StridedSliceOptions",
         beginMask=begin_mask, endMask=end_mask, shrinkAxisMask=shrink)  # fmt: skip
    g.io([x], [y])
    probe = load_model(m.write(tmp_path / "probe.tflite"))
    said = next(iter(problems(probe)), "")
    assert "computes an output of [" in said, said
    shape = json.loads(said.split("computes an output of ")[1].split("]")[0] + "]")
    assert shape, said  # no case shrinks every axis
    for declared, right in ((shape, True), ([shape[0] + 1, *shape[1:]], False)):
        g.t.tensors[y].shape = declared
        path = m.write(tmp_path / f"ss_{right}.tflite")
        answer, stderr = allocate(path)
        assert ("error" not in answer) is right, (declared, stderr)
        assert (next(iter(problems(load_model(path))), None) is None) is right
