"""Hand-made Scripts for audio tests (independent of ingest and speech)."""

from __future__ import annotations

from dataclasses import replace

from audionews.models import (
    Article,
    Block,
    BlockKind,
    Chapter,
    ChapterKind,
    Earcon,
    Script,
    Segment,
    SegmentKind,
    Sentence,
)


def segment(kind: SegmentKind, *sentences: str, earcon: Earcon | None = None) -> Segment:
    return Segment(kind, " ".join(sentences), tuple(Sentence(s, s) for s in sentences), earcon)


def sample_script(title: str = "Talks open in Riyadh & <Geneva>") -> Script:
    """Return a small four-chapter script with earcons, key points and a notice."""
    article = Article(
        headline=title,
        body=(Block(BlockKind.PARAGRAPH, "Body."),),
        standfirsts=("Diplomats meet for the first time in three years.",),
        byline="Hana Sato",
        published="2025-02-18",
    )
    chapters = (
        Chapter("Headline", ChapterKind.OPENING, (
            segment(SegmentKind.HEADLINE, title, earcon=Earcon.CHAPTER),
            segment(SegmentKind.STANDFIRST, "Diplomats meet for the first time in three years."),
            segment(SegmentKind.BYLINE, "By Hana Sato."),
        )),
        Chapter("Notice", ChapterKind.NOTICES, (
            segment(SegmentKind.ANNOUNCEMENT, "Translation notice.", earcon=Earcon.NOTICE),
            segment(SegmentKind.NOTICE, "This text was translated automatically from Spanish."),
        )),
        Chapter("The talks", ChapterKind.BODY, (
            segment(SegmentKind.PARAGRAPH, "The talks began on Tuesday.",
                    "Both sides agreed to meet again, according to officials who asked not to be "
                    "named because they were not authorised to speak about the negotiations."),
            segment(SegmentKind.SUBHEADING, "A first step"),
            segment(SegmentKind.PARAGRAPH, "Observers called it a first step."),
        )),
        Chapter("Key points", ChapterKind.KEY_POINTS, (
            segment(SegmentKind.ANNOUNCEMENT, "Key points. Two points.", earcon=Earcon.KEY_POINTS),
            segment(SegmentKind.KEY_POINT, "Rubio and Lavrov met in Riyadh."),
            segment(SegmentKind.KEY_POINT, "They agreed to restore embassies."),
        )),
        Chapter("End", ChapterKind.CLOSING, (
            segment(SegmentKind.CLOSING, "End of article.", earcon=Earcon.CLOSING),
        )),
    )  # fmt: skip
    return Script(title=title, language="en", voice="en_US-joe-medium", chapters=chapters,
                  article=article)  # fmt: skip


def replace_segment(script: Script, chapter: int, index: int, *sentences: str) -> Script:
    """Return the script with one segment's sentences replaced (an editor's correction)."""
    chapters = list(script.chapters)
    segments = list(chapters[chapter].segments)
    segments[index] = segment(segments[index].kind, *sentences)
    chapters[chapter] = replace(chapters[chapter], segments=tuple(segments))
    return replace(script, chapters=tuple(chapters))
