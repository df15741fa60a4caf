"""The `planner space` command (registered on the `planner` group in planner/cli.py).

Exit status: 0 when some subnet fits every board named, 1 when a board has none that fits,
2 for bad input (one line on stderr, no traceback unless ``planner --debug``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from planner.cli_options import board_names_option, refuse_model_output
from planner.space.supernet import (
    DEFAULT_CLASSES,
    DEFAULT_RESOLUTIONS,
    DEFAULT_WIDTHS,
    check_grid,
)

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("text", "json", "csv", "parquet")


def _one_line_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from planner.space.pipeline import PlannerError

        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return fn(*args, **kwargs)
        except PlannerError as exc:
            if debug:
                raise
            click.echo(f"planner: error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _numbers(text: str, kind: type, what: str) -> tuple[Any, ...]:
    from planner.space.pipeline import PlannerError

    try:
        values = tuple(kind(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError as exc:
        raise PlannerError(f"{what}: expected comma-separated numbers, got {text!r}") from exc
    return tuple(dict.fromkeys(values))


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal's stderr (subnets done of ``total``), else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "subnets",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("subnets", total=total)
        yield lambda n: bar.advance(task, n)


@click.command("space")
@board_names_option("Board name or alias; repeat it, separate with commas, or `all`.")
@click.option(
    "--samples",
    "-n",
    type=click.IntRange(1, 1_000_000),
    default=100,
    show_default=True,
    help="Subnets sampled per (width, resolution).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--widths",
    default=",".join(f"{w:g}" for w in DEFAULT_WIDTHS),
    show_default=True,
    help="Width multipliers, comma-separated.",
)
@click.option(
    "--resolutions",
    default=",".join(map(str, DEFAULT_RESOLUTIONS)),
    show_default=True,
    help="Input resolutions, comma-separated.",
)
@click.option(
    "--classes",
    type=click.IntRange(1, 100_000),
    default=DEFAULT_CLASSES,
    show_default=True,
    help="Classifier outputs.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="parquet: every subnet x board row (needs -o).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the best fitting subnet of the first board's recommended space as a "
    ".tflite (random int8 weights).",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CDF chart (.png, .svg or .pdf; needs matplotlib).",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Run on this Dask cluster (e.g. tcp://10.0.0.5:8786)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    help="Local Dask cluster: worker processes (default: one per core).",
)
@click.option("--serial", is_flag=True, help="Run in this process, without Dask.")
@click.option(
    "--results",
    "results_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("space-results"),
    show_default=True,
    help="Folder for per-chunk Parquet results; a re-run resumes from them.",
)
@click.option("--no-results", is_flag=True, help="Keep results in memory only (no resume).")
@_one_line_errors
def space(
    board_names: tuple[str, ...],
    samples: int,
    seed: int,
    widths: str,
    resolutions: str,
    classes: int,
    fmt: str,
    output: Path | None,
    export_path: Path | None,
    chart: Path | None,
    scheduler: str | None,
    workers: int | None,
    serial: bool,
    results_dir: Path,
    no_results: bool,
) -> None:
    """Which width multiplier and input resolution give the networks that fit a board the
    most MACs (TinyNAS-style), with TFLM-exact memory.

    Samples MobileNetV2-style subnets (kernel 3/5/7, expansion 3/4/6 per block, depth 2/3/4
    per stage) per (width, resolution), checks each against every board and recommends the
    space whose fitting subnets have the highest mean MACs.

    Example: planner space --board stm32f746 --board nrf52840 --samples 100 --chart cdf.png
    """
    from planner.space.pipeline import PlannerError, resolve_boards

    grid_w = _numbers(widths, float, "--widths")
    grid_r = _numbers(resolutions, int, "--resolutions")
    problems = check_grid(grid_w, grid_r)
    if problems:
        raise PlannerError("; ".join(problems))
    if fmt == "parquet" and output is None:
        raise PlannerError("--format parquet writes a file: give -o FILE.parquet")
    if chart is not None:
        from planner.space.report import check_chart_path

        check_chart_path(chart)
    if serial and (scheduler or workers):
        raise PlannerError("--serial runs without Dask: drop --scheduler/--workers")
    # The options as click parsed them, with those checked here replaced by their values.
    checked = {
        "boards": resolve_boards(board_names),
        "widths": grid_w,
        "resolutions": grid_r,
        "results_dir": None if no_results else results_dir,
    }
    run(**(click.get_current_context().params | checked))


def run(**o: Any) -> None:
    """`planner space` after its options are checked."""
    from planner.parallel import dask_client, require
    from planner.space.engine import SpaceJob, run_job
    from planner.space.explore import explore

    if not o["serial"]:
        require("distributed", "`planner space` runs on Dask and")
    job = SpaceJob(
        o["widths"], o["resolutions"], o["samples"], o["seed"], o["classes"], tuple(o["boards"])
    )
    total = len(job.widths) * len(job.resolutions) * job.samples
    client_cm = nullcontext(None) if o["serial"] else dask_client(o["scheduler"], o["workers"])
    with client_cm as client, _progress(total) as progress:
        result = run_job(job, client=client, results_dir=o["results_dir"], progress=progress)
    names = [b.name for b in job.boards]
    explorations = explore(result.rows, names)
    where = f"; results in {result.results_dir}" if result.results_dir else ""
    # Every file is written before anything is printed, so a failed write is the one line
    # on stderr (and nothing on stdout).
    notes = [
        f"{total:,} subnets x {len(names)} board(s): {result.computed_chunks} chunk(s) "
        f"computed, {result.resumed_chunks} resumed{where}"
    ]
    text = _write(o, job, explorations, result.rows, notes)
    if o["chart"] is not None:
        from planner.space.report import save_cdf_chart

        save_cdf_chart(explorations, o["chart"])
        notes.append(f"wrote {o['chart']}")
    if o["export_path"] is not None:
        notes.append(_export(explorations[0], job, o["export_path"]))
    if text is not None:
        click.echo(text, nl=False)
    for note in notes:
        click.echo(note, err=True)
    sys.exit(0 if all(e.best_space is not None for e in explorations) else 1)


def _write(
    o: dict[str, Any], job: Any, explorations: Any, rows: Any, notes: list[str]
) -> str | None:
    """Write the report to ``-o`` (noting it in ``notes``), or return it for stdout."""
    from planner.space import report
    from planner.space.pipeline import PlannerError

    fmt, output = o["fmt"], o["output"]
    if fmt == "parquet":
        from planner.space.engine import write_parquet

        write_parquet(rows, output)
        notes.append(f"wrote {output}")
        return None
    if fmt == "json":
        text = report.render_json(
            explorations,
            seed=job.seed,
            samples=job.samples,
            classes=job.classes,
            widths=list(job.widths),
            resolutions=list(job.resolutions),
        )
    elif fmt == "csv":
        text = report.render_csv(explorations)
    else:
        text = report.render_text(
            explorations,
            f"{job.samples} subnets per (width, resolution), seed {job.seed}, "
            f"{job.classes} classes; fits = TFLM's arena (TFLM's plan) and flash within budget",
        )
    if output is None:
        return text
    refuse_model_output(output, ())
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PlannerError(f"{output}: cannot write: {exc.strerror or exc}") from exc
    return None


def _export(exploration: Any, job: Any, path: Path) -> str:
    """Write the best subnet's model to ``path``; the line that says so."""
    from planner.space.build import build_network
    from planner.space.export import write_model
    from planner.space.pipeline import PlannerError
    from planner.space.supernet import sample_subnet

    row = exploration.best_subnet
    if row is None:
        raise PlannerError(f"nothing to export: no subnet fits {exploration.board}")
    subnet = sample_subnet(
        job.seed, float(row["width"]), int(row["resolution"]), int(row["index"]), job.classes
    )
    size = write_model(build_network(subnet), path, seed=job.seed)
    return (
        f"wrote {path} ({size:,} B): {subnet.label} for {exploration.board}; "
        f"`planner fit {path} --board {exploration.board}` needs SRAM "
        f"{int(row['sram_bytes']):,} B"
    )
