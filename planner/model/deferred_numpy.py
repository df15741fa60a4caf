"""Import numpy only when something uses it.

The TFLite schema classes import the ``flatbuffers`` runtime, which imports numpy as soon as
it is installed (``flatbuffers.compat.import_numpy``) although it only calls it in the
``*AsNumpy`` accessors. numpy takes longer to import than the planner takes to load and plan
a typical model, so :func:`defer_numpy` puts a placeholder module in ``sys.modules`` first:
``import numpy`` then binds the placeholder, and the real module is executed into that same
object on the first attribute it is asked for (``np.frombuffer``, ``numpy.__path__`` for a
submodule import...). Everything that uses numpy gets the real module, just later; a process
that never touches it never pays for it.

Only a numpy that nobody has imported yet is deferred. The load is guarded by a lock, so
that a second thread asking for an attribute waits for the first one's load.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types

_LOCK = threading.RLock()


class _DeferredModule(types.ModuleType):
    """A module whose code runs on the first access of an attribute it does not have yet."""

    def __getattr__(self, attr: str) -> object:
        with _LOCK:
            if type(self) is _DeferredModule:
                spec = self.__spec__
                assert spec is not None and spec.loader is not None
                self.__class__ = types.ModuleType  # type: ignore[assignment]  # a plain module now
                if spec.submodule_search_locations is not None:
                    self.__path__ = spec.submodule_search_locations
                spec.loader.exec_module(self)
        return getattr(self, attr)


def defer_numpy() -> bool:
    """Put a deferred numpy in ``sys.modules`` unless numpy is imported already or absent.
    True when numpy is now deferred (or was, by an earlier call)."""
    with _LOCK:
        current = sys.modules.get("numpy")
        if current is not None:
            return type(current) is _DeferredModule
        spec = importlib.util.find_spec("numpy")
        if spec is None or spec.loader is None:
            return False
        module = importlib.util.module_from_spec(spec)
        # Without __path__, a submodule import (``import numpy.linalg``) asks the placeholder
        # for it and so runs numpy's __init__ first, as an ordinary import would.
        if "__path__" in vars(module):
            del module.__path__
        module.__class__ = _DeferredModule
        sys.modules["numpy"] = module
        return True


def numpy_loaded() -> bool:
    """True when numpy's code has run in this process."""
    module = sys.modules.get("numpy")
    return module is not None and type(module) is not _DeferredModule


__all__ = ["defer_numpy", "numpy_loaded"]
