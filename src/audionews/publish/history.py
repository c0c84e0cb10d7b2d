"""Revision history for editors: spoken notes, the sentences of each revision and their diffs.

Editors' notes live in the library's revisions (kind + note); here they become notices of the
article so speech/plan.py announces and reads them like any notice in the source.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select

from audionews.config import Settings
from audionews.errors import InputError
from audionews.ingest.rules import neutral_bidi
from audionews.models import Article, Notice, Sentence
from audionews.publish.library import EpisodeView, Library, RevisionView
from audionews.speech.diff import (
    ScriptDiff,
    diff_sentences,
    sentences_from_json,
    sentences_to_json,
)
from audionews.storage import database, tables
from audionews.vocabulary import CORRECTION_KINDS, FileKind, RevisionKind

#: Longest note an editor may give a revision, in characters: it is spoken as a notice and
#: shown in the feed, so it says what changed in a sentence or two. The editor's form, the
#: API and the CLI all hold to it.
MAX_NOTE_CHARS = 1000


def check_note(note: str) -> str:
    """Return the note without surrounding space, or refuse one longer than MAX_NOTE_CHARS."""
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(
            f"the note has {len(note):,} characters: keep it to at most {MAX_NOTE_CHARS:,} "
            "(say what changed in a sentence or two)"
        )
    return note


def with_editor_notices(
    article: Article, episode: EpisodeView, kind: RevisionKind, note: str
) -> Article:
    """Return `article` with the episode's editor notes, and this new one, first in its notices.

    Newest first, as the episode page and the feed list them.
    """
    earlier = [  # notes recorded before bidi controls were neutralised get it here
        Notice(n.kind, "", neutral_bidi(n.text)) for n in episode.notices if n.date is not None
    ]
    new = (
        [Notice(CORRECTION_KINDS[kind], "", neutral_bidi(note.strip()))]
        if (note.strip() and kind in CORRECTION_KINDS)
        else []
    )
    return replace(article, notices=(*new, *earlier, *article.notices))


def record_sentences(
    settings: Settings, slug: str, number: int, sentences: Sequence[Sentence]
) -> None:
    """Store the sentences a revision was spoken from."""
    data = json.dumps(sentences_to_json(sentences), ensure_ascii=False)
    with database.session(settings) as s:
        row = s.scalar(
            select(tables.RevisionSentences).where(
                tables.RevisionSentences.slug == slug, tables.RevisionSentences.number == number
            )
        )
        if row is None:
            s.add(tables.RevisionSentences(slug=slug, number=number, sentences_json=data))
        else:
            row.sentences_json = data


def sentences_of(settings: Settings, slug: str, number: int) -> list[Sentence] | None:
    """Return the sentences of a revision, or None if they were not recorded."""
    with database.session(settings) as s:
        data = s.scalar(
            select(tables.RevisionSentences.sentences_json).where(
                tables.RevisionSentences.slug == slug, tables.RevisionSentences.number == number
            )
        )
    return sentences_from_json(json.loads(data)) if data is not None else None


@dataclass(frozen=True)
class HistoryEntry:
    """One revision as editors see it: who, when, why, and what changed from the one before."""

    revision: RevisionView
    diff: ScriptDiff | None  # None when the sentences of either side were not recorded
    public: bool = True  # its MP3 is on the site (an earlier revision leaves after a grace)

    def to_dict(self) -> dict[str, object]:
        r = self.revision
        return {
            "number": r.number,
            "kind": r.kind,
            "note": r.note,
            "editor": r.editor,
            "created": r.created.isoformat(),
            "duration_s": round(r.duration_s, 3),
            "mp3": r.files[FileKind.MP3].url if FileKind.MP3 in r.files and self.public else None,
            "segments_synthesized": r.segments_synthesized,
            "segments_cached": r.segments_cached,
            "diff": self.diff.to_dict(context=False) if self.diff else None,
        }


def history(settings: Settings, episode: EpisodeView) -> list[HistoryEntry]:
    """Return every revision of `episode`, newest first, each with its diff to the previous."""
    entries = []
    previous: list[Sentence] | None = []
    library = Library(settings)
    mp3s = [r.files[FileKind.MP3].name for r in episode.revisions if FileKind.MP3 in r.files]
    public = library.public.existing(library.episode_key(episode.slug, n) for n in mp3s)
    for revision in episode.revisions:
        current = sentences_of(settings, episode.slug, revision.number)
        diff = (
            diff_sentences(previous, current)
            if current is not None and previous is not None
            else None
        )
        mp3 = revision.files.get(FileKind.MP3)
        on_site = mp3 is not None and library.episode_key(episode.slug, mp3.name) in public
        entries.append(HistoryEntry(revision, diff, on_site))
        previous = current
    return entries[::-1]
