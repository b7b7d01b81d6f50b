"""Alembic environment for rom's database. rom runs the migrations itself at start
(:func:`rom.store.migrate.ensure_schema`) on a connection it passes in; running
``alembic`` by hand is not needed."""

from __future__ import annotations

from alembic import context

from rom.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - rom always passes its own connection
    raise RuntimeError("rom's migrations run from rom.store.migrate.ensure_schema")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
