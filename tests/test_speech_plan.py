"""Script planning on hand-made Articles: order, announcements, earcons, settings, language."""

from __future__ import annotations

from pathlib import Path

import pytest

from audionews.config import Settings
from audionews.errors import ConfigError, UnsupportedLanguageError
from audionews.models import (
    Article,
    Block,
    BlockKind,
    Earcon,
    Notice,
    Script,
    SegmentKind,
)
from audionews.pipeline import script_for_article
from audionews.speech.lexicon import load_lexicon
from audionews.speech.plan import ANNOUNCEMENTS, plan_script
from audionews.vocabulary import NoticeKind

SPANISH = (
    "El secretario general de las Naciones Unidas expresó su apertura a la posibilidad de "
    "desplegar fuerzas de paz en Ucrania una vez que se haya alcanzado un acuerdo para poner fin "
    "a la guerra con Rusia, que ya se prolonga desde hace más de tres años."
)


def article(**changes: object) -> Article:
    base = Article(
        kicker="WAR IN UKRAINE",
        headline="Talks begin in Riyadh",
        standfirsts=("U.S. and Russia start negotiations",),
        byline="Hana Sato",
        body=(
            Block(BlockKind.PARAGRAPH, "The talks began on Tuesday. Dr. Smith attended."),
            Block(BlockKind.SUBHEADING, "What was agreed"),
            Block(BlockKind.PARAGRAPH, "Both sides agreed to meet again."),
            Block(
                BlockKind.KEY_POINTS,
                "📌 Key negotiation points:",
                ("• Rubio met Lavrov.", "Relations will normalise.", "The war should end."),
            ),
            Block(BlockKind.PARAGRAPH, "Kyiv was not invited."),
            Block(BlockKind.QUOTE, "“Nothing about Ukraine without Ukraine,” he said."),
        ),
        notices=(
            Notice(
                NoticeKind.TRANSLATION,
                "Automatic Translation Notice",
                "Automatic Translation Notice: This text was translated automatically.",
            ),
        ),
    )
    return Article(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def plan(art: Article, tmp_path: Path, **settings: object) -> Script:
    return plan_script(
        art,
        Settings(voices_dir=tmp_path, **settings),  # type: ignore[arg-type]
        voice="test-voice",
        language="en",
        lexicon=load_lexicon(tmp_path / "lexicon.toml"),
    )


def outline(script: Script) -> list[tuple[str, str]]:
    return [(c.kind.value, c.title) for c in script.chapters]


def test_chapters_in_listening_order(tmp_path: Path) -> None:
    assert outline(plan(article(), tmp_path)) == [
        ("opening", "Introduction"),
        ("notices", "Translation notice"),
        ("body", "Story"),
        ("body", "What was agreed"),
        ("key_points", "Key negotiation points"),
        ("body", "What was agreed, continued"),
        ("closing", "Closing"),
    ]


def test_opening_speaks_kicker_in_normal_case_and_byline(tmp_path: Path) -> None:
    opening = plan(article(), tmp_path).chapters[0]
    spoken = [(s.kind, s.speech) for s in opening.segments]
    assert spoken == [
        (SegmentKind.KICKER, "War in Ukraine"),
        (SegmentKind.HEADLINE, "Talks begin in Riyadh"),
        (SegmentKind.STANDFIRST, "US and Russia start negotiations"),
        (SegmentKind.BYLINE, "By Hana Sato."),
    ]
    assert opening.segments[0].text == "WAR IN UKRAINE"


def test_key_points_are_announced_with_count_and_earcon(tmp_path: Path) -> None:
    chapter = plan(article(), tmp_path).chapters[4]
    first, *items = chapter.segments
    assert first.kind is SegmentKind.ANNOUNCEMENT
    assert first.speech == "Key negotiation points. Three points."
    assert first.earcon is Earcon.KEY_POINTS
    assert [s.kind for s in items] == [SegmentKind.KEY_POINT] * 3
    assert items[0].speech == "Rubio met Lavrov."


def test_notice_is_announced_and_label_not_repeated(tmp_path: Path) -> None:
    chapter = plan(article(), tmp_path).chapters[1]
    announcement, notice = chapter.segments
    assert announcement.speech == "Notice: automatic translation."
    assert announcement.earcon is Earcon.NOTICE
    assert notice.text.startswith("Automatic Translation Notice: ")
    assert notice.speech == "This text was translated automatically."


def test_update_notice_keeps_the_time_from_its_label(tmp_path: Path) -> None:
    update = Notice(NoticeKind.UPDATE, "UPDATE (3:45 p.m.)", "UPDATE (3:45 p.m.): Roads reopened.")
    chapter = plan(article(notices=(update,)), tmp_path).chapters[1]
    assert [s.speech for s in chapter.segments] == ["Update.", "3:45 PM: Roads reopened."]
    assert chapter.title == "Update"


def test_several_notices_share_one_chapter(tmp_path: Path) -> None:
    notices = (
        Notice(NoticeKind.CORRECTION, "Correction", "Correction: The date was wrong."),
        Notice(NoticeKind.EDITORS_NOTE, "Editor's note", "Editor's note: Updated."),
    )
    chapter = plan(article(notices=notices), tmp_path).chapters[1]
    assert chapter.title == "Notices"
    assert [s.speech for s in chapter.segments] == [
        "Correction.",
        "The date was wrong.",
        "Editor's note.",
        "Updated.",
    ]


def test_notices_position_end_reads_them_before_the_closing(tmp_path: Path) -> None:
    kinds = [k for k, _ in outline(plan(article(), tmp_path, notices_position="end"))]
    assert kinds[-2:] == ["notices", "closing"]
    assert kinds.count("notices") == 1


def test_every_chapter_starts_with_an_earcon(tmp_path: Path) -> None:
    script = plan(article(), tmp_path)
    assert all(c.segments[0].earcon is not None for c in script.chapters)
    assert script.chapters[-1].segments[0].earcon is Earcon.CLOSING


def test_announcement_override_from_settings(tmp_path: Path) -> None:
    script = plan(
        article(),
        tmp_path,
        announcements={"closing": "That was {headline}.", "chapter.body": "The news"},
    )
    assert script.chapters[-1].segments[0].speech == "That was Talks begin in Riyadh."
    assert script.chapters[2].title == "The news"


@pytest.mark.parametrize(
    "overrides",
    [{"no_such_key": "x"}, {"closing": "Bye {nobody}."}],
)
def test_bad_announcement_override_is_a_config_error(
    tmp_path: Path, overrides: dict[str, str]
) -> None:
    with pytest.raises(ConfigError):
        plan(article(), tmp_path, announcements=overrides)


def test_every_announcement_key_formats() -> None:
    values = dict.fromkeys(
        ["title", "count", "number", "name", "language", "headline", "publication", "date"],
        "x",
    )
    for template in ANNOUNCEMENTS.values():
        assert template.format(**values)


def test_long_foreign_paragraph_becomes_a_language_note(tmp_path: Path) -> None:
    body = (
        Block(BlockKind.PARAGRAPH, "The minister spoke to reporters on Monday."),
        Block(BlockKind.PARAGRAPH, SPANISH),
        Block(BlockKind.QUOTE, "“Gracias a todos,” she said."),
    )
    segments = plan(article(body=body), tmp_path).chapters[2].segments
    assert [s.kind for s in segments] == [
        SegmentKind.PARAGRAPH,
        SegmentKind.LANGUAGE_NOTE,
        SegmentKind.QUOTE,
    ]
    assert segments[1].text == SPANISH
    assert "Spanish" in segments[1].speech
    assert segments[2].speech == "Gracias a todos, she said."


def test_lexicon_applies_to_speech_only(tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text(
        'Lavrov = "lahvrof"\nriyadh = "[[ ɹiːjˈɑːd ]]"\n', encoding="utf-8"
    )
    script = plan(article(), tmp_path)
    headline = script.chapters[0].segments[1]
    assert headline.text == "Talks begin in Riyadh"
    assert headline.speech == "Talks begin in [[ ɹiːjˈɑːd ]]"
    assert script.chapters[4].segments[1].speech == "Rubio met lahvrof."


def test_captions_and_dropped_items_are_never_spoken(tmp_path: Path) -> None:
    script = plan(article(), tmp_path)
    spoken = " ".join(s.speech for s in script.sentences())
    assert "📌" not in spoken and "•" not in spoken


def test_article_in_a_language_without_voice_is_refused(tmp_path: Path) -> None:
    finnish = Article(
        headline="Ilmaiset kouluateriat laajenevat kaikille alakoululaisille syyskuusta alkaen",
        body=(
            Block(
                BlockKind.PARAGRAPH,
                "Kunnanvaltuusto vahvisti tiistaina, että jokainen alakoulun oppilas saa "
                "ilmaisen lounaan syyskuusta alkaen. Järjestely koskee noin 18 000 lasta lisää, "
                "ja se rahoitetaan valtion uudella avustuksella kahden ensimmäisen vuoden ajan.",
            ),
        ),
    )
    with pytest.raises(UnsupportedLanguageError, match="'fi'"):
        script_for_article(finnish, Settings(voices_dir=tmp_path))
