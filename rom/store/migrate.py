"""Bringing the database's schema to this rom's version, at start.

The migrations ship inside the package (``rom/store/migrations``, Alembic). On every start
rom reads the database's revision: at this rom's head, nothing happens; older (or a new,
empty database), the missing migrations run in one transaction that holds the write lock
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so two rom processes
starting together never migrate twice, and a failed migration leaves the old schema as it
was; a revision this rom does not know (a newer rom wrote it) is refused, untouched.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from rom.errors import StoreError
from rom.store.engine import Database, translate_errors

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD_REVISION", "ensure_schema", "head_revision", "revision_of"]

#: The newest migration in ``migrations/versions`` (a test checks it): a database already
#: at this revision is used without loading Alembic at all (faster start).
HEAD_REVISION = "0003"

#: Arbitrary constant key of the PostgreSQL advisory lock taken while migrating.
_PG_LOCK_KEY = 7_242_115_001


def _config() -> Config:
    from alembic.config import Config

    where = Path(str(resources.files("rom.store") / "migrations"))
    cfg = Config()
    cfg.set_main_option("script_location", str(where))
    return cfg


def head_revision() -> str:
    """The newest schema revision this rom knows, from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _current(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def revision_of(db: Database) -> str | None:
    """The database's schema revision (None for an empty database)."""
    with db.read() as conn:
        return _current(conn)


def _check_known(db: Database, current: str | None, conn: sa.Connection) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    script = ScriptDirectory.from_config(_config())
    if current is None:
        tables = set(sa.inspect(conn).get_table_names())
        if tables:
            raise StoreError(
                f"{db.name} holds other tables ({', '.join(sorted(tables)[:3])}...) and is "
                "not a rom database; it was left untouched: set ROM_DATABASE_URL to another "
                "database"
            )
        return
    try:
        script.get_revision(current)
    except CommandError:
        raise StoreError(
            f"{db.name} was written by a newer version of rom (schema {current!r}, this rom "
            f"knows up to {head_revision()!r}); it was left untouched: upgrade rom "
            "(pip install -U) to use it"
        ) from None


def ensure_schema(db: Database) -> str:
    """Upgrade ``db`` to this rom's head revision if it is older; return the revision.

    Raises :class:`~rom.errors.StoreError` for a database from a newer rom, a database
    that is not rom's, or one that cannot be read or written (locked, read-only, damaged).
    """
    with db.read() as conn:
        current = _current(conn)
        if current == HEAD_REVISION:
            return HEAD_REVISION
        _check_known(db, current, conn)
    from alembic import command

    head = head_revision()
    with db.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        current = _current(conn)  # another process may have migrated meanwhile
        _check_known(db, current, conn)
        if current != head:
            cfg = _config()
            cfg.attributes["connection"] = conn
            with translate_errors(db.name):
                command.upgrade(cfg, "head")
    return head
