"""Bad model files: one clear ModelError each, never another exception."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from planner.errors import ModelError
from planner.model.tflite_reader import load_model, load_model_bytes

from .corpus import SHARED_MODELS

HELLO = SHARED_MODELS / "hello_world_int8.tflite"


def _error(path: Path) -> str:
    with pytest.raises(ModelError) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "nope.tflite")


def test_directory(tmp_path: Path) -> None:
    assert "directory" in _error(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.tflite"
    p.write_bytes(b"")
    assert "empty" in _error(p)


def test_text_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.tflite"
    p.write_text("This is a README, not a model.\n" * 4)
    assert "text file" in _error(p)


def test_random_bytes(tmp_path: Path) -> None:
    import random

    p = tmp_path / "random.tflite"
    p.write_bytes(random.Random(7).randbytes(4096))
    assert "not a TFLite model" in _error(p)


def test_wrong_identifier(tmp_path: Path) -> None:
    data = bytearray(HELLO.read_bytes())
    data[4:8] = b"TFL2"
    p = tmp_path / "old.tflite"
    p.write_bytes(bytes(data))
    assert "file identifier" in _error(p)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated(tmp_path: Path, keep: float) -> None:
    data = HELLO.read_bytes()
    p = tmp_path / "cut.tflite"
    p.write_bytes(data[: int(len(data) * keep)])
    _error(p)


def test_root_offset_outside_the_file(tmp_path: Path) -> None:
    data = bytearray(HELLO.read_bytes())
    data[0:4] = struct.pack("<I", 10_000_000)
    p = tmp_path / "far.tflite"
    p.write_bytes(bytes(data))
    assert "corrupt" in _error(p)


def test_unknown_schema_version(tmp_path: Path) -> None:
    from ai_edge_litert import schema_py_generated as schema

    data = bytearray(HELLO.read_bytes())
    model = schema.Model.GetRootAs(bytes(data), 0)
    # The version field is the table's first field: patch it in place.
    o = model._tab.Offset(4)
    pos = model._tab.Pos + o
    assert struct.unpack_from("<I", data, pos)[0] == 3
    struct.pack_into("<I", data, pos, 4)
    p = tmp_path / "v4.tflite"
    p.write_bytes(bytes(data))
    assert "schema version 4" in _error(p)


def test_load_model_bytes_names_the_source() -> None:
    with pytest.raises(ModelError, match=r"^upload: empty file$"):
        load_model_bytes(b"", "upload")
