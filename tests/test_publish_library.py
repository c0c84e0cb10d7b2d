"""The library: guids, revisions, no-op republish, unpublish, and crash safety of publish."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import podcastparser
import pytest
from click.testing import CliRunner

from audionews import pipeline
from audionews.cli import main
from audionews.config import Settings
from audionews.errors import ConflictError, NotFoundError
from audionews.publish import feed
from audionews.publish.library import Library
from audionews.storage.public import LocalStore
from audionews.web import create_app
from publish_helpers import make_settings, publish, short_article

pytest_plugins = ["publish_fixtures"]


@pytest.fixture
def fresh(fresh_on_each: Settings) -> Settings:
    """Each test on SQLite, then on PostgreSQL."""
    return fresh_on_each


SLUG = "bridge-reopens-after-repairs"


def feed_on_disk(settings: Settings) -> dict[str, Any]:
    """Parse feed/feed.xml as a podcast app would."""
    xml = (settings.feed_dir / "feed.xml").read_bytes()
    return podcastparser.parse("https://podcasts.example.test/feed.xml", io.BytesIO(xml))


def assert_current(settings: Settings, revision: int) -> None:
    """The database, the public files and the feed file all agree on `revision`."""
    episode = Library(settings).get_episode(SLUG)
    assert episode.revision == revision
    for item in episode.files.values():
        assert (settings.feed_dir / item.path.lstrip("/")).stat().st_size == item.size
    (parsed,) = feed_on_disk(settings)["episodes"]
    assert parsed["enclosures"][0]["url"] == episode.mp3.url
    assert parsed["enclosures"][0]["file_size"] == episode.mp3.size


def test_revisions_keep_guid_and_get_new_enclosure_urls(fresh: Settings) -> None:
    first = publish(fresh, short_article())
    assert first.action == "created"
    assert first.episode.slug == SLUG
    assert first.episode.revisions[0].kind == "published"
    second = publish(
        fresh, short_article(" Cyclists get a new lane."), kind="correction", note="Lane added."
    )
    assert second.action == "revised"
    assert second.episode.guid == first.episode.guid
    assert second.episode.revision == 2
    assert second.episode.mp3.url.endswith(f"/episodes/{SLUG}/{SLUG}-r2.mp3")
    assert second.episode.mp3.url != first.episode.mp3.url
    assert [r.kind for r in second.episode.revisions] == ["published", "correction"]
    assert second.episode.notices[0].kind == "correction"
    assert second.episode.notices[0].date is not None
    # The first revision's files stay public for revision_grace_minutes, for apps mid-download.
    assert (fresh.feed_dir / first.episode.mp3.path.lstrip("/")).is_file()
    assert_current(fresh, 2)
    assert Library(fresh).source_of(SLUG, 1) == short_article()


def test_unchanged_file_is_a_no_op(fresh: Settings) -> None:
    publish(fresh, short_article())
    before = Library(fresh).generation()
    again = publish(fresh, short_article())
    assert again.action == "unchanged"
    assert again.build is None
    assert "nothing to do" in again.message
    assert Library(fresh).generation() == before
    assert Library(fresh).get_episode(SLUG).revision == 1


def test_unpublish_removes_from_feeds_and_site_but_keeps_history(fresh: Settings) -> None:
    result = publish(fresh, short_article())
    mp3 = fresh.feed_dir / result.episode.mp3.path.lstrip("/")
    gone = pipeline.unpublish(SLUG, fresh)
    assert "removed from the feeds" in gone.message
    assert not mp3.exists()
    assert feed_on_disk(fresh)["episodes"] == []
    assert not list((fresh.feed_dir / "feeds").glob("*.xml"))
    assert Library(fresh).list_episodes() == []
    with pytest.raises(NotFoundError):
        Library(fresh).get_episode(SLUG)
    assert Library(fresh).source_of(SLUG) == short_article()  # private history kept
    client = create_app(fresh).test_client()
    assert client.get(result.episode.mp3.path).status_code == 404
    again = publish(fresh, short_article())  # never re-publishes implicitly
    assert again.action == "unchanged" and "audionews republish" in again.message
    assert Library(fresh).list_episodes() == []
    with pytest.raises(ConflictError, match="audionews republish"):  # nor does a new revision
        publish(fresh, short_article(" A changed sentence."))
    back = pipeline.republish_episode(SLUG, fresh)
    assert back.action == "republished"
    assert back.episode.guid == result.episode.guid
    assert mp3.is_file()
    assert_current(fresh, 1)


class Boom(RuntimeError):
    """An injected crash."""


def _fail(*_args: Any, **_kwargs: Any) -> Any:
    raise Boom("injected failure")


def _fail_on_third_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    real = LocalStore.put_file
    calls = []

    def put_file(store: LocalStore, key: str, source: Path, *args: Any) -> None:
        calls.append(key)
        if len(calls) == 3:
            raise Boom("disk full")
        real(store, key, source, *args)

    monkeypatch.setattr(LocalStore, "put_file", put_file)


def _fail_inside_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    # After the revision row is added, before commit: the transaction must roll back.
    monkeypatch.setattr(Library, "_bump", staticmethod(_fail))


#: Each step of publish, made to crash: (name, how to break it).
FAILURES = {
    "build": lambda mp: mp.setattr(pipeline, "build_script", _fail),
    "copy-files": _fail_on_third_copy,
    "database": _fail_inside_transaction,
    "render-feed": lambda mp: mp.setattr(feed, "render_feed", _fail),
}


@pytest.mark.parametrize("step", FAILURES)
def test_crash_at_any_step_keeps_previous_revision_and_feed(
    step: str, fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(fresh, short_article())
    feed_before = (fresh.feed_dir / "feed.xml").read_bytes()
    with monkeypatch.context() as patch:
        FAILURES[step](patch)
        with pytest.raises(Boom):
            publish(fresh, short_article(" A second paragraph changes the audio."))
    library = Library(fresh)
    episode = library.get_episode(SLUG)
    if step == "render-feed":
        # The revision was committed; the feed file on disk is the old, intact one...
        assert episode.revision == 2
        assert (fresh.feed_dir / "feed.xml").read_bytes() == feed_before
        assert (fresh.feed_dir / first.episode.mp3.path.lstrip("/")).is_file()
        # ...and the server renders the new one before serving, so it never lags the database.
        served = create_app(fresh).test_client().get("/feed.xml").data
        assert episode.mp3.url.encode() in served
        assert_current(fresh, 2)
    else:
        assert_current(fresh, 1)
        assert (fresh.feed_dir / "feed.xml").read_bytes() == feed_before
        assert [r.number for r in episode.revisions] == [1]
        # No files of the revision that was not recorded lie unlisted in the public folder.
        public = sorted(p.name for p in (fresh.feed_dir / "episodes" / SLUG).iterdir())
        assert public and all(name.startswith(f"{SLUG}-r1.") for name in public), public
    assert not list(fresh.feed_dir.rglob("*.tmp"))
    # The next attempt succeeds and takes the next number.
    retry = publish(fresh, short_article(" A second paragraph changes the audio."))
    assert retry.action in ("revised", "unchanged")
    assert_current(fresh, 2)


def test_category_from_kicker_or_option_and_category_feeds(fresh: Settings) -> None:
    publish(fresh, short_article())
    other = short_article().replace(b"CITY\nBridge", b"CITY\nTunnel")
    publish(fresh, other, category="Transport Desk")
    library = Library(fresh)
    assert {c.slug: c.count for c in library.categories()} == {"city": 1, "transport-desk": 1}
    assert [e.slug for e in library.list_episodes(category="transport-desk")] == [
        "tunnel-reopens-after-repairs"
    ]
    assert (fresh.feed_dir / "feeds" / "city.xml").is_file()
    assert (fresh.feed_dir / "feeds" / "transport-desk.xml").is_file()


def test_a_category_longer_than_the_database_keeps_is_cut_at_a_word(fresh: Settings) -> None:
    long = "Reports from the river towns " * 10  # 290 characters
    episode = publish(fresh, short_article(), category=long).episode
    assert len(episode.category) <= 200 and long.startswith(episode.category + " ")
    assert Library(fresh).get_episode(episode.slug).category == episode.category


def test_private_state_never_under_feed(fresh: Settings) -> None:
    publish(fresh, short_article())
    public = {p.suffix for p in fresh.feed_dir.rglob("*") if p.is_file()}
    assert public <= {".mp3", ".json", ".vtt", ".srt", ".txt", ".html", ".xml", ".png"}
    assert (fresh.instance_dir / "audionews.db").is_file() == (not fresh.database_url)


def test_cli_publish_list_unpublish_feed(
    tmp_path: Path, shared_clips: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, shared_clips)
    monkeypatch.setattr("audionews.cli.load_settings", lambda: settings)
    real_publish = pipeline.publish
    monkeypatch.setattr(
        pipeline,
        "publish",
        lambda data, s, **kw: real_publish(data, s, synthesizer=_fake(), **kw),
    )
    article = tmp_path / "bridge.txt"
    article.write_bytes(short_article())
    runner = CliRunner()
    out = runner.invoke(main, ["publish", str(article), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["action"] == "created"
    out = runner.invoke(main, ["publish", str(article)])
    assert "unchanged" in out.output
    out = runner.invoke(main, ["list", "--json"])
    assert [e["slug"] for e in json.loads(out.output)] == [SLUG]
    out = runner.invoke(main, ["list"])
    assert out.output.startswith(f"{SLUG}\tr1\t")
    out = runner.invoke(main, ["feed"])
    assert "feed.xml" in out.output
    out = runner.invoke(main, ["unpublish", SLUG])
    assert out.exit_code == 0 and "unpublished" in out.output
    out = runner.invoke(main, ["unpublish", "no-such-episode"])
    assert out.exit_code == 2
    assert "no-such-episode" in out.output


def _fake() -> Any:
    from audionews.audio.fake import FakeSynthesizer

    return FakeSynthesizer()
