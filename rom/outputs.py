"""Writing the analysis outputs: ``angles.csv``, ``summary.json`` and ``results.csv``
(atomic writes).

``angles.csv`` is tidy and wide: one row per frame, columns ``frame``, ``time_s``, then one
column per angle in degrees (names from :mod:`rom.metrics.catalogue`), empty where the
angle could not be measured (person not seen, landmark hidden).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from rom.files import atomic_path
from rom.metrics.series import AngleSeries


def _atomic_text(path: Path, write: Any) -> Path:
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        write(fh)
    return path


def write_angles_csv(angles: AngleSeries, path: str | Path, *, decimals: int = 2) -> Path:
    """Write ``angles`` as CSV (degrees, ``decimals`` places; empty cell = not measured)."""

    def fmt(v: float) -> str:
        return "" if not math.isfinite(v) else f"{v:.{decimals}f}"

    def write(fh: Any) -> None:
        w = csv.writer(fh)
        w.writerow(["frame", "time_s", *angles.names])
        for i, (t, row) in enumerate(zip(angles.time_s, angles.values_deg)):
            w.writerow([i, f"{t:.4f}", *(fmt(float(v)) for v in row)])

    return _atomic_text(Path(path), write)


def read_angles_csv(path: str | Path) -> AngleSeries:
    """Read an ``angles.csv`` written by :func:`write_angles_csv`."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    names = tuple(header[2:])
    time_s = np.array([float(r[1]) for r in body])
    values = np.array([[float(v) if v else np.nan for v in r[2:]] for r in body], dtype=float)
    return AngleSeries(time_s, names, values.reshape(len(body), len(names)))


def _clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf become null, NumPy scalars and arrays become Python values."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def json_safe(obj: Any) -> Any:
    """A JSON-safe copy of ``obj``: NaN/inf become None, NumPy values plain Python ones."""
    return _clean(obj)


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def dumps_readable(data: Any, indent: int = 2, _level: int = 0) -> str:
    """JSON indented for reading, with every list of plain values on one line.

    Examples
    --------
    >>> print(dumps_readable({"a": [1, 2], "b": {"c": None}}))
    {
      "a": [1, 2],
      "b": {
        "c": null
      }
    }
    """
    pad, inner = " " * (indent * _level), " " * (indent * (_level + 1))
    if isinstance(data, dict):
        if not data:
            return "{}"
        items = [
            f"{inner}{json.dumps(str(k))}: {dumps_readable(v, indent, _level + 1)}"
            for k, v in data.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(data, list):
        if all(_scalar(v) for v in data):
            return json.dumps(data, allow_nan=False)
        items = [f"{inner}{dumps_readable(v, indent, _level + 1)}" for v in data]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(data, allow_nan=False)


def write_json(data: dict[str, Any], path: str | Path) -> Path:
    """Write ``data`` as indented JSON (NaN written as null; lists of plain values on one
    line)."""
    return _atomic_text(Path(path), lambda fh: fh.write(dumps_readable(json_safe(data)) + "\n"))


def write_rows_csv(rows: list[dict[str, Any]], fields: tuple[str, ...], path: str | Path) -> Path:
    """Write tidy rows (dicts) as CSV with the header ``fields``; None is an empty cell,
    floats keep up to 4 decimals."""

    def fmt(v: Any) -> Any:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "" if not math.isfinite(v) else f"{v:.4f}".rstrip("0").rstrip(".")
        return v

    def write(fh: Any) -> None:
        w = csv.writer(fh)
        w.writerow(fields)
        for row in rows:
            w.writerow([fmt(row.get(f)) for f in fields])

    return _atomic_text(Path(path), write)
