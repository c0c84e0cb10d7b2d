"""A small published library for the player tests: the bundled samples plus tricky cases.

Builds are real (mastering and MP3 encoding) with the fake voice, so the MP3s play in a
browser and their timings match the transcripts exactly. Load it with
`pytest_plugins = ["browser.player_site"]`: the page tests and the browser tests then share
one session-wide build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.publish.library import EpisodeView, Library

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

#: A headline that must come out escaped, never as markup.
HOSTILE_HEADLINE = 'Council votes <script>alert("x")</script> & "quotes" pass'
HOSTILE_ARTICLE = f"""CITY HALL

{HOSTILE_HEADLINE}

Members approved the budget <b>unanimously</b> after a short debate.

The vote came on Monday evening. The mayor thanked the finance committee. Work starts in May.
"""
CORRECTION_NOTE = "An earlier version of this article gave the wrong date for the vote."


@dataclass(frozen=True)
class PlayerSite:
    settings: Settings
    library: Library
    hostile_headline: ClassVar[str] = HOSTILE_HEADLINE
    correction_note: ClassVar[str] = CORRECTION_NOTE

    def episode(self, slug: str) -> EpisodeView:
        return self.library.get_episode(slug)

    def episodes(self) -> list[EpisodeView]:
        return self.library.list_episodes()


def build_player_site(root: Path, public_url: str = "http://127.0.0.1:8000") -> PlayerSite:
    """Publish the samples, a hostile headline and a corrected episode under `root`."""
    settings = Settings(
        instance_dir=root / "instance",
        feed_dir=root / "feed",
        voices_dir=root / "voices",
        public_url=public_url,
        feed_title="Riverside Courier Audio",
        publication="Riverside Courier",
    )
    synth = FakeSynthesizer()
    for sample in sorted(SAMPLES.iterdir()):
        pipeline.publish(sample.read_bytes(), settings, filename=sample.name, synthesizer=synth)  # type: ignore[arg-type]
    pipeline.publish(
        HOSTILE_ARTICLE.encode(),
        settings,
        filename="vote.txt",
        slug="council-vote",
        synthesizer=synth,  # type: ignore[arg-type]
    )
    pipeline.publish(
        HOSTILE_ARTICLE.replace("Monday", "Tuesday").encode(),
        settings,
        filename="vote.txt",
        slug="council-vote",
        kind="correction",
        note=CORRECTION_NOTE,
        synthesizer=synth,  # type: ignore[arg-type]
    )
    return PlayerSite(settings, Library(settings))


@pytest.fixture(scope="session")
def player_site(tmp_path_factory: pytest.TempPathFactory) -> PlayerSite:
    """Return the published test library (built once per session)."""
    return build_player_site(tmp_path_factory.mktemp("player-site"))
