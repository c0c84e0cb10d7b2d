"""Shared fixtures: `settings` (private dirs under tmp_path) and `fake_synth` (instant voice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return default settings with instance/, feed/ and voices/ inside tmp_path."""
    return Settings(
        instance_dir=tmp_path / "instance",
        feed_dir=tmp_path / "feed",
        voices_dir=tmp_path / "voices",
    )


@pytest.fixture
def fake_synth() -> FakeSynthesizer:
    """Return a deterministic synthesizer that makes a soft tone per sentence, instantly."""
    return FakeSynthesizer()
