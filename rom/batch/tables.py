"""The batch's tidy tables, built from the per-clip results in the store.

``results.parquet`` and ``results.csv``: one row per clip, measure, direction, side and
statistic (:mod:`rom.batch.rows`), after the manifest's own columns (one named like a
result column is written ``clip_<name>``), with the clip's id, status (``done`` or
``partial``) and warning, and its provenance (:data:`PROVENANCE_COLUMNS`) on every row.
``errors.csv``: one row per clip that failed, with its one-line reason.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rom.batch.manifest import ClipEntry
from rom.batch.rows import ROW_COLUMNS, tidy_rows
from rom.batch.store import ResultStore

CLIP_COLUMNS = ("clip_id", "clip_status", "clip_warning", "angles_file")
PROVENANCE_COLUMNS = (
    "rom_version",
    "model_variant",
    "model_sha256",
    "mediapipe_version",
    "settings_hash",
    "content_sha256",
)
ERROR_COLUMNS = ("path", "clip_id", "reason")


def manifest_columns(entries: Sequence[ClipEntry]) -> list[str]:
    """Every manifest column, in first-seen order (``path`` first)."""
    names: list[str] = ["path"]
    for e in entries:
        names += [n for n in e.columns if n not in names]
    return names


def _carried(entry: ClipEntry, names: list[str], clash: set[str]) -> dict[str, Any]:
    """The manifest's columns of a row; one named like a result column gets ``clip_``."""
    return {(f"clip_{n}" if n in clash else n): entry.columns.get(n, "") for n in names}


def build_tables(
    entries: Sequence[ClipEntry], keys: Sequence[str], store: ResultStore
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str], list[str]]:
    """(result rows, error rows, result columns, error columns) for the clips ``entries``
    (with their store ``keys``), in manifest order. A clip neither done nor failed (the
    run was stopped before it) is in neither."""
    names = manifest_columns(entries)
    clash = set(names) & set(ROW_COLUMNS + CLIP_COLUMNS + PROVENANCE_COLUMNS) - {"path"}
    carried_names = [f"clip_{n}" if n in clash else n for n in names]
    result_columns = [*carried_names, *CLIP_COLUMNS, *ROW_COLUMNS, *PROVENANCE_COLUMNS]
    error_columns = [*carried_names, *(c for c in ERROR_COLUMNS if c != "path")]
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    cache: dict[str, list[dict[str, Any]]] = {}
    for entry, key in zip(entries, keys):
        carried = _carried(entry, names, clash)
        record = store.record(key)
        if record is None:
            failure = store.failure(key)
            if failure is not None:
                reason = failure["reason"]
                analysed = failure.get("path")
                if analysed and Path(analysed).resolve() != Path(entry.path).resolve():
                    # the same video under another name, analysed once: its reason names
                    # the file it was analysed as
                    reason = f"{reason} (the same video as {analysed}, analysed once)"
                errors.append({**carried, "clip_id": key, "reason": reason})
            continue
        if key not in cache:
            cache[key] = tidy_rows(store.summary(key))
        clip = {
            "clip_id": key,
            "clip_status": record["status"],
            "clip_warning": record.get("reason", ""),
            "angles_file": f"clips/{key}/angles.parquet",
        }
        prov = {c: record.get(c, "") for c in PROVENANCE_COLUMNS}
        rows += [{**carried, **clip, **r, **prov} for r in cache[key]]
    return rows, errors, result_columns, error_columns


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _csv_bytes(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in columns})
    return buf.getvalue().encode("utf-8")


def write_tables(
    out_dir: Path,
    rows: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    result_columns: list[str],
    error_columns: list[str],
) -> dict[str, Path]:
    """Write ``results.parquet``, ``results.csv`` and ``errors.csv`` (each atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = {
        "results_parquet": out_dir / "results.parquet",
        "results_csv": out_dir / "results.csv",
        "errors_csv": out_dir / "errors.csv",
    }
    arrays = {}
    for c in result_columns:
        values = [r.get(c) for r in rows]
        kind = {"value": pa.float64(), "rep": pa.int64()}.get(c, pa.string())
        if kind == pa.string():
            values = [None if v is None else str(v) for v in values]
        arrays[c] = pa.array(values, type=kind)
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays), buf, compression="zstd")
    _atomic(out["results_parquet"], buf.getvalue())
    _atomic(out["results_csv"], _csv_bytes(rows, result_columns))
    _atomic(out["errors_csv"], _csv_bytes(errors, error_columns))
    return out
