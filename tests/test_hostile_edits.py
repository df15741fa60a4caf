"""Property: random valid edits of real models never make the planner under-predict.

Edits that keep a model valid for TFLM: an unused activation tensor (TFLM plans it with no
lifetime), an extra subgraph output (keeps an intermediate alive to the end), an extra
unused subgraph input. Each edited model is validated (it must pass) and compared with the
real runtime. Few examples: every one costs a dozen runtime launches.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import flatbuffers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.api import load
from planner.runtimes.tflm.arena import predict_arena
from planner.runtimes.tflm.verify.host import measure_runtime, runtime_available

from .builder import schema
from .corpus import SHARED_MODELS

pytestmark = [
    pytest.mark.skipif(not runtime_available(), reason="the tflite-micro runtime is not installed"),
    pytest.mark.skipif(not SHARED_MODELS.is_dir(), reason="../shared/models is absent"),
]

MODELS = ("hello_world_int8.tflite", "micro_speech_quantized.tflite")


def _new_tensor(sg: Any, length: int) -> int:
    s = schema()
    t = s.TensorT()
    t.shape, t.type, t.name, t.buffer = [1, length], s.TensorType.INT8, f"extra{len(sg.tensors)}", 0
    q = s.QuantizationParametersT()
    q.scale, q.zeroPoint = [0.1], [0]
    t.quantization = q
    sg.tensors.append(t)
    return len(sg.tensors) - 1


def _edit(model: Any, kind: str, pick: int, length: int) -> None:
    sg = model.subgraphs[0]
    if kind == "unused tensor":
        _new_tensor(sg, length)
    elif kind == "extra output":
        produced = [t for op in sg.operators for t in op.outputs if t not in sg.outputs]
        if produced:
            sg.outputs = [*sg.outputs, produced[pick % len(produced)]]
    else:  # extra input
        sg.inputs = [*sg.inputs, _new_tensor(sg, length)]


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(MODELS),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["unused tensor", "extra output", "extra input"]),
            st.integers(0, 50),
            st.integers(1, 4096),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_valid_edits_never_under_predict(name: str, edits: list[tuple[str, int, int]]) -> None:
    model = schema().ModelT.InitFromPackedBuf((SHARED_MODELS / name).read_bytes(), 0)
    for kind, pick, length in edits:
        _edit(model, kind, pick, length)
    builder = flatbuffers.Builder(1 << 16)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edited.tflite"
        path.write_bytes(bytes(builder.Output()))
        predicted = predict_arena(load(path))  # validation accepts the edited model
        measured = measure_runtime(path, timeout=60)
    assert measured.min_arena_bytes is not None
    assert predicted.min_arena_bytes >= measured.min_arena_bytes
    assert (predicted.head_bytes, predicted.tail_bytes) == (
        measured.head_bytes,
        measured.tail_bytes,
    )
