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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from audionews.audio.cache import AlignmentOutputs, Clip, FileDigests
from audionews.audio.voices import Voice, model_hash
from audionews.config import Settings
from audionews.errors import VoiceError
from audionews.speech.words import Span, spoken_parts

if TYPE_CHECKING:
    from piper import AudioChunk, PiperVoice


class Synthesizer(Protocol):
    """Turns the speech text of one sentence into mono int16 samples (and word times)."""

    sample_rate: int
    identity: str  # part of the clip cache key: voice model hash + synthesis settings

    def synthesize(self, speech: str) -> np.ndarray: ...

    def speak(self, speech: str) -> Clip: ...


class PiperSynthesizer:
    """A Piper voice, loaded on the first sentence to speak (a fully cached build never loads
    it) and then kept for the life of the process."""

    def __init__(self, voice: Voice, threads: int, digests: FileDigests | None = None) -> None:
        self.voice = voice
        self.threads = threads
        self.digests = digests
        self.sample_rate = voice.sample_rate
        self._word_counts: dict[str, int] = {}
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
        """Return the sentence as int16 samples."""
        return self.speak(speech).samples

    def speak(self, speech: str) -> Clip:
        """Return the sentence's samples and word times; espeak may split it into chunks, so
        join them (a voice without alignments gives no word times)."""
        from piper import SynthesisConfig

        piper = self.prepare()
        aligned = _aligned(piper)
        config = SynthesisConfig(normalize_audio=False)
        chunks = list(piper.synthesize(speech, config, include_alignments=aligned))
        if not chunks:
            return Clip(np.zeros(0, dtype=np.int16), None)
        samples = np.concatenate([c.audio_int16_array for c in chunks]).astype(np.int16)
        words = _word_spans(speech, chunks, self._phoneme_words) if aligned else None
        return Clip(samples, words)

    def _phoneme_words(self, word: str) -> int:
        """Return how many words espeak reads `word` as (0 for punctuation), remembered."""
        count = self._word_counts.get(word)
        if count is None:
            sentences = self.prepare().phonemize(word)
            words = ("".join(s).split(" ") for s in sentences)
            count = sum(any(ch.isalpha() for ch in w) for ws in words for w in ws)
            if len(self._word_counts) < _WORD_COUNTS_KEPT:
                self._word_counts[word] = count
        return count

    def prepare(self) -> PiperVoice:
        """Load the voice now (once per process; later calls return the loaded voice)."""
        return _load(self.voice, self.threads, self.digests)

    def start_loading(self) -> threading.Thread:
        """Load the voice in the background (see `start_loading`); join the thread returned."""
        return start_loading(self.voice, self.threads, self.digests)


_LOADING = threading.Lock()
#: Words whose espeak word count a synthesizer remembers (a few MB at most).
_WORD_COUNTS_KEPT = 100_000


def start_loading(
    voice: Voice, threads: int, digests: FileDigests | None = None
) -> threading.Thread:
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
            _load(voice, threads, digests)

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


def _aligned(piper: PiperVoice) -> bool:
    """Whether the voice's session reports samples per phoneme (see `_load_piper`)."""
    return len(piper.session.get_outputs()) > 1


def _word_spans(
    speech: str, chunks: Sequence[AudioChunk], phoneme_words: Callable[[str], int]
) -> tuple[Span, ...] | None:
    """Return the sample span of every spoken word of `speech`, or None if the alignments do
    not give one per word.

    Piper's alignments give the samples of each phoneme (its following pad included); espeak
    separates words by a " " phoneme. A spoken word may be read as several (espeak says "212"
    as "two hundred twelve"): then each word is phonemized alone to count them.
    """
    starts: list[int] = []
    offset = 0
    end = 0
    for chunk in chunks:
        if chunk.phoneme_alignments is None:
            return None
        position = offset
        in_word = False
        for alignment in chunk.phoneme_alignments:
            phoneme = alignment.phoneme
            if phoneme == " ":
                in_word = False
            elif not in_word and any(ch.isalpha() for ch in phoneme) and phoneme not in "^$":
                starts.append(position)
                in_word = True
            if phoneme == "$":  # EOS: the silence after the chunk's last word
                end = position
            position += int(alignment.num_samples)
        offset += len(chunk.audio_float_array)
    parts = spoken_parts(speech)
    counts = [1] * len(parts)
    if len(starts) != len(parts):
        counts = [1 if phonemes else phoneme_words(word) for word, phonemes in parts]
        if sum(counts) != len(starts):
            return None
    spans: list[Span] = []
    index = 0
    for count in counts:
        spans.append((starts[index] if index < len(starts) else end, 0))
        index += count
    ends = [start for start, _ in spans[1:]] + [end]
    return tuple((start, stop) for (start, _), stop in zip(spans, ends, strict=True))


def _load(voice: Voice, threads: int, digests: FileDigests | None) -> PiperVoice:
    with _LOADING:
        output = _alignment_output(voice.model_path, digests)
        return _load_piper(voice.model_path, voice.config_path, threads, output)


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
    return PiperSynthesizer(voice, settings.synthesis_threads, voice_digests(settings))


def voice_digests(settings: Settings) -> FileDigests:
    """Return the store of voice model digests (and their alignment tensors) of `settings`."""
    return FileDigests(settings.clip_cache_dir / "digests")


@cache
def _load_piper(model_path: Path, config_path: Path, threads: int, output: str) -> PiperVoice:
    """Load the voice once per process, with `output` (if any) as a second output (see
    `_alignment_output`); PiperVoice.load offers no way to set the threads."""
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
            _with_output(model_path, output),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise VoiceError(
            f"cannot load voice {model_path.name} ({exc}): reinstall it or remove it from voices/"
        ) from exc
    return PiperVoice(config=config, session=session)


@cache
def _alignment_output(model_path: Path, digests: FileDigests | None) -> str:
    """Return the name of the model's samples-per-phoneme tensor, "" if it has none.

    Found as PiperVoice.load(include_alignments=True) finds it (the one Ceil node's output),
    which parses the whole model, so the name is remembered by the model's digest.
    """
    known = AlignmentOutputs(digests.root) if digests is not None else None
    model_sha256 = digests.sha256(model_path) if digests is not None else ""
    if known is not None and (name := known.get(model_sha256)) is not None:
        return name
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    try:
        model = onnx.load(str(model_path))
    except Exception as exc:  # onnx raises its own untyped errors for a damaged model
        raise VoiceError(
            f"cannot load voice {model_path.name} ({exc}): reinstall it or remove it from voices/"
        ) from exc
    try:
        name = add_alignment_output(model)
    except ValueError:  # no single Ceil node, or already an output (patched on disk)
        name = ""
    if known is not None:
        known.put(model_sha256, name)
    return name


def _with_output(model_path: Path, output: str) -> str | bytes:
    """Return the model with `output` added to its graph's outputs (or its path, for "").

    Protocol Buffers parse a message field given twice as the merge of both, and a repeated
    field's entries as one list: so the model's bytes followed by a ModelProto holding only
    graph.output = [output] are the patched model, without parsing and writing the ~60 MB
    model again as piper.patch_voice_with_alignment does (~0.5 s).
    """
    if not output:
        return str(model_path)
    return model_path.read_bytes() + _field(7, _field(12, _field(1, output.encode("utf-8"))))


def _field(number: int, data: bytes) -> bytes:
    """Return one length-delimited Protocol Buffers field (wire type 2).

    Written by hand because importing the onnx package for these few bytes costs a build
    more than a second; the format is the protobuf encoding guide's (tag, varint length, data).
    """
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)
