"""Words of a sentence: the spoken words of its speech text and the written words of its text,
and the mapping of the spoken words' times back onto the written words. Pure.

A sentence's speech text differs from its text ("$212 million" is spoken "212 million
dollars", "Dr." is "Doctor", lexicon entries respell names), so a written word gets the span of
the spoken words it became. The two word lists are lined up by difflib's SequenceMatcher on
their letters and digits (case and punctuation ignored): equal runs pair one to one, a written
word that became several spoken words gets all of them, spoken words with no written word of
their own (the "dollars" moved after "million") join the written word before them, and a
written word that is not spoken at all (a footnote mark, a dash, a notice's label that the
announcement replaces) gets an empty span where it stands. A run of several written words
that became a different number of spoken words cannot be shared out honestly: the sentence
then keeps sentence timing (`written_spans` returns None).

Spans are (start, end) pairs in one unit (samples of a clip, or seconds): contiguous, each word
ends where the next begins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from audionews.speech.normalize import FOOTNOTES

Span = tuple[int, int]

#: Piper passes "[[ phonemes ]]" to the model unchanged (lexicon.py): one spoken word per
#: phoneme word inside the brackets, as the voice reads them.
_PHONEMES = re.compile(r"\[\[(.*?)\]\]", re.S)
_KEY = re.compile(r"[^\w]|_")


def spoken_words(speech: str) -> list[str]:
    """Return the words the voice says, in order: whitespace-separated, with each phoneme word
    inside "[[ ... ]]" counted as one word (brackets dropped)."""
    return [word for word, _ in spoken_parts(speech)]


def written_words(text: str) -> list[str]:
    """Return the words of a sentence as written (whitespace-separated), as captions show them."""
    return text.split()


def _key(word: str) -> str:
    """Return what the word sounds like for matching: letters and digits, case folded; ""
    for a word never said (punctuation, a footnote mark that normalize removes)."""
    return _KEY.sub("", FOOTNOTES.sub("", word)).casefold()


def written_spans(text: str, speech: str, spoken: Sequence[Span]) -> list[Span] | None:
    """Return one span per written word of `text` from the spans of the spoken words of
    `speech` (one per `spoken_words(speech)`), or None where no honest mapping exists."""
    written = written_words(text)
    said = spoken_words(speech)
    if len(said) != len(spoken) or not said or not written:
        return None
    keys = [_key(w) for w in written]
    matcher = SequenceMatcher(None, keys, [_key(w) for w in said], False)
    # owner[j]: the written word that spoken word j belongs to
    owner: list[int | None] = [None] * len(said)
    silent: set[int] = set()
    for tag, w0, w1, s0, s1 in matcher.get_opcodes():
        if tag == "equal":
            owner[s0:s1] = range(w0, w1)
            continue
        heard = [i for i in range(w0, w1) if keys[i]]  # a dash or a lone mark is never said
        silent.update(i for i in range(w0, w1) if not keys[i] or tag == "delete")
        if tag == "delete":  # written, not said (a notice's label the announcement replaced)
            continue
        if len(heard) == s1 - s0:
            owner[s0:s1] = heard
        elif len(heard) == 1:
            owner[s0:s1] = heard * (s1 - s0)
        elif heard:
            return None
    # spoken words of no written word of their own join the one before (the first: the next)
    known = [word for word in owner if word is not None]
    if not known:
        return None
    previous = known[0]
    for j, word in enumerate(owner):
        previous = owner[j] = previous if word is None else word
    first: dict[int, int] = {}
    for j, word in enumerate(owner):
        if word is not None and word not in first:
            first[word] = j
    if set(first) | silent != set(range(len(written))) or set(first) & silent:
        return None
    starts: list[int] = []
    following = spoken[-1][1]  # a silent word takes the start of the next spoken one
    for i in reversed(range(len(written))):
        following = spoken[first[i]][0] if i in first else following
        starts.append(following)
    starts.reverse()
    return list(zip(starts, [*starts[1:], spoken[-1][1]], strict=True))


def spoken_parts(speech: str) -> list[tuple[str, bool]]:
    """Return `spoken_words(speech)` with, for each, whether it is a phoneme word of "[[ ]]"."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _PHONEMES.finditer(speech):
        parts += [(w, False) for w in speech[position : match.start()].split()]
        parts += [(w, True) for w in match.group(1).split()]
        position = match.end()
    return parts + [(w, False) for w in speech[position:].split()]
