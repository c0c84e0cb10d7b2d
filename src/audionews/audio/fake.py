"""A fake synthesizer for tests: deterministic, instant, sized by the length of the text.

It is also the "fake" engine of audio/engines.py (`tts_engine = "fake"`): every voice of the
catalog speaks as the fake, so a whole instance runs without loading a model.
"""

from __future__ import annotations

import itertools
import threading
import zlib
from typing import TYPE_CHECKING

import numpy as np

from audionews.audio.cache import Clip
from audionews.speech.words import spoken_words

if TYPE_CHECKING:
    from audionews.audio.voices import Voice
    from audionews.config import Settings

#: Roughly Piper's speaking rate: 15 characters per second.
SECONDS_PER_CHARACTER = 1 / 15
FAKE_SAMPLE_RATE = 22050
#: Piper's samples per phoneme step: word times move in steps this size.
FAKE_HOP = 256


class FakeSynthesizer:
    """Stand in for Piper: a soft low tone as long as the text would take to say.

    The pitch comes from the text, so different sentences give different (but repeatable) clips.
    `calls` records every speech text synthesized, so tests can count cache misses. Words are
    timed like Piper's, in steps of FAKE_HOP samples, each as long as its letters (plus one for
    the space), after a lead of FAKE_HOP.
    """

    def __init__(self, sample_rate: int = FAKE_SAMPLE_RATE, identity: str = "fake-1") -> None:
        self.sample_rate = sample_rate
        self.identity = identity
        self.calls: list[str] = []

    def synthesize(self, speech: str) -> np.ndarray:
        """Return a tone of len(speech) / 15 seconds (at least 0.1 s) at a text-derived pitch."""
        self.calls.append(speech)
        count = max(
            int(len(speech) * SECONDS_PER_CHARACTER * self.sample_rate), self.sample_rate // 10
        )
        pitch = 120 + zlib.crc32(speech.encode("utf-8")) % 120
        t = np.arange(count) / self.sample_rate
        tone = 0.2 * np.sin(2 * np.pi * pitch * t) * np.minimum(1.0, np.minimum(t, t[::-1]) * 50)
        return (tone * 32767).astype(np.int16)

    def speak(self, speech: str) -> Clip:
        """Return the tone of `synthesize` and words timed by their length (see the class)."""
        samples = self.synthesize(speech)
        words = spoken_words(speech)
        if not words:
            return Clip(samples, None)
        weights = np.cumsum([0] + [len(w) + 1 for w in words])
        usable = max(0, len(samples) - 2 * FAKE_HOP)
        starts = [FAKE_HOP + usable * int(w) // int(weights[-1]) // FAKE_HOP * FAKE_HOP
                  for w in weights]  # fmt: skip
        return Clip(samples, tuple(itertools.pairwise(starts)))


class FakeEngine:
    """The fake engine: each voice is a FakeSynthesizer at the voice's sample rate."""

    def synthesizer(self, voice: Voice, settings: Settings) -> FakeSynthesizer:
        # the voice in the identity: clips of two voices never share a cache entry
        return FakeSynthesizer(voice.sample_rate, identity=f"fake-1:{voice.name}")

    def start_loading(self, voice: Voice, settings: Settings) -> threading.Thread | None:
        return None  # nothing to load


ENGINE = FakeEngine()
