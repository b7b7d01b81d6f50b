"""The narrow adapter between a clip's ``summary.json`` and the batch tables: tidy rows,
one per measure, direction, side and statistic.

The rows come from the clinical ``results`` of :mod:`rom.metrics.results` when that module
is present; until then from the summary's per-angle ROM block (each angle column a
measure). Only this module knows which, so the tables and their tests do not change when
the source does.
"""

from __future__ import annotations

import math
from typing import Any

#: The columns of a tidy row, in order.
ROW_COLUMNS = ("measure", "direction", "side", "statistic", "value", "unit")

#: Statistics taken from each direction of the interim ROM block.
_INTERIM_STATS = {
    "peak_deg": "deg",
    "excursion_deg": "deg",
    "n_reps": "count",
    "rep_mean_deg": "deg",
    "rep_sd_deg": "deg",
}


def _side(column: str) -> str:
    for side in ("left", "right"):
        if f"_{side}_" in column or column.endswith(f"_{side}"):
            return side
    return ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def tidy_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Tidy rows (dicts with :data:`ROW_COLUMNS`) of one clip's summary; ``value`` is None
    where a statistic could not be measured (never a made-up number)."""
    import importlib

    try:  # issue 8's clinical results, when merged
        results: Any = importlib.import_module("rom.metrics.results")
    except ImportError:
        results = None
    if results is not None and hasattr(results, "tidy_rows") and "results" in summary:
        return [dict(r) for r in results.tidy_rows(summary["results"])]
    rows: list[dict[str, Any]] = []
    for column, entry in (summary.get("rom") or {}).items():
        side = _side(column)
        measure = column.replace(f"_{side}_", "_") if side else column
        for direction in (entry.get("directions") or {}).values():
            for stat, unit in _INTERIM_STATS.items():
                rows.append(
                    {
                        "measure": measure,
                        "direction": direction.get("label") or "",
                        "side": side,
                        "statistic": stat,
                        "value": _number(direction.get(stat)),
                        "unit": unit,
                    }
                )
    return rows
