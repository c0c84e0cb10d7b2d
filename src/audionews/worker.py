"""The worker, an entry point like the CLI and the web app: it runs the jobs others queue.

    audionews worker   ->  run_worker(settings): a Huey consumer, plus the sweeps below

publish/jobs.py records, queues, locks and recovers jobs; what a job does is here, because it
calls the pipeline, which sits above publishing: ACTIONS has the pipeline call of each
JobAction, and `fetch_page` reads a URL job's page. `huey_for` hands them to the queue, so a
process runs jobs only once it has asked for the worker's queue (a consumer, or a test in
immediate mode); the web app, which only queues them, never imports this module.

Besides its jobs, a worker delivers webhooks (publish/webhooks.py, on the same queue), requeues
the jobs of dead workers, re-renders stale feeds and polls followed sites (polling.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from audionews import pipeline, polling
from audionews.config import Settings
from audionews.publish import jobs
from audionews.publish.library import Library, PublishResult
from audionews.storage import database, tables
from audionews.vocabulary import JobAction

if TYPE_CHECKING:
    from huey import Huey

#: How often a worker looks for jobs whose worker died.
SWEEP_EVERY_S = 5.0
#: How often a worker looks for followed feeds due a poll (follow_interval_minutes apart).
FOLLOW_CHECK_EVERY_S = 30.0

_log = logging.getLogger("audionews.worker")


# --------------------------------------------------------------------------- actions


def _publish(settings: Settings, job: tables.Job, **common: Any) -> PublishResult:
    return pipeline.publish(
        job.source,
        settings,
        filename=job.source_filename or None,
        source_format=job.source_format or None,
        # a page lands where pipeline.article_slug says (its own episode, else job.slug) and,
        # like any article sent without a slug, only on the same article's episode
        slug=None if job.source_url else job.slug,
        kind=job.kind,
        note=job.note,
        job_id=job.id,
        link=job.link,
        **common,
    )


def _correct(settings: Settings, job: tables.Job, **common: Any) -> PublishResult:
    return pipeline.correct(
        job.slug,
        job.source,
        settings,
        kind=job.kind,
        note=job.note,
        filename=job.source_filename or None,
        source_format=job.source_format or None,
        republish=job.action == JobAction.REPUBLISH,
        **common,
    )


def _regenerate(settings: Settings, job: tables.Job, **common: Any) -> PublishResult:
    return pipeline.regenerate(
        job.slug, settings, revision=job.revision or None, note=job.note, **common
    )


#: What a job can do: action -> the pipeline call that does it.
ACTIONS: dict[JobAction, Callable[..., PublishResult]] = {
    JobAction.PUBLISH: _publish,
    JobAction.CORRECT: _correct,
    JobAction.REPUBLISH: _correct,  # a correction that also puts an unpublished episode back
    JobAction.REGENERATE: _regenerate,
    JobAction.ROLLBACK: _regenerate,
}


def fetch_page(url: str, settings: Settings) -> tuple[bytes, str, str]:
    """Fetch a URL job's page: (its bytes, the slug it lands on, its canonical URL)."""
    fetched = pipeline.fetch_article(url, settings)
    return fetched.data, fetched.slug, fetched.link


WORK = jobs.Work(ACTIONS, fetch_page)


# --------------------------------------------------------------------------- running jobs


def huey_for(settings: Settings) -> Huey:
    """Return the queue of these settings, set to run its jobs in this process."""
    jobs.serve(WORK)
    return jobs.huey_for(settings)


def run_job(settings: Settings, job_id: int) -> None:
    """Run one job to the end (what the consumer does with its message)."""
    jobs.run_job(settings, job_id, WORK)


def run_worker(settings: Settings, *, workers: int = 1) -> None:
    """Run a Huey consumer until interrupted; recover jobs of dead workers now and then."""
    database.upgrade(settings)  # before any job: a new version's worker may need new columns
    huey = huey_for(settings)
    jobs.recover(settings)
    stop = threading.Event()

    def sweep() -> None:
        from audionews.publish import feed, webhooks

        library = Library(settings)
        while not stop.wait(SWEEP_EVERY_S):
            try:
                jobs.recover(settings)
                webhooks.recover_deliveries(settings)  # deliveries a dead worker lost
                # feeds a failed render left stale are written again; old revisions whose
                # grace period ended leave the public folder
                feed.ensure_rendered(library)
            except Exception:  # a busy database must not kill the sweeper; next round retries
                _log.warning("job sweep failed; retrying in %s s", SWEEP_EVERY_S, exc_info=True)
                continue

    def follow_sites() -> None:
        while not stop.wait(FOLLOW_CHECK_EVERY_S):
            try:  # in its own thread: a poll that publishes must not hold up recovery
                polling.run_due(settings, synthesizer=jobs.job_synthesizer())
            except Exception:
                _log.warning("polling followed feeds failed; retrying", exc_info=True)

    threading.Thread(target=sweep, name="job-sweeper", daemon=True).start()
    threading.Thread(target=follow_sites, name="follow-poller", daemon=True).start()
    consumer = huey.create_consumer(
        workers=workers, periodic=False, initial_delay=0.05, backoff=1.2, max_delay=0.1
    )
    try:
        consumer.run()
    finally:
        stop.set()
