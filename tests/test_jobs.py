"""Background jobs: immediate mode, a real consumer process, locks, and killing the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

import audionews.worker
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.errors import InputError
from audionews.publish import jobs
from audionews.publish.library import Library
from audionews.storage import database, tables
from publish_helpers import publish, short_article

pytest_plugins = ["publish_fixtures"]

HERE = Path(__file__).resolve().parent
FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")
#: A correction that changes many sentences, so a slow worker is still busy when killed.
REWRITTEN = short_article(
    "".join(f" Crew {n} finished section {n} of the walkway." for n in range(1, 13))
)


@pytest.fixture
def immediate(fresh_on_each: Settings) -> Iterator[Settings]:
    """Settings whose jobs run at once, in this process, with the fake voice (on SQLite, then
    on PostgreSQL)."""
    audionews.worker.huey_for(fresh_on_each).immediate = True
    jobs.use_synthesizer(FakeSynthesizer)
    yield fresh_on_each
    jobs.use_synthesizer(None)


def test_immediate_publish_then_correct(immediate: Settings, tmp_path: Path) -> None:
    immediate = immediate.with_overrides(cache_dir=tmp_path / "own-clips")
    first = jobs.submit(immediate, "publish", source=short_article(), editor="ana")
    assert (first.state, first.revision, first.finished) == ("published", 1, True)
    assert first.total > 0 and first.done == first.total
    job = jobs.submit(
        immediate, "correct", slug=first.slug, source=FIXED, kind="correction", note="Day."
    )
    assert job.state == "published" and job.revision == 2
    assert job.synthesized == 3 and job.cached > 0  # "Correction.", "Day.", the sentence
    view = Library(immediate).get_episode(first.slug)
    assert view.current.editor == "job" and view.notices[0].text == "Day."
    data = job.to_dict()
    assert data["state"] == "published" and data["sentences_done"] == data["sentences_total"]
    assert [j.id for j in jobs.list_jobs(immediate, first.slug)] == [job.id, first.id]


def test_bad_input_is_refused_and_failures_keep_the_reason(immediate: Settings) -> None:
    with pytest.raises(InputError):
        jobs.submit(immediate, "publish", source=b"\x00\x01", filename="a.pdf")
    with pytest.raises(InputError, match="unknown action"):
        jobs.submit(immediate, "explode", slug="x")
    failed = jobs.submit(immediate, "regenerate", slug="no-such-episode")
    assert failed.state == "failed" and "no published episode" in failed.message
    assert not _held(immediate)


def _locks(settings: Settings) -> list[str]:
    """Return the articles locked in SQLite's lock table."""
    with database.session(settings) as s:
        return list(s.scalars(select(tables.ArticleLock.key)))


def _held(settings: Settings) -> int:
    """Return how many article locks are held (PostgreSQL: advisory locks; SQLite: rows)."""
    if not settings.database_url:
        return len(_locks(settings))
    with database.engine(settings).connect() as connection:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        return int(connection.execute(text(query)).scalar_one())


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_one_job_per_article_and_dead_owners_lose_the_lock(fresh: Settings) -> None:
    with jobs._article_lock(fresh, "talks", 1):
        assert not jobs._try_lock(fresh, "talks", 2, "host", os.getpid())
        assert jobs._try_lock(fresh, "other", 2, "host", os.getpid())
    assert _locks(fresh) == ["other"]
    import socket

    with database.session(fresh) as s:
        lock = s.get(tables.ArticleLock, "other")
        assert lock is not None
        lock.pid, lock.host, lock.job_id = _dead_pid(), socket.gethostname(), 7
    assert jobs._try_lock(fresh, "other", 3, socket.gethostname(), os.getpid())
    with database.session(fresh) as s:
        lock = s.get(tables.ArticleLock, "other")
        assert lock is not None and lock.job_id == 3


def test_recover_requeues_then_fails_jobs_of_dead_workers(immediate: Settings) -> None:
    job = jobs.submit(immediate, "publish", source=short_article())
    import socket

    for attempts, expected in ((1, "published"), (jobs.MAX_ATTEMPTS, "failed")):
        with database.session(immediate) as s:
            row = s.get(tables.Job, job.id)
            assert row is not None
            row.state, row.attempts, row.pid = "running", attempts, _dead_pid()
            row.host, row.heartbeat = socket.gethostname(), time.time()
        assert jobs.get_job(immediate, job.id).state == expected  # never stuck "running"


def _worker(settings: Settings, delay: float) -> subprocess.Popen[bytes]:
    root = settings.instance_dir.parent
    return subprocess.Popen(
        [
            sys.executable,
            str(HERE / "jobs_worker.py"),
            str(root),
            str(settings.cache_dir),
            str(delay),
            *([f"database_url={settings.database_url}"] if settings.database_url else []),
        ],
        cwd=HERE.parent,
    )


def _wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def test_a_real_consumer_runs_jobs(fresh: Settings) -> None:
    slug = publish(fresh, short_article()).episode.slug
    worker = _worker(fresh, 0.0)
    try:
        job = jobs.submit(fresh, "correct", slug=slug, source=FIXED, note="Day fixed.")
        _wait_for(lambda: jobs.get_job(fresh, job.id).finished)
        done = jobs.get_job(fresh, job.id)
        assert done.state == "published" and done.revision == 2, done.message
    finally:
        worker.terminate()
        worker.wait(10)
    assert Library(fresh).get_episode(slug).revision == 2


def test_killing_the_worker_mid_job_keeps_the_site_and_retries(fresh_on_each: Settings) -> None:
    fresh = fresh_on_each
    before = publish(fresh, short_article()).episode
    served = fresh.feed_dir / "episodes" / before.slug / before.mp3.name
    worker = _worker(fresh, 0.3)
    try:
        job = jobs.submit(fresh, "correct", slug=before.slug, source=REWRITTEN, note="More.")

        def busy() -> bool:
            now = jobs.get_job(fresh, job.id)
            return now.state == "running" and now.done > 0 and now.done < now.total - 3

        _wait_for(busy)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    # the last published revision is still what is served, the database still reads
    view = Library(fresh).get_episode(before.slug)
    assert view.revision == 1 and view.mp3.url == before.mp3.url and served.is_file()
    assert before.mp3.url.split("/")[-1] in (fresh.feed_dir / "feed.xml").read_text()
    # the dead worker's job is requeued at the next look, not left "running"
    after = jobs.get_job(fresh, job.id)
    assert after.state == "queued" and "stopped" in after.message
    _wait_for(lambda: not _held(fresh), timeout=10)  # PostgreSQL: once it sees the end
    worker = _worker(fresh, 0.0)
    try:
        _wait_for(lambda: jobs.get_job(fresh, job.id).finished)
    finally:
        worker.terminate()
        worker.wait(10)
    final = jobs.get_job(fresh, job.id)
    assert final.state == "published" and final.attempts == 2, final.message
    view = Library(fresh).get_episode(before.slug)
    assert view.revision == 2 and served.is_file()
    assert (fresh.feed_dir / "episodes" / view.slug / view.mp3.name).is_file()


def test_redis_url_selects_redis(fresh: Settings) -> None:
    from huey import RedisHuey

    huey = jobs.huey_for(fresh.with_overrides(redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(huey, RedisHuey)
    assert any(k.endswith(jobs.TASK_NAME) for k in huey._registry._registry)  # same code


def test_recover_removes_staging_left_by_killed_builds(fresh: Settings) -> None:
    staging = fresh.instance_dir / "staging"
    old, young = staging / "tmp-old", staging / "tmp-young"
    old.mkdir(parents=True)
    young.mkdir()
    stale = time.time() - jobs.STAGING_MAX_AGE_S - 60
    os.utime(old, (stale, stale))
    jobs.recover(fresh)
    assert not old.exists() and young.is_dir()


def test_two_jobs_for_one_article_never_run_at_once(
    fresh_on_each: Settings, tmp_path: Path
) -> None:
    """Run two queued jobs of the same article in two threads; their builds must not overlap."""
    import threading

    fresh = fresh_on_each.with_overrides(cache_dir=tmp_path / "own-clips")  # each synthesizes
    slug = publish(fresh, short_article()).episode.slug
    active, overlaps = [0], [0]
    guard = threading.Lock()

    class Watching(FakeSynthesizer):
        def synthesize(self, speech: str) -> Any:
            with guard:
                active[0] += 1
                overlaps[0] = max(overlaps[0], active[0])
            time.sleep(0.05)
            with guard:
                active[0] -= 1
            return super().synthesize(speech)

    jobs.use_synthesizer(Watching)
    try:
        first = jobs.submit(fresh, "correct", slug=slug, source=REWRITTEN, note="One.")
        second = jobs.submit(fresh, "correct", slug=slug, source=FIXED, note="Two.")
        threads = [
            threading.Thread(target=audionews.worker.run_job, args=(fresh, j.id))
            for j in (first, second)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        jobs.use_synthesizer(None)
    assert overlaps[0] == 1
    states = {jobs.get_job(fresh, j.id).state for j in (first, second)}
    assert states == {"published"} and Library(fresh).get_episode(slug).revision == 3


def test_a_command_holding_the_article_makes_jobs_wait(fresh: Settings) -> None:
    import threading

    slug = publish(fresh, short_article()).episode.slug
    jobs.use_synthesizer(FakeSynthesizer)
    try:
        job = jobs.submit(fresh, "regenerate", slug=slug)  # queued: no consumer here
        with jobs.hold_article(fresh, slug):
            thread = threading.Thread(target=audionews.worker.run_job, args=(fresh, job.id))
            thread.start()
            time.sleep(0.6)
            waiting = jobs.get_job(fresh, job.id)
            assert waiting.state == "running" and "waiting" in waiting.message
        thread.join(30)
    finally:
        jobs.use_synthesizer(None)
    assert jobs.get_job(fresh, job.id).state == "published" and not _locks(fresh)
