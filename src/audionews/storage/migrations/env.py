"""Alembic's entry: migrate the connection audionews hands over (storage/database.py), or, from
Alembic's own command line (`alembic revision --autogenerate`, see DESIGN.md), the database
of the settings (DATABASE_URL, instance/config.toml)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from audionews.storage.tables import Base

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters a table by copying it: autogenerate writes batch operations for it
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
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
