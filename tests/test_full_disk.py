"""A full disk while publishing (issue 14, item 9).

The disk fills up for real as far as our code can tell: public.write_durably, the one place whole
files are written, fails with ENOSPC part way through the data, as write(2) does on a full
disk. Everything else is real: the CLI, the database, the app serving /feed.xml, a feed parser.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import podcastparser
import pytest
from click.testing import CliRunner

import audionews.worker
from audionews.cli import main
from audionews.config import Settings
from audionews.publish import jobs
from audionews.publish.library import Library
from audionews.storage import public
from audionews.web import create_app
from publish_helpers import PUBLIC_URL, cli_environ, publish, short_article

pytest_plugins = ["publish_fixtures"]

SLUG = "bridge-reopens-after-repairs"
REVISED = short_article(" A second paragraph changes the audio.")
#: A revision whose row (source, script) needs new database pages.
LONGER = short_article(
    "".join(f" Crew {n} finished section {n} of the long walkway by the river." for n in range(60))
)


class FullDisk:
    """Make writes of files whose name matches `which` fail with ENOSPC until `lift()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, which: Callable[[Path], bool]) -> None:
        self.which, self.full, self.refused = which, True, 0
        real = public.write_durably

        def write(handle: IO[bytes], data: bytes, path: Path) -> None:
            if self.full and self.which(path):
                self.refused += 1
                handle.write(data[: len(data) // 2])  # what fitted before the disk filled
                handle.flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            real(handle, data, path)

        monkeypatch.setattr(public, "write_durably", write)

    def lift(self) -> None:
        self.full = False


def _feeds(path: Path) -> bool:
    return path.name.startswith(".") and ".xml." in path.name


@pytest.fixture
def cli_env(fresh: Settings, fake_piper: list[str]) -> Iterator[dict[str, str]]:
    yield cli_environ(fresh, AUDIONEWS_REVISION_GRACE_MINUTES="0")


def _enclosures(xml: bytes) -> list[str]:
    parsed = podcastparser.parse(PUBLIC_URL + "/feed.xml", io.BytesIO(xml))
    return [e["enclosures"][0]["url"] for e in parsed["episodes"]]


def test_full_disk_after_the_commit_keeps_the_last_good_feed_and_says_what_to_run(
    fresh: Settings, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(fresh, short_article()).episode
    good_feed = (fresh.feed_dir / "feed.xml").read_bytes()
    assert _enclosures(good_feed) == [first.mp3.url]
    disk = FullDisk(monkeypatch, _feeds)
    source = tmp_path / "bridge.txt"
    source.write_bytes(REVISED)
    out = CliRunner().invoke(main, ["publish", str(source)], env=cli_env)
    # exactly what happened and what to run, in one line; not an internal error
    assert out.exit_code == 2, out.output
    assert out.output.count("\n") == 1 and "internal error" not in out.output
    message = out.output
    assert f"published revision 2 of '{SLUG}'" in message
    assert "feeds could not be written" in message and "No space left on device" in message
    assert "run `audionews feed`" in message and disk.refused
    # the revision is in the library; the feed on disk is the last good one, whole
    assert Library(fresh).get_episode(SLUG).revision == 2
    assert (fresh.feed_dir / "feed.xml").read_bytes() == good_feed
    assert not list(fresh.feed_dir.rglob("*.tmp"))
    # the feed still lists revision 1, so its audio stays served (grace period 0 or not)
    app = create_app(fresh.with_overrides(revision_grace_minutes=0.0))
    client = app.test_client()
    assert client.get(first.mp3.path).status_code == 200
    # the server keeps serving the previous valid feed while the disk is full
    served = client.get("/feed.xml")
    assert served.status_code == 200 and served.data == good_feed
    assert _enclosures(served.data) == [first.mp3.url]
    # running the command while the disk is still full says so, and changes nothing
    out = CliRunner().invoke(main, ["feed"], env=cli_env)
    assert out.exit_code == 2 and "last good feeds are still served" in out.output, out.output
    assert (fresh.feed_dir / "feed.xml").read_bytes() == good_feed
    # space is freed: the command the message named writes the feeds
    disk.lift()
    out = CliRunner().invoke(main, ["feed"], env=cli_env)
    assert out.exit_code == 0, out.output
    current = Library(fresh).get_episode(SLUG)
    assert _enclosures((fresh.feed_dir / "feed.xml").read_bytes()) == [current.mp3.url]
    assert client.get(first.mp3.path).status_code == 404  # now retired, as the feed moved on


def test_the_server_catches_up_once_space_is_freed(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(fresh, short_article())
    good_feed = (fresh.feed_dir / "feed.xml").read_bytes()
    disk = FullDisk(monkeypatch, _feeds)
    with pytest.raises(OSError, match="No space left"):  # StorageError is an OSError too
        publish(fresh, REVISED)
    client = create_app(fresh).test_client()
    for _ in range(3):
        assert client.get("/feed.xml").data == good_feed
    disk.lift()
    fresh_client = create_app(fresh).test_client()  # a new worker: no 1 s check interval yet
    revised = Library(fresh).get_episode(SLUG)
    assert _enclosures(fresh_client.get("/feed.xml").data) == [revised.mp3.url]


def test_full_disk_before_the_commit_publishes_nothing(
    fresh: Settings, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(fresh, short_article()).episode
    good_feed = (fresh.feed_dir / "feed.xml").read_bytes()
    real_copy = shutil.copyfile

    def copy(source: object, target: object, **kwargs: object) -> object:
        if str(target).startswith(str(fresh.feed_dir)):  # the revision's files into feed/
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return real_copy(source, target, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "copyfile", copy)
    source = tmp_path / "bridge.txt"
    source.write_bytes(REVISED)
    out = CliRunner().invoke(main, ["publish", str(source)], env=cli_env)
    assert out.exit_code == 2 and out.output.count("\n") == 1, out.output
    assert "No space left on device" in out.output and "nothing was published" in out.output
    view = Library(fresh).get_episode(SLUG)
    assert view.revision == 1 and view.mp3.url == first.mp3.url
    assert (fresh.feed_dir / "feed.xml").read_bytes() == good_feed
    public = sorted(p.name for p in (fresh.feed_dir / "episodes" / SLUG).iterdir())
    assert all(name.startswith(f"{SLUG}-r1.") for name in public), public


def test_a_job_whose_feeds_fail_reports_the_published_revision(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audionews.audio.fake import FakeSynthesizer

    publish(fresh, short_article())
    FullDisk(monkeypatch, _feeds)
    audionews.worker.huey_for(fresh).immediate = True
    jobs.use_synthesizer(FakeSynthesizer)
    try:
        job = jobs.submit(fresh, "correct", slug=SLUG, source=REVISED, note="More.")
    finally:
        jobs.use_synthesizer(None)
    assert job.state == "published" and job.revision == 2
    assert "feeds could not be written" in job.message and "audionews feed" in job.message


def test_a_full_database_publishes_nothing_and_says_so(
    fresh: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """SQLite's own limit makes the database full for real (SQLITE_FULL, as on a full disk)."""
    from sqlalchemy import event, text

    from audionews.storage import database

    first = publish(fresh, short_article()).episode
    engine = database.engine(fresh)
    with engine.connect() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()

    def no_more_pages(dbapi_connection: object, _record: object) -> None:
        # not one page more: a revision (its source, script and sentences) needs new ones
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]

    event.listen(engine, "connect", no_more_pages)
    engine.dispose()  # new connections get the limit
    try:
        source = tmp_path / "bridge.txt"
        source.write_bytes(LONGER)
        out = CliRunner().invoke(main, ["publish", str(source)], env=cli_env)
    finally:
        event.remove(engine, "connect", no_more_pages)
        engine.dispose()
    assert out.exit_code == 2 and out.output.count("\n") == 1, out.output
    assert "database or disk is full" in out.output and "nothing was published" in out.output
    view = Library(fresh).get_episode(SLUG)
    assert view.revision == 1 and view.mp3.url == first.mp3.url
    public = sorted(p.name for p in (fresh.feed_dir / "episodes" / SLUG).iterdir())
    assert all(name.startswith(f"{SLUG}-r1.") for name in public), public
