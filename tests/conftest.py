"""Tests in a clone with nothing beside it.

The shared model corpus (``../shared/models``) is absent there. A test that fails in a module
that uses the corpus (by its path, or through ``tests.corpus``) is then reported as skipped,
with that reason, instead of as a failure: without the corpus the failure says nothing about
the code. Where the corpus is present (CI) nothing changes.
"""

from __future__ import annotations

import functools
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from .corpus import SHARED_MODELS

_MARKERS = ("SHARED_MODELS", "shared_models(", "all_models(", '"shared"', "shared/models")


@functools.cache
def _uses_corpus(module: Path) -> bool:
    text = module.read_text()
    return any(marker in text for marker in _MARKERS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[Any, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if SHARED_MODELS.is_dir() or not report.failed or not _uses_corpus(Path(item.path)):
        return
    report.outcome = "skipped"
    reason = f"Skipped: uses the shared model corpus, absent at {SHARED_MODELS}"
    report.longrepr = (str(item.path), item.location[1] or 0, reason)
