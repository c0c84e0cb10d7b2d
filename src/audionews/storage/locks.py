"""The article lock, held in the database so that it excludes across processes and machines.

One interface, `ArticleLocks`, with one implementation per database, chosen by the engine's
dialect (`LOCKS`):

- PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) on a connection kept for
  the owner while it holds the article. The server drops it the moment that connection ends,
  so an owner that dies (SIGKILL, a machine gone) releases it without anyone noticing first.
- SQLite: a row of `article_locks` naming the owner (host, pid, job) with a heartbeat; a row
  whose owner process is gone, or whose heartbeat is older than STALE_AFTER_S, is taken over.

Waiting, re-entrance and the job's own bookkeeping stay with the caller (publish/jobs.py).
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from audionews.config import Settings
from audionews.storage import database, tables

#: A row lock whose owner has not written for this long is considered dead.
STALE_AFTER_S = 30.0


@dataclass(frozen=True)
class Owner:
    """Who holds a lock: a host, a process, a job (0: outside the queue) and, outside the
    queue, the thread: two threads of one process changing one article (a command, a test)
    must exclude each other like two processes do."""

    host: str
    pid: int
    job_id: int
    thread: int = 0

    @classmethod
    def current(cls, job_id: int) -> Owner:
        """Return the owner for `job_id` in this thread of this process on this host."""
        thread = 0 if job_id else threading.get_ident()
        return cls(socket.gethostname(), os.getpid(), job_id, thread)

    @property
    def name(self) -> str:
        """Return the owner as stored: "<host>:<pid>:<job id>[:<thread>]"."""
        return f"{self.host}:{self.pid}:{self.job_id}" + (f":{self.thread}" if self.thread else "")


def is_stale(host: str, pid: int, heartbeat: float, now: float | None = None) -> bool:
    """Return True when the process that owns something is gone or silent for too long."""
    if host == socket.gethostname() and pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, someone else's
    return (now or time.time()) - heartbeat > STALE_AFTER_S


class ArticleLocks(Protocol):
    """Exclusive ownership of an article (by its key, the slug) across every process."""

    def try_acquire(self, key: str, owner: Owner) -> bool:
        """Take the article for `owner` if nobody else holds it; never wait."""

    def release(self, key: str, owner: Owner) -> None:
        """Give the article up (nothing happens if `owner` does not hold it)."""

    def beat(self, owner: Owner) -> None:
        """Show that `owner` is alive and still holds its articles."""

    def forget_job(self, job_id: int) -> None:
        """Release whatever a job whose worker died held."""


class RowLocks:
    """SQLite's lock: a row per held article (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine)

    def try_acquire(self, key: str, owner: Owner) -> bool:
        now = time.time()
        row = tables.ArticleLock(
            key=key,
            job_id=owner.job_id,
            owner=owner.name,
            pid=owner.pid,
            host=owner.host,
            heartbeat=now,
        )
        try:
            with self._sessions.begin() as s:
                s.add(row)
            return True
        except IntegrityError:
            pass
        with self._sessions.begin() as s:
            held = s.get(tables.ArticleLock, key)
            if held is None:
                return False  # released in between: try again
            if held.owner != owner.name and not is_stale(held.host, held.pid, held.heartbeat, now):
                return False  # a live process holds it (even an earlier attempt of this job)
            # its owner is dead or silent: take it over (compare-and-set)
            taken = s.execute(
                update(tables.ArticleLock)
                .where(tables.ArticleLock.key == key, tables.ArticleLock.owner == held.owner)
                .values(
                    job_id=owner.job_id,
                    owner=owner.name,
                    pid=owner.pid,
                    host=owner.host,
                    heartbeat=now,
                )
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def release(self, key: str, owner: Owner) -> None:
        with self._sessions.begin() as s:
            s.execute(
                delete(tables.ArticleLock).where(
                    tables.ArticleLock.key == key, tables.ArticleLock.owner == owner.name
                )
            )

    def beat(self, owner: Owner) -> None:
        with self._sessions.begin() as s:
            s.execute(
                update(tables.ArticleLock)
                .where(tables.ArticleLock.owner == owner.name)
                .values(heartbeat=time.time())
            )

    def forget_job(self, job_id: int) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(tables.ArticleLock).where(tables.ArticleLock.job_id == job_id))


#: Advisory lock keys are 64-bit numbers; an article's is derived from its key, within a
#: namespace of ours so that other users of the same database pick other numbers.
_ADVISORY_NAMESPACE = b"audionews article lock:"


def advisory_key(key: str) -> int:
    """Return the advisory lock number of the article `key` (signed 64 bits, as PostgreSQL's)."""
    digest = hashlib.sha256(_ADVISORY_NAMESPACE + key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLocks:
    """PostgreSQL's lock: a session-level advisory lock per held article, each on a connection
    of its own, opened for it outside the pool: a job holds its article for minutes, and a
    worker running many jobs must not take the connections its queries need."""

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(engine.url, poolclass=NullPool)
        self._held: dict[tuple[str, str], Connection] = {}
        self._guard = threading.Lock()

    def try_acquire(self, key: str, owner: Owner) -> bool:
        connection = self._engine.connect()
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(key)}
            ).scalar()
            connection.commit()  # a session-level lock outlives the transaction
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        with self._guard:
            self._held[(key, owner.name)] = connection
        return True

    def release(self, key: str, owner: Owner) -> None:
        with self._guard:
            connection = self._held.pop((key, owner.name), None)
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(key)})
            connection.commit()
        except DBAPIError:
            pass  # the connection broke, and the server dropped its locks with it
        finally:
            connection.close()  # and ending the connection would release it anyway

    def beat(self, owner: Owner) -> None:
        pass  # the held connection is the proof of life

    def forget_job(self, job_id: int) -> None:
        pass  # the dead worker's connections, and their locks, ended with it


#: The article lock of each database: dialect name -> implementation.
LOCKS: dict[str, type[RowLocks] | type[AdvisoryLocks]] = {
    "postgresql": AdvisoryLocks,
    "sqlite": RowLocks,
}

_BY_URL: dict[str, tuple[Engine, ArticleLocks]] = {}
_BY_URL_LOCK = threading.Lock()


def article_locks(settings: Settings) -> ArticleLocks:
    """Return the article locks of the settings' database (one object per engine)."""
    engine = database.engine(settings)
    url = settings.sqlalchemy_url
    found = _BY_URL.get(url)
    if found is None or found[0] is not engine:
        with _BY_URL_LOCK:
            found = _BY_URL.get(url)
            if found is None or found[0] is not engine:
                kind = LOCKS.get(engine.dialect.name, RowLocks)  # any other database: rows
                found = _BY_URL[url] = (engine, kind(engine))
    return found[1]
