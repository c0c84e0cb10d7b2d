"""One article lock, taken inside publishing, and the revision number reserved once under it
(issue 12), on SQLite and on PostgreSQL.

Publishes race in threads of this process: the lock tells its owners apart by thread as it
does by process and machine. The voice is the fake one slowed down, and no clip is cached,
so the builds of a race overlap unless the lock keeps them apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audionews import pipeline, worker
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.errors import ConflictError
from audionews.publish import jobs
from audionews.publish.library import Library, PublishResult
from audionews.storage.locks import Owner, article_locks
from publish_helpers import make_settings, short_article


class SlowVoice(FakeSynthesizer):
    """The fake voice at 0.05 s a sentence: a build of the short article takes a while."""

    def synthesize(self, speech: str) -> np.ndarray:
        time.sleep(0.05)
        return super().synthesize(speech)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """An empty library with a clip cache of its own (nothing of another test is cached)."""
    return make_settings(tmp_path, database_url=database_url)


def _in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Start `call` in a thread; the list receives what it returned or raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_concurrent_publishes_of_one_article_get_consecutive_revision_numbers(
    settings: Settings,
) -> None:
    versions = [short_article(f" Crew {n} painted the railings green.") for n in range(3)]
    start = threading.Barrier(len(versions))

    def publish(data: bytes) -> PublishResult:
        start.wait()
        return pipeline.publish(data, settings, synthesizer=SlowVoice())

    started = [_in_thread(lambda data=data: publish(data)) for data in versions]
    for thread, _ in started:
        thread.join(60)
    results = [outcome[0] for _, outcome in started]
    assert all(isinstance(r, PublishResult) for r in results), results
    done = [r for r in results if isinstance(r, PublishResult)]
    assert sorted(r.action for r in done) == ["created", "revised", "revised"]
    assert sorted(r.episode.revision for r in done) == [1, 2, 3]

    library = Library(settings)
    slug = done[0].episode.slug
    episode = library.get_episode(slug)
    assert [r.number for r in episode.revisions] == [1, 2, 3]
    assert episode.revision == max(r.episode.revision for r in done)
    for data, result in zip(versions, done, strict=True):
        number = result.episode.revision
        # the database recorded this publish's source under the number it reserved ...
        assert library.source_of(slug, number) == data
        revision = next(r for r in episode.revisions if r.number == number)
        # ... and the files it put up carry that same number, complete in the store
        for file in revision.files.values():
            assert file.name.startswith(f"{slug}-r{number}.")
            stored = library.public.stat(library.episode_key(slug, file.name))
            assert stored is not None and stored.size == file.size


#: What every path that changes an episode does, and what it leaves: name -> (change, check).
CHANGES: dict[str, tuple[Callable[[Settings, str], object], Callable[[Library, str], bool]]] = {
    "publish": (
        lambda s, slug: pipeline.publish(
            short_article(" The mayor cut a ribbon."), s, synthesizer=SlowVoice()
        ),
        lambda lib, slug: lib.get_episode(slug).revision == 2,
    ),
    "correct": (
        lambda s, slug: pipeline.correct(
            slug,
            short_article(" The mayor cut a red ribbon."),
            s,
            note="Ribbon colour.",
            synthesizer=SlowVoice(),
        ),
        lambda lib, slug: lib.get_episode(slug).revision == 3,
    ),
    "regenerate": (
        lambda s, slug: pipeline.regenerate(slug, s, synthesizer=SlowVoice()),
        lambda lib, slug: lib.get_episode(slug).current.kind == "regenerated",
    ),
    "job": (
        lambda s, slug: worker.run_job(
            s,
            jobs.submit(s, "regenerate", slug=slug, note="Again, by the worker.").id,
        ),
        lambda lib, slug: lib.get_episode(slug).current.note == "Again, by the worker.",
    ),
    "unpublish": (
        lambda s, slug: pipeline.unpublish(slug, s),
        lambda lib, slug: not lib.get_episode(slug, include_withdrawn=True).is_published,
    ),
    "republish": (
        lambda s, slug: pipeline.republish_episode(slug, s),
        lambda lib, slug: lib.get_episode(slug).is_published,
    ),
}


def test_every_change_of_an_episode_waits_for_the_article_lock(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs.use_synthesizer(SlowVoice)
    try:
        slug = pipeline.publish(short_article(), settings, synthesizer=SlowVoice()).episode.slug
        library = Library(settings)
        locks = article_locks(settings)
        elsewhere = Owner("another-machine", 1, 0)  # the lock as another machine holds it
        for name, (change, check) in CHANGES.items():
            assert locks.try_acquire(slug, elsewhere), name
            before = library.generation()
            thread, outcome = _in_thread(lambda change=change: change(settings, slug))
            try:
                thread.join(1.0)
                assert thread.is_alive() and not outcome, f"{name} did not wait for the lock"
                assert library.generation() == before, f"{name} changed the library unlocked"
            finally:
                locks.release(slug, elsewhere)
            thread.join(60)
            assert not thread.is_alive() and outcome, name
            assert not isinstance(outcome[0], BaseException), (name, outcome[0])
            assert check(library, slug), name
            if name != "job":  # a job says it waits in its own row, not on stderr
                assert f"waiting for the job working on '{slug}'" in capsys.readouterr().err
    finally:
        jobs.use_synthesizer(None)


def test_a_change_refuses_when_the_lock_stays_held(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pipeline.publish(short_article(), settings, synthesizer=SlowVoice()).episode
    locks = article_locks(settings)
    elsewhere = Owner("another-machine", 1, 0)
    assert locks.try_acquire(first.slug, elsewhere)
    monkeypatch.setattr(jobs, "LOCK_WAIT_S", 0.5)
    try:
        with pytest.raises(ConflictError, match="working on 'bridge-reopens-after-repairs'"):
            pipeline.correct(first.slug, short_article(" Late."), settings, note="Late.")
    finally:
        locks.release(first.slug, elsewhere)
    library = Library(settings)
    assert [r.number for r in library.get_episode(first.slug).revisions] == [1]
    # nothing was built and put up for the refused revision: the next publish gets number 2
    assert library.reserve_revision(first.slug) == 2
    assert not library.public.existing([library.episode_key(first.slug, f"{first.slug}-r2.mp3")])
