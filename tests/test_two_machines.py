"""Two machines on one: a web host and two workers that share only PostgreSQL, Redis and an
object store (moto's S3 server), each with an instance folder of its own.

Twelve articles go in through the API at once, six corrections follow while the rest still
build, and one worker is SIGKILLed mid-job and started again. Afterwards every article is
published once and every revision exactly once, the feed in the store names only complete
objects of the sizes the database records, and a correction made by the other worker than the
article's first build synthesized only the changed sentences (the shared clip cache).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import httpx
import podcastparser
import pytest

from audionews.config import Settings
from audionews.publish import accounts, jobs, pronunciations
from audionews.publish.library import Library
from live_server import serving
from postgres import PostgresServer
from publish_helpers import PUBLIC_URL, make_settings

pytest_plugins = ["redis_server", "s3_server"]
pytestmark = [pytest.mark.postgres, pytest.mark.redis]

HERE = Path(__file__).resolve().parent
ARTICLES = 12
CORRECTED = 6
#: Each sentence takes this long on the workers' (fake) voice, so a kill lands mid-job.
SECONDS_PER_SENTENCE = 0.15

ARTICLE = """CITY
{town} opens its new library
The {town} library opens on Saturday after two years of building work.

The building holds sixty thousand books and a workshop for children. Volunteers moved the \
collection over four weekends. The mayor of {town} will cut the ribbon at ten o'clock.

Opening hours are longer than before, until eight in the evening on weekdays.
"""
TOWNS = [
    "Arden", "Belmont", "Carrow", "Dunmore", "Elmstead", "Fairholt",
    "Glenview", "Harwick", "Ivybridge", "Jarrow", "Kilbride", "Lonsdale",
]  # fmt: skip


def _article(town: str, hours: str = "eight") -> str:
    return ARTICLE.format(town=town).replace("until eight", f"until {hours}")


@pytest.fixture
def machines(
    tmp_path: Path, postgres: PostgresServer, redis_db: str, s3_bucket: str
) -> Iterator[dict[str, Any]]:
    """What the machines share (settings and environment), and the web host's settings.

    s3_bucket has set the AWS_* variables of this process, which the machines inherit."""
    from audionews.storage import database

    shared: dict[str, Any] = {
        "database_url": postgres.new_database(),
        "redis_url": redis_db,
        "public_store": f"s3://{s3_bucket}/site",
        "cache_store": f"s3://{s3_bucket}/cache",
    }
    web = make_settings(tmp_path / "web").with_overrides(**shared)
    environ = {
        "REDIS_URL": redis_db,
        "AUDIONEWS_PUBLIC_STORE": shared["public_store"],
        "AUDIONEWS_CACHE_STORE": shared["cache_store"],
    }
    yield {"shared": shared, "web": web, "environ": environ, "root": tmp_path}
    database.forget_engines(shared["database_url"])


def _worker(machines: dict[str, Any], name: str) -> subprocess.Popen[bytes]:
    """Start a worker "machine": its own instance folder and clip cache, the shared services."""
    root: Path = machines["root"] / name
    overrides = [f"{key}={value}" for key, value in machines["shared"].items()]
    command = [sys.executable, str(HERE / "jobs_worker.py"), str(root), str(root / "clips"),
               str(SECONDS_PER_SENTENCE), *overrides]  # fmt: skip
    return subprocess.Popen(command, cwd=HERE.parent, env={**os.environ, **machines["environ"]})


def _wait(check: Callable[[], bool], timeout: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _objects(bucket: str, prefix: str) -> dict[str, int]:
    s3 = boto3.client("s3")
    found: dict[str, int] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found |= {o["Key"].removeprefix(prefix): o["Size"] for o in page.get("Contents", [])}
    return found


def test_two_workers_share_only_the_database_the_queue_and_the_store(
    machines: dict[str, Any], s3_bucket: str
) -> None:
    web: Settings = machines["web"]
    token = accounts.add_token(web, "cms")
    # saved on the web host, spoken by the workers (the lexicon is the database's, not a file's)
    pronunciations.save_entry(web, "library", "LY-brer-ee")
    headers = {"Authorization": f"Bearer {token}"}
    workers = {"a": _worker(machines, "a"), "b": _worker(machines, "b")}
    try:
        with serving(web, env=machines["environ"]) as base, httpx.Client(base_url=base) as api:

            def post(town: str) -> int:
                answer = api.post(
                    "/api/v1/articles", headers=headers, json={"text": _article(town)}
                )
                assert answer.status_code == 202, answer.text
                return int(answer.json()["id"])

            with ThreadPoolExecutor(ARTICLES) as pool:  # all at once
                created = list(pool.map(post, TOWNS))
            by_id = {job_id: town for job_id, town in zip(created, TOWNS, strict=True)}

            def done(job_id: int) -> bool:
                return bool(jobs.get_job(web, job_id).finished)

            first = created[:CORRECTED]
            _wait(lambda: all(done(j) for j in first), what="the first articles")
            slugs = {j: jobs.get_job(web, j).slug for j in first}

            def put(job_id: int) -> int:
                text = _article(by_id[job_id], hours="nine")
                answer = api.put(
                    f"/api/v1/articles/{slugs[job_id]}", headers=headers,
                    json={"text": text, "note": "Opening hours corrected."},
                )  # fmt: skip
                assert answer.status_code == 202, answer.text
                return int(answer.json()["id"])

            with ThreadPoolExecutor(CORRECTED) as pool:
                corrections = list(pool.map(put, first))

            # kill worker "a" in the middle of a job, then start it again
            def a_is_busy() -> bool:
                running = [jobs.get_job(web, j) for j in [*created, *corrections]]
                return any(
                    v.state == "running" and 0 < v.done < v.total
                    for v in running
                    if _pid_of(web, v.id) == workers["a"].pid
                )

            _wait(a_is_busy, what="worker a to be mid-job")
            workers["a"].send_signal(signal.SIGKILL)
            workers["a"].wait(10)
            workers["a"] = _worker(machines, "a")

            every = [*created, *corrections]
            _wait(lambda: all(done(j) for j in every), timeout=240, what="every job")
            views = {j: jobs.get_job(web, j) for j in every}
            assert all(v.state == "published" for v in views.values()), [
                (v.id, v.message) for v in views.values() if v.state != "published"
            ]
            assert any(v.attempts == 2 for v in views.values())  # the killed job, run again

            # one more correction, on worker b alone, of an article worker a built first
            workers["a"].terminate()
            workers["a"].wait(10)
            built_by_a = [j for j in created[CORRECTED:] if _pid_of(web, j) != workers["b"].pid]
            assert built_by_a, "worker a built none of the articles"
            slug = views[built_by_a[0]].slug
            text = _article(by_id[built_by_a[0]], hours="ten")
            answer = api.put(f"/api/v1/articles/{slug}", headers=headers, json={"text": text})
            last = int(answer.json()["id"])
            _wait(lambda: done(last), what="the correction on worker b")
            across = jobs.get_job(web, last)
            assert across.state == "published", across.message
            # only the changed sentence (no note, so no notice to speak); the rest from the clips
            # worker a shared
            assert across.synthesized == 1 and across.cached > 0
            feed = api.get("/feed.xml").content
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                process.wait(10)

    # every article published once, every revision exactly once
    library = Library(web)
    episodes = library.list_episodes()
    assert sorted(e.title for e in episodes) == sorted(f"{t} opens its new library" for t in TOWNS)
    for episode in episodes:
        numbers = [r.number for r in episode.revisions]
        assert numbers == list(range(1, len(numbers) + 1))
    assert sum(len(e.revisions) for e in episodes) == ARTICLES + CORRECTED + 1

    # the feed (as served, and as stored) names only complete objects of the recorded sizes
    stored = _objects(s3_bucket, "site/")
    body = boto3.client("s3").get_object(Bucket=s3_bucket, Key="site/feed.xml")["Body"].read()
    assert body == feed
    parsed = podcastparser.parse(f"{PUBLIC_URL}/feed.xml", io.BytesIO(body))
    assert len(parsed["episodes"]) == ARTICLES
    for item in parsed["episodes"]:
        (enclosure,) = item["enclosures"]
        key = enclosure["url"].removeprefix(f"{PUBLIC_URL}/")
        assert stored[key] == enclosure["file_size"]
    # the database agrees with the store: every current file there, at its size
    for episode in episodes:
        for item in episode.files.values():
            assert stored[f"episodes/{episode.slug}/{item.name}"] == item.size
    # no machine kept public files of its own, nor state the others need
    for name in ("web", "a", "b"):
        assert not (machines["root"] / name / "feed").exists()
        for kept in ("secret_key", "feeds.generation"):
            assert not (machines["root"] / name / "instance" / kept).exists()
    for episode in episodes:
        assert "LY-brer-ee" in library.script_json_of(episode.slug)


def _pid_of(settings: Settings, job_id: int) -> int:
    from audionews.storage import database, tables

    with database.session(settings) as s:
        row = s.get(tables.Job, job_id)
        return row.pid if row is not None else 0
