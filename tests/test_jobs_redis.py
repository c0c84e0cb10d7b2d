"""Jobs on a real Redis server (RedisHuey), run by a worker with settings of its own.

A worker on another machine shares the database, the queue and the public files with the web
host, and nothing else: the message names the job, and the worker reads the job's row and does
the work with its own instance folder and clip cache.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from audionews.config import Settings
from audionews.publish import jobs
from audionews.publish.library import Library
from publish_helpers import make_settings, short_article

pytest_plugins = ["publish_fixtures", "redis_server"]
pytestmark = pytest.mark.redis

HERE = Path(__file__).resolve().parent
FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")


def _shared(tmp_path: Path, redis_url: str) -> dict[str, object]:
    shared = tmp_path / "shared"
    shared.mkdir()
    return {
        "redis_url": redis_url,
        "database_url": f"sqlite:///{shared / 'library.db'}",
        "feed_dir": shared / "feed",
    }


def _worker(tmp_path: Path, shared: dict[str, object]) -> subprocess.Popen[bytes]:
    overrides = [f"{name}={value}" for name, value in shared.items()]
    root, clips = tmp_path / "worker", tmp_path / "worker-clips"
    command = [sys.executable, str(HERE / "jobs_worker.py"), str(root), str(clips), "0", *overrides]
    return subprocess.Popen(command, cwd=HERE.parent)


def _wait_finished(settings: Settings, job_id: int, timeout: float = 60.0) -> jobs.JobView:
    deadline = time.monotonic() + timeout
    while not (view := jobs.get_job(settings, job_id)).finished:
        assert time.monotonic() < deadline, f"job {job_id} still {view.state}: {view.message}"
        time.sleep(0.05)
    return view


def test_a_redis_job_names_only_the_job_and_runs_with_the_workers_settings(
    tmp_path: Path, redis_db: str
) -> None:
    shared = _shared(tmp_path, redis_db)
    web = make_settings(tmp_path / "web", tmp_path / "web-clips").with_overrides(**shared)
    job = jobs.submit(web, "publish", source=short_article(), editor="ana")
    assert job.state == "queued"

    huey = jobs.huey_for(web)
    pending = huey.pending()
    assert [(task.args, task.kwargs) for task in pending] == [((job.id,), {})]
    raw = b"".join(huey.storage.enqueued_items())
    assert str(tmp_path).encode() not in raw  # no folder of the web host travels with it

    worker = _worker(tmp_path, shared)
    try:
        done = _wait_finished(web, job.id)
        assert (done.state, done.revision) == ("published", 1), done.message
        correction = jobs.submit(web, "correct", slug=done.slug, source=FIXED, note="Day.")
        fixed = _wait_finished(web, correction.id)
        assert (fixed.state, fixed.revision) == ("published", 2), fixed.message
        # "Update.", the note and the changed sentence; the rest from the worker's own cache
        assert fixed.synthesized == 3 and fixed.cached > 0
    finally:
        worker.terminate()
        worker.wait(10)

    view = Library(web).get_episode(done.slug)
    assert view.revision == 2
    assert (web.feed_dir / "episodes" / view.slug / view.mp3.name).is_file()
    # the work happened in the worker's folders, none in the web host's
    assert any((tmp_path / "worker-clips").rglob("*")), "the worker cached no clip"
    assert not (tmp_path / "web-clips").exists()
    assert not (web.instance_dir / "staging").exists()
