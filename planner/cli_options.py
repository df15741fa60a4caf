"""Command-line options that several commands share, declared once, and the check that
no output path overwrites a model."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from planner.errors import PlannerError

F = TypeVar("F", bound=Callable[..., Any])


def board_names_option(help_text: str) -> Callable[[F], F]:
    """``--board/-b NAME``, repeatable and required, passed as ``board_names``."""
    return click.option(
        "--board",
        "-b",
        "board_names",
        multiple=True,
        required=True,
        metavar="NAME",
        help=help_text,
    )


#: Bytes 4 to 8 of every TFLite flatbuffer: its file identifier.
TFLITE_IDENTIFIER = b"TFL3"


def _holds_model(path: Path) -> bool:
    """Whether ``path`` is a regular file holding a TFLite model. Nothing else is opened: a
    terminal, pipe or FIFO (``-o /dev/stdout``) would block the read."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as f:
            return f.read(8)[4:] == TFLITE_IDENTIFIER
    except OSError:  # unreadable: writing it fails or replaces it
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return a.resolve() == b.resolve()


def refuse_model_output(output: Path | None, models: Iterable[Path], reports: bool = True) -> None:
    """Refuse an output path that would overwrite a model: one of ``models`` (also through a
    link or another spelling of its path), or, for ``reports`` (text, JSON, HTML, headers,
    images), any file that holds a TFLite model. Raises :class:`PlannerError`."""
    if output is None:
        return
    for model in models:
        if _same_file(output, model):
            raise PlannerError(f"{output}: is the model itself; write the output elsewhere")
    if reports and _holds_model(output):
        raise PlannerError(
            f"{output}: holds a TFLite model, which a report would overwrite; write the "
            "output elsewhere"
        )
