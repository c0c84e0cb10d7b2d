"""The names every layer shares, one enum each: the CLI, the web app, the database and the
payloads all spell them from here, and tables of what goes with each name are keyed by them.

Values are what the database, the files and the JSON contracts store: they never change (a
StrEnum member equals its value, so rows written as plain strings read back as members).

Kept free of imports beyond the standard library: the CLI reads these tables to write its help,
and must not pay for the database or the web stack to do so.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# --------------------------------------------------------------------------- notices


class NoticeKind(StrEnum):
    """Kinds of notice that qualify the whole article: found in the source by ingest, or
    added by an editor with a revision."""

    TRANSLATION = "translation"
    CORRECTION = "correction"
    UPDATE = "update"
    EDITORS_NOTE = "editors_note"


#: What each notice is called where it is shown: the player's notices, the feed's show notes,
#: the editor's choices, and the spoken script's chapter titles (speech/plan.py).
NOTICE_LABELS: Final[dict[NoticeKind, str]] = {
    NoticeKind.TRANSLATION: "Translation notice",
    NoticeKind.CORRECTION: "Correction",
    NoticeKind.UPDATE: "Update",
    NoticeKind.EDITORS_NOTE: "Editor's note",
}

# --------------------------------------------------------------------------- revisions


class RevisionKind(StrEnum):
    """What made a revision of an episode: the first publish, then what editors do."""

    PUBLISHED = "published"
    UPDATE = "update"
    CORRECTION = "correction"
    EDITORS_NOTE = "editors_note"
    ROLLBACK = "rollback"
    REPUBLISHED = "republished"
    REGENERATED = "regenerated"


#: The kinds an editor may give a correction (the CLI's --kind, the editor's and the API's
#: choices, first the default), and the notice its note becomes for listeners. A revision of
#: another kind has no notice, whatever its note.
CORRECTION_KINDS: Final[dict[RevisionKind, NoticeKind]] = {
    RevisionKind.CORRECTION: NoticeKind.CORRECTION,
    RevisionKind.UPDATE: NoticeKind.UPDATE,
    RevisionKind.EDITORS_NOTE: NoticeKind.EDITORS_NOTE,
}

# --------------------------------------------------------------------------- files


class FileKind(StrEnum):
    """The public files of a revision."""

    MP3 = "mp3"
    CHAPTERS = "chapters"
    VTT = "vtt"
    SRT = "srt"
    TRANSCRIPT = "transcript"  # the JSON transcript, one segment per written word
    TXT = "txt"
    HTML = "html"  # the transcript as a web page, made at publishing from the JSON one


#: File kind -> (file name suffix after the slug, media type). One table for names and types.
FILE_KINDS: Final[dict[FileKind, tuple[str, str]]] = {
    FileKind.MP3: (".mp3", "audio/mpeg"),
    FileKind.CHAPTERS: (".chapters.json", "application/json+chapters"),
    FileKind.VTT: (".vtt", "text/vtt"),
    FileKind.SRT: (".srt", "application/x-subrip"),
    FileKind.TRANSCRIPT: (".transcript.json", "application/json"),
    FileKind.TXT: (".txt", "text/plain"),
    FileKind.HTML: (".html", "text/html"),
}
#: The files an audio build writes (audio/episode.py); publishing adds the others.
BUILT_FILES: Final = (
    FileKind.MP3,
    FileKind.CHAPTERS,
    FileKind.VTT,
    FileKind.SRT,
    FileKind.TRANSCRIPT,
    FileKind.TXT,
)

# --------------------------------------------------------------------------- input


class InputFormat(StrEnum):
    """The formats an article is read from (ingest/detect.py has their parsers). A page
    fetched from a URL is read as HTML."""

    TEXT = "text"
    HTML = "html"
    MARKDOWN = "markdown"


#: How each format is named in forms.
INPUT_FORMAT_LABELS: Final[dict[InputFormat, str]] = {
    InputFormat.TEXT: "Plain text",
    InputFormat.HTML: "HTML",
    InputFormat.MARKDOWN: "Markdown",
}

# --------------------------------------------------------------------------- jobs


class JobAction(StrEnum):
    """What a background job does (the worker, audionews/worker.py, has the call for each)."""

    PUBLISH = "publish"
    CORRECT = "correct"
    REPUBLISH = "republish"  # a correction that also puts an unpublished episode back
    REGENERATE = "regenerate"
    ROLLBACK = "rollback"


class JobState(StrEnum):
    """Where a job is: queued -> running (sentences done / total) -> published | failed."""

    QUEUED = "queued"
    RUNNING = "running"
    PUBLISHED = "published"
    FAILED = "failed"


#: The states of a job still to finish; any other state (an unknown one too) is final.
UNFINISHED_JOB_STATES: Final = frozenset({JobState.QUEUED, JobState.RUNNING})

# --------------------------------------------------------------------------- webhooks


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
