"""Clients, sessions and analyses in the database: the operations behind ``rom client``,
``rom session``, ``rom analyze --client``, ``rom compare``, ``rom report`` and ``rom export``.

Every write is one transaction; an analysis is saved only after it finished, all of it or
nothing: its files beside the database (named by their hash) are written inside the same
transaction, under a lock that removals of unreferenced files also take, and removed
again if it fails. Every text the user gives (codes, labels, notes, file names) is data:
it goes through bound parameters, never into SQL text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import exc, orm

from rom.errors import InputError, StoreError
from rom.metrics.measure_values import MeasureValue, measure_values
from rom.metrics.series import AngleSeries
from rom.outputs import json_safe
from rom.store import models as m
from rom.store.engine import Database, connect, translate_errors
from rom.store.files import FileStore, sha256_bytes, sha256_file
from rom.store.migrate import ensure_schema, revision_of
from rom.store.series import series_from_parquet, series_to_parquet

__all__ = [
    "AnalysisRecord",
    "ClientInfo",
    "KeyFrameImage",
    "RecordingInfo",
    "SaveOutcome",
    "SessionInfo",
    "Store",
    "open_store",
    "record_from_analysis",
]

#: Files beside the database that no row refers to (left by a failed or killed save) are
#: removed by :meth:`Store.sweep_files` once this old, seconds.
ORPHAN_AGE_S = 3600.0
#: Arbitrary constant key of the PostgreSQL advisory lock held while adding or removing
#: files beside the database.
_PG_FILES_LOCK = 7_242_115_002


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def check_text(value: str, what: str, *, max_len: int = m.CODE_MAX) -> str:
    """A client code or session label as given (kept verbatim), or :class:`InputError`
    when it is empty, too long or holds control characters (line breaks, tabs)."""
    if not value or not value.strip():
        raise InputError(f"the {what} is empty; give e.g. C001")
    if len(value) > max_len:
        raise InputError(f"the {what} is {len(value)} characters long; {max_len} at most")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InputError(f"the {what} {value!r} holds a line break or control character")
    return value


# --- what is saved --------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFrameImage:
    """A still of the recording (JPEG bytes), skeleton drawn; ``faces_blurred`` says
    whether faces were blurred (the default)."""

    time_s: float
    frame_index: int
    caption: str
    jpeg: bytes
    faces_blurred: bool


@dataclass(frozen=True)
class AnalysisRecord:
    """Everything one finished analysis stores (built by :func:`record_from_analysis`)."""

    summary: dict[str, Any]
    angles: AngleSeries
    values: tuple[MeasureValue, ...]
    video_sha256: str
    video_name: str
    video_path: Path | None
    settings_sha256: str
    key_frames: tuple[KeyFrameImage, ...] = ()

    @property
    def protocol(self) -> str:
        """The protocol name as the results give it ("" without one)."""
        return str((self.summary.get("results") or {}).get("protocol") or "")


def settings_identity(summary: dict[str, Any]) -> str:
    """sha256 of what makes two analyses of the same video the same: the settings (without
    the model's path), the model's hash and rom's version (see :func:`identity_of`)."""
    return identity_of(
        summary.get("settings") or {},
        (summary.get("model") or {}).get("sha256"),
        summary.get("rom_version"),
    )


def identity_of(settings: dict[str, Any], model_sha256: str | None, rom_version: str | None) -> str:
    """sha256 of the analysis settings (``AnalysisConfig.as_dict()``), the model's hash and
    rom's version: known before analysing, so a repeat can be recognised at once."""
    kept = {k: v for k, v in settings.items() if k != "model_path"}
    ident = {"settings": kept, "model_sha256": model_sha256, "rom_version": rom_version}
    text = json.dumps(json_safe(ident), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def video_identity(video: str | Path | int, landmarks: bytes | None = None) -> tuple[str, str]:
    """(sha256, name) of the analysed video: the file's content hash, or for a live camera
    or stream (nothing to hash) the hash of the landmarks it gave, prefixed ``live-``."""
    p = Path(str(video))
    if not isinstance(video, int) and p.is_file():
        return sha256_file(p), p.name
    if p.is_dir():
        h = hashlib.sha256()
        for f in sorted(x for x in p.iterdir() if x.is_file()):
            h.update(f.name.encode())
            h.update(sha256_file(f).encode())
        return h.hexdigest(), p.name
    digest = sha256_bytes(landmarks or b"")
    return digest, f"live-{video}"


def record_from_analysis(
    summary: dict[str, Any],
    angles: AngleSeries,
    video: str | Path | int,
    *,
    landmarks: bytes | None = None,
    key_frames: Sequence[KeyFrameImage] = (),
    video_sha256: str | None = None,
) -> AnalysisRecord:
    """The record to save for one analysis (``summary.json`` document and angle series)."""
    if video_sha256 is None:
        sha, name = video_identity(video, landmarks)
    else:
        sha, name = video_sha256, Path(str(video)).name
    p = Path(str(video))
    return AnalysisRecord(
        summary=json_safe(summary),
        angles=angles,
        values=tuple(measure_values(summary, angles)),
        video_sha256=sha,
        video_name=name,
        video_path=p if not isinstance(video, int) and p.is_file() else None,
        settings_sha256=settings_identity(summary),
        key_frames=tuple(key_frames),
    )


# --- what is read ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClientInfo:
    code: str
    notes: str
    created_utc: datetime
    n_sessions: int = 0
    n_recordings: int = 0


@dataclass(frozen=True)
class SessionInfo:
    client: str
    label: str
    held_at: datetime
    notes: str
    n_recordings: int = 0
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordingInfo:
    id: int
    client: str
    session: str
    protocol: str
    video_name: str
    video_sha256: str
    model_variant: str
    rom_version: str
    view: str
    duration_s: float | None
    complete: bool
    problem: str
    warnings: tuple[str, ...]
    series_sha256: str
    created_utc: datetime
    summary: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class SaveOutcome:
    """``created`` False: this video with these settings was already in the session."""

    recording_id: int
    created: bool


@dataclass(frozen=True)
class DeleteOutcome:
    """What :meth:`Store.delete_client` removed: rows (sessions, recordings), the files
    in rom's data folder (``files_removed``), the report files rom wrote there
    (``reports_removed``, their paths), and the reports it left (``reports_kept``: written
    outside the data folder, or edited since)."""

    sessions: int
    recordings: int
    files_removed: int
    reports_removed: tuple[str, ...] = ()
    reports_kept: tuple[str, ...] = ()


#: MeasureValue fields held as JSON lists in the ``results`` table.
_LIST_FIELDS = ("rep_peaks_deg", "rep_times_s", "flags", "warnings")
#: The ``results`` columns named as the MeasureValue fields (all but ``protocol``, which
#: is the recording's).
_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(MeasureValue) if f.name != "protocol")


def _value_from_row(r: m.Result, protocol: str) -> MeasureValue:
    kw: dict[str, Any] = {name: getattr(r, name) for name in _RESULT_FIELDS}
    for name in _LIST_FIELDS:
        kw[name] = tuple(kw[name] or ())
    return MeasureValue(protocol=protocol, **kw)


def _result_row(v: MeasureValue, recording_id: int) -> m.Result:
    kw: dict[str, Any] = {name: getattr(v, name) for name in _RESULT_FIELDS}
    for name, value in kw.items():
        if name in _LIST_FIELDS:
            kw[name] = [float(x) if isinstance(x, float) else x for x in value]
        elif isinstance(value, float):
            kw[name] = _finite_or_none(value)
    return m.Result(recording_id=recording_id, **kw)


def _finite_or_none(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _recording_info(rec: m.Recording, client: str, session: str) -> RecordingInfo:
    return RecordingInfo(
        id=rec.id,
        client=client,
        session=session,
        protocol=rec.protocol,
        video_name=rec.video_name,
        video_sha256=rec.video_sha256,
        model_variant=rec.model_variant,
        rom_version=rec.rom_version,
        view=rec.view,
        duration_s=rec.duration_s,
        complete=rec.complete,
        problem=rec.problem,
        warnings=tuple(rec.warnings or ()),
        series_sha256=rec.series_sha256,
        created_utc=rec.created_utc,
        summary=rec.summary,
    )


class Store:
    """The open database and its files folder. Use :func:`open_store`; close with
    :meth:`close` or as a context manager."""

    def __init__(self, db: Database, *, created: bool = False) -> None:
        self.db = db
        self.files = FileStore(db.files_dir)
        #: True when opening it created the database (it held no rom tables before)
        self.created = created

    @property
    def location(self) -> str:
        """Where the database is, for the user (a file's path, or a URL without password)."""
        return self.db.name

    def owns(self, path: Path) -> bool:
        """Whether ``path`` lies in rom's data folder (this database's files folder, or
        rom's default data folder): the only places :meth:`delete_client` removes
        report files from."""
        from rom.store.engine import default_data_dir

        p = Path(path).resolve()
        return any(
            p.is_relative_to(root.resolve()) for root in (self.files.root, default_data_dir())
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.dispose()

    @property
    def name(self) -> str:
        return self.db.name

    # -- transactions ---------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[orm.Session]:
        with self.db.write() as conn, orm.Session(bind=conn) as s:
            yield s
            s.flush()

    @contextmanager
    def _reading(self) -> Iterator[orm.Session]:
        with self.db.read() as conn, orm.Session(bind=conn) as s:
            yield s

    # -- clients ----------------------------------------------------------------------
    @staticmethod
    def _client(s: orm.Session, code: str) -> m.Client:
        c = s.scalar(sa.select(m.Client).where(m.Client.code == code))
        if c is None:
            raise InputError(
                f"no client {code!r} in the database; add it with: rom client add {_arg(code)}"
            )
        return c

    def add_client(self, code: str, notes: str = "") -> ClientInfo:
        """Register a client; :class:`InputError` if the code is taken or invalid."""
        check_text(code, "client code")
        try:
            with self._writing() as s:
                if s.scalar(sa.select(m.Client.id).where(m.Client.code == code)) is not None:
                    raise InputError(
                        f"client {code!r} already exists; choose another code "
                        "(rom client list shows them)"
                    )
                c = m.Client(code=code, notes=notes or "", created_utc=_utcnow())
                s.add(c)
                s.flush()
                return ClientInfo(c.code, c.notes, c.created_utc)
        except exc.IntegrityError:  # another process added it meanwhile
            raise InputError(f"client {code!r} already exists; choose another code") from None

    def list_clients(self) -> list[ClientInfo]:
        with self._reading() as s:
            n_sess = (
                sa.select(sa.func.count(m.Session.id))
                .where(m.Session.client_id == m.Client.id)
                .scalar_subquery()
            )
            n_rec = (
                sa.select(sa.func.count(m.Recording.id))
                .join(m.Session, m.Recording.session_id == m.Session.id)
                .where(m.Session.client_id == m.Client.id)
                .scalar_subquery()
            )
            rows = s.execute(sa.select(m.Client, n_sess, n_rec).order_by(m.Client.code)).all()
            return [ClientInfo(c.code, c.notes, c.created_utc, ns, nr) for c, ns, nr in rows]

    def get_client(self, code: str) -> ClientInfo:
        with self._reading() as s:
            c = self._client(s, code)
            return ClientInfo(c.code, c.notes, c.created_utc)

    def delete_client(self, code: str) -> DeleteOutcome:
        """Delete a client and everything of theirs that rom owns: sessions, recordings,
        results, key frames, stored videos, time series, and the report files written in
        rom's data folder (:meth:`owns`) unchanged since rom wrote them. A report written
        elsewhere (where the user chose, e.g. the client's file) or edited since is the
        user's: it stays, and is listed in ``reports_kept``."""
        with self._reading() as s:
            c = self._client(s, code)
            reports = [(r.path, r.sha256) for r in c.reports]
        removed_reports: list[str] = []
        kept: list[str] = []
        for path, sha in reports:
            p = Path(path)
            try:
                if not p.is_file():
                    continue
                if self.owns(p) and sha256_file(p) == sha:
                    p.unlink()
                    removed_reports.append(str(p))
                else:
                    kept.append(str(p))
            except OSError as e:
                raise StoreError(
                    f"cannot remove the report {p} ({e.strerror}); nothing was deleted: "
                    "remove it by hand or make it writable, then run the command again"
                ) from None
        with self._writing() as s:
            c = self._client(s, code)
            recs = [r for sess in c.sessions for r in sess.recordings]
            n_sessions, n_recordings = len(c.sessions), len(recs)
            owned: list[tuple[str, str, str | None]] = []
            for r in recs:
                owned.append(("series", r.series_sha256, None))
                owned += [("frames", k.image_sha256, None) for k in r.key_frames]
                if r.video_stored:
                    owned.append(("videos", r.video_sha256, r.video_ext))
            s.delete(c)
        # Once the rows are gone, the files no other client's rows refer to.
        removed = self._remove_unreferenced(owned)
        self.sweep_files()
        return DeleteOutcome(n_sessions, n_recordings, removed, tuple(removed_reports), tuple(kept))

    # -- sessions ---------------------------------------------------------------------
    @staticmethod
    def _session(s: orm.Session, client: m.Client, label: str) -> m.Session:
        sess = s.scalar(
            sa.select(m.Session).where(m.Session.client_id == client.id, m.Session.label == label)
        )
        if sess is None:
            raise InputError(
                f"client {client.code!r} has no session {label!r}; add it with: "
                f"rom session add {_arg(client.code)} {_arg(label)}"
            )
        return sess

    def add_session(
        self, code: str, label: str, held_at: datetime | None = None, notes: str = ""
    ) -> SessionInfo:
        """Add a session (a visit) to a client; :class:`InputError` for an unknown client
        or a label the client already has."""
        check_text(label, "session label")
        try:
            with self._writing() as s:
                c = self._client(s, code)
                taken = s.scalar(
                    sa.select(m.Session.id).where(
                        m.Session.client_id == c.id, m.Session.label == label
                    )
                )
                if taken is not None:
                    raise InputError(
                        f"client {code!r} already has a session {label!r}; choose another label"
                    )
                when = held_at or datetime.now().replace(microsecond=0)
                sess = m.Session(
                    client_id=c.id,
                    label=label,
                    held_at=when,
                    notes=notes or "",
                    created_utc=_utcnow(),
                )
                s.add(sess)
                s.flush()
                return SessionInfo(code, label, when, sess.notes)
        except exc.IntegrityError:
            raise InputError(f"client {code!r} already has a session {label!r}") from None

    def list_sessions(self, code: str) -> list[SessionInfo]:
        """The client's sessions, oldest first (by date and time, then creation)."""
        with self._reading() as s:
            c = self._client(s, code)
            sessions = s.scalars(
                sa.select(m.Session)
                .where(m.Session.client_id == c.id)
                .order_by(m.Session.held_at, m.Session.id)
                .options(orm.selectinload(m.Session.recordings))
            ).all()
            return [
                SessionInfo(
                    code,
                    x.label,
                    x.held_at,
                    x.notes,
                    len(x.recordings),
                    tuple(sorted({r.protocol for r in x.recordings})),
                )
                for x in sessions
            ]

    def get_session(self, code: str, label: str) -> SessionInfo:
        with self._reading() as s:
            sess = self._session(s, self._client(s, code), label)
            return SessionInfo(code, sess.label, sess.held_at, sess.notes)

    # -- analyses ---------------------------------------------------------------------
    def find_recording(
        self, code: str, label: str, video_sha256: str, settings_sha256: str
    ) -> int | None:
        """The id of the recording of this video with these settings in the session."""
        with self._reading() as s:
            sess = self._session(s, self._client(s, code), label)
            return s.scalar(
                sa.select(m.Recording.id).where(
                    m.Recording.session_id == sess.id,
                    m.Recording.video_sha256 == video_sha256,
                    m.Recording.settings_sha256 == settings_sha256,
                )
            )

    def save_analysis(
        self, record: AnalysisRecord, code: str, label: str, *, store_video: bool = False
    ) -> SaveOutcome:
        """Save one finished analysis into the client's session, in one transaction.

        Files (time series, key frames, the video when ``store_video``) are written first
        under their hash; the rows follow in one transaction. If the same video with the
        same settings is already in the session, nothing is added (``created`` False).
        Raises :class:`InputError` for an unknown client or session and
        :class:`StoreError` when the database or the disk fails (nothing is then kept).
        """
        existing = self.find_recording(code, label, record.video_sha256, record.settings_sha256)
        if existing is not None:
            return SaveOutcome(existing, False)
        series = series_to_parquet(record.angles)
        written: list[tuple[str, str, str | None]] = []
        try:
            with self._files_locked() as s:
                sess = self._session(s, self._client(s, code), label)
                again = s.scalar(
                    sa.select(m.Recording.id).where(
                        m.Recording.session_id == sess.id,
                        m.Recording.video_sha256 == record.video_sha256,
                        m.Recording.settings_sha256 == record.settings_sha256,
                    )
                )
                if again is not None:  # another process saved it meanwhile
                    return SaveOutcome(again, False)
                with translate_errors(self.name):
                    sha, ext, frames = self._put_files(record, series, store_video, written)
                rec = _recording_row(record, sess.id, sha, bool(ext), ext)
                s.add(rec)
                s.flush()
                for v in record.values:
                    s.add(_result_row(v, rec.id))
                for kf, fsha in frames:
                    s.add(
                        m.KeyFrame(
                            recording_id=rec.id,
                            time_s=kf.time_s,
                            frame_index=kf.frame_index,
                            caption=kf.caption,
                            image_sha256=fsha,
                            faces_blurred=kf.faces_blurred,
                        )
                    )
                s.flush()
                rec_id = rec.id
        except BaseException:
            self._remove_unreferenced(written)
            raise
        return SaveOutcome(rec_id, True)

    def _put_files(
        self,
        record: AnalysisRecord,
        series: bytes,
        store_video: bool,
        written: list[tuple[str, str, str | None]],
    ) -> tuple[str, str, list[tuple[KeyFrameImage, str]]]:
        """Write a recording's files (under the files lock); ``written`` collects the new
        ones. Returns the series hash, the stored video's suffix ("" if none), the frames."""
        sha, new = self.files.put_bytes("series", series)
        if new:
            written.append(("series", sha, None))
        frames = []
        for kf in record.key_frames:
            fsha, new = self.files.put_bytes("frames", kf.jpeg)
            if new:
                written.append(("frames", fsha, None))
            frames.append((kf, fsha))
        ext = ""
        if store_video and record.video_path is not None:
            ext = record.video_path.suffix.lower()[:16] or ".video"
            _, new = self.files.put_file("videos", record.video_path, ext)
            if new:
                written.append(("videos", record.video_sha256, ext))
        return sha, ext, frames

    def recordings(self, code: str, label: str | None = None) -> list[RecordingInfo]:
        """The client's recordings (of one session), oldest session first."""
        with self._reading() as s:
            c = self._client(s, code)
            q = (
                sa.select(m.Recording, m.Session.label)
                .join(m.Session, m.Recording.session_id == m.Session.id)
                .where(m.Session.client_id == c.id)
                .order_by(m.Session.held_at, m.Session.id, m.Recording.id)
            )
            if label is not None:
                q = q.where(m.Session.id == self._session(s, c, label).id)
            return [_recording_info(r, code, lab) for r, lab in s.execute(q).all()]

    def session_values(self, code: str, label: str) -> tuple[list[MeasureValue], list[int]]:
        """The values of a session and the recordings they come from: per protocol, the
        latest recording of the session (an earlier one of the same protocol is kept in the
        database but not used)."""
        with self._reading() as s:
            sess = self._session(s, self._client(s, code), label)
            recs = s.scalars(
                sa.select(m.Recording)
                .where(m.Recording.session_id == sess.id)
                .order_by(m.Recording.created_utc, m.Recording.id)
                .options(orm.selectinload(m.Recording.results))
            ).all()
            latest: dict[str, m.Recording] = {}
            for r in recs:
                latest[r.protocol] = r
            values: list[MeasureValue] = []
            for r in latest.values():
                values += [_value_from_row(x, r.protocol) for x in sorted(r.results, key=_order)]
            return values, [r.id for r in latest.values()]

    def recording(self, recording_id: int) -> RecordingInfo:
        with self._reading() as s:
            r = s.get(m.Recording, recording_id)
            if r is None:
                raise InputError(f"no recording {recording_id} in the database")
            return _recording_info(r, r.session.client.code, r.session.label)

    def recording_values(self, recording_id: int) -> list[MeasureValue]:
        with self._reading() as s:
            r = s.get(m.Recording, recording_id)
            if r is None:
                raise InputError(f"no recording {recording_id} in the database")
            return [_value_from_row(x, r.protocol) for x in sorted(r.results, key=_order)]

    def series(self, recording: RecordingInfo) -> AngleSeries:
        """The recording's angle time series, read from its Parquet file."""
        p = self.files.path("series", recording.series_sha256)
        if not p.is_file():
            raise StoreError(
                f"the time series of recording {recording.id} ({p}) is missing from "
                f"{self.files.root}; restore that folder from the backup made with the database"
            )
        return series_from_parquet(str(p))

    def key_frames(self, recording_id: int) -> list[tuple[KeyFrameImage, Path]]:
        """The recording's key frames with the path of each JPEG (oldest first)."""
        with self._reading() as s:
            rows = s.scalars(
                sa.select(m.KeyFrame)
                .where(m.KeyFrame.recording_id == recording_id)
                .order_by(m.KeyFrame.time_s, m.KeyFrame.id)
            ).all()
            out = []
            for k in rows:
                p = self.files.path("frames", k.image_sha256)
                info = KeyFrameImage(k.time_s, k.frame_index, k.caption, b"", k.faces_blurred)
                out.append((info, p))
            return out

    # -- reports ----------------------------------------------------------------------
    def add_report(self, code: str, path: Path) -> None:
        """Remember a report file written for the client (deleted with the client)."""
        sha = sha256_file(path)
        with self._writing() as s:
            c = self._client(s, code)
            s.add(
                m.Report(
                    client_id=c.id, path=str(path.resolve()), sha256=sha, created_utc=_utcnow()
                )
            )

    # -- export -----------------------------------------------------------------------
    def export_rows(self, code: str | None = None) -> list[dict[str, Any]]:
        """Tidy rows of every stored result (of one client): the rows of
        :func:`rom.metrics.results.result_rows` (one per protocol, measure, direction,
        side and statistic; ``results.csv``'s columns), each prefixed with ``client``,
        ``session``, ``session_date``, ``recording`` and ``video``. Missing values stay
        missing (None)."""
        from rom.metrics.results import result_rows

        with self._reading() as s:
            q = (
                sa.select(m.Recording, m.Session, m.Client)
                .join(m.Session, m.Recording.session_id == m.Session.id)
                .join(m.Client, m.Session.client_id == m.Client.id)
                .order_by(m.Client.code, m.Session.held_at, m.Session.id, m.Recording.id)
            )
            if code is not None:
                q = q.where(m.Client.id == self._client(s, code).id)
            rows = []
            for rec, sess, c in s.execute(q).all():
                base = {
                    "client": c.code,
                    "session": sess.label,
                    "session_date": sess.held_at.isoformat(sep=" "),
                    "recording": rec.id,
                    "video": rec.video_name,
                }
                for row in result_rows((rec.summary or {}).get("results") or {}):
                    row["value"] = _as_number(row.get("value"))
                    rows.append({**base, **row})
            return rows

    # -- housekeeping -----------------------------------------------------------------
    @contextmanager
    def _files_locked(self) -> Iterator[orm.Session]:
        """A write transaction that also holds the files lock: adding files with their
        rows, and removing files no row refers to, never interleave between processes
        (SQLite's write lock, or a PostgreSQL advisory lock)."""
        with self._writing() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(sa.text(f"SELECT pg_advisory_xact_lock({_PG_FILES_LOCK})"))
            yield s

    @staticmethod
    def _referenced(s: orm.Session) -> set[tuple[str, str]]:
        refs = {("series", x) for x in s.scalars(sa.select(m.Recording.series_sha256))}
        refs |= {("frames", x) for x in s.scalars(sa.select(m.KeyFrame.image_sha256))}
        refs |= {
            ("videos", x)
            for x in s.scalars(sa.select(m.Recording.video_sha256).where(m.Recording.video_stored))
        }
        return refs

    def _remove_unreferenced(self, files: Sequence[tuple[str, str, str | None]]) -> int:
        """Remove those of ``files`` (kind, sha256, suffix) that no row refers to."""
        if not files:
            return 0
        n = 0
        try:
            with self._files_locked() as s:
                refs = self._referenced(s)
                for kind, sha, suffix in files:
                    if (kind, sha) not in refs:
                        n += self.files.remove(kind, sha, suffix)
        except StoreError:
            pass  # the database cannot be used now: an orphan file is harmless, swept later
        return n

    def sweep_files(self, older_than_s: float = ORPHAN_AGE_S) -> int:
        """Remove files beside the database that no row refers to, older than
        ``older_than_s`` (left by a save that failed or was killed)."""
        now = time.time()
        n = 0
        with self._files_locked() as s:
            refs = self._referenced(s)
            for kind, sha, path in list(self.files.all_files()):
                if (kind, sha) in refs:
                    continue
                try:
                    if now - path.stat().st_mtime >= older_than_s:
                        path.unlink()
                        n += 1
                except FileNotFoundError:
                    pass
        self.files.remove_stale_temporaries(max(older_than_s, 60.0))
        return n


def _as_number(value: Any) -> float | None:
    """A statistic's value as a float (booleans 1/0), None when missing or not finite."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _order(r: m.Result) -> int:
    return r.id


def _arg(text: str) -> str:
    """``text`` quoted for a shell command line when it needs it."""
    import shlex

    return shlex.quote(text)


def _recording_row(
    record: AnalysisRecord, session_id: int, series_sha: str, video_stored: bool, ext: str
) -> m.Recording:
    s = record.summary
    model = s.get("model") or {}
    source = s.get("source") or {}
    tracking = s.get("tracking") or {}
    problem = str(tracking.get("problem") or "")
    return m.Recording(
        session_id=session_id,
        protocol=record.protocol,
        side="",
        video_sha256=record.video_sha256,
        video_name=record.video_name,
        video_stored=video_stored,
        video_ext=ext,
        model_variant=str(model.get("variant") or ""),
        model_sha256=str(model.get("sha256") or ""),
        mediapipe_version=str(model.get("mediapipe_version") or ""),
        rom_version=str(s.get("rom_version") or ""),
        settings=s.get("settings") or {},
        settings_sha256=record.settings_sha256,
        view=str((s.get("view") or {}).get("label") or ""),
        n_frames=int(tracking.get("n_frames") or len(record.angles.time_s)),
        duration_s=_finite_or_none(source.get("duration_s")),
        fps=_finite_or_none(source.get("fps")),
        detected_fraction=float(tracking.get("detected_fraction") or 0.0),
        complete=not problem,
        problem=problem,
        warnings=[str(w) for w in s.get("warnings") or ()],
        series_sha256=series_sha,
        summary=s,
        created_utc=_utcnow(),
    )


def open_store(url: str | None = None) -> Store:
    """Open the database (``url``, ``ROM_DATABASE_URL`` or the default SQLite file),
    upgrading an older schema first. Raises :class:`StoreError` for a database that is
    locked, read-only, damaged, unreachable or from a newer rom."""
    db = connect(url)
    try:
        created = revision_of(db) is None
        ensure_schema(db)
    except BaseException:
        db.dispose()
        raise
    return Store(db, created=created)
