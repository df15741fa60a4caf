"""Tests in a clone with nothing beside it: a test that fails only because the shared model
corpus (../shared/models) is absent is reported as skipped, with that reason, instead of as a
failure. Where the corpus is present (CI) nothing changes."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from .corpus import SHARED_MODELS

_SHARED = str(SHARED_MODELS.parent)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[Any, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if SHARED_MODELS.is_dir() or call.excinfo is None or not report.failed:
        return
    if _SHARED in str(call.excinfo.value) or _SHARED in str(report.longrepr):
        report.outcome = "skipped"
        report.longrepr = (
            str(item.path),
            item.location[1] or 0,
            f"Skipped: needs {_SHARED}, which is absent",
        )
