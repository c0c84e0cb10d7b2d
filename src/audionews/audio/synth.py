"""Speak one sentence at a time with Piper: the only module that imports piper.

Each sentence becomes one clip so its start and end in the episode are exact. Piper's
per-sentence peak normalisation is off (it makes loudness jump between sentences); master.py
sets the loudness once for the whole episode.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from audionews.audio.voices import Voice, model_hash
from audionews.config import Settings
from audionews.errors import VoiceError

if TYPE_CHECKING:
    from piper import PiperVoice


class Synthesizer(Protocol):
    """Turns the speech text of one sentence into mono int16 samples."""

    sample_rate: int
    identity: str  # part of the clip cache key: voice model hash + synthesis settings

    def synthesize(self, speech: str) -> np.ndarray: ...


class PiperSynthesizer:
    """A Piper voice loaded once per process, with the onnxruntime threads we were given."""

    def __init__(self, voice: Voice, threads: int) -> None:
        self.voice = voice
        self._piper = _load_piper(voice.model_path, voice.config_path, threads)
        from piper import SynthesisConfig

        self._config = SynthesisConfig(normalize_audio=False)
        self.sample_rate = int(self._piper.config.sample_rate)
        self.identity = json.dumps(
            {
                "engine": "piper",
                "piper": version("piper-tts"),
                "model_sha256": model_hash(voice),
                "sample_rate": self.sample_rate,
                "length_scale": self._piper.config.length_scale,
                "noise_scale": self._piper.config.noise_scale,
                "noise_w_scale": self._piper.config.noise_w_scale,
                "normalize_audio": False,
            },
            sort_keys=True,
        )

    def synthesize(self, speech: str) -> np.ndarray:
        """Return the sentence as int16 samples; espeak may split it into chunks, so join them."""
        chunks = [c.audio_int16_array for c in self._piper.synthesize(speech, self._config)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(chunks).astype(np.int16, copy=False)


def piper_synthesizer(voice: Voice, settings: Settings) -> PiperSynthesizer:
    """Return a synthesizer for `voice` using settings.synthesis_threads CPU threads."""
    return PiperSynthesizer(voice, settings.synthesis_threads)


@cache
def _load_piper(model_path: Path, config_path: Path, threads: int) -> PiperVoice:
    """Load the voice once per process; PiperVoice.load offers no way to set the threads."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise VoiceError(
            f"cannot load voice {model_path.name} ({exc}): reinstall it or remove it from voices/"
        ) from exc
    return PiperVoice(config=config, session=session)
