"""The names every layer shares, one enum each: the CLI, the web app, the database and the
payloads all spell them from here.

Kept free of imports beyond the standard library: the CLI reads these tables to write its help,
and must not pay for the database or the web stack to do so.
"""

from __future__ import annotations

from enum import StrEnum


class WebhookEvent(StrEnum):
    """What a webhook can be told about (publish/webhooks.py)."""

    EPISODE_PUBLISHED = "episode.published"
    REVISION_PUBLISHED = "revision.published"
    JOB_FAILED = "job.failed"


#: When each event is sent, as the CLI's help, the editor and the README say it.
WEBHOOK_EVENT_HELP: dict[WebhookEvent, str] = {
    WebhookEvent.EPISODE_PUBLISHED: "the first revision of a new episode is published",
    WebhookEvent.REVISION_PUBLISHED: "a later revision is published (a correction, an update, "
    "a regeneration or a rollback)",
    WebhookEvent.JOB_FAILED: "a background job failed (its error line is in the payload)",
}
