"""Alembic's entry: migrate the connection audionews hands over (storage/database.py), or, from
Alembic's own command line (`alembic revision --autogenerate`, see DESIGN.md), the database
of the settings (DATABASE_URL, instance/config.toml)."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from audionews.storage.tables import Base

config = context.config


def _number_and_skip_empty(_context: Any, _revision: Any, directives: list[Any]) -> None:
    """Number a new migration after the head (0001, 0002, ...) unless --rev-id names it, and
    write none when autogenerate found nothing to change."""
    script = directives[0]
    if getattr(config.cmd_opts, "autogenerate", False) and script.upgrade_ops.is_empty():
        directives[:] = []
        print("The tables match the migrations: nothing to write.")
        return
    if not getattr(config.cmd_opts, "rev_id", None):
        head = ScriptDirectory.from_config(config).get_current_head()
        script.rev_id = f"{int(head or 0) + 1:04d}"


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters a table by copying it: autogenerate writes batch operations for it
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        process_revision_directives=_number_and_skip_empty,
    )


def _run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from audionews.config import load_settings
    from audionews.storage.database import engine_for

    given = config.file_config.has_option(config.config_ini_section, "sqlalchemy.url")
    url = config.get_main_option("sqlalchemy.url") if given else None
    url = url or load_settings().sqlalchemy_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine_for(url).connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


_run()
