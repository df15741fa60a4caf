"""The `planner` command: a thin layer over :mod:`planner.api` and the renderers.

Exit status: 0 fits / agrees, 1 does not fit / disagrees, 2 bad input or usage.
"""

from __future__ import annotations

import gc

if __name__ == "__main__":
    # `python -m planner.cli`: the imports below run with the collector off, as the console
    # script's do (planner/__main__.py); run() freezes what they make.
    gc.disable()

import contextlib
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from planner import __version__
from planner.cli_options import board_names_option, refuse_model_output
from planner.errors import PlannerError

if TYPE_CHECKING:
    from planner.check import FitCheck

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FITS, EXIT_DOES_NOT_FIT, EXIT_BAD_INPUT = 0, 1, 2
#: Most local Dask worker processes `--workers` starts (more only thrash one machine; a
#: bigger cluster is a `--scheduler`).
MAX_WORKERS = 256


#: Longest error line; a longer one (a 10 MB tensor name) keeps its start and its end.
MAX_ERROR_CHARS = 2_000


def _one_line(message: str) -> str:
    """``message`` on one line, with control characters (from names in a model) escaped."""
    from planner.validate.refusal import escape

    line = "; ".join(escape(part.strip()) for part in message.splitlines() if part.strip())
    if len(line) > MAX_ERROR_CHARS:
        half = MAX_ERROR_CHARS // 2
        line = f"{line[:half]} [... {len(line) - 2 * half:,} characters ...] {line[-half:]}"
    return line


def _fail(message: str) -> None:
    click.echo(f"planner: error: {_one_line(message)}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _output_failed(exc: OSError) -> None:
    """Standard output cannot be written (a full disk, a closed pipe): say so on stderr once,
    and point stdout at /dev/null so Python's own flush at exit does not fail again."""
    import os

    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    _fail(f"cannot write the output: {exc.strerror or exc}")


def _error_document(exc: PlannerError, output: Path | None) -> None:
    """With ``--format json`` the error is also a JSON document where the report would have
    gone (``planner/schema/error.schema.json``), so a tool reading the report reads why
    there is none; the one line on stderr and exit status 2 stay as for every format."""
    from planner.report.json_text import json_text
    from planner.validate.refusal import ModelRefused

    document = {
        "schema_version": 1,
        "tool": f"tflm-planner {__version__}",
        "verdict": "refused" if isinstance(exc, ModelRefused) else "error",
        "error": _one_line(str(exc)),
    }
    with contextlib.suppress(OSError, PlannerError):
        _emit(json_text(document) + "\n", output)


#: The options that name a file the command writes.
OUTPUT_OPTIONS = ("output", "emit_header")


def _outputs_spare_the_models(kwargs: dict[str, Any]) -> None:
    """Refuse, before any work, an output path that is one of the command's models."""
    models = [kwargs["model"]] if isinstance(kwargs.get("model"), Path) else []
    models.extend(kwargs.get("models") or ())
    for key in OUTPUT_OPTIONS:
        refuse_model_output(kwargs.get(key), models, reports=False)


def handle_errors(fn: F) -> F:
    """One line on stderr and exit 2 for every input problem; a traceback only with --debug."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            _outputs_spare_the_models(kwargs)
            return fn(*args, **kwargs)
        except PlannerError as exc:
            if debug:
                raise
            if kwargs.get("fmt") == "json":
                _error_document(exc, kwargs.get("output"))
            _fail(str(exc))
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as exc:  # writing the report: a full disk, a closed pipe
            if debug:
                raise
            _output_failed(exc)
        except Exception as exc:  # a bug in the planner: still no traceback without --debug
            if debug:
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug and report it)")

    return wrapper  # type: ignore[return-value]


def _one_board(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str | None:
    """--board at most once: a second one is a usage error, not "the last one wins"."""
    if len(value) > 1:
        raise click.UsageError(
            f"--board given {len(value)} times ({', '.join(value)}); give one board "
            "(`planner matrix` compares several)"
        )
    return value[0] if value else None


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"planner.{param.name}"] = value
    return value


def _board_option(fn: F) -> F:
    fn = click.option(
        "--allocator",
        type=click.Choice(["plain", "recording"]),
        expose_value=False,
        callback=_remember,
        help="TFLM's allocator on the board: plain (MicroInterpreter, the board default) or "
        "recording (RecordingMicroInterpreter).",
    )(fn)
    fn = click.option(
        "--int-enums",
        is_flag=True,
        expose_value=False,
        callback=_remember,
        help="TFLM built with -fno-short-enums (int-sized enums) rather than GCC's "
        "arm-none-eabi default of short enums.",
    )(fn)
    fn = click.option(
        "--board-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Your own board definition (TOML, same fields as boards/*.toml).",
    )(fn)
    fn = click.option(
        "--board",
        "-b",
        "board_name",
        metavar="NAME",
        multiple=True,
        callback=_one_board,
        help="Board name or alias from the catalog (see `planner boards`).",
    )(fn)
    return fn


def _pick_board(board_name: str | None, board_file: Path | None, default: str | None = None) -> Any:
    """The board the options name, else ``default`` (a catalog name), else a usage error."""
    from planner.api import resolve_board
    from planner.targets.boards import load_board_file

    if board_file is not None and board_name:
        raise click.UsageError("give --board or --board-file, not both")
    if board_file is not None:
        board = load_board_file(board_file)
    elif board_name:
        board = resolve_board(board_name)
    elif default is not None:
        board = resolve_board(default)
    else:
        raise click.UsageError("missing --board NAME (or --board-file FILE); see `planner boards`")
    return _with_build_options(board)


def _checked(fn: F) -> F:
    """MODEL checked on the board the options name, with the --planner plan: the command is
    given the check in place of those options."""

    @wraps(fn)
    def run(
        model: Path, board_name: str | None, board_file: Path | None, planner: str, **rest: Any
    ) -> Any:
        if _ONE_COMMAND_PROCESS:
            # See run(): the process ends with this command. Off before the pipeline's
            # modules are imported, too: their classes and functions live to the exit, and
            # the collections their import would make scan them for nothing (1% of a fit).
            gc.disable()
        from planner.api import fit as run_fit

        check = run_fit(model, _pick_board(board_name, board_file), planner=planner)
        if _ONE_COMMAND_PROCESS:
            _KEPT_TO_EXIT.append(check)
        return fn(check, **rest)

    return run  # type: ignore[return-value]


def _with_build_options(board: Any) -> Any:
    """The board as --int-enums and --allocator say its firmware builds TFLM."""
    from dataclasses import replace

    meta = click.get_current_context().meta
    if meta.get("planner.int_enums"):
        board = replace(board, short_enums=False)
    if meta.get("planner.allocator"):
        board = replace(board, allocator=meta["planner.allocator"])
    return board


def _stdout_gone() -> None:
    """The reader of stdout went away (`planner fit ... | head -2`): drop the rest of the
    output quietly so the exit status stays the command's own."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        try:
            click.echo(text, nl=not text.endswith("\n"))
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_gone()
    else:
        refuse_model_output(output, ())
        try:
            output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as exc:
            raise PlannerError(f"{output}: cannot write: {exc.strerror or exc}") from exc


FORMATS = ("text", "json", "csv", "markdown", "html")


def _advice(graph: Any, board: Any, **options: Any) -> Any:
    """`planner advise`'s suggestions, with the optimized memory plan as one of them."""
    from planner.advise import advise as run_advise
    from planner.offline_plan.optimize import optimize
    from planner.targets.target import target_for

    if options.get("better_arena_bytes") is None:
        options["better_arena_bytes"] = optimize(graph, target_for(board)).min_arena_bytes
    return run_advise(graph, board, **options)


def _show(render: Callable[[bool], str], output: Path | None) -> None:
    """Write what ``render(terminal)`` returns to ``output``, or to stdout (coloured on a
    terminal)."""
    terminal = output is None and sys.stdout.isatty()
    _emit(render(terminal), output)


def _render(
    check: Any, fmt: str, output: Path | None, full: bool, advice: Any = None, **layout: Any
) -> None:
    """Render ``check``; ``layout`` passes `report`'s width, --wide and --arena-map on."""
    from planner.report import render

    _show(
        lambda terminal: render(check, fmt, full=full, advice=advice, terminal=terminal, **layout),
        output,
    )


def _columns() -> int | None:
    """The width $COLUMNS asks for (piped output has no terminal to measure), else None."""
    import os

    try:
        value = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return value if value >= 40 else None


#: Commands defined in their own modules, imported only when run or listed (`planner space`
#: needs its sampling and Dask modules; `fit` should not pay for them).
LAZY_COMMANDS = {"space": ("planner.space.cli", "space")}


class _Planner(click.Group):
    """The command group, with click's own error output (usage, help hint, "Error:" on
    three lines) turned into the planner's one line on stderr and exit status 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            import importlib

            module, name = LAZY_COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **kwargs: Any,
    ) -> Any:
        run = super().main
        if hasattr(sys.stdout, "reconfigure"):
            # An ASCII-only terminal (LANG=C): box-drawing characters become '?', not a crash.
            sys.stdout.reconfigure(errors="replace")
        if not standalone_mode:
            return run(args, prog_name, standalone_mode=False, **kwargs)
        try:
            try:
                result = run(args, prog_name, standalone_mode=False, **kwargs)
            except SystemExit as done:  # the commands exit with their status
                result = done.code
            sys.stdout.flush()  # here, where a full disk can still be reported
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            _fail("aborted")
        except click.ClickException as exc:
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                hint = f" (see `{exc.ctx.command_path} --help`)"
            _fail(exc.format_message() + hint)
        except OSError as exc:
            _output_failed(exc)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=_Planner, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(__version__, package_name="tflm-planner")  # not read from metadata
def main(debug: bool) -> None:
    """Does an int8 TFLite model fit a microcontroller under TFLM? To the byte."""


class _ModelPath(click.Path):
    """A model path; an empty one is refused (``Path("")`` would be the current folder)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if value == "":
            self.fail("the model path is empty", param, ctx)
        return super().convert(value, param, ctx)


def _model_argument(fn: F) -> F:
    return click.argument("model", type=_ModelPath(path_type=Path))(fn)


def _planner_option(fn: F) -> F:
    return click.option(
        "--planner",
        type=click.Choice(("tflm", "optimized")),
        default="tflm",
        show_default=True,
        help="Memory plan to check: TFLM's own, or the one `planner optimize` writes "
        "(shown beside TFLM's, with the saving).",
    )(fn)


def _required_output(help_text: str) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=help_text,
    )


def _format_options(fn: F) -> F:
    fn = click.option(
        "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
    )(fn)
    fn = click.option(
        "--format", "-f", "fmt", type=click.Choice(FORMATS), default="text", show_default=True
    )(fn)
    return fn


@main.command()
@_model_argument
@_board_option
@_format_options
@_planner_option
@click.option("--advise", "with_advice", is_flag=True, help="When it does not fit, say what would.")
@click.option(
    "--emit-header",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write a C header with kTensorArenaSize and the figures behind it.",
)
@handle_errors
@_checked
def fit(
    check: FitCheck, fmt: str, output: Path | None, with_advice: bool, emit_header: Path | None
) -> None:
    """Verdict for MODEL on a board; exit 0 if it fits, 1 if not (or if it cannot tell).

    Example: planner fit models/mobilenet_v2_0.35_144_int8.tflite --board stm32f746
    """
    for written in (output, emit_header):
        refuse_model_output(written, ())
    advice = None
    if with_advice and not check.fits:
        advice = _advice(check.graph, check.board)
    _render(check, fmt, output, full=False, advice=advice)
    if emit_header is not None:
        from planner.report.header import render_header

        _emit(render_header(check), emit_header)
    sys.exit(EXIT_FITS if check.fits else EXIT_DOES_NOT_FIT)


@main.command()
@_model_argument
@_board_option
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("text", "json", "csv", "markdown", "html")),
    default="text",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option(
    "--step", type=int, default=16, show_default=True, help="Resolution search step in pixels."
)
@click.option("--min-resolution", type=int, default=32, show_default=True)
@click.option(
    "--widths",
    default="1,0.75,0.5,0.35,0.25",
    show_default=True,
    help="Width multipliers to try, comma separated.",
)
@click.option(
    "--better-arena",
    type=click.IntRange(min=1),
    default=None,
    metavar="BYTES",
    help="Smallest arena of a better memory plan (from `planner optimize`).",
)
@click.option("--always", is_flag=True, help="Suggest even when the model already fits.")
@handle_errors
def advise(
    model: Path,
    board_name: str | None,
    board_file: Path | None,
    fmt: str,
    output: Path | None,
    step: int,
    min_resolution: int,
    widths: str,
    better_arena: int | None,
    always: bool,
) -> None:
    """What would make MODEL fit: resolution, width, patches, external RAM, memory plan.

    Each suggestion says whether stock TFLM runs it unchanged, what it costs in MACs, and an
    estimated latency. Exit 0 if the model fits as is or some suggestion fits, else 1.

    Example: planner advise models/mobilenet_v2_1.0_224_int8.tflite --board stm32f746
    """
    from planner.api import load as load_model

    try:
        width_list = tuple(float(w) for w in widths.split(",") if w.strip())
    except ValueError as exc:
        raise click.BadParameter(
            f"not a list of numbers: {widths!r}", param_hint="--widths"
        ) from exc
    if not width_list or not all(0 < w <= 4 for w in width_list):  # also refuses nan
        raise click.BadParameter(
            f"give width multipliers above 0 and at most 4, comma separated: {widths!r}",
            param_hint="--widths",
        )
    if step <= 0 or min_resolution <= 0:
        raise click.BadParameter("must be positive", param_hint="--step/--min-resolution")
    board = _pick_board(board_name, board_file)
    result = _advice(
        load_model(model),
        board,
        step=step,
        min_resolution=min_resolution,
        widths=width_list,
        better_arena_bytes=better_arena,
        always=always,
    )
    from planner.report import render_advice_only

    _show(lambda terminal: render_advice_only(result, fmt, terminal=terminal), output)
    ok = result.fits or any(sug.fits for sug in result.suggestions)
    sys.exit(EXIT_FITS if ok else EXIT_DOES_NOT_FIT)


@main.command()
@_model_argument
@_board_option
@_format_options
@_planner_option
@click.option(
    "--wide",
    is_flag=True,
    help="Text: every column of the layer table, whatever the terminal width.",
)
@click.option(
    "--arena-map",
    "arena_map",
    is_flag=True,
    help="With -f csv: one row per planned buffer (name, size, first and last operator, "
    "offset) instead of one per layer. The other formats always include the arena map.",
)
@handle_errors
@_checked
def report(check: FitCheck, fmt: str, output: Path | None, wide: bool, arena_map: bool) -> None:
    """Every layer of MODEL with its memory, weights, MACs and estimated latency, the model
    totals and the arena map. Exit 0 if it fits, 1 if not (or if it cannot tell), as `fit`.

    Text keeps to the terminal's width (or $COLUMNS when piped) without cutting a figure:
    the layer table leaves out the columns that do not fit and says which; --wide shows all.

    Example: planner report models/mobilenet_v2_0.35_144_int8.tflite --board stm32l4r5
    """
    if arena_map and fmt != "csv":
        raise click.UsageError("--arena-map is for -f csv; the other formats include the map")
    _render(check, fmt, output, full=True, width=_columns(), wide=wide, arena_map=arena_map)
    sys.exit(EXIT_FITS if check.fits else EXIT_DOES_NOT_FIT)


@main.command()
@_model_argument
@_board_option
@_required_output("Image file; .png, .svg or .pdf picks the type.")
@click.option(
    "--chart",
    type=click.Choice(("memory", "layers", "arena")),
    default="memory",
    show_default=True,
    help="memory: arena bytes per execution step; layers: per-layer activations and weights; "
    "arena: each planned buffer's offset from its first to its last step (the arena map).",
)
@click.option("--dpi", type=click.IntRange(30, 1200), default=150, show_default=True)
@handle_errors
def plot(
    model: Path,
    board_name: str | None,
    board_file: Path | None,
    output: Path,
    chart: str,
    dpi: int,
) -> None:
    """Draw MODEL's memory on a board (needs matplotlib: pip install 'tflm-planner[plot]').

    Example: planner plot models/mobilenet_v2_0.35_144_int8.tflite --board stm32f746 -o memory.png
    """
    from planner.api import fit as run_fit
    from planner.report.plot import ensure_can_plot, save_chart

    ensure_can_plot(output)
    refuse_model_output(output, ())
    board = _pick_board(board_name, board_file)
    check = run_fit(model, board)
    save_chart(check, output, chart=chart, dpi=dpi)
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@board_names_option(
    "Board name or alias; repeat it, separate with commas, or `all` for the whole catalog."
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("text", "json", "csv", "markdown")),
    default="text",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on the Dask cluster at ADDRESS (e.g. tcp://10.0.0.5:8786).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    help="Run on a local Dask cluster of N worker processes.",
)
@handle_errors
def matrix(
    models: tuple[Path, ...],
    board_names: tuple[str, ...],
    fmt: str,
    output: Path | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Which MODELS fit which boards, with the SRAM headroom of each.

    Exit 0; 2 if a model cannot be read (the others are still shown).

    Example: planner matrix ../shared/models/*.tflite models/*.tflite --board all
    (add --scheduler tcp://HOST:8786 to run on a Dask cluster, --workers N for a local one)
    """
    from planner.api import fit_matrix
    from planner.report.matrix import progress_bar, render, resolve_boards

    boards_ = resolve_boards(board_names)
    with progress_bar() as progress:
        if scheduler is None and workers is None:
            result = fit_matrix(list(models), boards_, progress=progress)
        else:
            from planner.parallel import dask_client

            with dask_client(scheduler, workers) as client:
                result = fit_matrix(list(models), boards_, progress=progress, client=client)
    _show(lambda terminal: render(result, fmt, terminal=terminal), output)
    sys.exit(EXIT_BAD_INPUT if result.errors else 0)


@main.group(invoke_without_command=True)
@click.pass_context
@handle_errors
def boards(ctx: click.Context) -> None:
    """List the board catalog (`planner boards show NAME` for one board)."""
    if ctx.invoked_subcommand is None:
        from planner.report.text import make_console, render_boards
        from planner.targets.boards import catalog

        render_boards(sorted(catalog().values(), key=lambda bd: bd.name), make_console())


@boards.command("show")
@click.argument("name")
@handle_errors
def boards_show(name: str) -> None:
    """Show one board: memory regions, budget, reserve and sources.

    Example: planner boards show nucleo-f746zg
    """
    from planner.report.text import make_console, render_board
    from planner.targets.boards import find_board

    render_board(find_board(name), make_console())


@main.command()
@_model_argument
@_board_option
@click.option(
    "--probe",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The TFLM probe program to run (default: the board's build in $PLANNER_PROBES).",
)
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds.")
@handle_errors
def verify(
    model: Path,
    board_name: str | None,
    board_file: Path | None,
    probe: Path | None,
    timeout: float,
) -> None:
    """Check the predicted arena against TFLM itself.

    `--board host` (the default) runs the tflite-micro package on this machine (64-bit,
    reference kernels). A Cortex-M board runs TFLM built for its core and kernel library in
    qemu-arm (the probes in shared/tflm-cortex-m, or --probe FILE, or $PLANNER_PROBES).
    Exit 0 when every figure agrees, 1 when not, 2 when it cannot be checked.

    Example: planner verify models/mobilenet_v2_0.35_144_int8.tflite --board stm32f746
    """
    if not timeout > 0 or timeout == float("inf"):  # also refuses nan
        raise click.BadParameter("must be a positive number of seconds", param_hint="--timeout")
    from planner.api import load as load_model
    from planner.runtimes.tflm.verify import verify as run_verify

    board = _pick_board(board_name, board_file, default="host")
    result = run_verify(load_model(model), model, board, probe=probe, timeout=timeout)
    width = max(len(r[0]) for r in result.rows)
    click.echo(f"{model} on {board.name}: predicted vs measured by {result.runtime}")
    click.echo(f"  {'figure':<{width}}  {'predicted':>12}  {'measured':>12}  result")
    for label, pred, meas, ok in result.rows:
        click.echo(f"  {label:<{width}}  {pred:>12,}  {meas:>12,}  {'ok' if ok else 'DIFFERS'}")
    click.echo("agree" if result.agree else "DISAGREE")
    sys.exit(0 if result.agree else 1)


@main.command()
@_model_argument
@_board_option
@_required_output("Where to write the optimized .tflite model.")
@click.option("--no-reorder", is_flag=True, help="Keep the operators in their order.")
@click.option("--no-share", is_flag=True, help="Give every tensor its own buffer.")
@handle_errors
def optimize(
    model: Path,
    board_name: str | None,
    board_file: Path | None,
    output: Path,
    no_reorder: bool,
    no_share: bool,
) -> None:
    """Write MODEL with a smaller memory plan than TFLM's own, that stock TFLM uses.

    The plan goes into the model as OfflineMemoryAllocation metadata, with the operators in
    the order that needs the least memory. The board (default host) sets the kernel scratch
    buffers TFLM plans around the plan. Prints TFLM's head against the optimized one.

    Example: planner optimize ../shared/models/vww_96_int8.tflite -o vww_optimized.tflite
    """
    from planner.api import load as load_model
    from planner.offline_plan.optimize import format_result, write_optimized
    from planner.offline_plan.optimize import optimize as run_optimize
    from planner.targets.target import target_for

    board = _pick_board(board_name, board_file, default="host")
    graph = load_model(model)
    result = run_optimize(graph, target_for(board), reorder=not no_reorder, share=not no_share)
    data = write_optimized(graph, model.read_bytes(), result)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise PlannerError(f"{output}: cannot write: {exc.strerror or exc}") from exc
    click.echo(format_result(result))
    click.echo(f"wrote {output}", err=True)


#: True in a process that runs one command and ends (:func:`run`), not when tests call main.
_ONE_COMMAND_PROCESS = False
#: What a one-command process keeps until it ends; the list holds itself (see :func:`run`).
_KEPT_TO_EXIT: list[object] = []


def run() -> None:
    """The ``planner`` command (the console script and ``python -m planner``, through
    :mod:`planner.__main__`, and ``python -m planner.cli``): :func:`main` in a process that
    ends with it. A process that planned a 10,000-operator model holds a million objects,
    none of them in reference cycles, and only needs them until it exits:

    - the modules are imported with the cyclic collector off and then frozen: no collection
      scans their classes and functions (2% of a small model's `planner fit`);
    - the commands that check one model (`fit`, `report`) run with the cyclic collector
      off: each collection after the graph is built would scan all of it again (0.2 s);
    - the check is kept to the end, in a list that holds itself, and the heap is frozen
      before the interpreter exits: the collection Python runs at exit skips frozen objects
      (half a second), and the list, a frozen cycle, is not torn down object by object
      when the modules are cleared (another 0.15 s). The OS frees the memory at once.

    Tests call :func:`main` (click's runner), which leaves the collector and the objects
    alone."""
    global _ONE_COMMAND_PROCESS
    _ONE_COMMAND_PROCESS = True
    _KEPT_TO_EXIT.append(_KEPT_TO_EXIT)
    # The modules imported so far live until the exit: out of every collection's way. The
    # entry points import them with the collector off; it is on again for the command.
    gc.freeze()
    gc.enable()
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
