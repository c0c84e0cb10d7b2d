"""Earlier revisions leave the public site after a grace period (issue 14, item 10).

The uncorrected audio and transcripts of a revision that a correction replaced must not stay
fetchable or listed publicly; editors still hear them, from private storage, behind the login.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Iterable
from datetime import timedelta

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.publish import accounts, files
from audionews.publish.library import EpisodeFile, Library, utcnow
from audionews.web import create_app
from editor_helpers import PASSWORD, Desk, post_form
from publish_helpers import publish, short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")


def _correct(settings: Settings, slug: str) -> None:
    pipeline.correct(slug, FIXED, settings, note="Tuesday.", synthesizer=FakeSynthesizer())


def _names(items: Iterable[EpisodeFile]) -> list[str]:
    return sorted(f.name for f in items)


def test_after_the_grace_period_only_the_current_revision_is_public(desk: Desk) -> None:
    settings = desk.settings.with_overrides(revision_grace_minutes=0.0)
    first = publish(settings, short_article()).episode
    _correct(settings, first.slug)
    current = Library(settings).get_episode(first.slug)
    public = settings.feed_dir / "episodes" / first.slug
    private = settings.instance_dir / "history" / first.slug
    assert sorted(p.name for p in public.iterdir()) == _names(current.files.values())
    assert sorted(p.name for p in private.iterdir()) == _names(first.files.values())
    assert stat.S_IMODE(private.stat().st_mode) == 0o700  # private state: the owner's only
    app = create_app(settings)
    app.config["TESTING"] = True
    visitor = app.test_client()
    for item in first.files.values():  # mp3, chapters, vtt, srt, txt, html of revision 1
        assert visitor.get(item.path).status_code == 404, item.name
    assert visitor.get(current.mp3.path).status_code == 200
    # the public JSON lists the current revision only, and no link to an earlier one
    for url in (f"/api/episodes/{first.slug}", "/api/episodes"):
        answer = visitor.get(url)
        assert f"{first.slug}-r1." not in answer.get_data(as_text=True), url
    revisions = visitor.get(f"/api/episodes/{first.slug}").get_json()["revisions"]
    assert [r["number"] for r in revisions] == [2] and revisions[0]["mp3"] == current.mp3.url
    # editors hear revision 1 from private storage, in the history view, with byte ranges
    editor = app.test_client()
    post_form(editor, "/editor/login", {"name": "ana", "password": PASSWORD})
    page = editor.get(f"/editor/episodes/{first.slug}/history").get_data(as_text=True)
    audio = f"/editor/episodes/{first.slug}/revisions/1.mp3"
    assert audio in page
    heard = editor.get(audio)
    assert heard.status_code == 200 and heard.mimetype == "audio/mpeg"
    assert heard.data == (private / first.mp3.name).read_bytes()
    assert "no-store" in heard.headers["Cache-Control"]
    assert editor.get(audio, headers={"Range": "bytes=0-99"}).status_code == 206
    assert visitor.get(audio).status_code == 302  # visitors go to the login page
    # the token API's history says the earlier audio is off the site
    token = accounts.add_token(settings, "cms")
    listed = visitor.get(
        f"/api/v1/articles/{first.slug}/revisions", headers={"Authorization": f"Bearer {token}"}
    ).get_json()["revisions"]
    assert [(r["number"], r["mp3"]) for r in listed] == [(2, current.mp3.url), (1, None)]


def test_earlier_files_stay_public_during_the_grace_period(fresh: Settings) -> None:
    settings = fresh.with_overrides(revision_grace_minutes=30.0)
    first = publish(settings, short_article()).episode
    _correct(settings, first.slug)
    library = Library(settings)
    old_mp3 = settings.feed_dir / first.mp3.path.lstrip("/")
    assert old_mp3.is_file()  # a podcast app mid-download finishes
    assert files.retire_old_revisions(library, now=utcnow() + timedelta(minutes=29)) == []
    assert old_mp3.is_file()
    moved = files.retire_old_revisions(library, now=utcnow() + timedelta(minutes=31))
    assert moved == sorted(f"{first.slug}/{f.name}" for f in first.files.values())  # history keys
    assert not old_mp3.exists()
    current = library.get_episode(first.slug)
    assert all((settings.feed_dir / f.path.lstrip("/")).is_file() for f in current.files.values())


def test_the_server_retires_them_without_a_publish_or_a_worker(fresh: Settings) -> None:
    # three seconds: revision times are kept to the second, so the grace may start up to one
    # second before the correction's commit
    settings = fresh.with_overrides(revision_grace_minutes=3 / 60)
    first = publish(settings, short_article()).episode
    _correct(settings, first.slug)
    client = create_app(settings).test_client()
    assert client.get(first.mp3.path).status_code == 200
    time.sleep(3.2)  # the grace period (the app checks the feeds at most once a second)
    assert client.get("/feed.xml").status_code == 200  # podcast apps poll the feed
    assert client.get(first.mp3.path).status_code == 404
