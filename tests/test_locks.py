"""The article lock is held in the database: another process (another machine, as far as the
lock can tell) waits for it, and gets it as soon as its holder dies, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from audionews.config import Settings
from audionews.publish import jobs
from audionews.storage import database, locks
from publish_helpers import cli_environ, make_settings

SRC = Path(__file__).resolve().parent.parent / "src"

#: A process that holds the article 'talks' until it is killed.
HOLDER = """
import sys, time
from audionews.config import load_settings
from audionews.publish import jobs
with jobs.hold_article(load_settings(), "talks"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


def _advisory_locks(settings: Settings) -> int:
    with database.engine(settings).connect() as connection:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        return int(connection.execute(text(query)).scalar_one())


def test_a_lock_held_by_another_process_waits_until_the_holder_dies(settings: Settings) -> None:
    environ = {**os.environ, **cli_environ(settings), "PYTHONPATH": str(SRC)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], env=environ, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        if settings.database_url:  # on PostgreSQL the lock is the server's
            assert _advisory_locks(settings) == 1
        assert not jobs._try_lock(settings, "talks", 0, "elsewhere", 1)
        assert jobs._try_lock(settings, "other", 0, "elsewhere", 1)  # only that article
        locks.article_locks(settings).release("other", locks.Owner("elsewhere", 1, 0))
        waited, got = threading.Event(), threading.Event()

        def change() -> None:
            with jobs.hold_article(settings, "talks", on_wait=waited.set):
                got.set()

        thread = threading.Thread(target=change)
        thread.start()
        assert waited.wait(10) and not got.wait(0.5)  # it waits while the holder lives
        os.kill(holder.pid, signal.SIGKILL)  # no release, no goodbye: the holder is gone
        holder.wait(10)
        started = time.monotonic()
        assert got.wait(10), "the lock of a dead process was never freed"
        thread.join(10)
        assert time.monotonic() - started < 5
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    if settings.database_url:
        assert _advisory_locks(settings) == 0  # released, the connection back in the pool


def test_each_database_gets_its_own_kind_of_lock(settings: Settings) -> None:
    kind = locks.AdvisoryLocks if settings.database_url else locks.RowLocks
    assert isinstance(locks.article_locks(settings), kind)
    # a slug's advisory key is fixed: every machine and every version must compute the same
    assert locks.advisory_key("talks") == 7081210054448956276 != locks.advisory_key("talk")


def test_many_articles_held_at_once_leave_the_database_usable(settings: Settings) -> None:
    """A worker running many jobs holds many articles: their locks must not use up the
    connections its queries need (PostgreSQL's are outside the pool)."""
    from contextlib import ExitStack

    with ExitStack() as held:
        for n in range(25):  # more than the pool's 5 + 10 connections
            held.enter_context(jobs._article_lock(settings, f"article-{n}", n + 1))
        if settings.database_url:
            assert _advisory_locks(settings) == 25
        assert jobs.list_jobs(settings) == []  # a query still gets a connection at once
    if settings.database_url:
        assert _advisory_locks(settings) == 0
