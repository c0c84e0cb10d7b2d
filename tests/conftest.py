"""Shared fixtures: `settings` (private dirs under tmp_path), `fake_synth` (instant voice) and
`fake_piper` (the fake voice wherever the pipeline would make a Piper one)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from audionews.audio.fake import FakeSynthesizer
from audionews.audio.voices import Voice
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


@pytest.fixture
def fake_piper(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the pipeline use the fake voice where it would use Piper; return the names of the
    voices it starts loading ahead (a build that expects to synthesize loads one first thing)."""
    from audionews.audio import synth

    loaded: list[str] = []

    def start_loading(voice: Voice, threads: int) -> threading.Thread:
        loaded.append(voice.name)
        thread = threading.Thread(target=threading.Event().wait, args=(0.05,))
        thread.start()
        return thread

    monkeypatch.setattr(synth, "piper_synthesizer", lambda *_a: FakeSynthesizer())
    monkeypatch.setattr(synth, "start_loading", start_loading)
    return loaded
