"""The dashboard's one door to the database (:mod:`rom.store`) and the comparison
(:mod:`rom.metrics.compare`).

Pages and the analysis worker call only these functions, which call the package: the
same database, the same rows and the same comparison as ``rom client``, ``rom compare``
and ``rom report``. The only thing the dashboard keeps beside the database is each
analysis' overlay video (``<app folder>/analyses/<video hash>-<settings hash>/``),
found again from the stored recording's identity.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rom.app.settings import AppSettings

if TYPE_CHECKING:
    from rom.metrics.series import AngleSeries
    from rom.store import ClientInfo, RecordingInfo, SessionInfo, Store

_STORES: dict[str, Store] = {}


def store() -> Store:
    """The open database named by ``ROM_DATABASE_URL`` (or the default), shared by the
    app's threads (SQLAlchemy's engine is thread-safe; each call opens its own session)."""
    from rom.store.engine import database_url

    url = database_url()
    st = _STORES.get(url)
    if st is None:
        from rom.clinic_cli import open_store_or_explain

        st = _STORES[url] = open_store_or_explain(quiet=True)
    return st


# -- clients and sessions ----------------------------------------------------------------
def list_clients() -> list[ClientInfo]:
    return store().list_clients()


def add_client(code: str, notes: str = "") -> ClientInfo:
    return store().add_client(code.strip(), notes)


def list_sessions(client: str) -> list[SessionInfo]:
    """The client's sessions, oldest first."""
    return store().list_sessions(client)


def add_session(
    client: str, label: str, held_on: date | None = None, notes: str = ""
) -> SessionInfo:
    held = (
        datetime.combine(held_on, datetime.now().time().replace(microsecond=0)) if held_on else None
    )
    return store().add_session(client, label.strip(), held, notes)


# -- recordings ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredRecording:
    """One stored recording as the Results page shows it: the database's row (with the
    analysis' ``summary.json`` document), its angle time series and, when the dashboard
    made it, the overlay video."""

    info: RecordingInfo
    angles: AngleSeries
    overlay: Path | None

    @property
    def summary(self) -> dict[str, Any]:
        return self.info.summary


def save_analysis(result: Any, request: Any) -> int:
    """Store a finished analysis (``rom.pipeline.AnalysisResult``) of ``request``
    (:class:`rom.app.jobs.AnalysisRequest`) in its client's session, as ``rom analyze
    --client --session`` does (key frames with faces blurred, the video itself not
    stored); keep its overlay video; returns the recording id."""
    from rom.clinic_cli import analysis_record

    record, _warning = analysis_record(request.video, result, show_faces=False)
    record = replace(record, video_name=request.display_name)
    outcome = store().save_analysis(record, request.client, request.session)
    keep_overlay(result.files.get("overlay"), record.video_sha256, record.summary)
    return int(outcome.recording_id)


def _analysis_dir(video_sha256: str, summary: dict[str, Any]) -> Path:
    from rom.store.store import settings_identity

    key = f"{video_sha256[:20]}-{settings_identity(summary)[:12]}"
    return AppSettings.from_env().analyses_dir / key


def keep_overlay(overlay: Path | None, video_sha256: str, summary: dict[str, Any]) -> Path | None:
    """Move an analysis' overlay video to where :func:`load_recording` finds it."""
    if overlay is None or not Path(overlay).is_file():
        return None
    dest = _analysis_dir(video_sha256, summary) / "overlay.mp4"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(overlay), dest)
    return dest


def list_recordings(client: str, session: str | None = None) -> list[RecordingInfo]:
    return store().recordings(client, session)


def recording_info(recording_id: int) -> RecordingInfo:
    return store().recording(recording_id)


def load_recording(recording_id: int) -> StoredRecording:
    st = store()
    info = st.recording(recording_id)
    overlay = _analysis_dir(info.video_sha256, info.summary) / "overlay.mp4"
    return StoredRecording(info, st.series(info), overlay if overlay.is_file() else None)


def recording_values(recording_id: int) -> list[Any]:
    """The stored measure values (:class:`rom.metrics.measure_values.MeasureValue`)."""
    return store().recording_values(recording_id)


# -- comparison -----------------------------------------------------------------------------
def compare(client: str, before: str, after: str) -> list[Any]:
    """Before vs after (:func:`rom.metrics.compare.compare_values`), as ``rom compare``."""
    from rom.metrics.compare import compare_values, load_mdc

    st = store()
    vb, _ = st.session_values(client, before)
    va, _ = st.session_values(client, after)
    return compare_values(vb, va, load_mdc())


def compare_asymmetry(client: str, before: str, after: str) -> list[Any]:
    from rom.metrics.compare import compare_asymmetry as asym

    st = store()
    return asym(st.session_values(client, before)[0], st.session_values(client, after)[0])


def progress(client: str) -> tuple[list[Any], list[str]]:
    """Every measure across the client's sessions (oldest first) and the session labels."""
    from rom.metrics.compare import load_mdc
    from rom.metrics.compare import progress as prog

    st = store()
    sessions = st.list_sessions(client)
    rows = prog([st.session_values(client, s.label)[0] for s in sessions], load_mdc())
    return rows, [s.label for s in sessions]


def report(client: str, before: str, after: str, suffix: str = ".pdf") -> bytes:
    """The report for the client's file comparing two sessions (``rom report``), or one
    session's own report when ``before == after`` (``rom report --session``), as PDF (or
    HTML with ``suffix=".html"``) bytes."""
    import tempfile

    from rom.report.build import gather, write_report

    st = store()
    if before == after:
        data = gather(st, client, session=before)
    else:
        data = gather(st, client, before, after)
    with tempfile.TemporaryDirectory(prefix="rom-report-") as tmp:
        out = write_report(data, Path(tmp) / f"report{suffix}")
        return out.read_bytes()


def export_frame(client: str | None = None) -> Any:
    """Every stored value as tidy rows (``rom export``) in a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(store().export_rows(client))
