"""The schema comes from Alembic's migrations: from an empty database on SQLite and PostgreSQL,
and from a database the code before migrations made (tests/data/databases)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import inspect

from audionews.cli import main
from audionews.config import Settings
from audionews.publish import accounts, jobs
from audionews.publish.library import Library
from audionews.storage import database
from audionews.storage.tables import Base
from postgres import TEMPLATE, PostgresServer
from publish_helpers import cli_environ, make_settings, publish, short_article

pytest_plugins = ["publish_fixtures"]

SRC = Path(__file__).resolve().parent.parent / "src"
BEFORE_MIGRATIONS = Path(__file__).parent / "data" / "databases" / "before-migrations.sql"


def _differences(settings: Settings) -> list[object]:
    """Return what autogenerate would change to make the database match the tables."""
    with database.engine_for(settings.sqlalchemy_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_schema_head_is_the_newest_migration() -> None:
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert head == database.SCHEMA_HEAD, (
        f"the newest migration is {head}: set storage/database.py's SCHEMA_HEAD to it"
    )


@pytest.fixture
def empty(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    """Settings of a database with no tables at all (SQLite, then PostgreSQL)."""
    if database_url:
        database_url = request.getfixturevalue("postgres").new_database()
    return make_settings(tmp_path, database_url=database_url)


def test_upgrade_from_empty_builds_exactly_the_tables(empty: Settings) -> None:
    found = database.engine_for(empty.sqlalchemy_url)
    assert database.schema_revision(found) is None and not inspect(found).get_table_names()
    assert database.upgrade(empty) == database.SCHEMA_HEAD
    assert _differences(empty) == [], "add a migration: see DESIGN.md, 'Changing the schema'"
    # and back down to nothing, and up again: every migration can be undone
    with database.connect(found) as connection:
        command.downgrade(database.alembic_config(connection), "base")
        connection.commit()
    assert inspect(found).get_table_names() == ["alembic_version"]
    database.forget_engines(empty.sqlalchemy_url)
    publish(empty, short_article())  # a first use migrates by itself
    assert (
        database.schema_revision(database.engine_for(empty.sqlalchemy_url)) == database.SCHEMA_HEAD
    )
    assert _differences(empty) == []
    database.forget_engines(empty.sqlalchemy_url)


def _database_before_migrations(settings: Settings) -> Path:
    path = settings.instance_dir / "audionews.db"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        db.executescript(BEFORE_MIGRATIONS.read_text())
    return path


def test_a_database_from_before_migrations_is_adopted_by_db_upgrade(fresh: Settings) -> None:
    path = _database_before_migrations(fresh)
    out = CliRunner().invoke(main, ["db", "upgrade"], env=cli_environ(fresh))
    assert out.exit_code == 0, out.output
    assert (
        f"database sqlite:///{path.resolve()} is at revision {database.SCHEMA_HEAD}" in out.output
    )
    assert _differences(fresh) == []
    # what it held is all there, and works
    (episode,) = Library(fresh).list_episodes()
    assert episode.slug == "bridge-reopens-after-repairs" and episode.revision == 1
    assert accounts.check_password(fresh, "ana", "correct horse battery staple")
    assert [t.name for t in accounts.list_tokens(fresh)] == ["cms"]
    assert [(j.action, j.state) for j in jobs.list_jobs(fresh)] == [("regenerate", "queued")]
    again = publish(fresh, short_article(" The council thanked the crews."), slug=episode.slug)
    assert again.episode.revision == 2 and again.episode.guid == episode.guid
    database.forget_engines(fresh.sqlalchemy_url)


def test_an_older_database_is_adopted_at_first_use_with_its_missing_columns(
    fresh: Settings,
) -> None:
    """A database from before `link` existed gets the columns, its rows the default."""
    path = _database_before_migrations(fresh)
    with sqlite3.connect(path) as db:
        for table, column in (("episodes", "link"), ("jobs", "source_url"), ("jobs", "link")):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("DROP TABLE login_throttle")  # as before the throttle existed
    (episode,) = Library(fresh).list_episodes()  # no command first: the library migrates
    assert episode.link == "" and jobs.list_jobs(fresh)[0].url == ""
    assert _differences(fresh) == []
    database.forget_engines(fresh.sqlalchemy_url)


def test_an_unreachable_database_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/x",
    }
    out = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert out.exit_code == 2
    assert "cannot open the database postgresql+psycopg://u:***@127.0.0.1:1/x" in out.output
    assert "pw" not in out.output and "Traceback" not in out.output


def test_two_processes_starting_at_once_migrate_one_after_the_other(empty: Settings) -> None:
    """Two machines started together on a new database: one creates the tables, the other
    finds them made (SQLite: the write lock; PostgreSQL: an advisory lock)."""
    environ = {**os.environ, **cli_environ(empty), "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "audionews", "db", "upgrade"]
    runs = [
        subprocess.Popen(
            command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        assert f"is at revision {database.SCHEMA_HEAD}" in out
    assert _differences(empty) == []
    database.forget_engines(empty.sqlalchemy_url)


def test_a_database_migrated_by_a_newer_version_is_one_line_exit_2(fresh: Settings) -> None:
    publish(fresh, short_article())
    with sqlite3.connect(fresh.instance_dir / "audionews.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")  # from the future
    database.forget_engines(fresh.sqlalchemy_url)
    out = CliRunner().invoke(main, ["list"], env=cli_environ(fresh))
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "is at a schema this version of audionews does not know" in out.output
    assert "'0099'" in out.output and "install that version here too" in out.output
    database.forget_engines(fresh.sqlalchemy_url)


@pytest.mark.postgres
def test_a_postgres_url_without_a_driver_uses_psycopg(postgres: PostgresServer) -> None:
    """Hosting platforms set DATABASE_URL=postgres://...: it means the bundled driver."""
    given = postgres.new_database(TEMPLATE).replace("postgresql+psycopg://", "postgres://")
    settings = Settings(database_url=given)
    assert database.engine(settings).dialect.driver == "psycopg"
    assert Library(settings).list_episodes() == []
    database.forget_engines(given)
