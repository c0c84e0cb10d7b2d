"""Speak one sentence at a time with Piper: the only module that imports piper.

Each sentence becomes one clip so its start and end in the episode are exact. Piper's
per-sentence peak normalisation is off (it makes loudness jump between sentences); master.py
sets the loudness once for the whole episode.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import os
import sys
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from audionews.audio.cache import FileDigests, VoiceGraphs
from audionews.audio.voices import Voice, model_hash
from audionews.config import Settings
from audionews.errors import VoiceError

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from piper import PiperVoice


class Synthesizer(Protocol):
    """Turns the speech text of one sentence into mono int16 samples."""

    sample_rate: int
    identity: str  # part of the clip cache key: voice model hash + synthesis settings

    def synthesize(self, speech: str) -> np.ndarray: ...


class PiperSynthesizer:
    """A Piper voice, loaded on the first sentence to speak (a fully cached build never loads
    it) and then kept for the life of the process."""

    def __init__(self, voice: Voice, threads: int, cache_dir: Path | None = None) -> None:
        """`cache_dir`: the clip cache, beside which the model's hash and its optimised graph
        are kept (see `_session`); None keeps nothing."""
        self.voice = voice
        self.threads = threads
        self.cache_dir = cache_dir
        self.sample_rate = voice.sample_rate
        model_sha256 = _model_sha256(voice, cache_dir)
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
        return _load(self.voice, self.threads, self.cache_dir)

    def start_loading(self) -> threading.Thread:
        """Load the voice in the background (see `start_loading`); join the thread returned."""
        return start_loading(self.voice, self.threads, self.cache_dir)


_LOADING = threading.Lock()


def start_loading(voice: Voice, threads: int, cache_dir: Path | None = None) -> threading.Thread:
    """Start loading `voice` in a background thread and return the thread.

    The imports run first, in the caller's thread: they hold the GIL, so in the background they
    would only slow the caller down. Building the inference session (~0.3 s) releases it, and
    overlaps with whatever the caller does next (read the article, make the script). Join the
    thread before the process ends: it must not be inside onnxruntime when the interpreter
    shuts down.
    """
    import onnxruntime  # noqa: F401
    import piper  # noqa: F401

    def load() -> None:
        with contextlib.suppress(Exception):  # synthesize() loads again and reports the error
            _load(voice, threads, cache_dir)

    thread = threading.Thread(target=load, name="voice-load", daemon=True)
    thread.start()
    return thread


def _load(voice: Voice, threads: int, cache_dir: Path | None) -> PiperVoice:
    with _LOADING:
        return _load_piper(voice.model_path, voice.config_path, threads, cache_dir)


def _model_sha256(voice: Voice, cache_dir: Path | None) -> str:
    return (
        FileDigests(cache_dir / "digests").sha256(voice.model_path)
        if cache_dir
        else model_hash(voice)
    )


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
    return PiperSynthesizer(voice, settings.synthesis_threads, settings.clip_cache_dir)


@cache
def _load_piper(
    model_path: Path, config_path: Path, threads: int, cache_dir: Path | None
) -> PiperVoice:
    """Load the voice once per process; PiperVoice.load offers no way to set the threads."""
    from piper import PiperVoice
    from piper.config import PiperConfig

    try:
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        session = _session(model_path, threads, cache_dir)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise VoiceError(
            f"cannot load voice {model_path.name} ({exc}): reinstall it or remove it from voices/"
        ) from exc
    return PiperVoice(config=config, session=session)


def _session(model_path: Path, threads: int, cache_dir: Path | None) -> InferenceSession:
    """Build the voice's inference session, from its graph as optimised by an earlier load.

    Measured on the bundled voice (2026-11-27, interleaved processes): onnxruntime's "basic"
    graph optimisations make synthesis ~2% faster than none, but building the session with
    them takes ~0.47 s against ~0.29 s. A one-sentence correction pays the load in full, a cold
    build mostly the synthesis; so the first load optimises and saves the optimised graph
    (VoiceGraphs, ~60 MB a voice, written aside and renamed into place), and every later
    load reads that graph with optimisation off: the fast load and the fast synthesis. (Basic
    optimisations are the hardware-independent ones, so a saved graph may move machines.)
    """
    import onnxruntime

    def options(level: onnxruntime.GraphOptimizationLevel) -> onnxruntime.SessionOptions:
        made = onnxruntime.SessionOptions()
        made.intra_op_num_threads = threads
        made.inter_op_num_threads = 1
        made.graph_optimization_level = level
        return made

    def session(path: Path, made: onnxruntime.SessionOptions) -> InferenceSession:
        return onnxruntime.InferenceSession(
            str(path), sess_options=made, providers=["CPUExecutionProvider"]
        )

    basic = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    if cache_dir is None:
        return session(model_path, options(basic))
    graphs = VoiceGraphs(cache_dir)
    digest = FileDigests(cache_dir / "digests").sha256(model_path)
    key = f"{digest}-onnxruntime-{onnxruntime.__version__}-basic"
    optimized = graphs.path(key)
    if optimized.is_file():
        with contextlib.suppress(Exception):  # damaged or unreadable: optimise again below
            made = session(optimized, options(onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL))
            graphs.used(key)
            return made
    try:
        optimized.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=optimized.parent, prefix=".tmp-", suffix=".onnx")
        os.close(handle)
    except OSError:  # a read-only cache: optimise on every load
        return session(model_path, options(basic))
    saving = options(basic)
    saving.optimized_model_filepath = temp
    try:
        made = session(model_path, saving)
    except Exception:  # saving failed, or the model is bad: load it plainly (raises if bad)
        Path(temp).unlink(missing_ok=True)
        return session(model_path, options(basic))
    try:
        os.replace(temp, optimized)
    except OSError:
        Path(temp).unlink(missing_ok=True)
    _return_freed_memory()
    return made


def _return_freed_memory() -> None:
    """Hand the memory freed after saving a graph back to the system (glibc keeps it).

    Saving serialises the whole model in the loading thread; glibc keeps what is freed for that
    thread's arena, and the 10,000-word benchmark's peak came out ~40 MB higher (measured:
    ~605 MB with, ~567 MB without it, of a 600 MB budget).
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing kept this way
            ctypes.CDLL(None).malloc_trim(0)
