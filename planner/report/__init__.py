"""Renderers: turn a :class:`~planner.check.FitCheck` (and :class:`~planner.advise.Advice`)
into text, JSON, CSV, Markdown or HTML.

They only format; every figure comes from the check, the arena prediction or the advice.
:func:`planner.report.document.to_document` is the one structured form the machine-readable
formats share. :func:`render` and :func:`render_advice_only` are what the CLI calls: each
returns the whole output as a string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from planner._gc import gc_paused
from planner.errors import PlannerError
from planner.report.json_text import json_text

if TYPE_CHECKING:
    from rich.console import Console

    from planner.advise import Advice
    from planner.check import FitCheck

__all__ = ["FORMATS", "console_text", "render", "render_advice_only"]

FORMATS = ("text", "json", "csv", "markdown", "html")


def console_text(
    draw: Callable[[Console], None], terminal: bool = False, width: int | None = None
) -> str:
    """What ``draw`` prints on a console, as a string: plain (no colour, no trailing padding)
    unless ``terminal``, then coloured for a terminal ``width`` columns wide."""
    import io

    from planner.report.text import make_console

    buf = io.StringIO()
    if terminal:
        import shutil

        from rich.console import Console

        console = Console(
            file=buf,
            force_terminal=True,
            highlight=False,
            soft_wrap=False,
            width=width or shutil.get_terminal_size().columns,
        )
    else:
        console = make_console(file=buf, width=width)
    draw(console)
    console.file.flush()
    return buf.getvalue()


def _json(check: FitCheck, advice: Advice | None) -> str:
    from planner.report.document import to_document

    doc = to_document(check)
    if advice is not None:
        from planner.report.advice import advice_to_dict

        doc["advice"] = advice_to_dict(advice)
    return json_text(doc)


def _markdown(check: FitCheck, full: bool, advice: Advice | None) -> str:
    from planner.report.advice import advice_to_markdown
    from planner.report.markdown import render_markdown_fit, render_markdown_report

    text = (render_markdown_report if full else render_markdown_fit)(check)
    if advice is not None:
        text = text.rstrip("\n") + "\n\n" + advice_to_markdown(advice)
    return text


def _text(
    check: FitCheck,
    full: bool,
    advice: Advice | None,
    terminal: bool,
    width: int | None,
    wide: bool = False,
) -> str:
    from planner.report.text import render_fit, render_report

    def everything(console: Console) -> None:
        if full:
            render_report(check, console, wide=wide)
        else:
            render_fit(check, console)
        if advice is not None:
            from planner.report.advice import render_advice

            console.print()
            render_advice(advice, console)

    return console_text(everything, terminal, width)


@gc_paused
def render(
    check: FitCheck,
    fmt: str,
    *,
    full: bool = False,
    advice: Advice | None = None,
    terminal: bool = False,
    width: int | None = None,
    wide: bool = False,
    arena_map: bool = False,
) -> str:
    """`planner fit` (``full=False``) or `planner report` (``full=True``) in one format,
    with the advice appended when given. Text is laid out for ``width`` columns (``wide``:
    every column of the layer table whatever the width); ``arena_map`` makes CSV the arena
    map (one row per planned buffer) instead of the layers."""
    if fmt == "json":
        return _json(check, advice)
    if fmt == "csv":
        if advice is not None:
            raise PlannerError(
                "CSV is one row per layer; use `planner advise --format csv` for the advice"
            )
        from planner.report.csv_ import render_csv

        if arena_map:
            from planner.report.arena_map import map_csv

            return map_csv(check)
        return render_csv(check)
    if fmt == "markdown":
        return _markdown(check, full, advice)
    if fmt == "html":
        from planner.report.advice import advice_to_html
        from planner.report.html import render_html

        return render_html(check, extra_sections="" if advice is None else advice_to_html(advice))
    if fmt == "text":
        return _text(check, full, advice, terminal, width, wide)
    raise PlannerError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")


def render_advice_only(
    advice: Advice, fmt: str, *, terminal: bool = False, width: int | None = None
) -> str:
    """`planner advise`'s output in one format."""
    from planner.report import advice as adv

    if fmt == "json":
        return json_text(adv.advice_to_dict(advice))
    if fmt == "csv":
        return adv.advice_to_csv(advice)
    if fmt == "markdown":
        return adv.advice_to_markdown(advice)
    if fmt == "html":
        return adv.advice_page(advice)
    if fmt == "text":
        return console_text(lambda console: adv.render_advice(advice, console), terminal, width)
    raise PlannerError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
