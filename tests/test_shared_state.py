"""Two machines, one database: what one machine keeps, the other reads.

Each "machine" here has its own instance folder and voices folder; they share the database
(an SQLite file both open, then PostgreSQL) and the public store. An editor's cookie from one
web host is valid on the other (one signing key), a pronunciation saved on one is spoken by the
other, and feeds rendered by one are current for the other (one render stamp).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audionews import pipeline
from audionews.config import Settings
from audionews.publish import accounts, feed, pronunciations
from audionews.publish.library import Library
from audionews.speech.lexicon import lexicon_path
from audionews.storage import database, shared
from audionews.web import auth, create_app
from editor_helpers import PASSWORD, Desk, post_form
from publish_helpers import make_settings, publish, short_article

SESSION_COOKIE = "session"  # Flask's default name


@pytest.fixture
def machines(tmp_path: Path, database_url: str) -> Iterator[tuple[Settings, Settings]]:
    """Two machines' settings: own instance and voices folders, one database, one public store."""
    url = database_url or f"sqlite:///{tmp_path / 'shared.db'}"
    found = []
    for name in ("a", "b"):
        own = make_settings(tmp_path / name, database_url=url)
        found.append(
            own.with_overrides(voices_dir=tmp_path / name / "voices", feed_dir=tmp_path / "site")
        )
    yield found[0], found[1]
    database.forget_engines(url)


def _older_lexicon(settings: Settings, text: str) -> None:
    """Leave a lexicon file as an older version kept it, in this machine's voices folder."""
    path = lexicon_path(settings.voices_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_session_cookie_from_one_web_host_is_valid_on_the_other(
    machines: tuple[Settings, Settings],
) -> None:
    a, b = machines
    accounts.add_editor(a, "ana", PASSWORD)
    on_a, on_b = Desk(a, create_app(a)), Desk(b, create_app(b))
    assert on_a.app.secret_key == on_b.app.secret_key == auth.secret_key(b)
    assert not (a.instance_dir / "secret_key").exists()
    client = on_a.login()
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    other = on_b.client()
    other.set_cookie(SESSION_COOKIE, cookie.value)
    page = other.get("/editor/lexicon")
    assert page.status_code == 200 and "Pronunciations" in page.get_data(as_text=True)
    # its CSRF token too: a form posted on b with a's cookie is accepted
    saved = post_form(
        other, "/editor/lexicon", {"word": "deck", "spoken": "dekk", "action": "save"}
    )
    assert saved.status_code == 200  # type: ignore[attr-defined]
    assert pronunciations.entries(a) == {"deck": "dekk"}
    # what makes it valid is the key: a host with another key sends it to the login page
    stranger = create_app(b)
    stranger.secret_key = "0" * 64
    forged = stranger.test_client()
    forged.set_cookie(SESSION_COOKIE, cookie.value)
    assert forged.get("/editor/lexicon").status_code == 302


def test_a_pronunciation_saved_on_one_machine_is_spoken_by_the_other(
    machines: tuple[Settings, Settings],
) -> None:
    a, b = machines
    _older_lexicon(a, '# kept by hand\nbridge = "brij"\n')
    _older_lexicon(b, 'bridge = "brooj"\n')  # b's own stale copy: never read, a's came first
    assert pronunciations.entries(a) == {"bridge": "brij"}
    assert pronunciations.entries(b) == {"bridge": "brij"}
    pronunciations.save_entry(b, "joints", "joynts")
    slug = publish(a, short_article()).episode.slug
    script = json.loads(Library(b).script_json_of(slug))
    said = " ".join(s["speech"] for c in script["chapters"] for s in c["segments"])
    assert "brij" in said and "joynts" in said and "brooj" not in said
    pronunciations.remove_entry(a, "bridge")
    planned = pipeline.make_script(short_article(), b, filename="bridge.txt")
    said = " ".join(s.speech for s in planned.sentences())
    assert "joynts" in said and "brij" not in said and "brooj" not in said


def test_editors_saving_at_once_on_two_machines_keep_every_entry(
    machines: tuple[Settings, Settings],
) -> None:
    a, b = machines
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(settings: Settings, prefix: str) -> None:
        try:
            start.wait()
            for i in range(8):
                pronunciations.save_entry(settings, f"{prefix}{i}", f"say {prefix} {i}")
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=save, args=m) for m in ((a, "alpha"), (b, "beta"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = {f"{p}{i}" for p in ("alpha", "beta") for i in range(8)}
    assert set(pronunciations.entries(a)) == expected == set(pronunciations.entries(b))
    assert not pronunciations.problems(b)


def test_feeds_rendered_by_one_machine_are_current_for_the_other(
    machines: tuple[Settings, Settings],
) -> None:
    a, b = machines
    publish(a, short_article())  # renders the feeds and records what they show
    main_feed = a.feed_dir / "feed.xml"
    before = main_feed.stat()
    assert feed.ensure_rendered(Library(b))
    after = main_feed.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not redone
    assert shared.read(b, shared.FEEDS_RENDERED) is not None
    assert not (a.instance_dir / "feeds.generation").exists()
    # what they show changes (another public URL): the next check renders them again
    moved = a.with_overrides(public_url="https://audio.example.test")
    assert feed.ensure_rendered(Library(moved))
    assert "https://audio.example.test" in main_feed.read_text(encoding="utf-8")
    assert main_feed.stat().st_ino != before.st_ino
