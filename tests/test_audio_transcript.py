"""Sidecars from a timeline: WebVTT, SRT, JSON chapters and text (pure functions)."""

from __future__ import annotations

import itertools
import json
import re

from audionews.audio.transcript import (
    MAX_LINE,
    SRT_LINE,
    SRT_LINES,
    to_chapters_json,
    to_srt,
    to_text,
    to_transcript_json,
    to_webvtt,
    wrap_caption,
)
from audionews.models import ChapterKind, ChapterMark, Cue, Timeline, Word

LONG = (
    "Both sides agreed to meet again, according to officials who asked not to be named because "
    "they were not authorised to speak about the negotiations in Riyadh on Tuesday."
)
TIMELINE = Timeline(
    duration=3723.5,
    chapters=(
        ChapterMark(0.0, 2.0, "Headline", ChapterKind.OPENING),
        ChapterMark(2.0, 3723.5, "Key points", ChapterKind.KEY_POINTS),
    ),
    cues=(
        Cue(0.25, 1.9996, "Talks in Riyadh & <Geneva>", "Talks", 0, "Headline"),
        Cue(2.5, 3723.3, LONG, LONG, 1, "Key points"),
    ),
)


def _timed(cue: Cue, step: float) -> Cue:
    """Return the cue with its words timed `step` seconds apart from just after its start."""
    words = cue.text.split()
    starts = [cue.start + 0.05 + step * i for i in range(len(words))]
    ends = [*starts[1:], starts[-1] + step]
    timed = tuple(Word(a, b, w) for a, b, w in zip(starts, ends, words, strict=True))
    return Cue(cue.start, cue.end, cue.text, cue.speech, cue.chapter_index, cue.section, timed)


WORD_TIMED = Timeline(
    duration=12.0,
    chapters=(ChapterMark(0.0, 12.0, "Key points", ChapterKind.KEY_POINTS),),
    cues=(_timed(Cue(0.25, 11.9, LONG, LONG, 0, "Key points"), 0.4),),
)
_TAGS = re.compile(r"<[^>]*>")


def test_webvtt_has_header_ms_times_narrator_section_class_and_escapes() -> None:
    vtt = to_webvtt(TIMELINE, "The Daily")
    assert vtt.startswith("WEBVTT\n\n")
    assert (
        "00:00:00.250 --> 00:00:02.000\n"
        "<v The Daily><c.headline>Talks in Riyadh &amp; &lt;Geneva&gt;</c>"
    ) in vtt
    assert "01:02:03.300" in vtt
    assert "<v The Daily><c.key-points>Both sides" in vtt


def test_webvtt_voice_tags_name_the_narrator_only() -> None:
    for timeline in (TIMELINE, WORD_TIMED):
        voices = re.findall(r"<v(?:\.[^ >]*)? ([^>]*)>", to_webvtt(timeline, "The Daily"))
        assert voices and set(voices) == {"The Daily"}


def test_webvtt_word_times_are_timestamp_tags_rising_inside_the_cue() -> None:
    vtt = to_webvtt(WORD_TIMED, "The Daily")
    (cue,) = WORD_TIMED.cues
    stamps = re.findall(r"<(\d\d:\d\d:\d\d\.\d{3})>", vtt)
    assert len(stamps) == len(cue.words)
    seconds = [int(s[:2]) * 3600 + int(s[3:5]) * 60 + float(s[6:]) for s in stamps]
    assert seconds == sorted(set(seconds)) and cue.start < seconds[0] and seconds[-1] < cue.end
    assert "<00:00:00.300>Both <00:00:00.700>sides" in vtt
    assert " ".join(_TAGS.sub("", vtt.split("\n", 4)[4]).split()) == LONG


def test_caption_lines_are_at_most_65_characters() -> None:
    for timeline in (TIMELINE, WORD_TIMED):
        for text in (to_webvtt(timeline, "The Daily"), to_srt(timeline)):
            for line in text.splitlines():
                assert len(_TAGS.sub("", line)) <= MAX_LINE, line
    assert len(wrap_caption(LONG)) == 3


def _srt_blocks(timeline: Timeline) -> list[list[str]]:
    return [block.splitlines() for block in to_srt(timeline).strip().split("\n\n")]


def test_srt_numbers_cues_with_comma_times() -> None:
    blocks = _srt_blocks(TIMELINE)
    assert [b[0] for b in blocks] == [str(n) for n in range(1, len(blocks) + 1)]
    assert blocks[0][1] == "00:00:00,250 --> 00:00:02,000"
    assert blocks[0][2] == "Talks in Riyadh & <Geneva>"  # SRT is plain text


def test_srt_cues_have_two_short_lines_and_split_at_word_times() -> None:
    for timeline in (TIMELINE, WORD_TIMED):
        for block in _srt_blocks(timeline):
            assert 1 <= len(block[2:]) <= SRT_LINES
            assert all(len(line) <= SRT_LINE for line in block[2:]), block
    blocks = _srt_blocks(WORD_TIMED)
    assert " ".join(line for b in blocks for line in b[2:]) == LONG
    (cue,) = WORD_TIMED.cues
    starts = {round(w.start, 3): w.text for w in cue.words}
    for previous, block in itertools.pairwise(blocks):
        start, _, _ = block[1].partition(" --> ")
        seconds = int(start[6:8]) + int(start[9:]) / 1000
        assert starts[seconds] == block[2].split()[0]  # the cue starts at its first word
        assert previous[1].endswith(start)  # and the one before ends there: no gap
    assert blocks[0][1].startswith("00:00:00,250") and blocks[-1][1].endswith("00:00:11,900")


def test_json_transcript_has_one_segment_per_word_by_the_narrator() -> None:
    data = json.loads(to_transcript_json(WORD_TIMED, "The Daily"))
    assert data["version"] == "1.0.0"
    assert [s["body"] for s in data["segments"]] == LONG.split()
    assert {s["speaker"] for s in data["segments"]} == {"The Daily"}
    (cue,) = WORD_TIMED.cues
    assert data["segments"][0]["startTime"] == round(cue.words[0].start, 3)
    whole = json.loads(to_transcript_json(TIMELINE, "The Daily"))["segments"]
    assert [s["body"] for s in whole] == ["Talks in Riyadh & <Geneva>", LONG]  # sentence timing


def test_chapters_json_follows_podcasting_2_0_shape() -> None:
    data = json.loads(to_chapters_json(TIMELINE))
    assert data["version"] == "1.2.0"
    assert [c["title"] for c in data["chapters"]] == ["Headline", "Key points"]
    for chapter in data["chapters"]:
        assert set(chapter) <= {"startTime", "endTime", "title", "img", "url", "toc", "location"}
        assert isinstance(chapter["startTime"], float | int)
    assert data["chapters"][1]["endTime"] == 3723.5


def test_text_transcript_has_chapter_headings() -> None:
    text = to_text(TIMELINE)
    assert text.startswith("Headline\n========\n\nTalks in Riyadh & <Geneva>")
    assert "Key points\n==========\n\nBoth sides" in text
