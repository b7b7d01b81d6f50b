"""``rom batch --database``: each finished clip whose manifest row names a client
(``client`` or ``subject``) and a session (``session``) is stored in the clients/sessions database
(:mod:`rom.store`), as ``rom analyze --client --session`` would store it.

Clients and sessions the database does not hold yet are added (a researcher's manifest
is the list of them). A clip already stored in that session with the same settings is
recognised, not duplicated. Key frames (for the report's pictures) are not extracted
here: they need the video read again, which ``rom analyze --client`` does. Storing
never changes the batch's own results: a database
failure is reported per clip and leaves the result files as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rom.batch.manifest import ClipEntry
from rom.batch.store import ResultStore
from rom.errors import InputError, RomError


@dataclass
class StoreReport:
    """Clips stored now, already stored before, skipped (no client or session named, or
    no result), and failures (path, one-line reason)."""

    stored: int = 0
    existing: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: the line announcing the database when this run created it ("" otherwise)
    created: str = ""


def _angles(path: Path) -> Any:
    """The AngleSeries kept in a clip's ``angles.parquet``."""
    import numpy as np
    import pyarrow.parquet as pq

    from rom.metrics.series import AngleSeries

    table = pq.read_table(path)
    names = tuple(c for c in table.column_names if c not in ("frame", "time_s"))
    values = (
        np.column_stack(
            [table.column(n).to_numpy(zero_copy_only=False).astype(float) for n in names]
        )
        if names
        else np.empty((table.num_rows, 0))
    )
    return AngleSeries(table.column("time_s").to_numpy().astype(float), names, values)


def _ensure(store: Any, code: str, label: str) -> None:
    try:
        store.get_client(code)
    except InputError:
        store.add_client(code, notes="added by rom batch")
    try:
        store.get_session(code, label)
    except InputError:
        store.add_session(code, label)


def store_batch(
    entries: Sequence[ClipEntry],
    keys: Sequence[str],
    results: ResultStore,
    *,
    url: str | None = None,
) -> StoreReport:
    """Store every finished clip of ``entries`` that names a client and a session.

    Raises
    ------
    InputError
        ``rom.store`` is not installed (``pip install 'rom[store]'``), or the database
        cannot be opened (:class:`rom.errors.RomError` subclasses, one line).
    """
    try:
        from rom.store import open_store, record_from_analysis
    except ImportError as exc:
        raise InputError(
            f"--database needs the clients/sessions database ({exc}); pip install 'rom[store]'"
        ) from None
    report = StoreReport()
    with open_store(url) as store:
        if store.created:
            from rom.clinic_cli import created_line

            report.created = created_line(store)
        for entry, key in zip(entries, keys):
            code = (entry.columns.get("client") or entry.columns.get("subject") or "").strip()
            label = (entry.columns.get("session") or "").strip()
            record = results.record(key)
            if not code or not label or record is None:
                report.skipped += 1
                continue
            folder = results.clip_dir(key)
            try:
                _ensure(store, code, label)
                analysis = record_from_analysis(
                    results.summary(key),
                    _angles(folder / "angles.parquet"),
                    entry.path,
                    landmarks=(folder / "pose.npz").read_bytes(),
                    video_sha256=record["content_sha256"],
                )
                outcome = store.save_analysis(analysis, code, label)
            except (RomError, OSError) as exc:
                report.failed.append((str(entry.path), " ".join(str(exc).split())))
                continue
            if outcome.created:
                report.stored += 1
            else:
                report.existing += 1
    return report
