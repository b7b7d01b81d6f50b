"""Where the database is and how to talk to it safely.

The database is named by ``ROM_DATABASE_URL`` (a SQLAlchemy URL such as
``postgresql+psycopg://user@host/db``, or a plain path to a SQLite file); otherwise it is
the SQLite file ``rom.sqlite3`` in the user's data folder (:func:`platformdirs.user_data_dir`,
e.g. ``~/.local/share/rom`` on Linux).

SQLite runs in WAL mode (readers never block the writer) with a busy timeout: a write
waits up to :data:`BUSY_TIMEOUT_S` for another ``rom`` process to finish its own, and every
write transaction starts with ``BEGIN IMMEDIATE`` so that two writers queue instead of
deadlocking. Foreign keys are enforced, so deleting a client deletes its rows.

Every database failure the user can do something about is turned into one
:class:`~rom.errors.StoreError` line by :func:`translate_errors`.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine, make_url

from rom.errors import InputError, StoreError

__all__ = [
    "BUSY_TIMEOUT_S",
    "Database",
    "connect",
    "database_url",
    "translate_errors",
]

#: How long a write waits for another process's write to finish, seconds.
BUSY_TIMEOUT_S = 30.0

ENV_URL = "ROM_DATABASE_URL"
ENV_DATA_DIR = "ROM_DATA_DIR"


def default_data_dir() -> Path:
    """The user's data folder for rom (platformdirs), e.g. ``~/.local/share/rom``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("rom", appauthor=False))


def database_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``ROM_DATABASE_URL``, else the default SQLite file.

    A value without ``://`` is taken as the path of a SQLite file.
    """
    url = url or os.environ.get(ENV_URL) or ""
    if not url:
        return f"sqlite:///{default_data_dir() / 'rom.sqlite3'}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


@dataclass(frozen=True)
class Database:
    """An open database: the engine, what to call it in messages, and the folder where
    files referenced by hash (time series, key frames, stored videos) live."""

    engine: Engine
    name: str
    files_dir: Path

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite: it waits
        for other writers first), committed on success, rolled back on any error."""
        with (
            translate_errors(self.name),
            self.engine.execution_options(rom_write=True).begin() as conn,
        ):
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection in a read transaction (one consistent snapshot)."""
        with translate_errors(self.name), self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _files_dir(url: sa.URL) -> Path:
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db = Path(str(url.database))
        return db.with_name(db.stem + "-files")
    return default_data_dir() / "files"


def connect(url: str | None = None) -> Database:
    """Create the engine for ``url`` (see :func:`database_url`); no schema check here.

    Raises :class:`~rom.errors.InputError` for a malformed URL or an unknown driver and
    :class:`~rom.errors.StoreError` when a SQLite file's folder cannot be created.
    """
    text = database_url(url)
    try:
        parsed = make_url(text)
    except exc.ArgumentError:
        raise InputError(
            f"{ENV_URL}={text!r} is not a database URL; give e.g. "
            "postgresql+psycopg://user@host/dbname or a path to a .sqlite3 file"
        ) from None
    name = parsed.render_as_string(hide_password=True)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:":
            path = Path(db)
            name = str(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(
                    f"cannot create the database folder {path.parent} ({e.strerror}); "
                    f"set {ENV_URL} to a file in a folder you can write"
                ) from None
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
        raise InputError(
            f"cannot use the database {name}: {e}; for PostgreSQL install rom[postgres] "
            "and use a postgresql+psycopg:// URL"
        ) from None
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return Database(engine, name, _files_dir(parsed))


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        # A read-only or damaged file cannot switch to WAL: the first query then says why.
        with contextlib.suppress(Exception):
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("rom_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# --- errors ---------------------------------------------------------------------------


def _message(name: str, err: BaseException) -> str | None:
    text = str(getattr(err, "orig", None) or err).lower()
    if isinstance(err, OSError) and err.errno == errno.ENOSPC or "disk is full" in text:
        return (
            f"the disk is full while writing to {name}; nothing new was stored and nothing "
            "stored before was lost; free some space and run the command again"
        )
    if "database is locked" in text or "database table is locked" in text:
        return (
            f"the database {name} is locked by another program (waited {BUSY_TIMEOUT_S:.0f} s); "
            "wait for other rom processes to finish and run the command again"
        )
    if "readonly" in text or "read-only" in text or "permission denied" in text:
        return (
            f"the database {name} is read-only; make the file and its folder writable, or set "
            f"{ENV_URL} to a copy you can write"
        )
    if "unable to open database file" in text:
        return (
            f"cannot open the database {name}; check that its folder exists and is writable, "
            f"or set {ENV_URL} to another file"
        )
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return (
            f"{name} is not a rom database or is damaged; it was left untouched: restore it "
            f"from a backup, or set {ENV_URL} to another file"
        )
    if "connection refused" in text or "could not connect" in text or "connection failed" in text:
        return f"cannot connect to the database {name}; check that the server is running"
    if "does not exist" in text and ("database" in text or "role" in text):
        return f"cannot use the database {name}: {str(getattr(err, 'orig', err)).strip()}"
    return None


@contextmanager
def translate_errors(name: str) -> Iterator[None]:
    """Turn database and disk failures the user can act on into one :class:`StoreError`
    line naming the database; anything else propagates unchanged."""
    try:
        yield
    except (exc.OperationalError, exc.DatabaseError, exc.InterfaceError, OSError) as e:
        if isinstance(e, exc.IntegrityError):
            raise
        msg = _message(name, e)
        if msg is None:
            if isinstance(e, OSError) and not isinstance(e, exc.SQLAlchemyError):
                raise StoreError(f"cannot write beside the database {name}: {e}") from e
            detail = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            raise StoreError(f"database error on {name}: {detail}") from e
        raise StoreError(msg) from e
