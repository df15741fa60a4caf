"""CSV: one row per layer, for spreadsheets and pandas.

The columns are the per-layer keys of the JSON document (:func:`planner.report.document
.to_document`), flattened, under the same snake_case names; they are renamed or removed only
with a change of the document's ``schema_version``, and new columns are added at the end.

Cell encodings (all figures are exact integers, never rounded):

* shapes: dimensions joined with ``x`` (``1x144x144x3``), several tensors joined with ``;``,
  a rank-0 tensor written ``scalar``, no tensor at all an empty cell;
* ``live_tensors``, ``output_tensors``, ``output_dtypes``: ``;``-separated lists;
* ``output_names``: a JSON array of strings (TFLite tensor names often contain ``;``);
* ``output_arena_offsets``: the arena offset of each output, ``;``-separated, ``-`` for an
  output TFLM does not plan (read with :func:`parse_list`);
* booleans: ``true`` / ``false`` (pandas reads them as bool);
* ``why_not_fit``: when the model fails only because of TFLM's plan layout, the explanation
  (the document's ``plan_layout.explanation``) on every row, else empty.

``planner report -f csv --arena-map`` writes the arena map instead: one row per planned buffer
(:data:`planner.report.arena_map.MAP_COLUMNS`, the keys of the document's ``arena_map``).

``pandas.read_csv("report.csv")`` gives one row per layer with integer byte columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from planner.check import FitCheck
from planner.report.document import to_document
from planner.report.rows import csv_table

LIST_SEPARATOR = ";"


def format_shape(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def format_shapes(shapes: Sequence[Sequence[int]]) -> str:
    return LIST_SEPARATOR.join(format_shape(s) for s in shapes)


def parse_shapes(cell: str) -> list[list[int]]:
    """Inverse of :func:`format_shapes`."""
    if cell == "":
        return []
    return [
        [] if part == "scalar" else [int(d) for d in part.split("x")]
        for part in cell.split(LIST_SEPARATOR)
    ]


def parse_list(cell: str) -> list[str]:
    return [] if cell == "" else cell.split(LIST_SEPARATOR)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _offsets(outputs: list[dict[str, Any]]) -> str:
    return LIST_SEPARATOR.join(
        "-" if o["arena_offset"] is None else str(o["arena_offset"]) for o in outputs
    )


#: Column name -> how to get its cell from one layer of the document (and the document).
COLUMNS: dict[str, Callable[[dict[str, Any], dict[str, Any]], str | int]] = {
    "index": lambda layer, _: layer["index"],
    "subgraph": lambda layer, _: layer["subgraph"],
    "op": lambda layer, _: layer["op"],
    "input_shapes": lambda layer, _: format_shapes(layer["input_shapes"]),
    "output_shapes": lambda layer, _: format_shapes(layer["output_shapes"]),
    "input_bytes": lambda layer, _: layer["input_bytes"],
    "output_bytes": lambda layer, _: layer["output_bytes"],
    "io_bytes": lambda layer, _: layer["io_bytes"],
    "live_bytes": lambda layer, _: layer["live_bytes"],
    "scratch_bytes": lambda layer, _: layer["scratch_bytes"],
    "step_sram_bytes": lambda layer, _: layer["step_sram_bytes"],
    "weight_bytes": lambda layer, _: layer["weight_bytes"],
    "params": lambda layer, _: layer["params"],
    "macs": lambda layer, _: layer["macs"],
    "output_arena_offsets": lambda layer, _: _offsets(layer["outputs"]),
    "io_overflows": lambda layer, _: _bool(layer["io_overflows"]),
    "live_overflows": lambda layer, _: _bool(layer["live_overflows"]),
    "overflows": lambda layer, _: _bool(layer["overflows"]),
    "live_tensors": lambda layer, _: LIST_SEPARATOR.join(str(t) for t in layer["live_tensors"]),
    "output_tensors": lambda layer, _: LIST_SEPARATOR.join(
        str(o["tensor"]) for o in layer["outputs"]
    ),
    "output_names": lambda layer, _: json.dumps([o["name"] for o in layer["outputs"]]),
    "output_dtypes": lambda layer, _: LIST_SEPARATOR.join(o["dtype"] for o in layer["outputs"]),
    "model": lambda _, doc: doc["model"]["path"],
    "board": lambda _, doc: doc["board"],
    "memory_exact": lambda layer, _: _bool(layer["memory_exact"]),
    "arena_exact": lambda _, doc: _bool(doc["exact"]),
    "latency_us_estimate": lambda layer, _: (
        "" if layer["latency_us_estimate"] is None else layer["latency_us_estimate"]
    ),
    "planner": lambda _, doc: doc["arena"]["planner"],
    "why_not_fit": lambda _, doc: (doc["plan_layout"] or {}).get("explanation", ""),
}


def document_to_csv(doc: dict[str, Any]) -> str:
    """The layers of a JSON document as CSV text (header row first, ``\\n`` line ends)."""
    return csv_table(
        COLUMNS, ([get(layer, doc) for get in COLUMNS.values()] for layer in doc["layers"])
    )


def render_csv(check: FitCheck) -> str:
    """`planner fit|report --format csv`: one row per layer."""
    return document_to_csv(to_document(check))
