"""`planner matrix`: which of several models fit which boards, with the SRAM headroom.

:func:`compute_matrix` reads each model once and analyses it once, predicts TFLM's arena once
per distinct board *target* (pointer width, kernel library, DSP/MVE: what the arena depends
on) rather than once per board, and then checks each board against that prediction with the
same :func:`planner.check.check_fit` that `planner fit` uses, so each verdict is the one
`planner fit MODEL --board BOARD` gives.

Renderers: text (rich, colour on terminals only, wide matrices split into blocks of columns
that fit the terminal), Markdown (models as rows, boards as columns), CSV (one row per model
and board, for pandas) and JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner.analysis.layers import human_bytes
from planner.errors import PlannerError

if TYPE_CHECKING:
    from rich.console import Console

    from planner.check import FitCheck
    from planner.targets.boards import Board

#: Version of the matrix JSON layout; changes whenever a key is renamed or removed.
MATRIX_VERSION = 1
FORMATS = ("text", "json", "csv", "markdown")


@dataclass(frozen=True)
class Cell:
    """One model on one board: the verdict and the figures behind it."""

    model: str
    board: str
    fits: bool
    fits_sram: bool
    fits_flash: bool
    sram_required_bytes: int
    sram_budget_bytes: int
    sram_headroom_bytes: int
    flash_required_bytes: int
    flash_budget_bytes: int
    flash_headroom_bytes: int
    exact: bool
    target: str
    verdict: str = "fits"

    @classmethod
    def of(cls, model: str, check: FitCheck) -> Cell:
        return cls(
            model=model,
            board=check.board.name,
            fits=check.fits,
            fits_sram=check.fits_sram,
            fits_flash=check.fits_flash,
            sram_required_bytes=check.sram_required_bytes,
            sram_budget_bytes=check.sram_budget_bytes,
            sram_headroom_bytes=check.sram_headroom_bytes,
            flash_required_bytes=check.flash_required_bytes,
            flash_budget_bytes=check.flash_budget_bytes,
            flash_headroom_bytes=check.flash_headroom_bytes,
            exact=check.arena.exact,
            target=check.arena.target.label,
            verdict=check.verdict,
        )


@dataclass(frozen=True)
class Matrix:
    models: tuple[str, ...]
    boards: tuple[Board, ...]
    cells: dict[tuple[str, str], Cell]
    #: Models that could not be read, with the one-line reason.
    errors: dict[str, str] = field(default_factory=dict)
    #: How many arena predictions were made per model (distinct board targets).
    targets: int = 0

    def cell(self, model: str, board: str) -> Cell | None:
        return self.cells.get((model, board))

    @property
    def board_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.boards)


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


def compute_matrix(
    models: Sequence[str | Path],
    boards: Sequence[Board],
    planner: str = "tflm",
    progress: Progress | None = None,
) -> Matrix:
    """Every model against every board; one parse per model, one arena per distinct target."""
    from planner.analysis.layers import analyse
    from planner.check import check_fit
    from planner.model.tflite_reader import load_model
    from planner.runtimes.tflm.arena import ArenaPrediction, Target, predict_arena
    from planner.targets.target import target_for

    names = tuple(dict.fromkeys(str(m) for m in models))
    targets: dict[Target, None] = {}
    for board in boards:
        targets.setdefault(target_for(board))
    total = len(names) * len(targets)
    done = 0
    cells: dict[tuple[str, str], Cell] = {}
    errors: dict[str, str] = {}
    for name in names:
        try:
            graph = load_model(name)
            stats = analyse(graph)
            arenas: dict[Target, ArenaPrediction] = {}
            for target in targets:
                arenas[target] = predict_arena(graph, target, planner=planner)
                done += 1
                if progress is not None:
                    progress(done, total, Path(name).name)
        except PlannerError as exc:
            errors[name] = str(exc)
            done = (names.index(name) + 1) * len(targets)
            if progress is not None:
                progress(done, total, Path(name).name)
            continue
        for board in boards:
            check = check_fit(graph, stats, arenas[target_for(board)], board)
            cells[(name, board.name)] = Cell.of(name, check)
    return Matrix(
        models=names, boards=tuple(boards), cells=cells, errors=errors, targets=len(targets)
    )


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
    """A progress callback for :func:`compute_matrix`: a bar on a terminal's stderr, else None."""
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
            elif not c.fits_sram:
                short = f"❌ −{human_bytes(-c.sram_headroom_bytes)}"
                cells.append(short + (" (and flash)" if not c.fits_flash else ""))
            else:
                cells.append("❌ flash")
        lines.append("| " + " | ".join(md_cell(x) if i else x for i, x in enumerate(cells)) + " |")
    out = ["\n".join(lines), ""]
    out.append(
        "✅ fits, with the SRAM headroom (budget minus the arena TFLM needs); ❌ does not fit, "
        "short of SRAM by the figure shown, or of flash. Headers: board and SRAM budget."
    )
    for m, err in matrix.errors.items():
        out += ["", f"> **Error:** {code(m)}: {md_cell(err)}"]
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "model",
    "board",
    "fits",
    "fits_sram",
    "fits_flash",
    "sram_required_bytes",
    "sram_budget_bytes",
    "sram_headroom_bytes",
    "flash_required_bytes",
    "flash_budget_bytes",
    "flash_headroom_bytes",
    "exact",
    "target",
    "error",
)


def render_csv(matrix: Matrix) -> str:
    """One row per model and board (a model that could not be read: one row with its error)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in matrix.models:
        if m in matrix.errors:
            writer.writerow([m, "", *[""] * 11, matrix.errors[m]])
            continue
        for b in matrix.boards:
            c = matrix.cell(m, b.name)
            if c is None:
                continue
            row = asdict(c)
            writer.writerow(
                [
                    ("true" if row[k] else "false") if isinstance(row[k], bool) else row[k]
                    for k in CSV_COLUMNS[:-1]
                ]
                + [""]
            )
    return buf.getvalue()


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


def render(matrix: Matrix, fmt: str, console_factory: Callable[[], Console]) -> str | None:
    """Text goes straight to the console (returns None); other formats return their text."""
    if fmt == "text":
        render_text(matrix, console_factory())
        return None
    if fmt == "json":
        return json.dumps(to_json(matrix), indent=2)
    if fmt == "csv":
        return render_csv(matrix)
    if fmt == "markdown":
        return render_markdown(matrix)
    raise PlannerError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
