"""Background publishing on Huey: queue a job, a worker runs it, everyone can watch its progress.

Storage: SqliteHuey in <instance_dir>/jobs.db by default (no extra server), RedisHuey when
REDIS_URL is set; the task code is the same. A message carries only the job's id; the worker
runs it with its own settings (see _queue). Each job is a row of the `jobs` table
(storage/tables.py): queued -> running (sentences done / total) -> published | failed (reason).

This module is the jobs' bookkeeping: it records, queues, locks, recovers and reports them, and
never imports the pipeline. What a job does (the pipeline call of its action, the fetch of a
URL job's page) is `Work` the worker entry point gives (audionews/worker.py, `huey_for`): a
process that only queues jobs (the web app) never needs it.

Safety, because a worker may die at any moment (SIGKILL, power loss):
- a job publishes through pipeline.publish, whose order keeps the last published revision
  served until the new one is committed, so a killed job never leaves a half-made episode;
- one change per article at a time: the article lock, held in the database (storage/locks.py:
  an advisory lock on PostgreSQL, a row with the owner and a heartbeat on SQLite); a second job
  for the article waits for it, and so do the pipeline's own changes (publish, correct,
  regenerate, unpublish, republish: they take the lock too, so a job reads the episode's state
  only once nothing else can change it); a lock whose owner died is released or taken over;
- a new article's slug is reserved when it is accepted (`slug_reservations`), so a second new
  article with the same slug is refused at once (409) rather than becoming a revision of the
  first (a page from a URL: once it is fetched and its headline known); the reservation ends
  with its job;
- `recover` (run by every worker at start and every few seconds, and by status reads) turns a
  "running" job whose worker is gone back into "queued" and enqueues it again, or marks it
  failed after MAX_ATTEMPTS, so no job stays "running" forever.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from audionews.config import Settings, private_file
from audionews.errors import (
    AudionewsError,
    ConflictError,
    InputError,
    NotFoundError,
    StorageError,
)
from audionews.naming import slugify
from audionews.publish.library import Library, PublishResult, unpublished_message
from audionews.storage import database, tables
from audionews.storage.locks import Owner, article_locks, is_stale
from audionews.vocabulary import (
    UNFINISHED_JOB_STATES,
    InputFormat,
    JobAction,
    JobState,
    RevisionKind,
)

if TYPE_CHECKING:
    from huey import Huey

    from audionews.audio.synth import Synthesizer

#: How often a running job proves it is alive.
HEARTBEAT_EVERY_S = 2.0
#: How long a job waits for another job of the same article before failing.
LOCK_WAIT_S = 900.0
#: A job whose worker died this many times is marked failed instead of retried.
MAX_ATTEMPTS = 3
#: Progress is written at most this often (a row update per sentence would be wasteful).
PROGRESS_EVERY_S = 0.25
#: Staging folders older than this are leftovers of killed builds (no build takes this long).
STAGING_MAX_AGE_S = 6 * 3600.0


def is_finished(state: str) -> bool:
    """Whether a job in `state` has ended (an unknown state counts as ended: nothing runs it)."""
    return state not in UNFINISHED_JOB_STATES


#: Where the synthesizer comes from: None means the script's Piper voice. Tests and the
#: benchmark set a factory (a slow fake, a shared voice) with `use_synthesizer`.
_synthesizer_factory: Callable[[], Synthesizer] | None = None


def use_synthesizer(factory: Callable[[], Synthesizer] | None) -> None:
    """Make jobs in this process speak with `factory()` (None: the article's Piper voice)."""
    global _synthesizer_factory
    _synthesizer_factory = factory


def job_synthesizer() -> Synthesizer | None:
    """Return the synthesizer set with `use_synthesizer`, or None for the article's voice."""
    return _synthesizer_factory() if _synthesizer_factory is not None else None


# --------------------------------------------------------------------------- the work


@dataclass(frozen=True)
class Work:
    """What running a job does beyond its bookkeeping, given by the worker (audionews/worker.py).

    `actions` has the call of every JobAction: (settings, the job's row, editor=, synthesizer=,
    progress=) -> what was published. `fetch_page` reads a URL job's page: (url, settings) ->
    (the page's bytes, its slug, its canonical URL).
    """

    actions: Mapping[JobAction, Callable[..., PublishResult]]
    fetch_page: Callable[[str, Settings], tuple[bytes, str, str]]


#: The work of the jobs this process runs: set by `serve` (the worker's huey_for) before a job
#: runs here; a process that only queues jobs leaves it None.
_work: Work | None = None


def serve(work: Work) -> None:
    """Run this process's jobs with `work` (a consumer, or a queue in immediate mode)."""
    global _work
    _work = work


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class JobView:
    """A job as the API and the editor pages show it."""

    id: int
    slug: str  # "" while a job from a URL has not fetched its page yet
    action: str
    kind: str
    note: str
    editor: str
    state: str
    done: int
    total: int
    synthesized: int
    cached: int
    revision: int
    message: str
    attempts: int
    created: datetime
    updated: datetime
    url: str = ""  # the page a job from a URL fetches
    link: str = ""  # that page's canonical URL, once fetched

    @property
    def finished(self) -> bool:
        return is_finished(self.state)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract of /api/v1/jobs/<id>."""
        return {
            "id": self.id,
            "slug": self.slug,
            "url": self.url,
            "link": self.link,
            "action": self.action,
            "kind": self.kind,
            "note": self.note,
            "editor": self.editor,
            "state": self.state,
            "finished": self.finished,
            "sentences_done": self.done,
            "sentences_total": self.total,
            "synthesized": self.synthesized,
            "cached": self.cached,
            "revision": self.revision,
            "message": self.message,
            "attempts": self.attempts,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


def _view(job: tables.Job) -> JobView:
    return JobView(
        id=job.id,
        slug=job.slug,
        action=job.action,
        kind=job.kind,
        note=job.note,
        editor=job.editor,
        state=job.state,
        done=job.done,
        total=job.total,
        synthesized=job.synthesized,
        cached=job.cached,
        revision=job.revision,
        message=job.message,
        attempts=job.attempts,
        created=job.created.replace(tzinfo=UTC),
        updated=job.updated.replace(tzinfo=UTC),
        url=job.source_url,
        link=job.link,
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# --------------------------------------------------------------------------- the queue


@dataclass
class _Queue:
    """A Huey instance, its job task, and the settings this process runs its jobs with."""

    huey: Huey
    task: Any
    settings: Settings


_QUEUES: dict[str, _Queue] = {}
TASK_NAME = "audionews.run_job"


def jobs_db(settings: Settings) -> Path:
    """Return the SQLite file of the queue (used when REDIS_URL is not set)."""
    return settings.instance_dir / "jobs.db"


def huey_for(settings: Settings) -> Huey:
    """Return the Huey instance of these settings, with the job task registered on it."""
    return _queue(settings).huey


def _queue(settings: Settings) -> _Queue:
    """Return the queue of these settings, which become the settings its jobs run with here.

    A message carries only the job's id: what to do is in the job's row (action, slug, source,
    revision), and how to do it (folders, voice, caches) is the settings of the process that
    runs it. A worker on another machine must not be told the web host's instance path.
    """
    key = settings.redis_url or str(jobs_db(settings).resolve())
    found = _QUEUES.get(key)
    if found is None:
        if settings.redis_url:
            from huey import RedisHuey

            huey: Huey = RedisHuey("audionews", url=settings.redis_url, results=False)
        else:
            from huey import SqliteHuey

            private_file(jobs_db(settings))
            huey = SqliteHuey("audionews", filename=key, results=False)
        found = _QUEUES[key] = _Queue(huey, None, settings)
        found.task = huey.task(name=TASK_NAME)(functools.partial(_task, found))
        from audionews.publish import webhooks

        # the worker also delivers webhooks (publish/webhooks.py), with the same settings
        webhooks.register(huey, lambda: found.settings)
    found.settings = settings
    return found


def _task(queue: _Queue, job_id: int) -> None:
    if _work is None:
        raise RuntimeError(
            f"job {job_id} reached a process that only queues jobs: jobs run in `audionews "
            "worker` (in tests, take the queue from audionews.worker.huey_for)"
        )
    run_job(queue.settings, job_id, _work)


def submit(
    settings: Settings,
    action: str,
    *,
    slug: str = "",
    source: bytes = b"",
    filename: str = "",
    source_format: str = "",
    kind: str = RevisionKind.UPDATE,
    note: str = "",
    editor: str = "",
    revision: int = 0,
    new_only: bool = False,
    url: str = "",
) -> JobView:
    """Record a job and queue it; return it as queued (or finished, in immediate mode).

    The article is parsed here, so bad input is refused at once instead of failing later.
    With `new_only`, an article whose slug is taken (by an episode, or by another new article
    accepted but not yet published) is refused (ConflictError) rather than published as a new
    revision of that episode; otherwise its slug is reserved for it until its job ends.
    A change to an unpublished episode is refused unless the action is "republish".

    A job with a `url` (action "publish") carries only the URL: the worker fetches the page, so
    the request that queues it returns at once. The URL's form (and a host written as an
    address) is checked here; the page's slug is known once it is fetched, and is reserved then
    (see `_fetch_page`); a page published before becomes a new revision of its episode
    (`new_only` does not apply).
    """
    if action not in set(JobAction):
        raise InputError(f"unknown action {action!r}: use one of {', '.join(JobAction)}")
    if url:
        from audionews.net.fetch import check_url, policy_for

        if action != JobAction.PUBLISH or source:
            raise InputError("a job from a URL publishes that page: give no text with it")
        url = check_url(url, policy_for(settings.allow_private_urls))
        new_only = False
    elif source:
        from audionews.ingest.detect import read_article

        article = read_article(
            source, filename=filename or None, source_format=source_format or None
        )
        slug = slugify(slug or article.headline)
    if not slug and not url:
        raise InputError("a job needs an article, its URL or the slug of an episode")
    slug = slugify(slug) if slug else ""  # "" for a URL: known once its page is fetched
    existing = Library(settings).find(slug) if slug else None
    if new_only and existing is not None:
        raise ConflictError(
            f"an episode '{slug}' already exists: correct it instead "
            f"(editor: /editor/episodes/{slug}/edit, API: PUT /api/v1/articles/{slug})"
        )
    if existing is not None and not existing.is_published and action != JobAction.REPUBLISH:
        raise ConflictError(unpublished_message(slug))
    now = _now()
    try:
        with database.session(settings) as s:
            job = tables.Job(
                slug=slug,
                source_url=url,
                action=action,
                kind=kind,
                note=note,
                editor=editor,
                source=source,
                source_filename=filename,
                source_format=source_format,
                revision=revision,
                created=now,
                updated=now,
            )
            s.add(job)
            s.flush()
            job_id = job.id
            if new_only:
                _reserve_slug(s, slug, job_id, now)
    except IntegrityError:
        if not new_only:
            raise
        raise _reserved_elsewhere(settings, slug) from None
    _enqueue(settings, job_id)
    return get_job(settings, job_id)


# --------------------------------------------------------------------------- slug reservations


def slug_reserved_by(settings: Settings, slug: str) -> int:
    """Return the unfinished job holding a reservation of `slug` for a new article, or 0."""
    with database.session(settings) as s:
        held = s.get(tables.SlugReservation, slug)
        if held is None:
            return 0
        owner = s.get(tables.Job, held.job_id)
        return held.job_id if owner is not None and not is_finished(owner.state) else 0


def _reserve_slug(s: Any, slug: str, job_id: int, now: datetime) -> None:
    """Promise `slug` to the new article of job `job_id`, in the caller's transaction.

    Raises IntegrityError when another live job holds it (the caller then raises
    `_reserved_elsewhere`, once the transaction is rolled back).
    """
    _drop_finished_reservation(s, slug)
    s.add(tables.SlugReservation(slug=slug, job_id=job_id, created=now))
    s.flush()


def _reserved_elsewhere(settings: Settings, slug: str) -> ConflictError:
    return ConflictError(
        f"another new article with the slug '{slug}' was accepted moments ago and is being "
        f"published (job {slug_reserved_by(settings, slug) or '?'}): give this one another "
        f"headline, or once that job is done correct it with PUT /api/v1/articles/{slug} "
        f"(editor: /editor/episodes/{slug}/edit)"
    )


def _drop_finished_reservation(s: Any, slug: str) -> None:
    """Forget a reservation whose job ended or vanished (it should have been released)."""
    held = s.get(tables.SlugReservation, slug)
    if held is None:
        return
    owner = s.get(tables.Job, held.job_id)
    if owner is None or is_finished(owner.state):
        s.delete(held)
        s.flush()


def _release_reservation(settings: Settings, job_id: int) -> None:
    with database.session(settings) as s:
        s.execute(delete(tables.SlugReservation).where(tables.SlugReservation.job_id == job_id))


def _enqueue(settings: Settings, job_id: int) -> None:
    _queue(settings).task(job_id)


def get_job(settings: Settings, job_id: int) -> JobView:
    """Return a job; a running job whose worker died is recovered first."""
    with database.session(settings) as s:
        job = s.get(tables.Job, job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id}")
        stale = job.state == JobState.RUNNING and is_stale(job.host, job.pid, job.heartbeat)
    if stale:
        recover(settings)
    with database.session(settings) as s:
        found = s.get(tables.Job, job_id)
        assert found is not None
        return _view(found)


def list_jobs(settings: Settings, slug: str | None = None, limit: int = 50) -> list[JobView]:
    """Return the latest jobs, newest first (of one article when `slug` is given)."""
    query = select(tables.Job).order_by(tables.Job.id.desc()).limit(limit)
    if slug:
        query = query.where(tables.Job.slug == slug)
    with database.session(settings) as s:
        return [_view(j) for j in s.scalars(query)]


# --------------------------------------------------------------------------- running a job


def _update(settings: Settings, job_id: int, **values: Any) -> None:
    with database.session(settings) as s:
        query = update(tables.Job).where(tables.Job.id == job_id)
        s.execute(query.values(updated=_now(), **values))


def run_job(settings: Settings, job_id: int, work: Work) -> None:
    """Run one job to the end with `work`: wait for the article, publish, record the outcome."""
    host, pid = socket.gethostname(), os.getpid()
    with database.session(settings) as s:
        job = s.get(tables.Job, job_id)
        if job is None or is_finished(job.state):
            return  # deleted, or already done by an earlier delivery of the same message
        job.state, job.pid, job.host = JobState.RUNNING, pid, host
        job.heartbeat, job.attempts, job.updated = time.time(), job.attempts + 1, _now()
        job.message = "waiting for other jobs of this article to finish"
        s.flush()
        s.expunge(job)  # a plain copy for the action; the row is committed "running"
    message = ""
    try:
        with _heartbeat(settings, job_id):  # the page is fetched before the article is known
            if job.source_url and not job.source:
                job = _fetch_page(settings, job, work)
            with _article_lock(settings, job.slug, job_id):
                _update(settings, job_id, message="")
                result = work.actions[JobAction(job.action)](
                    settings,
                    job,
                    editor=job.editor or "job",
                    synthesizer=job_synthesizer(),
                    progress=_progress_writer(settings, job_id),
                )
    except StorageError as exc:
        if not isinstance(exc.result, PublishResult):  # nothing was published
            _finish(settings, job_id, state=JobState.FAILED, message=str(exc))
            return
        result, message = exc.result, str(exc)  # published; the feeds catch up later
    except AudionewsError as exc:
        _finish(settings, job_id, state=JobState.FAILED, message=str(exc))
        return
    except Exception as exc:  # a bug: record it, never leave the job "running"
        _finish(settings, job_id, state=JobState.FAILED, message=f"internal error: {exc!r}")
        raise
    build = result.build
    _finish(
        settings,
        job_id,
        state=JobState.PUBLISHED,
        revision=result.episode.revision,
        message=message or result.message,
        synthesized=build.segments_synthesized if build else 0,
        cached=build.segments_cached if build else 0,
    )


def _finish(settings: Settings, job_id: int, **values: Any) -> None:
    """Record how a job ended and release its slug reservation (the episode holds it now);
    a failed job is told to the webhooks that want `job.failed`."""
    _update(settings, job_id, **values)
    _release_reservation(settings, job_id)
    if values.get("state") == JobState.FAILED:
        from audionews.publish import webhooks

        webhooks.notify_job_failed(settings, job_id)


def _fetch_page(settings: Settings, job: tables.Job, work: Work) -> tables.Job:
    """Fetch a URL job's page into the job (source, slug, link) and return the job as stored.

    Kept in the row, a worker that dies later publishes what was fetched, without fetching
    again; a fetch that fails fails the job with its one-line reason. A new page (no episode
    holds its slug) has its slug reserved from now on, as an article sent as text has from its
    acceptance: another new article with that slug is refused until this job ends.
    """
    _update(settings, job.id, message=f"fetching {job.source_url}")
    data, slug, link = work.fetch_page(job.source_url, settings)
    new_page = Library(settings).find(slug) is None
    now = _now()
    try:
        with database.session(settings) as s:
            found = s.get(tables.Job, job.id)
            assert found is not None
            found.source, found.source_format = data, InputFormat.HTML
            found.slug, found.link = slug, link
            found.message, found.updated = "", now
            if new_page:
                _reserve_slug(s, slug, job.id, now)
            s.flush()
            s.expunge(found)
    except IntegrityError:
        raise _reserved_elsewhere(settings, slug) from None
    return found


def _progress_writer(settings: Settings, job_id: int) -> Callable[[int, int], None]:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.time()
        if done == total or now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            _update(settings, job_id, done=done, total=total, heartbeat=now)

    return progress


@contextmanager
def _heartbeat(settings: Settings, job_id: int) -> Iterator[None]:
    """Keep the job's and its lock's heartbeat fresh while the body runs (a slow sentence)."""
    stop = threading.Event()
    owner = Owner.current(job_id)
    locks = article_locks(settings)

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY_S):
            now = time.time()
            with database.session(settings) as s:
                s.execute(update(tables.Job).where(tables.Job.id == job_id).values(heartbeat=now))
            locks.beat(owner)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


#: Articles this thread (this context) owns: the pipeline's changes take the article lock, and
#: a job that already holds it must not wait for itself.
_HELD: ContextVar[frozenset[str]] = ContextVar("audionews_held_articles", default=frozenset())


@contextmanager
def hold_article(
    settings: Settings, slug: str, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Own an article while the body runs: every change of an episode does (pipeline.publish,
    unpublish, republish; jobs through run_job). Re-entrant within one thread.

    Waits while a job works on it, so a command and a job never change the same article at
    once; `on_wait` is called once if it has to wait (the CLI says why it pauses).
    """
    key = slugify(slug)
    if key in _HELD.get():
        yield
        return
    with _article_lock(settings, key, 0, on_wait), _heartbeat(settings, 0):
        yield


@contextmanager
def _article_lock(
    settings: Settings, key: str, job_id: int, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Own the article `key` while the body runs; wait while someone else owns it."""
    if key in _HELD.get():
        yield
        return
    owner = Owner.current(job_id)
    locks = article_locks(settings)
    deadline = time.time() + LOCK_WAIT_S
    while not locks.try_acquire(key, owner):
        if time.time() > deadline:
            raise ConflictError(
                f"another job has been working on '{key}' for too long: try again later"
            )
        if on_wait is not None:
            on_wait()
            on_wait = None
        _update(settings, job_id, heartbeat=time.time())
        time.sleep(0.2)
    token = _HELD.set(_HELD.get() | {key})
    try:
        yield
    finally:
        _HELD.reset(token)
        locks.release(key, owner)


def _try_lock(settings: Settings, key: str, job_id: int, host: str, pid: int) -> bool:
    """Take the article `key` for job `job_id` of process `pid` on `host`, without waiting."""
    return article_locks(settings).try_acquire(key, Owner(host, pid, job_id))


# --------------------------------------------------------------------------- recovery


def recover(settings: Settings) -> list[int]:
    """Requeue (or fail, after MAX_ATTEMPTS) running jobs whose worker is gone; return their ids.

    Their article locks are released; the library needs no repair, since pipeline.publish
    commits a revision only once its files are in place.
    """
    requeue: list[int] = []
    failed: list[int] = []
    with database.session(settings) as s:
        query = select(tables.Job).where(tables.Job.state == JobState.RUNNING)
        running = s.scalars(query).all()
        for job in running:
            if not is_stale(job.host, job.pid, job.heartbeat):
                continue
            article_locks(settings).forget_job(job.id)
            job.updated = _now()
            if job.attempts >= MAX_ATTEMPTS:
                job.state = JobState.FAILED
                job.message = f"the worker stopped {job.attempts} times during this job"
                failed.append(job.id)
                s.execute(
                    delete(tables.SlugReservation).where(tables.SlugReservation.job_id == job.id)
                )
            else:
                job.state = JobState.QUEUED
                job.message = f"the worker stopped (attempt {job.attempts}); queued again"
                requeue.append(job.id)
    for job_id in requeue:
        _enqueue(settings, job_id)
    if failed:
        from audionews.publish import webhooks

        for job_id in failed:
            webhooks.notify_job_failed(settings, job_id)
    _remove_old_staging(settings)
    return requeue


def _remove_old_staging(settings: Settings) -> None:
    """Delete staging folders a killed build left behind (a clean exit removes its own)."""
    import shutil

    root = settings.instance_dir / "staging"
    if not root.is_dir():
        return
    cutoff = time.time() - STAGING_MAX_AGE_S
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # removed by another worker meanwhile
