"""The dashboard's one door to stored clients, sessions and recordings.

INTERIM: until ``rom.store`` (issue 9) is merged, recordings are kept as analysis folders
under the app's data folder with a small JSON index. Every page and the worker call only
the functions below, so switching to ``rom.store`` replaces this module's bodies and
nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rom.app.settings import AppSettings
from rom.errors import InputError
from rom.metrics.series import AngleSeries

_LOCK = threading.Lock()


@dataclass(frozen=True)
class ClientRow:
    code: str
    notes: str = ""


@dataclass(frozen=True)
class SessionRow:
    client: str
    label: str
    held_at: str
    notes: str = ""


@dataclass(frozen=True)
class RecordingRow:
    id: int
    client: str
    session: str
    protocol: str
    video_name: str
    created_utc: str


@dataclass(frozen=True)
class StoredRecording:
    row: RecordingRow
    summary: dict[str, Any]
    angles: AngleSeries
    overlay: Path | None


def _root() -> Path:
    return AppSettings.from_env().data_dir / "store"


def _index_path() -> Path:
    return _root() / "index.json"


def _read() -> dict[str, Any]:
    p = _index_path()
    if not p.exists():
        return {"clients": {}, "sessions": [], "recordings": []}
    return json.loads(p.read_text())


def _write(doc: dict[str, Any]) -> None:
    p = _index_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".index.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(p)


def list_clients() -> list[ClientRow]:
    return [ClientRow(c, n) for c, n in sorted(_read()["clients"].items())]


def add_client(code: str, notes: str = "") -> ClientRow:
    code = code.strip()
    if not code:
        raise InputError("give the client a code or pseudonym (no real name needed)")
    with _LOCK:
        doc = _read()
        if code in doc["clients"]:
            raise InputError(f"client {code!r} already exists; pick it from the list")
        doc["clients"][code] = notes
        _write(doc)
    return ClientRow(code, notes)


def list_sessions(client: str) -> list[SessionRow]:
    return [
        SessionRow(s["client"], s["label"], s["held_at"], s.get("notes", ""))
        for s in _read()["sessions"]
        if s["client"] == client
    ]


def add_session(client: str, label: str, held_at: str | None = None, notes: str = "") -> SessionRow:
    label = label.strip()
    if not label:
        raise InputError("give the session a label, e.g. pre, post or follow-up-6w")
    with _LOCK:
        doc = _read()
        if client not in doc["clients"]:
            raise InputError(f"no client {client!r}; add it first")
        if any(s["client"] == client and s["label"] == label for s in doc["sessions"]):
            raise InputError(f"client {client!r} already has a session {label!r}")
        held = held_at or datetime.now(UTC).isoformat(timespec="minutes")
        doc["sessions"].append({"client": client, "label": label, "held_at": held, "notes": notes})
        _write(doc)
    return SessionRow(client, label, held, notes)


def save_analysis(result: Any, request: Any) -> int:
    with _LOCK:
        doc = _read()
        rid = 1 + max((r["id"] for r in doc["recordings"]), default=0)
        dest = _root() / f"recording-{rid}"
        shutil.copytree(result.out_dir, dest)
        doc["recordings"].append(
            {
                "id": rid,
                "client": request.client,
                "session": request.session,
                "protocol": request.protocol or "",
                "video_name": request.display_name,
                "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        _write(doc)
    return rid


def list_recordings(client: str | None = None, session: str | None = None) -> list[RecordingRow]:
    rows = [RecordingRow(**r) for r in _read()["recordings"]]
    return [
        r
        for r in rows
        if (client is None or r.client == client) and (session is None or r.session == session)
    ]


def load_recording(recording_id: int) -> StoredRecording:
    from rom.outputs import read_angles_csv

    row = next((r for r in list_recordings() if r.id == recording_id), None)
    if row is None:
        raise InputError(f"no recording {recording_id}")
    folder = _root() / f"recording-{recording_id}"
    summary = json.loads((folder / "summary.json").read_text())
    angles = read_angles_csv(folder / "angles.csv")
    overlay = folder / "overlay.mp4"
    return StoredRecording(row, summary, angles, overlay if overlay.exists() else None)


# INTERIM shim until rom.metrics.measure_values (issue 9) is merged.
@dataclass(frozen=True)
class _Value:
    protocol: str
    measure: str
    side: str
    direction: str
    label: str
    column: str
    estimate: str
    value_deg: float | None
    uncertainty_deg: float | None
    value_time_s: float | None
    normal_deg: float | None
    percent_of_normal: float | None
    norm_source: str
    rep_peaks_deg: tuple[float, ...]
    rep_times_s: tuple[float, ...]
    status: str
    reason: str
    flags: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def reported(self) -> bool:
        return self.status == "ok" and self.value_deg is not None


def measure_values(summary: dict[str, Any]) -> list[Any]:
    from rom.metrics import catalogue

    proto = summary.get("protocol") or {}
    out = []
    for column, dirs in (proto.get("results") or {}).items():
        d0 = catalogue.angle_def(column)
        is3d = column.endswith("_3d_deg")
        for key, res in dirs.items():
            if res.get("normal_deg") is None:
                continue
            d = summary["rom"][column]["directions"].get(key, {})
            sign = -1.0 if key == "negative" else 1.0
            peak = d.get("peak_deg")
            value = sign * peak if peak is not None else None
            ok = value is not None and value > 0
            out.append(
                _Value(
                    proto["name"], d0.name + ("_3d" if is3d else ""), d0.side or "", key,
                    d.get("label") or key, column, "3d" if is3d else "2d",
                    value if ok else None, None, d.get("peak_time_s"), res.get("normal_deg"),
                    res.get("percent_of_normal") if ok else None, res.get("norm_source") or "",
                    tuple(sign * p for p in d.get("rep_peaks_deg", [])),
                    tuple(d.get("rep_times_s", [])), "ok" if ok else "not performed", "",
                    (), tuple(summary["rom"][column].get("warnings", [])),
                )
            )
    return out


def all_values_frame() -> Any:
    import pandas as pd

    rows = []
    for r in list_recordings():
        rec = load_recording(r.id)
        for v in measure_values(rec.summary):
            rows.append({"client": r.client, "session": r.session, "recording": r.id,
                         "video": r.video_name, **{k: getattr(v, k) for k in (
                             "protocol", "measure", "side", "direction", "label", "estimate",
                             "value_deg", "normal_deg", "percent_of_normal", "status")}})
    return pd.DataFrame(rows)


def compare(client: str, before: str, after: str) -> list[Any]:
    raise NotImplementedError("comparison needs rom.store (issue 9)")


def compare_asymmetry(client: str, before: str, after: str) -> list[Any]:
    raise NotImplementedError


def progress(client: str) -> tuple[list[Any], list[str]]:
    raise NotImplementedError
