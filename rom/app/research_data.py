"""Reading a batch run's output folder and filtering tidy result tables (pandas, no
Streamlit), for the Research page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rom.errors import InputError

#: Columns offered as filters when a table has them.
CATEGORY_COLUMNS = (
    "client",
    "session",
    "subject",
    "label",
    "protocol",
    "measure",
    "side",
    "direction",
    "estimate",
    "status",
)
#: The statistic shown first: the one value per result (``results.csv``, ``rom export``).
MAIN_STATISTICS = ("value", "value_deg", "peak_deg")
#: The numeric value column, first found.
VALUE_COLUMNS = ("value", "value_deg")


def read_batch_folder(folder: Path) -> tuple[Any, Any]:
    """``(results, errors)`` DataFrames of a ``rom batch`` output folder; ``errors`` is
    empty when the run had none. Raises InputError when the folder holds no results."""
    import pandas as pd

    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; give the folder `rom batch --out` wrote")
    parquet, csv = folder / "results.parquet", folder / "results.csv"
    if parquet.is_file():
        results = pd.read_parquet(parquet)
    elif csv.is_file():
        results = pd.read_csv(csv)
    else:
        raise InputError(
            f"{folder} holds no results.parquet or results.csv; give the folder "
            "`rom batch --out` wrote"
        )
    errors_path = folder / "errors.csv"
    errors = pd.read_csv(errors_path) if errors_path.is_file() else pd.DataFrame()
    return results, errors


def value_column(frame: Any) -> str | None:
    return next((c for c in VALUE_COLUMNS if c in frame.columns), None)


def filter_frame(frame: Any, chosen: Mapping[str, Sequence[str]], text: str = "") -> Any:
    """Rows whose columns take one of the chosen values (an empty choice keeps all) and
    that contain ``text`` (case-insensitive) in any text column."""
    mask = None
    for name, values in chosen.items():
        if not values:
            continue
        m = frame[name].astype(str).isin(list(values))
        mask = m if mask is None else mask & m
    out = frame if mask is None else frame[mask]
    text = text.strip().lower()
    if text:
        cols = [c for c in out.columns if out[c].dtype == object or str(out[c].dtype) == "string"]
        if cols:
            hit = (
                out[cols].astype(str).apply(lambda s: s.str.lower().str.contains(text, regex=False))
            )
            out = out[hit.any(axis=1)]
    return out
