"""How fast is the planner? Against the TFLM runtime, at any model size, and as a command.

Run on demand (not a test; it takes a few minutes)::

    python benchmarks/bench_speed.py                      # everything, 7 repeats
    python benchmarks/bench_speed.py --repeats 3 --sizes 1000   # quicker
    python benchmarks/bench_speed.py --markdown benchmarks/RESULTS.md

Every figure is the minimum / median wall time over the repeats (``time.perf_counter``),
measured in one run on the same model files. A quick call is repeated within a repeat until
it has run for 50 ms, and the mean kept (as ``timeit`` does); the planner and the runtime
take turns, repeat by repeat, so that both meet the same load from other processes:

planner, plan
    ``analyse(graph)`` + ``predict_arena(graph)`` (host target: the pip runtime's) on a graph
    already loaded: per-layer analysis, lifetimes and scratch buffers, TFLM's greedy plan,
    the persistent tail and the smallest arena. Parsing excluded.
planner, load + plan
    ``load_model(path)`` + the above: reading and parsing the file included.
runtime
    ``tflite_micro.python.tflite_micro.runtime.Interpreter.from_file(path, arena_size=64 MiB)``
    (TFLM's own parse, kernel Init/Prepare, memory planning and allocation), timed around
    that call only, in a warm worker process: the runtime's import is excluded. The worker
    runs between the planner's measurements of the same model, never at the same time.
ratio
    planner median / runtime median; the planner should never be slower (ratio <= 1).
CLI, cold
    ``python -m planner.cli fit ../shared/models/person_detect.tflite --board stm32f746`` as a
    whole new process (interpreter start, imports, catalog, load, plan, render), compiling
    the planner's source (a copy without bytecode) and with its bytecode already compiled (as
    a pip install leaves it). Also which heavy modules that process imports (``-X importtime``).
whole process, against the runtime's whole process
    ``python -m planner.cli fit MODEL --board host -f json`` against
    ``python -c "from tflite_micro...runtime import Interpreter; Interpreter.from_file(MODEL,
    arena_size=64 MiB)"``, each a new process (interpreter start, imports, load, plan or
    allocate), taking turns, on every corpus model (../shared/models), every bundled model
    (models/*.tflite) and the 10,000-operator synthetic models. The planner with its bytecode
    compiled, as a pip install leaves it (the runtime's is: it is pip-installed); also as this
    environment runs it, PYTHONDONTWRITEBYTECODE=1 (the planner's source, copied without
    bytecode, compiled in every process). Target: planner median <= 0.7 x runtime median.
    Beside them, the floor under any loader built on the generated schema classes: a process
    that only imports the schema as the planner loads it and reads the fields planning needs
    through its accessors (``ACCESSORS_SCRIPT``), as a ratio to the runtime too. A model
    under 1,000 tensors (a fifth of a second a process) takes three times as many turns (at
    least 15): with five, the ratio of one run moves by 0.1 from run to run on a shared 2-CPU
    machine.
tensors
    A 10-operator chain plus 1,000 / 10,000 / 100,000 activation tensors no operator reaches
    (``synthetic.build(..., unused=n)``): TFLM still plans every one, all alive at once.
    ``api.fit(path, "host")`` in process (load, analyse, predict, check); the cost per tensor
    must stay flat (x1.5 at most from the smallest to the largest) and the 100,000-tensor model
    must be loaded and planned in under 3 s (also timed as a whole ``planner fit`` process).
synthetic
    Models of 1,000 and 10,000 operators from ``benchmarks/synthetic.py`` (chain, residual
    ADD blocks, inception-like CONCATENATION fan-outs), written to a temporary directory.
    Time per operator at each size (from the minimum time); the cost per operator must grow
    no faster than log(n) (n log n in all) from 1,000 to 10,000 operators.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
try:
    import planner  # noqa: F401  (the one on sys.path / PYTHONPATH wins)
except ImportError:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from planner.analysis.layers import analyse  # noqa: E402
from planner.api import fit  # noqa: E402
from planner.model.tflite_reader import load_model  # noqa: E402
from planner.runtimes.tflm.arena import predict_arena  # noqa: E402

SHARED = ROOT.parent / "shared" / "models"
CLI_MODEL = SHARED / "person_detect.tflite"
CLI_BOARD = "stm32f746"
RUNTIME_ARENA = 64 << 20
#: Modules the `planner fit` command must not import (numpy: see planner.model.deferred_numpy).
FORBIDDEN = (
    "tensorflow",
    "matplotlib",
    "jsonschema",
    "tflite_micro",
    "selenium",
    "hypothesis",
    "numpy",
)
#: Whole-process planner fit / whole-process runtime load + allocate, at most.
PROCESS_RATIO = 0.7
#: Below this many tensors a whole process takes a fifth of a second: more turns are taken.
SMALL_PROCESS_TENSORS = 1000
TENSOR_SIZES = (1000, 10000, 100000)
#: Seconds to load and plan the largest tensor model, at most; growth of the cost per tensor.
TENSORS_SECONDS = 3.0
TENSORS_GROWTH = 1.5
RUNTIME_SCRIPT = (
    "import sys\n"
    "from tflite_micro.python.tflite_micro import runtime\n"
    f"runtime.Interpreter.from_file(sys.argv[1], arena_size={RUNTIME_ARENA})\n"
)


#: The floor under the planner's whole process: a process that only reads, through the
#: schema's generated accessors (loaded as the planner loads them), the fields planning
#: needs: each buffer's size, each tensor's name, shape, type, buffer, variable flag and
#: quantization lengths, each operator's opcode, inputs, outputs and options. No checks, no
#: objects kept, no planning.
ACCESSORS_SCRIPT = """\
import sys
from planner.model.schema import tflite_schema
s = tflite_schema()
m = s.Model.GetRootAs(open(sys.argv[1], "rb").read(), 0)
for i in range(m.BuffersLength()):
    b = m.Buffers(i); b.Offset(); b.Size(); b.DataLength()
for k in range(m.SubgraphsLength()):
    g = m.Subgraphs(k)
    big = g.TensorsLength() >= 4096
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        t.Name(); t.Type(); t.Buffer(); t.IsVariable()
        t.ShapeAsNumpy() if big else [t.Shape(j) for j in range(t.ShapeLength())]
        q = t.Quantization()
        if q is not None:
            q.ScaleLength(); q.ZeroPointLength(); q.QuantizedDimension()
    for i in range(g.OperatorsLength()):
        o = g.Operators(i)
        o.OpcodeIndex(); o.BuiltinOptionsType(); o.BuiltinOptions()
        if big:
            o.InputsAsNumpy(); o.OutputsAsNumpy()
        else:
            [o.Inputs(j) for j in range(o.InputsLength())]
            [o.Outputs(j) for j in range(o.OutputsLength())]
"""


def corpus() -> list[Path]:
    return (
        sorted(SHARED.glob("*.tflite"))
        + sorted((ROOT / "models").glob("*.tflite"))
        + sorted((ROOT / "models" / "ops").glob("*.tflite"))
    )


def process_models() -> list[Path]:
    return sorted(SHARED.glob("*.tflite")) + sorted((ROOT / "models").glob("*.tflite"))


def label(path: Path) -> str:
    return f"ops/{path.stem}" if path.parent.name == "ops" else path.stem


# --- timing ----------------------------------------------------------------------------------


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def ms(self) -> str:
        return f"{self.min * 1e3:.2f} / {self.median * 1e3:.2f}"


#: A timed batch lasts at least this long: a quick call is repeated within it and the mean
#: kept (as ``timeit`` does), so that sub-millisecond calls are not timed in cold caches.
BATCH_SECONDS = 0.05


def time_calls(fn: Callable[[], object], k: int) -> float:
    """Mean seconds of ``k`` calls of ``fn()``, each timed around the call only (its result is
    freed outside the timing). The planner's calls include the garbage collection they defer
    (planner._gc): the objects they made are examined once, just after."""
    gc.collect()
    total = 0.0
    for _ in range(k):
        t0 = time.perf_counter()
        result = fn()
        gc.collect(0)
        total += time.perf_counter() - t0
        del result
    return total / k


def batch_size(fn: Callable[[], object]) -> int:
    """How many calls make a batch of ``BATCH_SECONDS`` (after one warm-up call)."""
    fn()
    one = time_calls(fn, 1)
    return max(1, math.ceil(BATCH_SECONDS / max(one, 1e-6)))


def measure(fn: Callable[[], object], repeats: int) -> Timing:
    k = batch_size(fn)
    return Timing([time_calls(fn, k) for _ in range(repeats)])


def plan_only(path: Path) -> Callable[[], object]:
    graph = load_model(path)

    def run() -> object:
        analyse(graph)
        return predict_arena(graph)

    return run


def load_and_plan(path: Path) -> Callable[[], object]:
    def run() -> object:
        graph = load_model(path)
        analyse(graph)
        return predict_arena(graph)

    return run


# --- the runtime, in a warm worker process ---------------------------------------------------


def runtime_worker() -> int:
    """``--runtime-worker``: read {"path", "k"} lines (k 0: find the batch size), answer
    {"time"} (mean seconds of k calls), {"k"} or {"error"}."""
    from tflite_micro.python.tflite_micro import runtime  # imported once, not timed

    for line in sys.stdin:
        request = json.loads(line)
        path, k = request["path"], request["k"]

        def load(path: str = path) -> object:
            return runtime.Interpreter.from_file(path, arena_size=RUNTIME_ARENA)

        try:
            answer: dict[str, Any] = (
                {"k": batch_size(load)} if k == 0 else {"time": time_calls(load, k)}
            )
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        print(json.dumps(answer), flush=True)
    return 0


class Runtime:
    """The TFLM runtime in a worker process, timed between the planner's measurements."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        try:
            import importlib.util

            if importlib.util.find_spec("tflite_micro") is None:
                return
        except ImportError:
            return
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--runtime-worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the runtime's own chatter
            text=True,
            env=_env(),
        )

    def _ask(self, path: Path, k: int) -> dict[str, Any]:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            return {"error": "tflite-micro not installed"}
        self.proc.stdin.write(json.dumps({"path": str(path), "k": k}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            self.__init__()  # type: ignore[misc]  # it died: start another for the rest
            return {"error": "the runtime crashed"}
        answer: dict[str, Any] = json.loads(line)
        return answer

    def batch_size(self, path: Path) -> int | str:
        answer = self._ask(path, 0)
        return int(answer["k"]) if "k" in answer else str(answer["error"])

    def time_calls(self, path: Path, k: int) -> float | str:
        answer = self._ask(path, k)
        return float(answer["time"]) if "time" in answer else str(answer["error"])

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=60)
            self.proc = None


def measure_against_runtime(
    fns: list[Callable[[], object]], path: Path, runtime: Runtime, repeats: int
) -> tuple[list[Timing], Timing | str]:
    """Each of ``fns`` and the runtime on ``path``, in turn, ``repeats`` times."""
    ks = [batch_size(fn) for fn in fns]
    k_runtime = runtime.batch_size(path)
    timings = [Timing() for _ in fns]
    runtime_timing: Timing | str = Timing() if isinstance(k_runtime, int) else k_runtime
    for _ in range(repeats):
        for fn, k, timing in zip(fns, ks, timings, strict=True):
            timing.times.append(time_calls(fn, k))
        if isinstance(runtime_timing, Timing) and isinstance(k_runtime, int):
            t = runtime.time_calls(path, k_runtime)
            if isinstance(t, str):
                runtime_timing = t
            else:
                runtime_timing.times.append(t)
    return timings, runtime_timing


def _env(**extra: str) -> dict[str, str]:
    """The environment for subprocesses: the same planner package as this process."""
    import planner

    env = dict(os.environ)
    package_root = str(Path(planner.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


# --- the command, cold -----------------------------------------------------------------------


def cli_command() -> list[str]:
    return [
        sys.executable,
        "-m",
        "planner.cli",
        "fit",
        str(CLI_MODEL),
        "--board",
        CLI_BOARD,
    ]


def measure_cli(repeats: int, env: dict[str, str]) -> Timing:
    out = Timing()
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(cli_command(), capture_output=True, env=env, check=False)
        out.times.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"planner fit failed: {proc.stderr.decode()}")
    return out


def import_profile(env: dict[str, str]) -> tuple[list[tuple[str, int]], list[str], int]:
    """(heaviest top-level imports in microseconds, forbidden modules imported, total us)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *cli_command()[1:]],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    top: list[tuple[str, int]] = []
    names: set[str] = set()
    total = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue  # the header line
        names.add(name.strip())
        if not name.startswith("  "):  # imported by the command itself, not by a module
            top.append((name.strip(), int(cumulative)))
            total += int(cumulative)
    # numpy's placeholder is made without an import; numpy._core etc. show numpy running.
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    return sorted(top, key=lambda x: -x[1])[:10], bad, total


# --- report ----------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.md: list[str] = []
        self.checks: list[tuple[str, bool]] = []
        #: (plan / runtime, load + plan / runtime) per corpus model.
        self.ratios: list[tuple[float, float]] = []
        self.cli: list[tuple[str, Timing]] = []
        self.cli_python: Timing | None = None
        self.synthetic: list[tuple[Any, ...]] = []
        #: kind -> (plan, load + plan) growth of the cost per operator, smallest to largest.
        self.growth: dict[str, tuple[float, float]] = {}
        self.growth_sizes: tuple[int, int] | None = None
        #: (buffers, TFLM's loop seconds, the planner's seconds).
        self.greedy: list[tuple[int, float, float]] = []
        #: (model, tensors, planner installed, planner as run here, runtime) whole processes.
        self.process: list[tuple[str, int, Timing, Timing, Timing | str, Timing]] = []
        #: (tensors, in-process fit seconds, whole-process seconds or None).
        self.tensors: list[tuple[int, Timing, Timing | None]] = []

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def check(self, what: str, ok: bool) -> None:
        self.checks.append((what, ok))


def fmt_ratio(planner_t: Timing, runtime_t: Timing | str) -> str:
    if isinstance(runtime_t, str):
        return "-"
    return f"{planner_t.median / runtime_t.median:.2f}"


def bench_corpus(report: Report, runtime: Runtime, repeats: int) -> None:
    report.say(f"== Corpus models: min / median ms over {repeats} repeats ==")
    header = (
        f"{'model':<36} {'ops':>4} {'plan':>15} {'load+plan':>15} {'runtime':>15}"
        f" {'ratio':>6} {'ratio(l+p)':>10}"
    )
    report.say(header)
    report.md += [
        "| model | ops | planner: plan (ms) | planner: load + plan (ms) | TFLM runtime: "
        "load + allocate (ms) | ratio plan / runtime | ratio load+plan / runtime |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    worst_lp = 0.0
    for path in corpus():
        n_ops = sum(len(sg.operators) for sg in load_model(path).subgraphs)
        (plan_t, lp_t), rt = measure_against_runtime(
            [plan_only(path), load_and_plan(path)], path, runtime, repeats
        )
        ratio, ratio_lp = fmt_ratio(plan_t, rt), fmt_ratio(lp_t, rt)
        rt_text = rt.ms() if isinstance(rt, Timing) else rt
        report.say(
            f"{label(path):<36} {n_ops:>4} {plan_t.ms():>15} {lp_t.ms():>15} {rt_text:>15}"
            f" {ratio:>6} {ratio_lp:>10}"
        )
        report.md.append(
            f"| {label(path)} | {n_ops} | {plan_t.ms()} | {lp_t.ms()} | {rt_text} | {ratio} "
            f"| {ratio_lp} |"
        )
        if isinstance(rt, Timing):
            report.ratios.append((plan_t.median / rt.median, lp_t.median / rt.median))
            worst = max(worst, plan_t.median / rt.median)
            worst_lp = max(worst_lp, lp_t.median / rt.median)
            report.check(
                f"{label(path)}: planner analysis + plan <= runtime load + allocate "
                f"(ratio {ratio}; with parsing {ratio_lp})",
                plan_t.median <= rt.median,
            )
        else:
            report.check(f"{label(path)}: runtime measured ({rt})", False)
    report.say(f"largest ratio: plan {worst:.2f}, load + plan {worst_lp:.2f}")
    report.say(
        "(load + plan includes parsing the flatbuffer with the schema's generated accessors, "
        "which costs microseconds per field; the target is analysis + plan)"
    )
    report.say()


def bench_cli(report: Report, repeats: int) -> None:
    report.say(f"== `planner fit {CLI_MODEL.name} --board {CLI_BOARD}`, a new process each time ==")
    with (
        tempfile.TemporaryDirectory(prefix="planner-pyc-") as pyc,
        tempfile.TemporaryDirectory(prefix="planner-source-") as copy,
    ):
        as_is = source_env(copy)
        compiled = compiled_env(pyc)
        subprocess.run(cli_command(), capture_output=True, env=compiled, check=False)  # compile
        rows = []
        for what, env in (
            ("compiling the planner's source in every process", as_is),
            ("with the planner's bytecode compiled (as installed)", compiled),
        ):
            t = measure_cli(repeats, env)
            rows.append((what, t))
            report.say(f"{what:<58} {t.min:.3f} / {t.median:.3f} s")
        top, bad, total = import_profile(as_is)
    python_only = Timing()
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=False)
        python_only.times.append(time.perf_counter() - t0)
    report.say(
        f"{'(python -c pass, for scale)':<58} {python_only.min:.3f} / {python_only.median:.3f} s"
    )
    report.say(f"imports (-X importtime, cumulative): {total / 1e3:.0f} ms; heaviest:")
    for name, us in top:
        report.say(f"    {name:<40} {us / 1e3:7.1f} ms")
    none = f"none of {', '.join(FORBIDDEN)}"
    report.say("forbidden modules imported: " + (", ".join(bad) if bad else none))
    report.say()
    for what, t in rows:
        report.check(
            f"planner fit as a whole process under 0.5 s, {what} (median {t.median:.3f} s)",
            t.median < 0.5,
        )
    report.check("the CLI path imports (runs) no " + "/".join(FORBIDDEN), not bad)
    report.cli = rows
    report.cli_python = python_only


def bench_synthetic(
    report: Report, runtime: Runtime, sizes: list[int], repeats: int, directory: Path
) -> None:
    report.say(f"== Synthetic models ({directory}) ==")
    t0 = time.perf_counter()
    paths = synthetic.write_models(directory, sizes)
    report.say(f"(generated in {time.perf_counter() - t0:.1f} s)")
    report.say(
        f"{'model':<18} {'ops':>6} {'load (s)':>15} {'plan (s)':>15} {'load+plan (s)':>15}"
        f" {'us/op plan':>10} {'us/op l+p':>10} {'runtime (s)':>15} {'ratio':>6}"
    )
    per_op: dict[tuple[str, int], tuple[float, float]] = {}
    rows = []
    for (kind, n), path in paths.items():
        reps = repeats if n <= 1000 else max(3, repeats // 2)
        (load_t, plan_t, lp_t), rt = measure_against_runtime(
            [lambda p=path: load_model(p), plan_only(path), load_and_plan(path)],
            path,
            runtime,
            reps,
        )
        # Per operator from the minimum: the figure least disturbed by other processes.
        us_plan = plan_t.min / n * 1e6
        us_lp = lp_t.min / n * 1e6
        per_op[(kind, n)] = (us_plan, us_lp)
        rt_text = f"{rt.min:.3f} / {rt.median:.3f}" if isinstance(rt, Timing) else rt
        ratio = fmt_ratio(plan_t, rt)
        s = lambda t: f"{t.min:.3f} / {t.median:.3f}"  # noqa: E731
        report.say(
            f"{kind:<18} {n:>6} {s(load_t):>15} {s(plan_t):>15} {s(lp_t):>15}"
            f" {us_plan:>10.1f} {us_lp:>10.1f} {rt_text:>15} {ratio:>6}"
        )
        rows.append((kind, n, load_t, plan_t, lp_t, us_plan, us_lp, rt_text, ratio, rt))
        if n >= 10000:
            report.check(
                f"{kind} {n} ops: analysed and planned in under 2 s "
                f"(plan {plan_t.median:.2f} s, load + plan {lp_t.median:.2f} s)",
                lp_t.median < 2.0,
            )
    lo, hi = min(sizes), max(sizes)
    if lo != hi:
        bound = math.log(hi) / math.log(lo)
        report.say(f"cost per op (minimum times), {hi} vs {lo} ops (n log n allows x{bound:.2f}):")
        for kind in synthetic.KINDS:
            a, b = per_op[(kind, lo)], per_op[(kind, hi)]
            g_plan, g_lp = b[0] / a[0], b[1] / a[1]
            report.say(f"    {kind:<10} plan x{g_plan:.2f}   load + plan x{g_lp:.2f}")
            report.growth[kind] = (g_plan, g_lp)
            report.growth_sizes = (lo, hi)
            report.check(
                f"{kind}: cost per op grows at most n log n from {lo} to {hi} ops "
                f"(plan x{g_plan:.2f}, load + plan x{g_lp:.2f}; bound x{bound:.2f})",
                max(g_plan, g_lp) <= bound,
            )
    report.say()
    report.synthetic = rows


def bench_greedy(report: Report, directory: Path, sizes: list[int]) -> None:
    from planner.runtimes.tflm.allocation_info import tflm_buffers
    from planner.runtimes.tflm.memory_planner import greedy

    reference = getattr(greedy, "plan_greedy_reference", None)
    if reference is None:
        return
    report.say("== TFLM's greedy planner alone: TFLM's O(n^2) loop vs the planner's ==")
    for n in sizes:
        path = directory / f"chain_{n}.tflite"
        buffers = tflm_buffers(load_model(path))
        fast = measure(lambda b=buffers: greedy.plan_greedy(b), 3)
        slow = Timing([time_calls(lambda b=buffers: reference(b), 1)])
        same = greedy.plan_greedy(buffers) == reference(buffers)
        report.greedy.append((len(buffers), slow.median, fast.median))
        report.say(
            f"chain_{n}: {len(buffers)} buffers: TFLM's loop {slow.median * 1e3:.1f} ms, "
            f"planner's {fast.median * 1e3:.1f} ms, same offsets: {same}"
        )
        report.check(f"chain_{n}: fast greedy gives TFLM's offsets", same)
    report.say()


# --- whole processes -------------------------------------------------------------------------


def run_process(command: list[str], env: dict[str, str]) -> float | str:
    """Wall seconds of one new process, or its error."""
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        return f"exit {proc.returncode}: {tail[0] if tail else ''}"
    return elapsed


def planner_fit_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "planner.cli", "fit", str(path), "--board", "host", "-f", "json"]


def compiled_env(pyc: str) -> dict[str, str]:
    """The planner's bytecode written once and reused, as a pip install leaves it."""
    env = _env(PYTHONPYCACHEPREFIX=pyc)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def source_env(directory: str) -> dict[str, str]:
    """The planner's source copied to ``directory`` without bytecode and run with
    PYTHONDONTWRITEBYTECODE=1: every process compiles all of the planner's modules. (Run in
    place, a checkout's ``__pycache__`` may hold bytecode for some of them, which Python
    reads although it writes none.)"""
    import shutil

    import planner

    root = Path(planner.__file__).resolve().parent.parent
    for name in ("planner", "boards"):
        shutil.copytree(
            root / name, Path(directory) / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    env = _env(PYTHONDONTWRITEBYTECODE="1", PYTHONSAFEPATH="1")  # not the checkout in cwd
    env["PYTHONPATH"] = os.pathsep.join(p for p in (directory, env["PYTHONPATH"]) if p)
    return env


def measure_processes(
    path: Path, repeats: int, installed: dict[str, str], source: dict[str, str]
) -> tuple[Timing, ...]:
    """(planner installed, planner compiling its source, runtime, the generated accessors
    alone), taking turns ``repeats`` times."""
    commands = [
        (planner_fit_command(path), installed),
        (planner_fit_command(path), source),
        ([sys.executable, "-c", RUNTIME_SCRIPT, str(path)], _env()),
        ([sys.executable, "-c", ACCESSORS_SCRIPT, str(path)], installed),
    ]
    for command, env in commands[:2]:
        run_process(command, env)  # warm the file cache (and write the bytecode)
    timings = [Timing() for _ in commands]
    errors: list[str] = []
    for _ in range(repeats):
        for (command, env), timing in zip(commands, timings, strict=True):
            t = run_process(command, env)
            if isinstance(t, str):
                errors.append(t)
            else:
                timing.times.append(t)
    if errors or not all(t.times for t in timings):
        raise RuntimeError(f"{path.name}: {errors[0] if errors else 'no timing'}")
    return tuple(timings)


def bench_process(report: Report, repeats: int, extra: list[Path]) -> None:
    report.say(
        f"== Whole processes: `planner fit M --board host -f json` vs the runtime's load + "
        f"allocate, median of {repeats} turns ({max(3 * repeats, 15)} under "
        f"{SMALL_PROCESS_TENSORS:,} tensors; target <= {PROCESS_RATIO}) =="
    )
    report.say(
        f"{'model':<36} {'tensors':>7} {'planner (s)':>12} {'as run here':>12}"
        f" {'runtime (s)':>12} {'ratio':>6} {'here':>6} {'accessors (s)':>13} {'ratio':>6}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="planner-pyc-") as pyc,
        tempfile.TemporaryDirectory(prefix="planner-source-") as copy,
    ):
        installed, source = compiled_env(pyc), source_env(copy)
        for path in [*process_models(), *extra]:
            tensors = sum(len(sg.tensors) for sg in load_model(path).subgraphs)
            turns = max(3 * repeats, 15) if tensors < SMALL_PROCESS_TENSORS else repeats
            try:
                planner_t, here_t, runtime_t, floor_t = measure_processes(
                    path, turns, installed, source
                )
            except RuntimeError as exc:
                report.check(f"{label(path)}: whole processes measured ({exc})", False)
                continue
            ratio = planner_t.median / runtime_t.median
            here = here_t.median / runtime_t.median
            floor = floor_t.median / runtime_t.median
            report.say(
                f"{label(path):<36} {tensors:>7} {planner_t.median:>12.3f} {here_t.median:>12.3f}"
                f" {runtime_t.median:>12.3f} {ratio:>6.2f} {here:>6.2f}"
                f" {floor_t.median:>13.3f} {floor:>6.2f}"
            )
            report.process.append((label(path), tensors, planner_t, here_t, runtime_t, floor_t))
            report.check(
                f"{label(path)}: whole-process planner fit <= {PROCESS_RATIO} x the runtime's "
                f"(ratio {ratio:.2f}; {here:.2f} compiling the planner's source)",
                ratio <= PROCESS_RATIO,
            )
    report.say()


# --- tensor count ------------------------------------------------------------------------------


def bench_tensors(report: Report, directory: Path, repeats: int) -> None:
    report.say(
        "== A 10-operator chain plus n tensors no operator reaches (all planned, all alive "
        "at once): api.fit in process =="
    )
    report.say(f"{'tensors':>8} {'fit (s)':>15} {'us/tensor':>10} {'whole process (s)':>18}")
    per_tensor: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory(prefix="planner-pyc-") as pyc:
        installed = compiled_env(pyc)
        for n in TENSOR_SIZES:
            path = directory / f"unused_{n}.tflite"
            if not path.exists():
                path.write_bytes(synthetic.build("chain", 10, unused=n))
            tensors = sum(len(sg.tensors) for sg in load_model(path).subgraphs)
            reps = repeats if n <= 10000 else 3
            timing = Timing([time_calls(lambda p=path: fit(p, "host"), 1) for _ in range(reps)])
            whole = None
            if n == max(TENSOR_SIZES):
                run_process(planner_fit_command(path), installed)  # bytecode, file cache
                times = [run_process(planner_fit_command(path), installed) for _ in range(3)]
                whole = Timing([t for t in times if isinstance(t, float)]) or None
            us = timing.min / tensors * 1e6
            per_tensor.append((tensors, us))
            report.tensors.append((tensors, timing, whole))
            whole_text = f"{whole.min:.3f} / {whole.median:.3f}" if whole else "-"
            report.say(f"{tensors:>8} {timing.ms():>15} {us:>10.1f} {whole_text:>18}")
            if whole is not None:
                report.check(
                    f"{tensors:,} tensors loaded and planned in under {TENSORS_SECONDS:.0f} s "
                    f"(in process {timing.median:.2f} s; whole process {whole.median:.2f} s)",
                    timing.median < TENSORS_SECONDS,
                )
    growth = per_tensor[-1][1] / per_tensor[0][1]
    report.say(f"cost per tensor, {per_tensor[-1][0]:,} vs {per_tensor[0][0]:,}: x{growth:.2f}")
    report.check(
        f"cost per tensor flat from {per_tensor[0][0]:,} to {per_tensor[-1][0]:,} tensors "
        f"(x{growth:.2f}; at most x{TENSORS_GROWTH})",
        growth <= TENSORS_GROWTH,
    )
    report.say()


def summary_table(report: Report) -> list[str]:
    """The short table for the README: each target and what this run measured."""
    rows = []
    if report.process:
        timed = [p for p in report.process if isinstance(p[4], Timing)]
        ratios = [p[2].median / p[4].median for p in timed]
        here = [p[3].median / p[4].median for p in timed]
        floors = [p[5].median / p[4].median for p in timed]
        rows.append(
            f"| Whole-process `planner fit --board host -f json` vs the TFLM runtime's "
            f"whole-process load + allocate, {len(ratios)} models (corpus, bundled, "
            f"10,000-operator synthetic) | ratio {min(ratios):.2f}–{max(ratios):.2f} "
            f"(median {statistics.median(ratios):.2f}); {min(here):.2f}–{max(here):.2f} "
            f"compiling the planner's source in every process; a process that only reads the "
            f"fields planning needs through the generated accessors: "
            f"{min(floors):.2f}–{max(floors):.2f} | ≤ {PROCESS_RATIO} on every model |"
        )
    if report.tensors:
        (n0, t0, _), *_, (n1, t1, whole) = report.tensors
        us0, us1 = t0.min / n0 * 1e6, t1.min / n1 * 1e6
        whole_text = f"; {whole.median:.2f} s as a whole `planner fit` process" if whole else ""
        rows.append(
            f"| {n1:,} tensors (a 10-operator chain + tensors no operator reaches): "
            f"load + analyse + plan + check | {t1.median:.2f} s{whole_text} "
            f"| < {TENSORS_SECONDS:.0f} s |"
        )
        rows.append(
            f"| Cost per tensor, {n0:,} → {n1:,} tensors | {us0:.1f} → {us1:.1f} µs "
            f"(x{us1 / us0:.2f}) | flat (≤ x{TENSORS_GROWTH}) |"
        )
    if report.ratios:
        plan = [r[0] for r in report.ratios]
        lp = [r[1] for r in report.ratios]
        rows.append(
            f"| Analysis + TFLM-exact plan vs the TFLM runtime's load + allocate, "
            f"{len(plan)} corpus models | ratio {min(plan):.2f}–{max(plan):.2f} "
            f"(median {statistics.median(plan):.2f}); with parsing {min(lp):.2f}–{max(lp):.2f} "
            f"| ≤ 1.0 on every model |"
        )
    if report.cli:
        (_, t0), *rest = report.cli
        extra = "".join(f"; {t.median:.2f} s {what}" for what, t in rest)
        rows.append(
            f"| `planner fit person_detect.tflite --board {CLI_BOARD}`, cold process "
            f"| {t0.median:.2f} s median{extra} | < 0.5 s |"
        )
    big = [r for r in report.synthetic if r[1] == max(r[1] for r in report.synthetic)]
    if big and big[0][1] >= 10000:
        plan_times = [r[3].median for r in big]
        lp_times = [r[4].median for r in big]
        runtime = [r[9].median for r in big if isinstance(r[9], Timing)]
        rt_text = f"; the TFLM runtime: {min(runtime):.1f}–{max(runtime):.1f} s" if runtime else ""
        rows.append(
            f"| {big[0][1]:,}-operator models ({', '.join(r[0] for r in big)}): analyse + "
            f"plan, and load + analyse + plan | {min(plan_times):.2f}–{max(plan_times):.2f} s; "
            f"{min(lp_times):.2f}–{max(lp_times):.2f} s{rt_text} | < 2 s |"
        )
    if report.growth and report.growth_sizes:
        lo, hi = report.growth_sizes
        per_op = {(r[0], r[1]): (r[5], r[6]) for r in report.synthetic}
        rows.append(
            f"| Cost per operator (load + analyse + plan), {lo:,} → {hi:,} operators | "
            + ", ".join(
                f"{kind} {per_op[(kind, lo)][1]:.0f} → {per_op[(kind, hi)][1]:.0f} µs "
                f"(x{g[1]:.2f}; analyse + plan alone x{g[0]:.2f})"
                for kind, g in report.growth.items()
            )
            + f" | ≤ x{math.log(hi) / math.log(lo):.2f} (n log n) |"
        )
    for n, slow, fast in report.greedy[-1:]:
        rows.append(
            f"| TFLM's greedy memory planner alone, {n:,} buffers | {fast * 1e3:.0f} ms, same "
            f"offsets as TFLM's O(n²) loop ({slow * 1e3:.0f} ms) | — |"
        )
    if not rows:
        return []
    return [
        "## Summary",
        "",
        "| | measured | target |",
        "|---|---|---|",
        *rows,
        "",
    ]


def write_markdown(report: Report, path: Path, args: argparse.Namespace) -> None:
    import planner

    lines = [
        "# Planner speed",
        "",
        f"One run of `python benchmarks/bench_speed.py --repeats {args.repeats}` "
        f"({time.strftime('%Y-%m-%d')}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"planner {planner.__version__}). Times are minimum / median over the repeats.",
        "",
        "- **plan**: `analyse(graph)` + `predict_arena(graph)` on a loaded graph (per-layer "
        "analysis, lifetimes, scratch, TFLM's greedy plan, tail, smallest arena); "
        "**load + plan** adds `load_model(path)` (parsing included).",
        "- **TFLM runtime**: `Interpreter.from_file(path, arena_size=64 MiB)` of the "
        "`tflite-micro` package, timed around the call in a warm process (import excluded).",
        "",
        *summary_table(report),
        "## Corpus",
        "",
        *report.md,
        "",
    ]
    if report.process:
        lines += [
            "## Whole processes: `planner fit M --board host -f json` vs the TFLM runtime",
            "",
            "Median / minimum seconds of a new process. *planner*: its bytecode compiled, as "
            "a pip install leaves it (the runtime's is); *as run here*: compiling its source "
            "in every process (a copy without bytecode, PYTHONDONTWRITEBYTECODE=1). "
            "*runtime*: `python -c` importing the tflite-micro runtime and calling "
            "`Interpreter.from_file(M, arena_size=64 MiB)`. *accessors alone*: a process "
            "that imports the schema and reads, through its generated accessors, only the "
            "fields planning needs (`ACCESSORS_SCRIPT` in bench_speed.py): the floor under "
            "any loader built on them. The processes take "
            f"turns, {args.repeats} times each ({max(3 * args.repeats, 15)} for a model under "
            f"{SMALL_PROCESS_TENSORS:,} tensors).",
            "",
            "| model | tensors | planner (s) | as run here (s) | TFLM runtime (s) | ratio "
            "| ratio as run here | accessors alone (s) | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, tensors, p, h, r, f in report.process:
            if isinstance(r, Timing):
                lines.append(
                    f"| {name} | {tensors:,} | {p.median:.3f} / {p.min:.3f} | {h.median:.3f} / "
                    f"{h.min:.3f} | {r.median:.3f} / {r.min:.3f} | {p.median / r.median:.2f} "
                    f"| {h.median / r.median:.2f} | {f.median:.3f} / {f.min:.3f} "
                    f"| {f.median / r.median:.2f} |"
                )
        lines.append("")
    if report.tensors:
        lines += [
            "## Tensor count: a 10-operator chain plus tensors no operator reaches",
            "",
            "| tensors | `api.fit` in process (s, min / median) | µs per tensor (min) "
            "| whole `planner fit` process (s, min / median) |",
            "|---:|---:|---:|---:|",
        ]
        for n, t, whole in report.tensors:
            whole_text = f"{whole.min:.3f} / {whole.median:.3f}" if whole else "–"
            lines.append(
                f"| {n:,} | {t.min:.3f} / {t.median:.3f} | {t.min / n * 1e6:.1f} | {whole_text} |"
            )
        lines.append("")
    if report.cli and report.cli_python is not None:
        py = report.cli_python
        lines += [
            f"## `planner fit {CLI_MODEL.name} --board {CLI_BOARD}`, cold process",
            "",
            "| how | min (s) | median (s) |",
            "|---|---:|---:|",
            *(f"| {what} | {t.min:.3f} | {t.median:.3f} |" for what, t in report.cli),
            f"| `python -c pass`, for scale | {py.min:.3f} | {py.median:.3f} |",
            "",
        ]
    if report.synthetic:
        lines += [
            "## Synthetic models (benchmarks/synthetic.py)",
            "",
            "| model | ops | load (s) | plan (s) | load + plan (s) | µs/op plan (min) "
            "| µs/op load + plan (min) | TFLM runtime (s) | ratio plan / runtime |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, n, load_t, plan_t, lp_t, us_plan, us_lp, rt_text, ratio, _ in report.synthetic:
            lines.append(
                f"| {kind} | {n:,} | {load_t.min:.3f} / {load_t.median:.3f} | "
                f"{plan_t.min:.3f} / {plan_t.median:.3f} | {lp_t.min:.3f} / {lp_t.median:.3f} | "
                f"{us_plan:.1f} | {us_lp:.1f} | {rt_text} | {ratio} |"
            )
        lines.append("")
    lines += ["## Checks", ""]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {what}" for what, ok in report.checks]
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--models-dir", type=Path, help="Keep the synthetic models here.")
    parser.add_argument("--markdown", type=Path, help="Also write the results as Markdown.")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=("corpus", "cli", "process", "tensors", "synthetic"),
    )
    parser.add_argument("--runtime-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runtime_worker:
        return runtime_worker()

    import planner

    report = Report()
    report.say(
        f"planner {planner.__version__} from {Path(planner.__file__).parent}; "
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs"
    )
    report.say()
    runtime = Runtime()
    tmp = None
    try:
        if "corpus" not in args.skip:
            bench_corpus(report, runtime, args.repeats)
        if "cli" not in args.skip:
            bench_cli(report, max(args.repeats, 11))
        if args.models_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="planner-synthetic-")
            directory = Path(tmp.name)
        else:
            directory = args.models_dir
        if "process" not in args.skip:
            biggest = max(args.sizes)
            extra = synthetic.write_models(directory, [biggest]).values()
            bench_process(report, args.repeats, sorted(extra))
        if "tensors" not in args.skip:
            bench_tensors(report, directory, args.repeats)
        if "synthetic" not in args.skip:
            bench_synthetic(report, runtime, sorted(args.sizes), args.repeats, directory)
            bench_greedy(report, directory, sorted(args.sizes))
    finally:
        runtime.close()
        if tmp is not None:
            tmp.cleanup()
    report.say("== Checks ==")
    for what, ok in report.checks:
        report.say(f"{'PASS' if ok else 'FAIL'}  {what}")
    if args.markdown:
        write_markdown(report, args.markdown, args)
        report.say(f"wrote {args.markdown}")
    return 0 if all(ok for _, ok in report.checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
