"""Script -> episode files: synthesize (through the clip cache), master, encode, tag, write.

The episode is encoded in pieces (one per paragraph, cut in the middle of the pauses between
them; see pieces.py), each stored content-addressed, so a rebuild after an edit synthesizes
only the changed sentences and encodes only the pieces that hold them; the pieces' frames are
spliced into one gapless MP3 and the timeline is placed where those frames put every piece.

Loudness is set by one gain for the whole episode, rounded to GAIN_STEP_DB. A first build
meters the whole episode (pass 1: fetch or synthesize every clip) and then encodes every piece
with the gain (pass 2: replay the clips from the cache). A rebuild bets on the previous
build's gain: it meters and encodes the missing pieces in one pass while synthesizing, and
keeps that gain while the episode still measures within GAIN_TOLERANCE_DB of the target, so
unchanged pieces keep their keys. Neither pass holds more than one clip, so memory stays flat
for long articles. Every file is written under a temporary name in the output directory and
renamed into place at the end, so a failed build leaves nothing behind and never touches the
previous build's files.

A build key (a hash of everything the files are made from: plan, clip lengths, tags, settings,
version) is stored in the MP3; when the files in out_dir already carry the key, nothing is
encoded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from audionews import __version__
from audionews.audio import master, transcript
from audionews.audio.cache import Clip, ClipCache, clip_crc, clip_key, local_bound, shared_copy
from audionews.audio.package import (
    LAME_QUALITY,
    LIMITER_FILTER,
    LIMITER_MARGIN_DB,
    Tags,
    encode_mp3,
    read_provenance,
    stored_cover,
    write_tags,
)
from audionews.audio.pieces import (
    MP3_SAMPLE_RATE,
    SAMPLES_PER_FRAME,
    Piece,
    PieceStore,
    write_spliced,
)
from audionews.audio.synth import Synthesizer, joined
from audionews.config import Settings, private_dir
from audionews.errors import AudioError, InputError
from audionews.models import BuildResult, Script, Timeline
from audionews.vocabulary import BUILT_FILES, FILE_KINDS, FileKind

Progress = Callable[[int, int], None]
_LOGGER = logging.getLogger(__name__)

#: The files a build writes and their suffix after the slug.
SUFFIXES: dict[FileKind, str] = {kind: FILE_KINDS[kind][0] for kind in BUILT_FILES}
_FILE_MODE = 0o644
#: dB kept free under the true-peak ceiling for inter-sample and MP3 overshoot and for early
#: sentences limited against a rough loudness estimate (the encoder's limiter catches the rest).
PEAK_ALLOWANCE_DB = 1.5
BUILD_KEY = "audionews:build"
GAIN_KEY = "audionews:gain_db"
#: A rebuild encodes while synthesizing with the previous build's gain and keeps it while the
#: measured gain is within this (an edit rarely moves it by 0.05 dB; the target allows 1 LU);
#: otherwise it encodes again with the new gain.
GAIN_TOLERANCE_DB = 0.3
#: Gains are rounded to this step, so an episode's pieces keep their keys across rebuilds.
GAIN_STEP_DB = 0.1
#: Bump when the making of encoded pieces changes (they live in settings.piece_store_dir).
PIECE_FORMAT = 1
#: Pieces encoded side by side when all of them are (one single-threaded ffmpeg each): two
#: hide each other's start-up and waits; more gains little on 2 cores and holds more memory.
ENCODERS = 2


class _Clips:
    """Clips of one build: fetched from the cache or synthesized (pass 1), replayed (pass 2)."""

    def __init__(
        self, synthesizer: Synthesizer, cache: ClipCache, total: int, progress: Progress | None
    ) -> None:
        self.synthesizer = synthesizer
        self.cache = cache
        self.total = total
        self.progress = progress
        self.lengths: dict[str, int] = {}
        #: Each known clip's CRC-32: pieces are keyed by the sound of their clips, since Piper
        #: speaks a sentence differently each time it is synthesized again (after a prune, or
        #: into another clip cache).
        self.crcs: dict[str, int] = {}
        #: Each known clip's spoken-word spans (None: its synthesizer gave no word times).
        self.words: dict[str, tuple[tuple[int, int], ...] | None] = {}
        self.synthesized = 0
        #: The sentences this build synthesized: no stored piece can hold their new sound.
        self.fresh: set[str] = set()
        self.cached = 0

    def _key(self, speech: str) -> str:
        return clip_key(self.synthesizer.identity, speech)

    def stored_lengths(self, steps: list[master.Speech]) -> bool:
        """Read the clips' lengths from the cache headers; False if any clip is missing."""
        self.cache.prefetch(self._key(step.sentence.speech) for step in steps)
        complete = True
        for step in steps:
            speech = step.sentence.speech
            stored = self.cache.stored(self._key(speech), self.synthesizer.sample_rate)
            if stored is None:
                complete = False
            else:
                self.lengths[speech], self.crcs[speech] = stored.samples, stored.crc
                self.words[speech] = stored.words
        return complete

    def known(self, step: master.Speech) -> bool:
        return step.sentence.speech in self.lengths

    def any_fresh(self, steps: Iterable[master.Speech]) -> bool:
        """Say whether this build synthesized any of these sentences."""
        return any(step.sentence.speech in self.fresh for step in steps)

    def skip(self, step: master.Speech) -> None:
        """Count a stored clip that is not needed (its piece is stored)."""
        self.cached += 1
        self._report()

    def fetch(self, step: master.Speech) -> np.ndarray:
        """Return the sentence's clip, synthesizing and storing it on a cache miss."""
        speech = step.sentence.speech
        rate = self.synthesizer.sample_rate
        clip = self.cache.get(self._key(speech), rate)
        if clip is None:
            spoken = self.synthesizer.speak(speech)
            clip = Clip(np.asarray(spoken.samples, dtype=np.int16), spoken.words)
            self.cache.put(self._key(speech), clip.samples, rate, clip.words)
            self.synthesized += 1
            self.fresh.add(speech)
        else:
            self.cached += 1
        self.lengths[speech], self.crcs[speech] = len(clip.samples), clip_crc(clip.samples)
        self.words[speech] = clip.words
        self._report()
        return clip.samples

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.synthesized + self.cached, self.total)

    def replay(self, step: master.Speech) -> np.ndarray:
        """Return the clip pass 1 stored; it must still be there, unchanged."""
        speech = step.sentence.speech
        clip = self.cache.get(self._key(speech), self.synthesizer.sample_rate)
        if clip is None or clip_crc(clip.samples) != self.crcs[speech]:
            raise AudioError(
                f"clip cache entry changed during the build ({self.cache.root}): build again"
            )
        return clip.samples

    def length(self, step: master.Speech) -> int:
        return self.lengths[step.sentence.speech]

    def spoken_words(self, step: master.Speech) -> tuple[tuple[int, int], ...] | None:
        return self.words[step.sentence.speech]

    def timing(self, timeline: Timeline) -> dict[str, object]:
        """Count the sentences timed to the word and those that keep sentence timing: because
        the voice gave no word times (`voice_word_times` false when it gave none at all), or
        because their written words could not be mapped onto the spoken ones."""
        timed = sum(1 for cue in timeline.cues if cue.words)
        silent = sum(1 for cue in timeline.cues if self.words.get(cue.speech) is None)
        return {
            "sentences": len(timeline.cues),
            "word_timed": timed,
            "sentence_timed": len(timeline.cues) - timed,
            "without_voice_word_times": silent,
            "unmapped": len(timeline.cues) - timed - silent,
            "voice_word_times": silent < len(timeline.cues),
        }

    def crc(self, step: master.Speech) -> int:
        return self.crcs[step.sentence.speech]


def make_episode(
    script: Script,
    out_dir: Path,
    slug: str,
    settings: Settings,
    synthesizer: Synthesizer,
    *,
    source_sha256: str,
    progress: Progress | None = None,
    previous_gain_db: float | None = None,
) -> BuildResult:
    """Build `<slug>.mp3` and its sidecars in out_dir from the script; return what was made.

    The build bets on the loudness gain of the previous revision (`previous_gain_db`, else
    the one tagged in an MP3 already in out_dir): it then encodes while it synthesizes, and
    measures first only when there is nothing to bet on.
    """
    began = time.perf_counter()
    bound = local_bound(settings)
    clip_cache = ClipCache(settings.clip_cache_dir, shared_copy(settings), bound)
    piece_store = PieceStore(settings.piece_store_dir, shared_copy(settings), bound)
    try:
        return _build(script, out_dir, slug, settings, synthesizer, clip_cache, piece_store,
                      source_sha256, began, progress, previous_gain_db)  # fmt: skip
    finally:  # this build's files may go from now on; then the copy is brought within bounds
        clip_cache.close()
        piece_store.close()
        if bound is not None:
            bound.trim()


def _build(
    script: Script,
    out_dir: Path,
    slug: str,
    settings: Settings,
    synthesizer: Synthesizer,
    clip_cache: ClipCache,
    piece_store: PieceStore,
    source_sha256: str,
    began: float,
    progress: Progress | None,
    previous_gain_db: float | None,
) -> BuildResult:
    """Build the episode with these stores (see make_episode)."""
    steps = master.plan(script)
    spoken = master.speeches(steps)
    if not spoken:
        raise InputError(f"{script.title!r} has nothing to read aloud: check the article's text")
    rate = synthesizer.sample_rate
    shared = clip_cache.shared
    clips = _Clips(synthesizer, clip_cache, len(spoken), progress)
    tags = _tags(script, settings, synthesizer, source_sha256)
    finals = {kind: out_dir / (slug + suffix) for kind, suffix in SUFFIXES.items()}

    encoder = _PieceEncoder(steps, settings, synthesizer, clips, piece_store)
    if previous_gain_db is None:
        previous_gain_db = _float(read_provenance(finals[FileKind.MP3], GAIN_KEY))
    guess = _quantized(previous_gain_db)
    all_cached = clips.stored_lengths(spoken)
    if guess is not None:
        encoder.prefetch(guess)
    if all_cached and guess is not None:
        key = _build_key(steps, clips, tags, settings)
        if (
            all(p.is_file() for p in finals.values())
            and read_provenance(finals[FileKind.MP3], BUILD_KEY) == key
            and (timeline := encoder.stored_timeline(guess)) is not None
        ):
            extra: dict[str, object] = {"reused": True, "word_timing": clips.timing(timeline)}
            return _result(script, slug, finals, timeline, 0, len(spoken), began, extra)

    out_dir.mkdir(parents=True, exist_ok=True)
    with _voice_loading(synthesizer, not all_cached), _staged(out_dir, slug) as paths:
        if guess is None:  # meter first (nothing to bet on), then encode with the one gain
            headroom = settings.true_peak_dbtp - settings.loudness_lufs - PEAK_ALLOWANCE_DB
            limiter = master.PeakLimiter(rate, headroom)
            loudness = limiter.measure(steps, clips.fetch)
        else:  # encode the changed pieces while synthesizing, betting on the previous gain
            pieces = [encoder.piece(part, guess, clips.fetch, True) for part in encoder.parts]
            loudness = encoder.loudness(pieces)
        exact = settings.loudness_lufs - loudness if np.isfinite(loudness) else 0.0
        if guess is not None and abs(exact - guess) <= GAIN_TOLERANCE_DB:
            gain_db = guess
        else:
            gain_db = _quantized(exact) or 0.0
            if clips.synthesized:  # nothing more to synthesize: the encoding needs the memory
                _release_voice_memory(synthesizer)
            pieces = encoder.replay_all(gain_db, clips.replay)
        timeline = encoder.write(pieces, paths[FileKind.MP3])
        key = _build_key(steps, clips, tags, settings)
        stamps = {BUILD_KEY: key, GAIN_KEY: f"{gain_db:.3f}"}
        write_tags(
            paths[FileKind.MP3], replace(tags, provenance={**tags.provenance, **stamps}), timeline
        )
        _write_sidecars(paths, timeline, script, settings.narrator_name)
    if shared is not None:
        shared.flush()  # the other machines find this build's clips and pieces from now on
    measured = {"reused": False, "measured_lufs": loudness, "gain_db": gain_db,
                "encoded_while_synthesizing": gain_db == guess,
                "pieces_encoded": encoder.encoded, "pieces_cached": encoder.cached,
                "word_timing": clips.timing(timeline)}  # fmt: skip
    return _result(script, slug, finals, timeline, clips.synthesized, clips.cached, began, measured)


class _PieceEncoder:
    """Encode the episode piece by piece, reusing pieces stored by earlier builds."""

    def __init__(
        self,
        steps: list[master.Step],
        settings: Settings,
        synthesizer: Synthesizer,
        clips: _Clips,
        store: PieceStore,
    ) -> None:
        self.settings = settings
        self.identity = synthesizer.identity
        self.rate = synthesizer.sample_rate
        self.clips = clips
        self.store = store
        self.parts = master.pieces(steps)
        self.encoded = 0
        self.cached = 0
        self._counting = threading.Lock()

    def key(self, part: list[master.Step], gain_db: float) -> str:
        """Hash everything the piece's encoded frames are made from."""
        settings = self.settings
        described = {
            "version": __version__,
            "format": PIECE_FORMAT,
            "synthesis": self.identity,
            "rate": self.rate,
            "gain_db": f"{gain_db:.1f}",
            "ceiling": [settings.true_peak_dbtp, PEAK_ALLOWANCE_DB, master.LIMITER_WINDOW_S],
            "encoder": [settings.bitrate_kbps, LAME_QUALITY, LIMITER_MARGIN_DB, LIMITER_FILTER],
            "steps": [self._describe(step) for step in part],
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()

    def _describe(self, step: master.Step) -> object:
        if isinstance(step, master.Speech):
            return ["clip", clip_key(self.identity, step.sentence.speech), self.clips.crc(step)]
        if isinstance(step, master.Silence):
            return ["silence", round(step.seconds * self.rate)]
        if isinstance(step, master.Tone):
            return ["earcon", repr(master.EARCONS[step.earcon]), master.EARCON_LEVEL]
        return ["chapter"]  # a chapter start makes no sound

    def prefetch(self, gain_db: float) -> None:
        """Bring the stored pieces this build may reuse at `gain_db` from the shared copy."""
        parts = [p for p in self.parts if all(self.clips.known(s) for s in master.speeches(p))]
        self.store.prefetch(self.key(part, gain_db) for part in parts)

    def piece(
        self, part: list[master.Step], gain_db: float, source: master.ClipSource, first: bool
    ) -> Piece:
        """Return the piece encoded at gain_db: stored, or rendered, metered and encoded now.

        `first`: the first pass over the clips, which counts them (a stored piece's as cached).
        """
        if all(self.clips.known(step) for step in master.speeches(part)):
            # pieces are keyed by their clips' sound: one of a sentence synthesized just now
            # was never stored by another machine, so the shared copy is not asked for it
            shared = not self.clips.any_fresh(master.speeches(part))
            stored = self.store.get(self.key(part, gain_db), shared=shared)
            if stored is not None and stored.samples == self._samples(part):
                with self._counting:
                    self.cached += 1
                for step in master.speeches(part) if first else ():
                    self.clips.skip(step)
                return stored
        ceiling = 10 ** ((self.settings.true_peak_dbtp - PEAK_ALLOWANCE_DB - gain_db) / 20)
        meter = master.LoudnessMeter(self.rate)
        chunks = _Metered(
            master.render(part, source, master.CeilingLimiter(self.rate, ceiling)), meter
        )
        private_dir(self.store.root, tighten=False)
        handle, temp = tempfile.mkstemp(dir=self.store.root, prefix=".tmp-", suffix=".mp3")
        os.close(handle)
        try:
            peak, kbps = self.settings.true_peak_dbtp, self.settings.bitrate_kbps
            encode_mp3(chunks, self.rate, Path(temp), gain_db=gain_db, true_peak_dbtp=peak,
                       bitrate_kbps=kbps)  # fmt: skip
            encoded = Path(temp).read_bytes()
        finally:
            Path(temp).unlink(missing_ok=True)
        with self._counting:
            self.encoded += 1
        key = self.key(part, gain_db)  # every clip is known now that the piece was rendered
        return self.store.put(key, encoded, chunks.samples, meter.energies)

    def replay_all(self, gain_db: float, source: master.ClipSource) -> list[Piece]:
        """Encode every piece at gain_db from clips already stored, two at a time.

        Each ffmpeg runs single-threaded and spends a third of a piece's time starting up or
        waiting for samples, so two side by side nearly halve this pass (it follows synthesis
        on a first build, and is all the work when the gain moved).
        """
        with ThreadPoolExecutor(max_workers=ENCODERS) as pool:
            return list(pool.map(lambda part: self.piece(part, gain_db, source, False), self.parts))

    def loudness(self, pieces: list[Piece]) -> float:
        """Return the episode's loudness (before gain) from its pieces' meters."""
        return master.integrated_loudness([p.energies.tolist() for p in pieces], self.rate // 10)

    def _samples(self, part: list[master.Step]) -> int:
        """Return how many samples the part renders to (a stored piece must have as many)."""
        return master.piece_samples(part, self.clips.length, self.rate)

    def write(self, pieces: list[Piece], path: Path) -> Timeline:
        """Splice the pieces into path; return the timeline their frames give."""
        timeline = self._timeline([piece.frames for piece in pieces])
        write_spliced(path, pieces, round(timeline.duration * MP3_SAMPLE_RATE))
        return timeline

    def stored_timeline(self, gain_db: float) -> Timeline | None:
        """Return the timeline of the pieces stored for gain_db, or None if one is missing."""
        counts = []
        for part in self.parts:
            stored = self.store.frames(self.key(part, gain_db))
            if stored is None:
                return None
            counts.append(stored[1])
        return self._timeline(counts)

    def _timeline(self, frame_counts: list[int]) -> Timeline:
        """Place piece k at the frames before it (a decoder skips the first piece's delay)."""
        starts = np.cumsum([0, *frame_counts[:-1]]) * SAMPLES_PER_FRAME / MP3_SAMPLE_RATE
        return master.pieces_timeline(
            self.parts, starts.tolist(), self.clips.length, self.rate, self.clips.spoken_words
        )


class _Metered:
    """Pass chunks through a loudness meter, counting their samples."""

    def __init__(self, chunks: Iterator[np.ndarray], meter: master.LoudnessMeter) -> None:
        self.chunks = chunks
        self.meter = meter
        self.samples = 0

    def __iter__(self) -> Iterator[np.ndarray]:
        for chunk in self.chunks:
            yield chunk  # measured after it is handed on, while ffmpeg encodes it
            self.meter.add(chunk)
            self.samples += len(chunk)


def _quantized(gain_db: float | None) -> float | None:
    """Round a gain to GAIN_STEP_DB, so pieces encoded with it keep one key."""
    if gain_db is None or not np.isfinite(gain_db):
        return None
    return round(round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB, 3)


def _voice_loading(synthesizer: Synthesizer, needed: bool) -> AbstractContextManager[None]:
    """Load the voice in the background while cached clips are read, if any clip is missing."""
    start = getattr(synthesizer, "start_loading", None)
    return joined(start() if needed and start is not None else None)


def _release_voice_memory(synthesizer: Synthesizer) -> None:
    """Let the synthesizer hand back its inference memory, if it can (see PiperSynthesizer)."""
    release = getattr(synthesizer, "release_memory", None)
    if release is not None:
        release()


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _say_sentence_timing(script: Script, timing: Mapping[str, object]) -> None:
    """Say once per build when the voice gives no word times (its transcripts are timed by
    sentence), and how many sentences could not be timed to the word."""
    if not timing["voice_word_times"]:
        _LOGGER.warning(
            "voice %s gives no word times: the transcripts are timed by sentence", script.voice
        )
    elif timing["unmapped"]:
        _LOGGER.info("%s sentences keep sentence timing (words not mappable)", timing["unmapped"])


def _result(
    script: Script,
    slug: str,
    files: dict[FileKind, Path],
    timeline: Timeline,
    synthesized: int,
    cached: int,
    began: float,
    extra: Mapping[str, object],
) -> BuildResult:
    timing = extra["word_timing"]
    assert isinstance(timing, Mapping)
    _say_sentence_timing(script, timing)
    return BuildResult(
        slug=slug,
        files=files,
        duration_s=timeline.duration,
        timeline=timeline,
        script=script,
        segments_synthesized=synthesized,
        segments_cached=cached,
        seconds=time.perf_counter() - began,
        extra=extra,
    )


def _build_key(steps: list[master.Step], clips: _Clips, tags: Tags, settings: Settings) -> str:
    """Hash everything the episode's files are made from."""
    described = {
        "version": __version__,
        "synthesis": clips.synthesizer.identity,
        "plan": [repr(step) for step in steps],
        "lengths": [clips.length(step) for step in master.speeches(steps)],
        "words": [clips.spoken_words(step) for step in master.speeches(steps)],
        "tags": {**asdict(tags), "cover_png": hashlib.sha256(tags.cover_png).hexdigest()},
        "audio": [settings.loudness_lufs, settings.true_peak_dbtp, settings.bitrate_kbps],
        "narrator": settings.narrator_name,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _write_sidecars(
    paths: dict[FileKind, Path], timeline: Timeline, script: Script, narrator: str
) -> None:
    texts = {
        FileKind.CHAPTERS: transcript.to_chapters_json(timeline),
        FileKind.VTT: transcript.to_webvtt(timeline, narrator),
        FileKind.SRT: transcript.to_srt(timeline),
        FileKind.TRANSCRIPT: transcript.to_transcript_json(timeline, narrator),
        FileKind.TXT: transcript.to_text(script),
    }
    for kind, text in texts.items():
        paths[kind].write_text(text, encoding="utf-8")


@contextmanager
def _staged(out_dir: Path, slug: str) -> Iterator[dict[FileKind, Path]]:
    """Yield temporary paths in out_dir; on success rename them to their final names."""
    paths: dict[FileKind, Path] = {}
    try:
        for kind, suffix in SUFFIXES.items():
            handle, name = tempfile.mkstemp(dir=out_dir, prefix=f".{slug}", suffix=suffix + ".tmp")
            os.close(handle)
            os.chmod(name, _FILE_MODE)  # mkstemp makes 0600; episodes are public files
            paths[kind] = Path(name)
        yield paths
        for path in paths.values():
            with path.open("rb") as written:
                os.fsync(written.fileno())
        for kind, path in paths.items():
            os.replace(path, out_dir / (slug + SUFFIXES[kind]))
    finally:
        for path in paths.values():
            path.unlink(missing_ok=True)


def _tags(script: Script, settings: Settings, synthesizer: Synthesizer, source_sha256: str) -> Tags:
    article = script.article
    artist = f"{article.byline}, {settings.publication}" if article.byline else settings.publication
    return Tags(
        title=script.title,
        artist=artist,
        album=settings.feed_title,
        date=article.published[:10] or dt.date.today().isoformat(),
        language=script.language,
        comment=" ".join(article.standfirsts),
        transcript=transcript.to_text(script),
        cover_png=stored_cover(settings.publication, settings.clip_cache_dir),
        provenance={
            "audionews:source_sha256": source_sha256,
            "audionews:voice": script.voice,
            "audionews:synthesis": synthesizer.identity,
            "audionews:version": __version__,
        },
    )
