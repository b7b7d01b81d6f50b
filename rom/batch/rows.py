"""The batch tables' tidy rows of one clip: :func:`rom.metrics.results.result_rows` of the
``results`` block of its ``summary.json`` (one row per measure, direction, side and
statistic), never recomputed from raw angle columns."""

from __future__ import annotations

from typing import Any

from rom.metrics.results import ROW_FIELDS, result_rows

#: The columns of a tidy row, in order.
ROW_COLUMNS: tuple[str, ...] = tuple(ROW_FIELDS)


def tidy_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The tidy rows (dicts with :data:`ROW_COLUMNS`) of one clip's summary; ``value`` is
    a float, or None where the statistic has no value (see ``status``); a yes/no
    statistic (``within_normal``) is 1.0 or 0.0."""
    rows = result_rows(summary.get("results") or {})
    for r in rows:
        if r.get("value") is not None:
            r["value"] = float(r["value"])  # bool included
    return rows
