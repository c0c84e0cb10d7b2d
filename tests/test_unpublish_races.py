"""Unpublish against running jobs, and re-publishing only on request (issue 14, item 2).

Real jobs (run_job in a thread, as a worker runs them), the real CLI and the real app; only
the voice is the fake one, slowed down so the unpublish arrives mid-build.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import audionews.worker
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.publish import jobs
from audionews.publish.library import Library
from audionews.web import create_app
from editor_helpers import Desk
from publish_helpers import PUBLIC_URL, publish, short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")
#: A correction with many new sentences (said in no other test, so none is in the shared clip
#: cache), so the job is still building when unpublish comes.
REWRITTEN = short_article(
    "".join(f" Painter {n} finished railing {n} of the footpath." for n in range(1, 13))
)


class SlowVoice(FakeSynthesizer):
    """The fake voice at 0.1 s a sentence: the rewritten correction takes over a second."""

    def synthesize(self, speech: str) -> np.ndarray:
        time.sleep(0.1)
        return super().synthesize(speech)


@pytest.fixture
def env(fresh: Settings) -> Iterator[dict[str, str]]:
    """The CLI's environment for `fresh`; jobs in this process speak with the slow voice."""
    jobs.use_synthesizer(SlowVoice)
    yield {
        "AUDIONEWS_INSTANCE_DIR": str(fresh.instance_dir),
        "AUDIONEWS_FEED_DIR": str(fresh.feed_dir),
        "AUDIONEWS_CACHE_DIR": str(fresh.clip_cache_dir),
        "PUBLIC_URL": PUBLIC_URL,
    }
    jobs.use_synthesizer(None)


def _wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)


def _public_files(settings: Settings, slug: str) -> list[str]:
    folder = settings.feed_dir / "episodes" / slug
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _private_files(settings: Settings, slug: str) -> list[str]:
    return sorted(p.name for p in (settings.instance_dir / "history" / slug).iterdir())


def test_unpublish_during_a_running_correction_is_not_undone(
    fresh: Settings, env: dict[str, str]
) -> None:
    first = publish(fresh, short_article()).episode
    job = jobs.submit(fresh, "correct", slug=first.slug, source=REWRITTEN, note="More.")
    worker = threading.Thread(target=audionews.worker.run_job, args=(fresh, job.id))
    worker.start()
    try:
        _wait_for(lambda: jobs.get_job(fresh, job.id).done > 0)  # the job is building
        out = CliRunner().invoke(main, ["unpublish", first.slug], env=env)
    finally:
        worker.join(60)
    assert out.exit_code == 0, out.output
    done = jobs.get_job(fresh, job.id)
    assert done.state == "published" and done.revision == 2, done.message
    # the unpublish came last and holds: out of the feeds, off the site, nothing stranded
    library = Library(fresh)
    assert library.list_episodes() == []
    assert "waiting for the job" in out.output and "unpublished" in out.output
    assert "<item>" not in (fresh.feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert _public_files(fresh, first.slug) == []
    kept = _private_files(fresh, first.slug)
    assert {n.split(".")[0] for n in kept} == {f"{first.slug}-r1", f"{first.slug}-r2"}
    client = create_app(fresh).test_client()
    assert client.get(first.mp3.path).status_code == 404
    assert client.get(f"/episodes/{first.slug}/").status_code == 404


def test_a_job_queued_before_unpublish_reads_the_state_under_the_lock(
    fresh: Settings, env: dict[str, str]
) -> None:
    first = publish(fresh, short_article()).episode
    job = jobs.submit(fresh, "correct", slug=first.slug, source=FIXED, note="Day.")  # queued
    out = CliRunner().invoke(main, ["unpublish", first.slug], env=env)
    assert out.exit_code == 0, out.output
    audionews.worker.run_job(fresh, job.id)  # a worker picks it up now
    failed = jobs.get_job(fresh, job.id)
    assert failed.state == "failed" and "audionews republish" in failed.message
    view = Library(fresh).get_episode(first.slug, include_withdrawn=True)
    assert not view.is_published and [r.number for r in view.revisions] == [1]
    assert _public_files(fresh, first.slug) == []
    # the CLI refuses too, with the command that puts it back
    fixed = Path(env["AUDIONEWS_INSTANCE_DIR"]).parent / "fixed.txt"
    fixed.write_bytes(FIXED)
    out = CliRunner().invoke(main, ["correct", first.slug, str(fixed), "--note", "x"], env=env)
    assert out.exit_code == 2 and "audionews republish" in out.output
    out = CliRunner().invoke(main, ["regenerate", first.slug], env=env)
    assert out.exit_code == 2 and "unpublished" in out.output


def test_republish_is_explicit_and_brings_back_only_the_current_revision(
    fresh: Settings, env: dict[str, str]
) -> None:
    first = publish(fresh, short_article()).episode
    second = publish(fresh, FIXED, slug=first.slug, kind="correction", note="Day.").episode
    runner = CliRunner()
    assert runner.invoke(main, ["unpublish", first.slug], env=env).exit_code == 0
    article = Path(env["AUDIONEWS_INSTANCE_DIR"]).parent / "fixed.txt"
    article.write_bytes(FIXED)
    again = runner.invoke(main, ["publish", str(article)], env=env)
    assert again.exit_code == 0 and "nothing to do" in again.output  # not implicit
    assert "audionews republish" in again.output and Library(fresh).list_episodes() == []
    article.write_bytes(FIXED + b"\nOne more sentence for the record.\n")
    changed = runner.invoke(main, ["publish", str(article)], env=env)
    assert changed.exit_code == 2 and "audionews republish" in changed.output
    assert Library(fresh).list_episodes() == []
    back = runner.invoke(main, ["republish", first.slug], env=env)
    assert back.exit_code == 0 and "back in the feeds (revision 2)" in back.output
    view = Library(fresh).get_episode(first.slug)
    assert view.guid == first.guid and view.mp3.url == second.mp3.url
    assert _public_files(fresh, first.slug) == sorted(f.name for f in second.files.values())
    feed_xml = (fresh.feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert second.mp3.url in feed_xml
    client = create_app(fresh).test_client()
    assert client.get(second.mp3.path).status_code == 200
    assert client.get(first.mp3.path).status_code == 404  # the uncorrected audio stays private


def test_put_to_an_unpublished_episode_is_409_unless_it_asks_to_republish(desk: Desk) -> None:
    from audionews import pipeline
    from audionews.publish import accounts

    token = accounts.add_token(desk.settings, "cms")
    auth = {"Authorization": f"Bearer {token}"}
    client = desk.client()
    created = client.post("/api/v1/articles", headers=auth, json={"text": short_article().decode()})
    slug = created.get_json()["slug"]
    pipeline.unpublish(slug, desk.settings)
    body = {"text": FIXED.decode(), "note": "Day fixed."}
    refused = client.put(f"/api/v1/articles/{slug}", headers=auth, json=body)
    assert refused.status_code == 409 and '"republish": true' in refused.get_json()["error"]
    assert Library(desk.settings).list_episodes() == []
    kept = Library(desk.settings).get_episode(slug, include_withdrawn=True)
    assert not kept.is_published and [r.number for r in kept.revisions] == [1]
    accepted = client.put(
        f"/api/v1/articles/{slug}", headers=auth, json={**body, "republish": True}
    )
    assert accepted.status_code == 202, accepted.get_json()
    job = accepted.get_json()
    assert job["action"] == "republish" and job["state"] == "published" and job["revision"] == 2
    (view,) = Library(desk.settings).list_episodes()
    assert view.slug == slug and view.revision == 2
    assert view.mp3.url in (desk.settings.feed_dir / "feed.xml").read_text(encoding="utf-8")
    # the field is checked like every other: a new article has nothing to put back
    posted = client.post("/api/v1/articles", headers=auth, json={**body, "republish": True})
    assert posted.status_code == 400 and posted.get_json()["field"] == "republish"
    typo = client.put(f"/api/v1/articles/{slug}", headers=auth, json={**body, "republish": 1})
    assert typo.status_code == 400 and typo.get_json()["field"] == "republish"


def test_the_editor_republishes_only_when_asked(desk: Desk) -> None:
    from audionews import pipeline
    from editor_helpers import post_form

    slug = publish(desk.settings, short_article()).episode.slug
    pipeline.unpublish(slug, desk.settings)
    client = desk.login()
    edit = f"/editor/episodes/{slug}/edit"
    assert "This episode is unpublished" in client.get(edit).get_data(as_text=True)
    fields = {"text": FIXED.decode(), "source_format": "", "kind": "correction", "note": "Day."}
    refused = post_form(client, edit, {**fields, "action": "publish"})
    assert refused.status_code == 400
    assert 'href="#republish"' in refused.get_data(as_text=True)
    assert Library(desk.settings).list_episodes() == []
    done = post_form(client, edit, {**fields, "action": "publish", "republish": "yes"})
    assert done.status_code == 303
    (view,) = Library(desk.settings).list_episodes()
    assert view.slug == slug and view.revision == 2


def test_two_threads_of_one_process_take_turns_on_an_article(fresh: Settings) -> None:
    """Changes outside the queue (a command, a test) exclude each other like processes do."""
    inside, most, entered = [0], [0], [0]
    guard = threading.Lock()

    def change() -> None:
        with jobs.hold_article(fresh, "talks"):
            with guard:
                inside[0] += 1
                entered[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.3)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=change) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert entered[0] == 2 and most[0] == 1
