"""`planner matrix`: which of several models fit which boards, with the SRAM headroom.

The figures come from :func:`planner.api.fit_matrix` (each cell is `planner fit`'s verdict);
this module resolves the boards, shows progress and renders. Renderers: text (rich, colour
on terminals only, wide matrices split into blocks of columns that fit the
terminal), Markdown (models as rows, boards as columns), CSV (one row per model and board,
for pandas) and JSON.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner.analysis.layers import human_bytes
from planner.errors import PlannerError
from planner.matrix import Cell, Matrix
from planner.report.json_text import json_text
from planner.report.rows import VERDICT_WORDS, csv_table

if TYPE_CHECKING:
    from rich.console import Console

    from planner.targets.boards import Board

#: Version of the matrix JSON layout; changes whenever a key is renamed or removed.
MATRIX_VERSION = 1
FORMATS = ("text", "json", "csv", "markdown")


#: Called after each unit of work with (done, total, what).
Progress = Callable[[int, int, str], None]


def resolve_boards(names: Iterable[str]) -> tuple[Board, ...]:
    """Boards from names or aliases (comma-separated lists allowed); ``all`` is the catalog.

    Each board appears once, in the order first named (the catalog's order for ``all``).
    """
    from planner.api import resolve_board
    from planner.targets.boards import catalog

    out: dict[str, Board] = {}
    for raw in names:
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name.lower() == "all":
                for board in catalog().values():
                    out.setdefault(board.name, board)
            else:
                board = resolve_board(name)
                out.setdefault(board.name, board)
    if not out:
        raise PlannerError("no boards given: use --board NAME (repeatable) or --board all")
    return tuple(out.values())


class _LazyProgress(AbstractContextManager["_LazyProgress"]):
    """A rich progress bar on stderr that appears only once the work has taken a moment."""

    def __init__(self, delay: float = 0.3) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.delay = delay
        self.start = time.monotonic()
        self.progress = Progress(
            TextColumn("matrix"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: Any = None

    def __call__(self, done: int, total: int, what: str) -> None:
        if self.task is None:
            if time.monotonic() - self.start < self.delay:
                return
            self.progress.start()
            self.task = self.progress.add_task(what, total=total)
        self.progress.update(self.task, completed=done, description=what)

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.progress.stop()


def progress_bar() -> AbstractContextManager[Progress | None]:
    """A progress callback for :func:`planner.api.fit_matrix`: a bar on a terminal's
    stderr, else None."""
    if sys.stderr.isatty():
        return _LazyProgress()
    return nullcontext(None)


# ---------------------------------------------------------------------------------------------
# Rendering


def _short(n: int) -> str:
    """Signed compact bytes: '+203.1K', '-50.0K', '+512B', '+1.2M'."""
    sign = "+" if n >= 0 else "-"
    text = human_bytes(abs(n)).replace(" KiB", "K").replace(" MiB", "M").replace(" GiB", "G")
    return sign + text.replace(" B", "B")


def verdict_text(c: Cell) -> str:
    """'✓ +203.1K' (fits: SRAM headroom), '✗ -50.0K' (SRAM short by), '✗ -50.0K, flash' (and
    flash too), '✗ flash' (SRAM fits, flash does not)."""
    if c.fits:
        return f"✓ {_short(c.sram_headroom_bytes)}"
    if c.verdict == "unknown":
        return f"? ≤{_short(c.sram_headroom_bytes)}"
    if not c.fits_sram:
        return f"✗ {_short(c.sram_headroom_bytes)}" + (", flash" if not c.fits_flash else "")
    return "✗ flash"


def _labels(models: Sequence[str]) -> dict[str, str]:
    """File names where they are unique, else the paths as given."""
    stems = [Path(m).name for m in models]
    return {m: (Path(m).name if stems.count(Path(m).name) == 1 else m) for m in models}


LEGEND = (
    "✓ fits, ✗ does not fit, ? cannot tell (the arena figure is a floor: some operators' "
    "memory is unknown on that board, so the headroom is at most the figure shown). "
    "The figure is the SRAM headroom: the budget minus the arena TFLM "
    "needs (negative: short by that much); K = KiB. '✗ -58.9K, flash': short of SRAM and of "
    "flash; '✗ flash': SRAM fits, flash does not. Headers: board and its SRAM budget."
)


def render_text(matrix: Matrix, console: Console) -> None:
    """Rows are models, columns boards; split into blocks of columns that fit the console."""
    from rich.table import Table
    from rich.text import Text

    labels = _labels(matrix.models)
    rows = [m for m in matrix.models if m not in matrix.errors]
    label_w = max([len("model"), *(len(labels[m]) for m in rows)])
    widths = []
    for board in matrix.boards:
        cells = [matrix.cell(m, board.name) for m in rows]
        texts = [verdict_text(c) for c in cells if c is not None]
        widths.append(max([len(board.name), *(len(t) for t in texts)]))
    room = max(console.width - label_w - 4, 20)
    blocks: list[list[int]] = [[]]
    used = 0
    for i, w in enumerate(widths):
        if blocks[-1] and used + w + 3 > room:
            blocks.append([])
            used = 0
        blocks[-1].append(i)
        used += w + 3
    for block in blocks if rows else []:
        table = Table(show_edge=False, header_style="bold", pad_edge=False)
        table.add_column("model", no_wrap=True)
        for i in block:
            board = matrix.boards[i]
            table.add_column(
                f"{board.name}\n{_short(board.sram_budget_bytes)[1:]}",
                justify="right",
                no_wrap=True,
            )
        for m in rows:
            out: list[Text | str] = [labels[m]]
            for i in block:
                c = matrix.cell(m, matrix.boards[i].name)
                if c is None:
                    out.append("-")
                else:
                    out.append(Text(verdict_text(c), style="green" if c.fits else "red"))
            table.add_row(*out)
        console.print(table)
        console.print()
    if rows:
        console.print(Text(LEGEND, style="dim"))
    inexact = sorted({c.model for c in matrix.cells.values() if not c.exact})
    for m in inexact:
        console.print(
            Text(
                f"note: {labels[m]}: arena not exact on some boards (unknown operator memory)",
                style="yellow",
            )
        )
    for m, err in matrix.errors.items():
        console.print(Text(f"error: {m}: {err}", style="red"))
    fits = sum(1 for c in matrix.cells.values() if c.fits)
    console.print(
        f"{len(rows)} model(s) x {len(matrix.boards)} board(s): {fits} of "
        f"{len(matrix.cells)} combinations fit; {matrix.targets} arena target(s) per model."
    )


def render_markdown(matrix: Matrix) -> str:
    from planner.report.markdown import cell as md_cell
    from planner.report.markdown import code

    labels = _labels(matrix.models)
    header = ["model", *(f"{b.name}<br>{human_bytes(b.sram_budget_bytes)}" for b in matrix.boards)]
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|" + "|".join("---:" for _ in matrix.boards) + "|",
    ]
    for m in matrix.models:
        if m in matrix.errors:
            continue
        cells = [code(labels[m])]
        for b in matrix.boards:
            c = matrix.cell(m, b.name)
            if c is None:
                cells.append("-")
            elif c.fits:
                cells.append(f"✅ +{human_bytes(c.sram_headroom_bytes)}")
            elif c.verdict == "unknown":
                cells.append(f"❔ cannot tell (headroom ≤ +{human_bytes(c.sram_headroom_bytes)})")
            elif not c.fits_sram:
                short = f"❌ −{human_bytes(-c.sram_headroom_bytes)}"
                cells.append(short + (" (and flash)" if not c.fits_flash else ""))
            else:
                cells.append("❌ flash")
        lines.append("| " + " | ".join(md_cell(x) if i else x for i, x in enumerate(cells)) + " |")
    out = ["\n".join(lines), ""]
    out.append(
        "✅ fits, with the SRAM headroom (budget minus the arena TFLM needs); ❔ cannot tell "
        "(the arena figure is a floor: some operators' memory is unknown); ❌ does not fit, "
        "short of SRAM by the figure shown, or of flash. Headers: board and SRAM budget."
    )
    for m, err in matrix.errors.items():
        out += ["", f"> **Error:** {code(m)}: {md_cell(err)}"]
    return "\n".join(out) + "\n"


#: A cell's fields (the verdict after the model and board), then the error of an unread model.
CSV_COLUMNS = (
    "model",
    "board",
    "verdict",
    *(f.name for f in fields(Cell) if f.name not in {"model", "board", "verdict"}),
    "error",
)


def render_csv(matrix: Matrix) -> str:
    """One row per model and board (a model that could not be read: one row with its error)."""
    rows: list[list[object]] = []
    for m in matrix.models:
        if m in matrix.errors:
            rows.append([m, "", *[""] * (len(CSV_COLUMNS) - 3), matrix.errors[m]])
            continue
        for b in matrix.boards:
            c = matrix.cell(m, b.name)
            if c is None:
                continue
            row = asdict(c) | {"verdict": VERDICT_WORDS[c.verdict], "error": ""}
            rows.append([row[k] for k in CSV_COLUMNS])
    return csv_table(CSV_COLUMNS, rows)


def to_json(matrix: Matrix) -> dict[str, Any]:
    return {
        "matrix_version": MATRIX_VERSION,
        "tool": f"tflm-planner {__version__}",
        "models": list(matrix.models),
        "boards": [
            {
                "name": b.name,
                "sram_budget_bytes": b.sram_budget_bytes,
                "flash_bytes": b.flash_bytes,
                "pointer_bits": b.pointer_bits,
                "kernels": b.kernels,
            }
            for b in matrix.boards
        ],
        "arena_targets": matrix.targets,
        "results": [asdict(c) for c in matrix.cells.values()],
        "errors": [{"model": m, "error": e} for m, e in matrix.errors.items()],
    }


def render(matrix: Matrix, fmt: str, *, terminal: bool = False, width: int | None = None) -> str:
    """The matrix in one format (text coloured for a terminal when ``terminal``)."""
    if fmt == "text":
        from planner.report import console_text

        return console_text(lambda console: render_text(matrix, console), terminal, width)
    if fmt == "json":
        return json_text(to_json(matrix))
    if fmt == "csv":
        return render_csv(matrix)
    if fmt == "markdown":
        return render_markdown(matrix)
    raise PlannerError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
