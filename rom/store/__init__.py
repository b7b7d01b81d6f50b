"""Clients, sessions and analyses kept in a database (SQLAlchemy 2, Alembic migrations).

SQLite by default (one file in the user's data folder, WAL mode), PostgreSQL when
``ROM_DATABASE_URL`` names one; angle time series, key frames and (on request) videos are
files beside it, named by their hash. Install with ``pip install rom[store]``
(``rom[postgres]`` for PostgreSQL). See :mod:`rom.store.store` for the operations.
"""

from __future__ import annotations

from rom.store.store import (
    AnalysisRecord,
    ClientInfo,
    KeyFrameImage,
    RecordingInfo,
    SaveOutcome,
    SessionInfo,
    Store,
    open_store,
    record_from_analysis,
)

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
