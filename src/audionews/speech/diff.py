"""Sentence-level diff of two speech scripts: what changed and what must be spoken again. Pure.

Editors see the diff as written text; the clip cache works on speech text, so a sentence is
"synthesized again" exactly when its speech is not among the old script's speeches (a sentence
that only moved, or whose spelling changed without changing how it is said, comes from the cache).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from audionews.models import Sentence

#: difflib opcodes -> what editors read. "equal" lines are kept so the diff reads in context.
CHANGE_LABELS = {
    "equal": "unchanged",
    "insert": "added",
    "delete": "removed",
    "replace": "changed",
}


@dataclass(frozen=True)
class SentenceChange:
    """One line of the diff: a sentence kept, added, removed, or the new side of a change."""

    change: str  # a value of CHANGE_LABELS
    old: str  # written text before ("" when added)
    new: str  # written text after ("" when removed)
    resynthesized: bool  # this new sentence's speech is not in the old script's clips


@dataclass(frozen=True)
class ScriptDiff:
    """All changes between two lists of sentences, in reading order, with counts."""

    changes: tuple[SentenceChange, ...]

    @property
    def added(self) -> int:
        return sum(c.change == "added" for c in self.changes)

    @property
    def removed(self) -> int:
        return sum(c.change == "removed" for c in self.changes)

    @property
    def changed(self) -> int:
        return sum(c.change == "changed" for c in self.changes)

    @property
    def resynthesized(self) -> int:
        return sum(c.resynthesized for c in self.changes)

    @property
    def total(self) -> int:
        """Return the number of sentences in the new script."""
        return sum(c.change != "removed" for c in self.changes)

    @property
    def is_empty(self) -> bool:
        return all(c.change == "unchanged" for c in self.changes)

    def to_dict(self, *, context: bool = True) -> dict[str, Any]:
        """Return the JSON form; without `context`, unchanged sentences are left out."""
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "resynthesized": self.resynthesized,
            "total": self.total,
            "changes": [
                {"change": c.change, "old": c.old, "new": c.new, "resynthesized": c.resynthesized}
                for c in self.changes
                if context or c.change != "unchanged"
            ],
        }


def diff_sentences(old: Sequence[Sentence], new: Sequence[Sentence]) -> ScriptDiff:
    """Return the sentence-level diff from `old` to `new` (difflib on the written text)."""
    old_speech = {s.speech for s in old}
    matcher = difflib.SequenceMatcher(
        a=[s.text for s in old], b=[s.text for s in new], autojunk=False
    )
    changes: list[SentenceChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        label = CHANGE_LABELS[tag]
        olds, news = old[i1:i2], new[j1:j2]
        for k in range(max(len(olds), len(news))):
            before = olds[k] if k < len(olds) else None
            after = news[k] if k < len(news) else None
            change = label
            if tag == "replace" and after is None:
                change = "removed"
            elif tag == "replace" and before is None:
                change = "added"
            changes.append(
                SentenceChange(
                    change,
                    before.text if before else "",
                    after.text if after else "",
                    after is not None and bool(after.speech) and after.speech not in old_speech,
                )
            )
    return ScriptDiff(tuple(changes))


def sentences_from_json(data: Sequence[Sequence[str]]) -> list[Sentence]:
    """Return sentences stored as [[text, speech], ...]."""
    return [Sentence(str(text), str(speech)) for text, speech in data]


def sentences_to_json(sentences: Sequence[Sentence]) -> list[list[str]]:
    """Return sentences as [[text, speech], ...] for storage."""
    return [[s.text, s.speech] for s in sentences]
