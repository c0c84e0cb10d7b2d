"""Speak one sentence at a time with Piper: the only module that imports piper.

Each sentence becomes one clip so its start and end in the episode are exact. Piper's
per-sentence peak normalisation is off (it makes loudness jump between sentences); master.py
sets the loudness once for the whole episode.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from audionews.audio.cache import FileDigests
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
    """A Piper voice, loaded on the first sentence to speak (a fully cached build never loads
    it) and then kept for the life of the process."""

    def __init__(self, voice: Voice, threads: int, digests: FileDigests | None = None) -> None:
        self.voice = voice
        self.threads = threads
        self.sample_rate = voice.sample_rate
        model_sha256 = digests.sha256(voice.model_path) if digests else model_hash(voice)
        self.identity = json.dumps(
            {
                "engine": "piper",
                "piper": piper_version(),
                "model_sha256": model_sha256,
                "sample_rate": voice.sample_rate,
                **_inference_settings(voice),
                "normalize_audio": False,
            },
            sort_keys=True,
        )

    def synthesize(self, speech: str) -> np.ndarray:
        """Return the sentence as int16 samples; espeak may split it into chunks, so join them."""
        from piper import SynthesisConfig

        piper = self.prepare()
        config = SynthesisConfig(normalize_audio=False)
        chunks = [c.audio_int16_array for c in piper.synthesize(speech, config)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(chunks).astype(np.int16, copy=False)

    def prepare(self) -> PiperVoice:
        """Load the voice now (once per process; later calls return the loaded voice)."""
        return _load(self.voice, self.threads)

    def start_loading(self) -> threading.Thread:
        """Load the voice in the background (see `start_loading`); join the thread returned."""
        return start_loading(self.voice, self.threads)


_LOADING = threading.Lock()


def start_loading(voice: Voice, threads: int) -> threading.Thread:
    """Start loading `voice` in a background thread and return the thread.

    The imports run first, in the caller's thread: they hold the GIL, so in the background they
    would only slow the caller down. Building the inference session (~0.3 s) releases it, and
    overlaps with whatever the caller does next (read the article, make the script). Run that
    inside `joined(thread)`.
    """
    import onnxruntime  # noqa: F401
    import piper  # noqa: F401

    def load() -> None:
        with contextlib.suppress(Exception):  # synthesize() loads again and reports the error
            _load(voice, threads)

    thread = threading.Thread(target=load, name="voice-load", daemon=True)
    thread.start()
    return thread


@contextmanager
def joined(loading: threading.Thread | None) -> Iterator[None]:
    """Run the block, then wait for the loading thread (if any), even after an error: a
    process must not end while the thread is inside onnxruntime."""
    try:
        yield
    finally:
        if loading is not None:
            loading.join()


def _load(voice: Voice, threads: int) -> PiperVoice:
    with _LOADING:
        return _load_piper(voice.model_path, voice.config_path, threads)


@cache
def piper_version() -> str:
    """Return piper-tts's version from its dist-info directory's name (name-version.dist-info).

    importlib.metadata gives the same but costs every build ~80 ms (it imports the email
    package and scans every installed distribution).
    """
    spec = importlib.util.find_spec("piper")
    if spec is not None and spec.origin is not None:
        found = list(Path(spec.origin).parent.parent.glob("piper_tts-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("piper_tts-").removesuffix(".dist-info")
    from importlib.metadata import version

    return version("piper-tts")


def _inference_settings(voice: Voice) -> dict[str, object]:
    """Return the voice config's synthesis settings (they change the audio, so the cache key)."""
    try:
        config = json.loads(voice.config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoiceError(f"cannot read {voice.config_path} ({exc}): reinstall the voice") from exc
    inference = config.get("inference", {})
    return {name: inference.get(name) for name in ("length_scale", "noise_scale", "noise_w")}


def piper_synthesizer(voice: Voice, settings: Settings) -> PiperSynthesizer:
    """Return a synthesizer for `voice` using settings.synthesis_threads CPU threads."""
    digests = FileDigests(settings.clip_cache_dir / "digests")
    return PiperSynthesizer(voice, settings.synthesis_threads, digests)


@cache
def _load_piper(model_path: Path, config_path: Path, threads: int) -> PiperVoice:
    """Load the voice once per process; PiperVoice.load offers no way to set the threads."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Measured on the bundled voice (2026-11-27, interleaved processes): no graph optimisation
    # builds the session in ~0.29 s, "basic" in ~0.47 s and "all" slower still; cold builds
    # synthesize ~2% slower without it (12.10 s vs 11.88 s), which the faster load about pays
    # back, while a one-sentence correction gains the whole 0.18 s. (Keeping the "basic" graph
    # on disk to load it unoptimised was tried: a first build then pays ~0.3 s to optimise and
    # save it, and glibc kept ~40 MB the saving freed.)
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
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
