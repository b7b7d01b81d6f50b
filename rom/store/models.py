"""The database tables, as SQLAlchemy 2 ORM classes (one name per concept: client,
session, recording, result, key frame, report).

A **client** is a code or pseudonym (no real name needed) with optional notes. A
**session** is one visit of a client (a label such as ``pre``, ``post``,
``follow-up-6w``, a date and time, notes). A **recording** is one analysed video in a
session: which protocol, the video's content hash and original file name, the pose model
(variant and hash), the settings, the software version, the view, and the hash of the
angle time series file kept beside the database. A **result** is one number a therapist
reads: per measure, side and direction, with its normal value, repetitions, quality flags
and warnings (one row per side of the ``results`` block of ``summary.json``, see
``docs/results.md``; the whole document is kept with the recording). Key frames and reports are files a client owns (deleted with the client).

Times are UTC (``*_utc``), except a session's ``held_at``: the wall-clock time of the
visit as the therapist entered it. The schema changes only through the Alembic migrations
in ``rom/store/migrations`` (the tables here must match them; a test checks it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Longest client code and session label, characters.
CODE_MAX = 64


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_utc: Mapped[datetime] = mapped_column(DateTime)

    sessions: Mapped[list[Session]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )
    reports: Mapped[list[Report]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("client_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(CODE_MAX))
    held_at: Mapped[datetime] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_utc: Mapped[datetime] = mapped_column(DateTime)

    client: Mapped[Client] = relationship(back_populates="sessions")
    recordings: Mapped[list[Recording]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class Recording(Base):
    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("session_id", "video_sha256", "settings_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    protocol: Mapped[str] = mapped_column(String(100), default="")
    side: Mapped[str] = mapped_column(String(10), default="")
    video_sha256: Mapped[str] = mapped_column(String(64))
    video_name: Mapped[str] = mapped_column(Text)
    video_stored: Mapped[bool] = mapped_column(Boolean, default=False)
    video_ext: Mapped[str] = mapped_column(String(16), default="")
    model_variant: Mapped[str] = mapped_column(String(32))
    model_sha256: Mapped[str] = mapped_column(String(64))
    mediapipe_version: Mapped[str] = mapped_column(String(32), default="")
    rom_version: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    settings_sha256: Mapped[str] = mapped_column(String(64))
    view: Mapped[str] = mapped_column(String(32), default="")
    n_frames: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    detected_fraction: Mapped[float] = mapped_column(Float)
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    problem: Mapped[str] = mapped_column(Text, default="")
    warnings: Mapped[list[str]] = mapped_column(JSON)
    series_sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_utc: Mapped[datetime] = mapped_column(DateTime)

    session: Mapped[Session] = relationship(back_populates="recordings")
    results: Mapped[list[Result]] = relationship(
        back_populates="recording", cascade="all, delete-orphan", passive_deletes=True
    )
    key_frames: Mapped[list[KeyFrame]] = relationship(
        back_populates="recording", cascade="all, delete-orphan", passive_deletes=True
    )


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("recording_id", "measure", "side", "direction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[str] = mapped_column(String(100))
    side: Mapped[str] = mapped_column(String(10), default="")
    direction: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(16), default="rom")
    column: Mapped[str] = mapped_column(String(100), default="")
    estimate: Mapped[str] = mapped_column(String(10), default="")
    value_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    uncertainty_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    normal_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    percent_of_normal: Mapped[float | None] = mapped_column(Float, nullable=True)
    norm_source: Mapped[str] = mapped_column(Text, default="")
    rep_peaks_deg: Mapped[list[float]] = mapped_column(JSON)
    rep_times_s: Mapped[list[float]] = mapped_column(JSON)
    spread_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="measured")
    reason: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[str]] = mapped_column(JSON)
    warnings: Mapped[list[str]] = mapped_column(JSON)
    at_least_deg: Mapped[float | None] = mapped_column(Float, nullable=True)

    recording: Mapped[Recording] = relationship(back_populates="results")


class KeyFrame(Base):
    """One still image of a recording (at a peak), skeleton drawn, JPEG beside the
    database under ``frames/`` by its sha256."""

    __tablename__ = "key_frames"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    time_s: Mapped[float] = mapped_column(Float)
    frame_index: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(Text, default="")
    image_sha256: Mapped[str] = mapped_column(String(64))
    faces_blurred: Mapped[bool] = mapped_column(Boolean)

    recording: Mapped[Recording] = relationship(back_populates="key_frames")


class Report(Base):
    """A report file written for a client (deleted with the client if still unchanged)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_utc: Mapped[datetime] = mapped_column(DateTime)

    client: Mapped[Client] = relationship(back_populates="reports")
