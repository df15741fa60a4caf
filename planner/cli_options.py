"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

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
