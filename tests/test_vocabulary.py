"""Every table keyed by a vocabulary enum has a row for each member, and stored values stay."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from audionews.audio.episode import SUFFIXES
from audionews.speech.plan import ANNOUNCEMENTS, NOTICE_ANNOUNCEMENTS
from audionews.vocabulary import (
    CORRECTION_KINDS,
    FILE_KINDS,
    INPUT_FORMAT_LABELS,
    NOTICE_LABELS,
    WEBHOOK_EVENT_HELP,
    FileKind,
    InputFormat,
    JobAction,
    JobState,
    NoticeKind,
    RevisionKind,
    WebhookEvent,
)
from audionews.web.player import NOTICE_BADGES
from audionews.worker import ACTIONS


@pytest.mark.parametrize(
    ("enum", "table"),
    [
        (NoticeKind, NOTICE_LABELS),
        (NoticeKind, NOTICE_BADGES),
        (NoticeKind, NOTICE_ANNOUNCEMENTS),
        (FileKind, FILE_KINDS),
        (InputFormat, INPUT_FORMAT_LABELS),
        (JobAction, ACTIONS),
        (WebhookEvent, WEBHOOK_EVENT_HELP),
    ],
)
def test_each_member_has_its_row(enum: type[StrEnum], table: dict[Any, Any]) -> None:
    assert set(table) == set(enum)


def test_every_notice_kind_is_announced_and_titled() -> None:
    for kind in NoticeKind:
        assert ANNOUNCEMENTS[f"notice.{kind}"] == NOTICE_ANNOUNCEMENTS[kind]
        assert ANNOUNCEMENTS[f"chapter.notice.{kind}"] == NOTICE_LABELS[kind]


def test_a_correction_kind_is_a_revision_kind_whose_note_is_a_notice() -> None:
    assert next(iter(CORRECTION_KINDS)) is RevisionKind.CORRECTION  # the default choice
    assert {str(k) for k in CORRECTION_KINDS} == {str(n) for n in CORRECTION_KINDS.values()}


def test_a_build_writes_every_file_kind_but_the_html_transcript() -> None:
    assert set(SUFFIXES) == set(FileKind) - {FileKind.HTML}


def test_stored_values_never_change() -> None:
    """These strings are in databases, file names and JSON contracts already."""
    assert [str(k) for k in NoticeKind] == ["translation", "correction", "update", "editors_note"]
    assert [str(k) for k in RevisionKind] == [
        "published", "update", "correction", "editors_note", "rollback", "republished",
        "regenerated",
    ]  # fmt: skip
    assert [str(k) for k in FileKind] == ["mp3", "chapters", "vtt", "srt", "transcript", "txt",
                                          "html"]  # fmt: skip
    assert [str(k) for k in InputFormat] == ["text", "html", "markdown"]
    assert [str(k) for k in JobAction] == [
        "publish",
        "correct",
        "republish",
        "regenerate",
        "rollback",
    ]
    assert [str(k) for k in JobState] == ["queued", "running", "published", "failed"]
