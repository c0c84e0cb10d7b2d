"""Outgoing webhooks: tell a newsroom's CMS when audio is ready (or a job failed).

    hook, secret = add_webhook(settings, "https://cms.example/audio-hook")  # secret shown once
    notify_published(settings, result)   # pipeline.publish, after each new revision
    notify_job_failed(settings, job_id)  # publish/jobs.py, when a job fails

A publish never waits for a receiver: `notify` writes one delivery row per subscribed webhook
(its JSON body is fixed then, so every attempt sends the same bytes) and queues a Huey task;
the worker (`audionews worker`) POSTs it. The body is signed the way GitHub signs its webhooks,
so receivers know the scheme: `X-Audionews-Signature: sha256=<hex HMAC-SHA256 of the raw body
keyed with the webhook's secret>`, beside `X-Audionews-Event` and `X-Audionews-Delivery` (a
uuid4, the same on every attempt of one delivery, so receivers can drop repeats).

A delivery succeeds on a 2xx answer. Anything else (another status, no answer, an address the
policy refuses) is retried by Huey (`RetryTask`) after `webhook_retry_delay_s`, doubling each
time, until `webhook_max_attempts`; the delivery log keeps the state, the last status or error
and the attempts. Requests go through net/fetch.py's policy, so a webhook cannot reach
loopback, private or link-local addresses unless `allow_private_urls` is set.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from audionews.config import Settings
from audionews.errors import FetchError, InputError, NotFoundError
from audionews.storage import database, tables
from audionews.vocabulary import WebhookEvent

if TYPE_CHECKING:
    from huey import Huey

    from audionews.publish.library import EpisodeView, PublishResult


#: The event a publish sends, by what it did (PublishResult.action); other actions send none.
PUBLISH_EVENTS: dict[str, WebhookEvent] = {
    "created": WebhookEvent.EPISODE_PUBLISHED,
    "revised": WebhookEvent.REVISION_PUBLISHED,
}
#: Delivery states and whether a delivery in that state is finished.
STATES = {
    "queued": False,
    "sending": False,
    "retrying": False,
    "delivered": True,
    "failed": True,
}
#: The state of a delivery while a worker sends it (claimed: see `deliver`).
SENDING = "sending"
#: A delivery "sending" for this long lost its worker (an attempt ends well before: net/fetch.py's
#: connect and read timeouts bound it).
SENDING_STALE_S = 120.0
#: A delivery whose attempt is this late lost its task (a retry is due within the scheduler's
#: second); it is queued again.
OVERDUE_S = 300.0
#: Secrets given by hand shorter than this are refused (a guessable key signs nothing).
MIN_SECRET_CHARS = 16
MAX_SECRET_CHARS = 200
#: Each retry waits this many times as long as the one before.
BACKOFF_FACTOR = 2.0
#: Longer numbers are no row id (a database stores 64-bit ids): looked up as a URL, not found.
MAX_ID_DIGITS = 19
TASK_NAME = "audionews.deliver_webhook"
HEADER_EVENT = "X-Audionews-Event"
HEADER_DELIVERY = "X-Audionews-Delivery"
HEADER_SIGNATURE = "X-Audionews-Signature"

_log = logging.getLogger("audionews.webhooks")


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class DeliveryView:
    """One row of the delivery log."""

    id: str
    webhook_id: int
    url: str
    event: str
    state: str
    status_code: int
    error: str
    attempts: int
    max_attempts: int
    created: datetime
    last_attempt: datetime | None
    next_attempt: datetime | None

    @property
    def finished(self) -> bool:
        return STATES.get(self.state, True)

    @property
    def outcome(self) -> str:
        """Return the last attempt's result in a few words: "200", "500: ...", or the error."""
        if self.status_code and not self.error:
            return str(self.status_code)
        return self.error or "not tried yet"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook": self.webhook_id,
            "url": self.url,
            "event": self.event,
            "state": self.state,
            "status_code": self.status_code or None,
            "error": self.error,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "created": self.created.isoformat(),
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "next_attempt": self.next_attempt.isoformat() if self.next_attempt else None,
        }


@dataclass(frozen=True)
class WebhookView:
    """A webhook as `webhooks list` and the editor show it: never its secret."""

    id: int
    url: str
    events: tuple[WebhookEvent, ...]
    created: datetime
    last: DeliveryView | None  # its latest delivery

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": [str(e) for e in self.events],
            "created": self.created.isoformat(),
            "last_delivery": self.last.to_dict() if self.last else None,
        }


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def _delivery_view(row: tables.WebhookDelivery) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        webhook_id=row.webhook_id,
        url=row.url,
        event=row.event,
        state=row.state,
        status_code=row.status_code,
        error=row.error,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        created=row.created.replace(tzinfo=UTC),
        last_attempt=_utc(row.last_attempt),
        next_attempt=_utc(row.next_attempt),
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# --------------------------------------------------------------------------- managing webhooks


def parse_events(values: str | Iterable[str]) -> tuple[WebhookEvent, ...]:
    """Return the events named (comma-separated or a list; none: all), or say which is unknown."""
    if isinstance(values, str):
        values = values.split(",")
    names = [v.strip() for v in values if v.strip()]
    if not names:
        return tuple(WebhookEvent)
    known = {str(e): e for e in WebhookEvent}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(
            f"unknown event {unknown[0]!r}: use one or more of {', '.join(known)} (comma-separated)"
        )
    return tuple(e for e in WebhookEvent if str(e) in names)  # in the table's order, each once


def check_secret(secret: str) -> str:
    """Return a secret given by hand, or say why it cannot sign deliveries."""
    if secret != secret.strip() or not secret.isprintable():
        raise InputError("a webhook secret must be one line without spaces around it")
    if len(secret) < MIN_SECRET_CHARS:
        raise InputError(
            f"a webhook secret needs at least {MIN_SECRET_CHARS} characters: give a longer "
            "one, or leave it out and one is generated"
        )
    if len(secret) > MAX_SECRET_CHARS:
        raise InputError(f"a webhook secret has at most {MAX_SECRET_CHARS} characters")
    return secret


def form_errors(settings: Settings, url: str, events: Iterable[str], secret: str) -> dict[str, str]:
    """Return field -> message for the editor's "add a webhook" form ({} when it can be added).

    The same checks as `add_webhook` (which makes them again), each tied to its field; no
    event ticked is an error here, where the CLI's default (all) cannot be seen.
    """
    errors: dict[str, str] = {}
    if not url.strip():
        errors["url"] = "Give the web address the CMS receives webhooks at."
    else:
        try:
            _new_url(settings, url)
        except (FetchError, InputError) as exc:
            errors["url"] = str(exc)
    names = [e for e in events if e.strip()]
    try:
        if not names:
            raise InputError("Choose at least one event to send.")
        parse_events(names)
    except InputError as exc:
        errors["events"] = str(exc)
    if secret:
        try:
            check_secret(secret)
        except InputError as exc:
            errors["secret"] = str(exc)
    return errors


def add_webhook(
    settings: Settings,
    url: str,
    events: str | Iterable[str] = (),
    secret: str | None = None,
) -> tuple[WebhookView, str]:
    """Register a receiver for `events` (default: all); return it and its secret.

    The secret is generated when not given; this is the only time it is shown. The URL must be
    http or https; an address literal the policy refuses (http://127.0.0.1/) is refused now,
    a name is checked at each delivery (its address may change).
    """
    url = _new_url(settings, url)
    chosen = parse_events(events)
    secret = check_secret(secret) if secret else secrets.token_urlsafe(32)
    with database.session(settings) as s:
        row = tables.Webhook(url=url, events=",".join(chosen), secret=secret, created=_now())
        s.add(row)
        s.flush()
        webhook_id = row.id
    return get_webhook(settings, webhook_id), secret


def _new_url(settings: Settings, url: str) -> str:
    """Return `url` checked (form, scheme, an address literal's policy) and not yet registered."""
    from audionews.net.fetch import check_url, policy_for

    url = check_url(url, policy_for(settings.allow_private_urls))
    with database.session(settings) as s:
        if s.scalar(select(tables.Webhook.id).where(tables.Webhook.url == url)) is not None:
            raise InputError(f"a webhook for {url} exists: remove it first to change it")
    return url


def get_webhook(settings: Settings, webhook_id: int) -> WebhookView:
    with database.session(settings) as s:
        row = s.get(tables.Webhook, webhook_id)
        if row is None:
            raise NotFoundError(f"no webhook {webhook_id}: see `audionews webhooks list`")
        return _webhook_view(s, row)


def _webhook_view(s: Any, row: tables.Webhook) -> WebhookView:
    last = s.scalars(
        select(tables.WebhookDelivery)
        .where(tables.WebhookDelivery.webhook_id == row.id)
        .order_by(tables.WebhookDelivery.created.desc(), tables.WebhookDelivery.id)
        .limit(1)
    ).first()
    return WebhookView(
        id=row.id,
        url=row.url,
        events=parse_events(row.events),
        created=row.created.replace(tzinfo=UTC),
        last=_delivery_view(last) if last is not None else None,
    )


def list_webhooks(settings: Settings) -> list[WebhookView]:
    """Return the webhooks, oldest first, each with its latest delivery (never the secrets)."""
    with database.session(settings) as s:
        rows = s.scalars(select(tables.Webhook).order_by(tables.Webhook.id)).all()
        return [_webhook_view(s, r) for r in rows]


def remove_webhook(settings: Settings, which: str | int) -> WebhookView:
    """Remove the webhook with this id (or URL); its deliveries not yet made are dropped.

    The delivery log keeps its rows (with the URL), so what was sent stays visible.
    """
    with database.session(settings) as s:
        text = str(which).strip()
        if text.isdigit() and len(text) < MAX_ID_DIGITS:
            row = s.get(tables.Webhook, int(text))
        else:
            row = s.scalars(select(tables.Webhook).where(tables.Webhook.url == text)).first()
        if row is None:
            raise NotFoundError(f"no webhook {text!r}: see `audionews webhooks list` for the ids")
        view = _webhook_view(s, row)
        s.execute(
            update(tables.WebhookDelivery)
            .where(
                tables.WebhookDelivery.webhook_id == row.id,
                tables.WebhookDelivery.state.in_([k for k, done in STATES.items() if not done]),
            )
            .values(state="failed", error="the webhook was removed before it was delivered")
        )
        s.delete(row)
    return view


def deliveries(
    settings: Settings, *, webhook_id: int | None = None, limit: int = 50
) -> list[DeliveryView]:
    """Return the latest deliveries, newest first (of one webhook when `webhook_id`)."""
    query = (
        select(tables.WebhookDelivery)
        .order_by(tables.WebhookDelivery.created.desc(), tables.WebhookDelivery.last_attempt.desc())
        .limit(limit)
    )
    if webhook_id is not None:
        query = query.where(tables.WebhookDelivery.webhook_id == webhook_id)
    with database.session(settings) as s:
        return [_delivery_view(r) for r in s.scalars(query)]


# --------------------------------------------------------------------------- events


def episode_payload(episode: EpisodeView) -> dict[str, Any]:
    """Return what a receiver learns about an episode: public facts only (no editor names)."""
    return {
        "slug": episode.slug,
        "guid": episode.guid,
        "revision": episode.revision,
        "kind": episode.current.kind,
        "title": episode.title,
        "enclosure_url": episode.mp3.url,
        "duration_s": round(episode.duration_s, 3),
        "page_url": episode.page_url,
        "link": episode.link or None,
    }


#: The keys every payload has, null when not known (a job that failed before its page was read).
EMPTY_PAYLOAD: dict[str, Any] = dict.fromkeys(
    ("slug", "guid", "revision", "kind", "title", "enclosure_url", "duration_s", "page_url", "link")
)


def notify_published(settings: Settings, result: PublishResult) -> list[str]:
    """Queue the event of a publish (a new episode or a new revision); return delivery ids."""
    event = PUBLISH_EVENTS.get(result.action)
    if event is None:
        return []
    return notify(settings, event, episode_payload(result.episode))


def notify_job_failed(settings: Settings, job_id: int) -> list[str]:
    """Queue `job.failed` for a job: what is known of it and its episode, and the error line."""
    from audionews.publish.library import Library

    try:
        with database.session(settings) as s:
            job = s.get(tables.Job, job_id)
            if job is None:
                return []
            known = {"job": job.id, "action": job.action, "url": job.source_url or None}
            known["error"], slug = job.message, job.slug
        episode = Library(settings).find(slug) if slug else None
    except Exception:  # the job's failure is recorded; a broken notice must not hide it
        _log.warning("could not read job %s for its job.failed webhook", job_id, exc_info=True)
        return []
    about = episode_payload(episode) if episode is not None else {**EMPTY_PAYLOAD, "slug": slug}
    return notify(settings, WebhookEvent.JOB_FAILED, {**about, **known})


def notify(settings: Settings, event: WebhookEvent, payload: dict[str, Any]) -> list[str]:
    """Record a delivery of `event` for each webhook that wants it and queue it for the worker.

    Returns the delivery ids. Never raises: it runs after a publish is committed (or a job has
    failed), and a full queue or a broken database row must not turn that into an error; what
    went wrong is logged, and a delivery left unqueued stays "queued" in the log.
    """
    try:
        return _notify(settings, event, payload)
    except Exception:
        _log.warning("could not queue the %s webhooks", event, exc_info=True)
        return []


def _notify(settings: Settings, event: WebhookEvent, payload: dict[str, Any]) -> list[str]:
    with database.session(settings) as s:
        hooks = [
            (w.id, w.url)
            for w in s.scalars(select(tables.Webhook).order_by(tables.Webhook.id))
            if event in parse_events(w.events)
        ]
    if not hooks:
        return []
    now = _now()
    document = {"event": str(event), **payload, "occurred_at": now.replace(tzinfo=UTC).isoformat()}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ids = [str(uuid.uuid4()) for _ in hooks]
    with database.session(settings) as s:
        for delivery_id, (webhook_id, url) in zip(ids, hooks, strict=True):
            s.add(
                tables.WebhookDelivery(
                    id=delivery_id,
                    webhook_id=webhook_id,
                    url=url,
                    event=str(event),
                    body=body,
                    max_attempts=settings.webhook_max_attempts,
                    created=now,
                    next_attempt=now,
                )
            )
    for delivery_id in ids:
        _enqueue(settings, delivery_id)
    return ids


# --------------------------------------------------------------------------- the worker's side

_TASKS: dict[Huey, Any] = {}


def register(huey: Huey, settings_of: Callable[[], Settings]) -> None:
    """Register the delivery task on a queue (publish/jobs.py does, for every queue it makes).

    A message names only the delivery; `settings_of` gives the settings of the process that
    runs it (a worker's own, as for jobs).
    """
    _TASKS[huey] = huey.task(name=TASK_NAME)(functools.partial(_task, settings_of))


def _enqueue(settings: Settings, delivery_id: str) -> None:
    from audionews.publish.jobs import huey_for

    _TASKS[huey_for(settings)](delivery_id)


def _task(settings_of: Callable[[], Settings], delivery_id: str) -> None:
    from huey.exceptions import RetryTask

    delay = deliver(settings_of(), delivery_id)
    if delay is not None:
        # Huey schedules the same task again (its arguments, hence the same delivery id)
        raise RetryTask(f"webhook delivery {delivery_id} failed; retrying", delay=delay)


def sign(secret: str, body: bytes) -> str:
    """Return the X-Audionews-Signature of `body`: "sha256=" + hex HMAC-SHA256 keyed by `secret`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def retry_delay(settings: Settings, attempts: int) -> float:
    """Return the seconds to wait after the `attempts`-th failed attempt (doubling each time)."""
    return float(settings.webhook_retry_delay_s * BACKOFF_FACTOR ** max(attempts - 1, 0))


def deliver(settings: Settings, delivery_id: str) -> float | None:
    """Make one attempt at a delivery and log it; return seconds until the next, or None.

    None means there is nothing more to do: delivered, failed for good, or not this task's to
    do (finished already, or claimed by another copy of the task: see `recover_deliveries`).
    """
    from audionews.net.fetch import post

    with database.session(settings) as s:
        row = s.get(tables.WebhookDelivery, delivery_id)
        if row is None or STATES.get(row.state, True) or row.state == SENDING:
            return None
        hook = s.get(tables.Webhook, row.webhook_id)
        url, secret = (hook.url, hook.secret) if hook is not None else ("", "")
        body, event, attempt, limit = row.body, row.event, row.attempts + 1, row.max_attempts
        # Claimed with a compare-and-set: of two copies of one delivery's task (a retry Huey
        # had scheduled and the sweep's, after a worker was down), only one sends it.
        claimed = s.execute(
            update(tables.WebhookDelivery)
            .where(
                tables.WebhookDelivery.id == delivery_id,
                tables.WebhookDelivery.state == row.state,
                tables.WebhookDelivery.attempts == row.attempts,
            )
            .values(state=SENDING, attempts=attempt, last_attempt=_now())
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
    status, error = 0, ""
    if hook is None:
        error, limit = "the webhook was removed before it was delivered", attempt
    else:
        headers = {
            "Content-Type": "application/json",
            HEADER_EVENT: event,
            HEADER_DELIVERY: delivery_id,
            HEADER_SIGNATURE: sign(secret, body),
        }
        try:
            answer = post(url, body, headers, allow_private=settings.allow_private_urls)
        except FetchError as exc:
            error = str(exc)
        else:
            status = answer.status
            if not answer.ok:
                phrase = f" {answer.reason}" if answer.reason else ""
                error = f"{url} answered {answer.status}{phrase}"
    state, delay = _outcome(settings, error, attempt, limit)
    _record(delivery_id, settings, state, delay, status_code=status, error=error)
    if error:
        _log.info("webhook delivery %s (attempt %s/%s): %s", delivery_id, attempt, limit, error)
    return delay


def _outcome(settings: Settings, error: str, attempt: int, limit: int) -> tuple[str, float | None]:
    """Return the state after an attempt, and the seconds until the next one (None: no more)."""
    if not error:
        return "delivered", None
    if attempt >= limit:
        return "failed", None
    return "retrying", retry_delay(settings, attempt)


def _record(
    delivery_id: str, settings: Settings, state: str, delay: float | None, **values: Any
) -> None:
    now = _now()
    due = now + timedelta(seconds=delay) if delay is not None else None
    with database.session(settings) as s:
        s.execute(
            update(tables.WebhookDelivery)
            .where(tables.WebhookDelivery.id == delivery_id)
            .values(state=state, next_attempt=due, **values)
        )


def recover_deliveries(settings: Settings) -> list[str]:
    """Queue again the deliveries a worker lost; return their ids (the worker's sweep runs it).

    A worker killed while sending leaves its delivery "sending": after SENDING_STALE_S that
    attempt counts as failed (retried, or failed for good after the last attempt). A delivery
    whose attempt is overdue by OVERDUE_S (its task was lost: the queue was down when it was
    queued, or the worker was killed between attempts) is queued again; the claim in `deliver`
    keeps a copy of a task that was not lost after all from sending it twice.
    """
    now = _now()
    lost: list[str] = []
    with database.session(settings) as s:
        stale = now - timedelta(seconds=SENDING_STALE_S)
        overdue = now - timedelta(seconds=OVERDUE_S)
        rows = s.scalars(
            select(tables.WebhookDelivery).where(
                (
                    (tables.WebhookDelivery.state == SENDING)
                    & (tables.WebhookDelivery.last_attempt < stale)
                )
                | (
                    tables.WebhookDelivery.state.in_(["queued", "retrying"])
                    & (tables.WebhookDelivery.next_attempt < overdue)
                )
            )
        ).all()
        for row in rows:
            if row.state == SENDING:
                row.error = "the worker stopped while sending this delivery"
                row.state = "failed" if row.attempts >= row.max_attempts else "retrying"
            row.next_attempt = now if row.state != "failed" else None
            if row.state != "failed":
                lost.append(row.id)
    for delivery_id in lost:
        _enqueue(settings, delivery_id)
    return lost
