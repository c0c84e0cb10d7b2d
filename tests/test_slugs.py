"""A new article never lands on another article's slug (issue 14, item 3).

Slugs of headlines in any script, slugs reserved from the moment an article is accepted, and a
CLI publish that refuses an episode of the same slug with another headline.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

import audionews.worker
from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.errors import ConflictError
from audionews.naming import slugify
from audionews.publish import accounts, files, jobs
from audionews.publish.library import Library
from editor_helpers import Desk
from publish_helpers import cli_environ, publish

pytest_plugins = ["publish_fixtures", "editor_fixtures"]


@pytest.fixture
def fresh(fresh_on_each: Settings) -> Settings:
    """Each test on SQLite, then on PostgreSQL."""
    return fresh_on_each


BUNDLED = "en_US-joe-medium"


def article(headline: str, body: str) -> bytes:
    """Return a Markdown article (front matter names the headline without any guessing)."""
    return f"---\ntitle: {json.dumps(headline, ensure_ascii=False)}\n---\n\n{body}\n".encode()


def test_headlines_in_any_script_get_their_own_slug() -> None:
    assert slugify("Привет, мир: выборы 2026") == "privet-mir-vybory-2026"
    assert slugify("Σεισμός στην Κρήτη") == "seismos-stin-kriti"
    assert slugify("北京举行会议") == "beijingjuxinghuiyi"
    assert slugify("Straße gesperrt, Café geöffnet") == "strasse-gesperrt-cafe-geoffnet"
    assert slugify("Bridge reopens after repairs") == "bridge-reopens-after-repairs"
    # nothing to transliterate: a short id of the text, stable, and different per headline
    symbols = slugify("★ ☆ ★")
    assert symbols.startswith("article-") and len(symbols) == len("article-") + 8
    assert slugify("★ ☆ ★") == symbols and slugify("☆ ★ ☆") != symbols
    assert slugify("") == "article"
    assert len(slugify("Очень " * 40)) <= 60


@examples(max_examples=300, deadline=None)
@given(st.text())
def test_every_text_gets_a_safe_slug(text: str) -> None:
    slug = slugify(text)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 60
    assert files._SAFE_NAME.match(slug)  # a valid part of a public path


@pytest.fixture
def cli_env(fresh: Settings, fake_piper: list[str]) -> dict[str, str]:
    # any voice will do for slugs: the bundled one stands in for Russian and Greek
    return cli_environ(fresh, AUDIONEWS_VOICES=f'{{ru = "{BUNDLED}", el = "{BUNDLED}"}}')


RUSSIAN = article(
    "Мост снова открыт после ремонта",
    "Движение по старому мосту возобновилось в понедельник утром после шести недель работ.",
)
GREEK = article(
    "Νέα γέφυρα στην πόλη",
    "Η κυκλοφορία επέστρεψε στη γέφυρα τη Δευτέρα το πρωί μετά από έξι εβδομάδες εργασιών.",
)


def test_cli_publishes_of_unrelated_non_latin_articles_stay_apart(
    fresh: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    results = []
    for name, data in (("ru.md", RUSSIAN), ("el.md", GREEK)):
        path = tmp_path / name
        path.write_bytes(data)
        out = runner.invoke(main, ["publish", str(path), "--json"], env=cli_env)
        assert out.exit_code == 0, out.output
        results.append(json.loads(out.output))
    assert [r["action"] for r in results] == ["created", "created"]
    slugs = [r["episode"]["slug"] for r in results]
    assert slugs == ["most-snova-otkryt-posle-remonta", "nea-gefyra-stin-poli"]
    library = Library(fresh)
    assert sorted(e.slug for e in library.list_episodes()) == sorted(slugs)
    assert library.source_of(slugs[0]) == RUSSIAN  # the first article was not overwritten
    assert [r.number for r in library.get_episode(slugs[0]).revisions] == [1]


def test_cli_publish_refuses_a_slug_that_belongs_to_another_headline(
    fresh: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = article("Bridge reopens after repairs", "Traffic returned to the old bridge.")
    other = article("Bridge reopens after répairs", "A different story about a different bridge.")
    assert slugify("Bridge reopens after répairs") == "bridge-reopens-after-repairs"
    slug = publish(fresh, first, filename="first.md").episode.slug
    path = tmp_path / "other.md"
    path.write_bytes(other)
    runner = CliRunner()
    out = runner.invoke(main, ["publish", str(path)], env=cli_env)
    assert out.exit_code == 2, out.output
    assert "belongs to another article" in out.output and "--slug" in out.output
    assert out.output.count("\n") == 1  # one line
    assert Library(fresh).source_of(slug) == first
    out = runner.invoke(main, ["publish", str(path), "--slug", "other-bridge"], env=cli_env)
    assert out.exit_code == 0, out.output
    # the same headline, edited, is still a new revision of its own episode
    edited = article("Bridge Reopens After Repairs", "Traffic returned to the old bridge today.")
    path.write_bytes(edited)
    out = runner.invoke(main, ["publish", str(path), "--json"], env=cli_env)
    assert out.exit_code == 0 and json.loads(out.output)["action"] == "revised", out.output


ONE = article("Council votes on budget", "The council approved the budget on Monday evening.")
TWO = article("Council Votes on Budget!", "A school council, elsewhere, voted on its own budget.")


def test_second_new_article_with_a_taken_slug_is_refused_while_the_first_job_waits(
    desk: Desk,
) -> None:
    token = accounts.add_token(desk.settings, "cms")
    auth = {"Authorization": f"Bearer {token}"}
    # no worker yet: the first job stays queued
    audionews.worker.huey_for(desk.settings).immediate = False
    client = desk.client()
    first = client.post("/api/v1/articles", headers=auth, json={"text": ONE.decode()})
    assert first.status_code == 202
    assert first.get_json()["state"] == "queued"
    second = client.post("/api/v1/articles", headers=auth, json={"text": TWO.decode()})
    assert second.status_code == 409, second.get_json()
    assert "accepted moments ago" in second.get_json()["error"]
    # neither the editor's form nor a CLI publish can take the slug meanwhile
    with pytest.raises(ConflictError, match="reserved for a new article"):
        pipeline.publish(TWO, desk.settings, synthesizer=FakeSynthesizer())
    slug = first.get_json()["slug"]
    audionews.worker.run_job(desk.settings, first.get_json()["id"])  # the worker runs the first job
    done = jobs.get_job(desk.settings, first.get_json()["id"])
    assert done.state == "published" and done.revision == 1, done.message
    view = Library(desk.settings).get_episode(slug)
    assert [r.number for r in view.revisions] == [1]
    assert Library(desk.settings).source_of(slug) == ONE
    assert jobs.slug_reserved_by(desk.settings, slug) == 0  # the episode holds the slug now
    again = client.post("/api/v1/articles", headers=auth, json={"text": TWO.decode()})
    assert again.status_code == 409 and "PUT" in again.get_json()["error"]


def test_a_new_article_never_becomes_a_revision_of_an_episode_made_meanwhile(
    desk: Desk,
) -> None:
    """The job checks again under the lock: an episode that appeared on its slug after it was
    accepted (a publish that slipped between the check and the reservation) fails the job,
    losing nothing, and frees the reservation."""
    from audionews.storage import database, tables

    audionews.worker.huey_for(desk.settings).immediate = False
    queued = jobs.submit(desk.settings, "publish", source=ONE, new_only=True)
    assert jobs.slug_reserved_by(desk.settings, queued.slug) == queued.id
    with database.session(desk.settings) as s:  # the other publish saw no reservation yet
        held = s.get(tables.SlugReservation, queued.slug)
        assert held is not None
        s.delete(held)
    publish(desk.settings, TWO, slug=queued.slug)
    with database.session(desk.settings) as s:
        s.add(tables.SlugReservation(slug=queued.slug, job_id=queued.id, created=datetime.now()))
    audionews.worker.run_job(desk.settings, queued.id)
    failed = jobs.get_job(desk.settings, queued.id)
    assert failed.state == "failed" and "published by someone else" in failed.message
    view = Library(desk.settings).get_episode(queued.slug)
    assert [r.number for r in view.revisions] == [1]
    assert Library(desk.settings).source_of(queued.slug) == TWO
    assert jobs.slug_reserved_by(desk.settings, queued.slug) == 0
