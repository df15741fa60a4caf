"""The TFLite flatbuffer schema classes Google generates and ships in ``ai-edge-litert``
(``ai_edge_litert.schema_py_generated``): the one place the planner gets them from.

The module is loaded from its file without running the ``ai_edge_litert`` package's
``__init__``, which loads the LiteRT interpreter's shared library (``libLiteRt.so``) that
reading and writing models never calls (about 4 ms of every `planner fit` process, a tenth
of the planner's own work on a small model). It is registered under its own name, so an
``import ai_edge_litert.schema_py_generated`` elsewhere in the process gets this same
module. numpy is deferred first (:mod:`planner.model.deferred_numpy`): the flatbuffers
runtime imports it but only uses it in the ``*AsNumpy`` accessors.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from planner.model.deferred_numpy import defer_numpy

SCHEMA_MODULE = "ai_edge_litert.schema_py_generated"


@functools.cache
def tflite_schema() -> Any:
    """The generated schema module (``Model``, ``ModelT``, ``BuiltinOperator``...)."""
    defer_numpy()
    loaded = sys.modules.get(SCHEMA_MODULE)
    if loaded is not None:
        return loaded
    package = importlib.util.find_spec(SCHEMA_MODULE.partition(".")[0])  # not executed
    locations = package.submodule_search_locations if package is not None else None
    if not locations:
        return importlib.import_module(SCHEMA_MODULE)  # absent: the ordinary ImportError
    spec = importlib.util.spec_from_file_location(
        SCHEMA_MODULE, Path(locations[0]) / "schema_py_generated.py"
    )
    if spec is None or spec.loader is None:
        return importlib.import_module(SCHEMA_MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[SCHEMA_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[SCHEMA_MODULE]
        raise
    return module


__all__ = ["SCHEMA_MODULE", "tflite_schema"]
