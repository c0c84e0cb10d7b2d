"""The database: one engine per DATABASE_URL per process, sessions, and the schema kept at the
head of the Alembic migrations in storage/migrations.

SQLite (the default, instance/audionews.db) and PostgreSQL (`postgresql+psycopg://...`) run the
same code: no statement here or in the callers is written for one dialect only. What differs
is set up once per engine (SQLite's pragmas) or chosen from a table (the article lock,
storage/locks.py).

The schema is brought to the head revision the first time a process uses a database (one
query when it is there already), so every command, the worker and the web app work on a
database made by any earlier version; `audionews db upgrade` does the same on purpose.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from audionews.config import Settings, private_file
from audionews.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest migration (storage/migrations/versions). Written here so that a process whose
#: database is current never imports Alembic; tests/test_migrations.py checks it is the head.
SCHEMA_HEAD = "0004"
#: Where Alembic finds the migrations: inside the package, so an installed copy has them.
MIGRATIONS = "audionews.storage:migrations"
#: Key of the PostgreSQL advisory lock held while migrating: two machines starting at once
#: migrate one after the other (an arbitrary constant, the same in every version).
MIGRATION_LOCK_KEY = 0x617564696F6E6577  # "audionew"

_ENGINES: dict[str, Engine] = {}
_CURRENT: set[str] = set()
#: Two threads opening one new database at once would both migrate it (and one fail).
_LOCK = threading.Lock()


def engine_for(url: str) -> Engine:
    """Return the process's engine for `url`, as it is (no schema check: see `engine`)."""
    found = _ENGINES.get(url)
    if found is not None:
        return found
    with _LOCK:
        found = _ENGINES.get(url)
        if found is None:
            found = _ENGINES[url] = _create(url)
    return found


def sqlite_file(url: str) -> Path | None:
    """Return the file of an SQLite database URL (None for another database or in memory)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def make_private(settings: Settings) -> None:
    """Make an SQLite database file the owner's only (one made by an older version too)."""
    path = sqlite_file(settings.sqlalchemy_url)
    if path is not None:
        private_file(path)


#: The URL schemes of PostgreSQL that name no driver, as hosting platforms write DATABASE_URL:
#: SQLAlchemy would look for psycopg2 (or refuses "postgres"); audionews ships psycopg 3.
POSTGRES_SCHEMES = ("postgres://", "postgresql://")
POSTGRES_DRIVER = "postgresql+psycopg://"


def _with_driver(url: str) -> str:
    for scheme in POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return POSTGRES_DRIVER + url.removeprefix(scheme)
    return url


def _create(url: str) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        private_file(path)  # before the driver creates it 0644
    try:
        # pre-ping: a server restart or an idle timeout closes pooled PostgreSQL connections
        made = create_engine(_with_driver(url), pool_pre_ping=not url.startswith("sqlite"))
    except (ArgumentError, ImportError, ValueError) as exc:  # bad URL, unknown dialect or driver
        raise ConfigError(
            f"database_url {display_url(url)!r} cannot be used ({exc}): use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST/NAME"
        ) from None
    if made.dialect.name == "sqlite":
        event.listen(made, "connect", _sqlite_pragmas)
    return made


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the server read while the CLI publishes; busy_timeout waits for the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def engine(settings: Settings) -> Engine:
    """Return the engine of the settings' database, its schema brought to the head first."""
    url = settings.sqlalchemy_url
    found = engine_for(url)
    if url not in _CURRENT:
        with _LOCK:
            if url not in _CURRENT:
                if schema_revision(found) != SCHEMA_HEAD:
                    _upgrade(found)
                _CURRENT.add(url)
    return found


def forget_engines(url: str | None = None) -> None:
    """Close the engine of `url` (default: every engine) and forget it, as a new process
    would start without it (tests)."""
    with _LOCK:
        for known in [url] if url is not None else list(_ENGINES):
            found = _ENGINES.pop(known, None)
            if found is not None:
                found.dispose()
            _CURRENT.discard(known)


def sessions(settings: Settings) -> sessionmaker[Session]:
    """Return a session factory of the settings' database (objects stay usable after commit)."""
    return sessionmaker(engine(settings), expire_on_commit=False)


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    """Yield a session in a transaction (committed on success, rolled back on error)."""
    with sessions(settings)() as s, s.begin():
        yield s


# --------------------------------------------------------------------------- migrations


def schema_revision(found: Engine) -> str | None:
    """Return the Alembic revision the database is at (None: never migrated, or empty)."""
    with connect(found) as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no such table
            return None


def connect(found: Engine) -> Connection:
    """Return a new connection, or raise ConfigError saying which database cannot be reached."""
    try:
        return found.connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(
            f"cannot open the database {display_url(found.url)} ({reason}): check DATABASE_URL "
            "(database_url) and that the database server is running"
        ) from None


def display_url(url: URL | str) -> str:
    """Return a database URL as it may be shown: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL at all: nothing to hide in it
        return str(url)


def upgrade(settings: Settings) -> str:
    """Apply the migrations the settings' database lacks; return the revision it is at now."""
    found = engine_for(settings.sqlalchemy_url)
    with _LOCK:
        _upgrade(found)
        _CURRENT.add(settings.sqlalchemy_url)
    revision = schema_revision(found)
    assert revision is not None
    return revision


def _upgrade(found: Engine, target: str = "head") -> None:
    """Run the migrations up to `target` in one transaction, one process at a time.

    An empty database gets every table from the first migration; a database made before
    migrations existed (tables created at start, columns added by ALTER TABLE) is adopted by
    that same migration, which creates only what is missing.
    """
    from alembic import command
    from alembic.util import CommandError

    with connect(found) as connection:
        _begin_exclusive(connection)
        try:
            command.upgrade(alembic_config(connection), target)
        except CommandError as exc:  # at a revision this version has never heard of
            raise ConfigError(
                f"the database {display_url(found.url)} is at a schema this version of "
                f"audionews does not know ({exc}): a newer version migrated it; install that "
                "version here too (every machine runs the same one)"
            ) from None
        connection.commit()


def _begin_exclusive(connection: Connection) -> None:
    """Start the migration's transaction so that no other process migrates meanwhile."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # Python's sqlite3 starts no transaction before DDL by itself; this one takes the
        # write lock at once, and SQLite's DDL is transactional
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def alembic_config(connection: Connection | None = None) -> Config:
    """Return Alembic's configuration for the packaged migrations (on `connection` if given)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if connection is not None:
        config.attributes["connection"] = connection
    return config
