"""Work that outgrows one process runs on Dask (``dask.distributed``): a local cluster of
worker processes, or an existing cluster's scheduler. ``planner space`` and ``planner matrix``
share this; without a client everything runs in this process, in the same order.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from planner.errors import PlannerError

T = TypeVar("T")
R = TypeVar("R")


def dask_available() -> bool:
    return importlib.util.find_spec("distributed") is not None


def require(module: str, what: str) -> None:
    """One clear error when an optional dependency of `planner space` is missing."""
    if importlib.util.find_spec(module) is None:
        raise PlannerError(
            f"{what} needs the '{module}' package: pip install 'tflm-planner[space]'"
        )


@contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a new local cluster of ``workers``
    processes (default: one per core), closed on exit."""
    require("distributed", "running on Dask")
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise PlannerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_tasks(
    fn: Callable[..., R],
    items: Sequence[T],
    *,
    client: Any | None = None,
    on_result: Callable[[int, R], None] | None = None,
    **kwargs: Any,
) -> list[R]:
    """``[fn(item, **kwargs) for item in items]``, serially or on a Dask ``client``; results in
    ``items`` order, ``on_result(position, result)`` called as each one finishes."""
    results: list[Any] = [None] * len(items)
    if client is None:
        for i, item in enumerate(items):
            results[i] = fn(item, **kwargs)
            if on_result is not None:
                on_result(i, results[i])
        return results
    from distributed import as_completed

    shared = {k: client.scatter(v, broadcast=True) for k, v in kwargs.items()}
    futures = client.map(fn, list(items), pure=False, **shared)
    position = {f.key: i for i, f in enumerate(futures)}
    for future in as_completed(futures):
        i = position[future.key]
        results[i] = future.result()
        future.release()
        if on_result is not None:
            on_result(i, results[i])
    return results
