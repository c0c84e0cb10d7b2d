"""Speak one sentence at a time with Piper: the only module that imports piper, and the
"piper" engine of audio/engines.py.

Each sentence becomes one clip so its start and end in the episode are exact. Piper's
per-sentence peak normalisation is off (it makes loudness jump between sentences); master.py
sets the loudness once for the whole episode.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import json
import mmap
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from audionews.audio.cache import Clip, FileDigests
from audionews.audio.voices import Voice, model_hash
from audionews.config import Settings, private_dir
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

    def __init__(
        self,
        voice: Voice,
        threads: int,
        digests: FileDigests | None = None,
        models_dir: Path | None = None,
    ) -> None:
        self.voice = voice
        self.threads = threads
        self.models_dir = models_dir  # where the voice's patched model is kept (with_alignments)
        self.sample_rate = voice.sample_rate
        self._isolated_words: dict[str, list[str]] = {}
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
        words = _word_spans(speech, chunks, self._isolated) if aligned else None
        return Clip(samples, words)

    def _isolated(self, word: str) -> list[str]:
        """Return the words espeak reads `word` as alone (none for punctuation), remembered."""
        words = self._isolated_words.get(word)
        if words is None:
            sentences = self.prepare().phonemize(word)
            words = [w for s in sentences for w in "".join(s).split(" ") if _letters(w)]
            if len(self._isolated_words) < _WORD_COUNTS_KEPT:
                self._isolated_words[word] = words
        return words

    def prepare(self) -> PiperVoice:
        """Load the voice now (once per process; later calls return the loaded voice)."""
        return _load(self.voice, self.threads, self.models_dir)

    def start_loading(self) -> threading.Thread:
        """Load the voice in the background (see `start_loading`); join the thread returned."""
        return start_loading(self.voice, self.threads, self.models_dir)

    def release_memory(self) -> None:
        """Hand back the memory onnxruntime keeps for inference, once a build has nothing more
        to synthesize.

        Its arena keeps what the longest sentence needed (~300 MB for a long one) for the life
        of the session, through the encoding that follows synthesis, where a long episode's
        build peaks. One run of a single phoneme with arena shrinkage (~50 ms) frees every
        region not in use, and malloc_trim hands what glibc kept back to the system; the next
        synthesis (a watched rebuild) grows the arena again.
        """
        import onnxruntime

        piper = self.prepare()
        options = onnxruntime.RunOptions()
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        config = piper.config
        ids = piper.phonemes_to_ids(["ə"])
        feeds = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array(
                [config.noise_scale, config.length_scale, config.noise_w_scale], dtype=np.float32
            ),
            "sid": np.array([0], dtype=np.int64),
        }
        wanted = {i.name for i in piper.session.get_inputs()}
        with contextlib.suppress(Exception):  # only memory is at stake: onnxruntime's errors
            piper.session.run(None, {k: v for k, v in feeds.items() if k in wanted}, options)
        _return_freed_memory()


_LOADING = threading.Lock()
#: Words whose isolated espeak reading a synthesizer remembers (a few MB at most).
_WORD_COUNTS_KEPT = 100_000


def start_loading(voice: Voice, threads: int, models_dir: Path | None = None) -> threading.Thread:
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
            _load(voice, threads, models_dir)

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
    speech: str, chunks: Sequence[AudioChunk], isolated: Callable[[str], list[str]]
) -> tuple[Span, ...] | None:
    """Return the sample span of every spoken word of `speech`, or None if the alignments do
    not give one per word.

    Piper's alignments give the samples of each phoneme (its following pad included); espeak
    separates words by a " " phoneme. espeak's words are not always ours: it reads "212" as
    three words and runs "has been" or "out of" together as one; then each of our words is
    phonemized alone (`isolated`) and the two word lists are lined up (`_line_up`).
    """
    heard: list[tuple[str, list[int]]] = []  # espeak's words: letters, each letter's start
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
            elif phoneme not in "^$" and _letters(phoneme):
                if not in_word:
                    heard.append(("", []))
                    in_word = True
                letters, starts = heard[-1]
                heard[-1] = (letters + _letters(phoneme), starts + [position] * len(phoneme))
            if phoneme == "$":  # EOS: the silence after the chunk's last word
                end = position
            position += int(alignment.num_samples)
        offset += len(chunk.audio_float_array)
    parts = spoken_parts(speech)
    if not heard or not parts:
        return None
    if len(heard) == len(parts):
        starts = [starts[0] for _, starts in heard]
    else:
        said = [[word] if phonemes else isolated(word) for word, phonemes in parts]
        found = _line_up([[_letters(w) for w in words] for words in said], heard, end)
        if found is None:
            return None
        starts = found
    return tuple(zip(starts, [*starts[1:], end], strict=True))


def _letters(phonemes: str) -> str:
    """Return the phoneme letters of an espeak word (stress marks and punctuation dropped)."""
    return "".join(ch for ch in phonemes if ch.isalpha() and ch not in "ˈˌ")


#: How many of our words espeak may run into one, and one of ours may become.
_MOST_JOINED = 4
_MOST_SPLIT = 6
#: The mean mismatch of a lined-up word above which the sentence keeps sentence timing.
_MOST_MISMATCH = 0.35


def _mismatch(ours: str, theirs: str) -> float:
    """Return how unlike an isolated reading and espeak's reading in context are (0: alike).

    Lengths and first letters only: context changes vowels ("has" is hˈæz alone, hɐz before
    "been"), rarely the length or the first sound; and it is cheap.
    """
    if not ours or not theirs:
        return 1.0
    return abs(len(ours) - len(theirs)) / max(len(ours), len(theirs)) + 0.3 * (ours[0] != theirs[0])


def _line_up(
    said: list[list[str]], heard: list[tuple[str, list[int]]], end: int
) -> list[int] | None:
    """Return the start sample of each of our words from espeak's words in context.

    A dynamic programme over (our words, espeak's words): one of ours becomes one or more of
    espeak's (numbers), several of ours become one of espeak's (function words run together:
    then that word's letters are shared out in proportion to our words' isolated lengths), a
    word with no phonemes (a dash) takes no time. Kept to a band around the diagonal.
    """
    n, m = len(said), len(heard)
    band = abs(n - m) + 3
    inf = float("inf")
    cost: dict[tuple[int, int], float] = {(0, 0): 0.0}
    step: dict[tuple[int, int], tuple[int, int]] = {}

    def relax(frm: tuple[int, int], to: tuple[int, int], extra: float) -> None:
        if to[1] > m or abs(to[1] - to[0] * m / n) > band:
            return
        total = cost[frm] + extra
        if total < cost.get(to, inf):
            cost[to], step[to] = total, frm

    for i in range(n + 1):
        for j in range(m + 1):
            if (i, j) not in cost or i == n:
                continue
            if not any(said[i]):  # a word with nothing to say
                relax((i, j), (i + 1, j), 0.0)
                continue
            ours = "".join(said[i])
            for k in range(1, _MOST_SPLIT + 1):
                if j + k <= m:
                    theirs = "".join(letters for letters, _ in heard[j : j + k])
                    relax((i, j), (i + 1, j + k), _mismatch(ours, theirs))
            for a in range(2, _MOST_JOINED + 1):
                if i + a <= n and j < m and all(any(w) for w in said[i : i + a]):
                    joined = "".join("".join(w) for w in said[i : i + a])
                    relax((i, j), (i + a, j + 1), _mismatch(joined, heard[j][0]))
    if (n, m) not in cost or cost[(n, m)] > _MOST_MISMATCH * n:
        return None
    groups: list[tuple[int, int, int, int]] = []
    at = (n, m)
    while at != (0, 0):
        frm = step[at]
        groups.append((frm[0], at[0], frm[1], at[1]))
        at = frm
    starts: list[int | None] = [None] * n
    for i0, i1, j0, j1 in reversed(groups):
        if j0 == j1:
            continue  # nothing to say: takes the next word's start below
        letter_starts = heard[j0][1]
        if i1 - i0 == 1:
            starts[i0] = letter_starts[0]
            continue
        sizes = [len("".join(w)) for w in said[i0:i1]]
        total = sum(sizes)
        done = 0
        for i, size in zip(range(i0, i1), sizes, strict=True):
            starts[i] = letter_starts[
                min(len(letter_starts) - 1, done * len(letter_starts) // total)
            ]
            done += size
    placed: list[int] = []
    following = end  # a word with nothing to say starts where the next word does
    for start in reversed(starts):
        following = start if start is not None else following
        placed.append(following)
    return placed[::-1]


def _return_freed_memory() -> None:
    """Hand memory glibc keeps after frees back to the system (elsewhere: nothing kept so)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL(None).malloc_trim(0)


def _load(voice: Voice, threads: int, models_dir: Path | None) -> PiperVoice:
    with _LOADING:
        return _load_piper(voice.model_path, voice.config_path, threads, models_dir)


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
    return PiperSynthesizer(voice, settings.synthesis_threads, digests, models_dir(settings))


def models_dir(settings: Settings) -> Path:
    """Where the voices' models patched with their alignment output are kept."""
    return settings.clip_cache_dir / "voices"


class PiperEngine:
    """The Piper engine (audio/engines.py): the catalog's voices, loaded once per process."""

    def synthesizer(self, voice: Voice, settings: Settings) -> PiperSynthesizer:
        return piper_synthesizer(voice, settings)

    def start_loading(self, voice: Voice, settings: Settings) -> threading.Thread:
        return start_loading(voice, settings.synthesis_threads, models_dir(settings))


ENGINE = PiperEngine()


@cache
def _load_piper(
    model_path: Path, config_path: Path, threads: int, models_dir: Path | None
) -> PiperVoice:
    """Load the voice once per process, with its samples-per-phoneme tensor as a second output
    when it has one (see `with_alignments`); PiperVoice.load offers no way to set the threads."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # No graph optimisation: optimising costs more at load than it saves in synthesis for a
    # cold build of a typical article, and a one-sentence correction (mostly load) gains all
    # of it. Keeping an optimised graph on disk was tried and costs a first build more and
    # memory (bench/build_speed.py measures build and correction side by side).
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        session = onnxruntime.InferenceSession(
            with_alignments(model_path, models_dir),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise VoiceError(
            f"cannot load voice {model_path.name} ({exc}): reinstall it or remove it from voices/"
        ) from exc
    return PiperVoice(config=config, session=session)


def with_alignments(model_path: Path, folder: Path | None = None) -> str | bytes:
    """Return the model with its samples-per-phoneme tensor added to the graph's outputs, as
    PiperVoice.load(include_alignments=True) patches it in memory, or the path of a model that
    has no such tensor (its transcripts are then timed by sentence).

    Done on the model's bytes, without the onnx package: importing it and parsing and writing
    the ~60 MB model again as piper does cost a build ~2 s. The tensor is found as piper finds
    it (the output of the graph's one Ceil node, `alignment_output`), and the patch relies on
    Protocol Buffers parsing a message field given twice as the merge of both, a repeated
    field's entries as one list: the model's bytes followed by a ModelProto holding only
    graph.output = [tensor] are the patched model.

    With a `folder`, the patched model is kept there (named by the model's SHA-256 and the
    patch) and its path returned: onnxruntime then reads it itself, and the process never holds
    the model's bytes (two copies of ~60 MB while patching, and the session held ~60 MB more
    after loading from bytes than from a file, up to the build's peak of memory). The model is
    read through a memory map, which touches only the graph's node list.
    """
    try:
        with (
            model_path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            name, outputs = alignment_output(data)
    except (OSError, ValueError) as exc:
        raise VoiceError(
            f"cannot load voice {model_path.name} ({exc}): reinstall it or remove it from voices/"
        ) from exc
    if name is None or name in outputs:  # none, or patched on disk already
        return str(model_path)
    patch = _field(7, _field(12, _field(1, name.encode("utf-8"))))
    if folder is not None:
        with contextlib.suppress(OSError):  # a read-only or full cache: patched in memory
            return str(_patched_file(model_path, patch, folder))
    return model_path.read_bytes() + patch


def _patched_file(model_path: Path, patch: bytes, folder: Path) -> Path:
    """Return the path of the model followed by `patch` in `folder`, written once (aside, then
    renamed into place: builds may share the folder)."""
    digest = FileDigests(folder / "digests").sha256(model_path)
    named = hashlib.sha256(digest.encode() + patch).hexdigest()
    path = folder / f"{named}.onnx"
    if path.is_file() and path.stat().st_size == model_path.stat().st_size + len(patch):
        return path
    private_dir(folder, tighten=False)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".onnx")
    os.close(handle)
    try:
        shutil.copyfile(model_path, temp)  # copied by the kernel, never through this process
        with open(temp, "ab") as out:
            out.write(patch)
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
    return path


def alignment_output(model: bytes | mmap.mmap) -> tuple[str | None, list[str]]:
    """Return (the output of the ONNX graph's one Ceil node or None, the graph's outputs)."""
    ceil: set[str] = set()
    outputs: list[str] = []
    for number, graph in _messages(model, 0, len(model)):
        if number != 7:  # ModelProto.graph
            continue
        for field, (start, end) in _messages(model, *graph):
            # GraphProto.node; op_type (field 4) "Ceil" is these bytes: only such nodes are read
            if field == 1 and model.find(b"\x22\x04Ceil", start, end) >= 0:
                fields = list(_messages(model, start, end))
                op_type = [model[a:b] for n, (a, b) in fields if n == 4]
                if op_type == [b"Ceil"]:
                    ceil.update(model[a:b].decode() for n, (a, b) in fields if n == 2)
            elif field == 12:  # GraphProto.output: ValueInfoProto, name = 1
                outputs += [model[a:b].decode() for n, (a, b) in _messages(model, start, end)
                            if n == 1]  # fmt: skip
    return (ceil.pop() if len(ceil) == 1 else None), outputs


def _messages(
    data: bytes | mmap.mmap, start: int, end: int
) -> Iterator[tuple[int, tuple[int, int]]]:
    """Yield (field number, (start, end)) of each length-delimited field of a protobuf message
    in data[start:end], skipping the other wire types."""
    position = start
    while position < end:
        key, position = _read_varint(data, position)
        wire = key & 7
        if wire == 0:
            _, position = _read_varint(data, position)
        elif wire == 1:
            position += 8
        elif wire == 5:
            position += 4
        elif wire == 2:
            length, position = _read_varint(data, position)
            if position + length > end:
                raise ValueError("not an ONNX model: a field runs past its message")
            yield key >> 3, (position, position + length)
            position += length
        else:
            raise ValueError(f"not an ONNX model: wire type {wire}")
    if position != end:
        raise ValueError("not an ONNX model: a field runs past its message")


def _read_varint(data: bytes | mmap.mmap, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise ValueError("not an ONNX model: a truncated number")
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position += 1
        shift += 7
        if not byte & 0x80:
            return value, position


def _field(number: int, data: bytes) -> bytes:
    """Return one length-delimited Protocol Buffers field (wire type 2).

    The format is the protobuf encoding guide's (tag, varint length, data).
    """
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)
