"""Sidecars from a timeline: WebVTT, SRT, JSON chapters and text (pure functions)."""

from __future__ import annotations

import json
import re

from audionews.audio.transcript import (
    MAX_LINE,
    to_chapters_json,
    to_srt,
    to_text,
    to_webvtt,
    wrap_caption,
)
from audionews.models import ChapterKind, ChapterMark, Cue, Timeline

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


def test_webvtt_has_header_ms_times_voice_tags_and_escapes() -> None:
    vtt = to_webvtt(TIMELINE)
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:00.250 --> 00:00:02.000\n<v Headline>Talks in Riyadh &amp; &lt;Geneva&gt;" in vtt
    assert "01:02:03.300" in vtt
    assert "<v Key points>Both sides" in vtt


def test_caption_lines_are_at_most_65_characters() -> None:
    for text in (to_webvtt(TIMELINE), to_srt(TIMELINE)):
        for line in text.splitlines():
            assert len(re.sub(r"^<v [^>]*>", "", line)) <= MAX_LINE, line
    assert len(wrap_caption(LONG)) == 3


def test_srt_numbers_cues_with_comma_times() -> None:
    blocks = to_srt(TIMELINE).strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["1", "2"]
    assert blocks[0].splitlines()[1] == "00:00:00,250 --> 00:00:02,000"
    assert blocks[0].splitlines()[2] == "Talks in Riyadh & <Geneva>"  # SRT is plain text


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
