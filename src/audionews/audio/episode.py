"""Script -> episode files: synthesize (through the clip cache), master, encode, tag, write.

Two passes over one plan. Pass 1 fetches or synthesizes every sentence's clip, storing new ones
in the cache, and meters the loudness of the assembled episode. Pass 2 replays the episode from
the cache with the one gain that meets the loudness target and streams it into ffmpeg. Neither
pass holds more than one clip, so memory stays flat for long articles. Every file is written
under a temporary name in the output directory and renamed into place at the end, so a failed
build leaves nothing behind and never touches the previous build's files.

A build key (a hash of everything the files are made from: plan, clip lengths, tags, settings,
version) is stored in the MP3; when the files in out_dir already carry the key, nothing is
encoded again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from audionews import __version__
from audionews.audio import master, transcript
from audionews.audio.cache import ClipCache, clip_key
from audionews.audio.package import Tags, encode_mp3, read_provenance, stored_cover, write_tags
from audionews.audio.synth import Synthesizer
from audionews.config import Settings
from audionews.errors import AudioError, InputError
from audionews.models import BuildResult, Script, Timeline

Progress = Callable[[int, int], None]

#: File kinds of an episode and their suffix after the slug.
SUFFIXES = {
    "mp3": ".mp3",
    "chapters": ".chapters.json",
    "vtt": ".vtt",
    "srt": ".srt",
    "txt": ".txt",
}
_FILE_MODE = 0o644
#: dB kept free under the true-peak ceiling for inter-sample and MP3 overshoot and for early
#: sentences limited against a rough loudness estimate (the encoder's limiter catches the rest).
PEAK_ALLOWANCE_DB = 1.5
BUILD_KEY = "audionews:build"
GAIN_KEY = "audionews:gain_db"
#: A rebuild encodes while synthesizing with the previous build's gain; if the measured gain
#: differs by more than this (an edit rarely moves it by 0.05 dB), it encodes again.
GAIN_TOLERANCE_DB = 0.1


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
        self.synthesized = 0
        self.cached = 0

    def _key(self, speech: str) -> str:
        return clip_key(self.synthesizer.identity, speech)

    def stored_lengths(self, steps: list[master.Speech]) -> bool:
        """Read every clip's length from the cache headers; False if any clip is missing."""
        for step in steps:
            speech = step.sentence.speech
            length = self.cache.length(self._key(speech), self.synthesizer.sample_rate)
            if length is None:
                return False
            self.lengths[speech] = length
        return True

    def fetch(self, step: master.Speech) -> np.ndarray:
        """Return the sentence's clip, synthesizing and storing it on a cache miss."""
        speech = step.sentence.speech
        rate = self.synthesizer.sample_rate
        clip = self.cache.get(self._key(speech), rate)
        if clip is None:
            clip = np.asarray(self.synthesizer.synthesize(speech), dtype=np.int16)
            self.cache.put(self._key(speech), clip, rate)
            self.synthesized += 1
        else:
            self.cached += 1
        self.lengths[speech] = len(clip)
        if self.progress is not None:
            self.progress(self.synthesized + self.cached, self.total)
        return clip

    def replay(self, step: master.Speech) -> np.ndarray:
        """Return the clip pass 1 stored; it must still be there, unchanged in length."""
        speech = step.sentence.speech
        clip = self.cache.get(self._key(speech), self.synthesizer.sample_rate)
        if clip is None or len(clip) != self.lengths[speech]:
            raise AudioError(
                f"clip cache entry changed during the build ({self.cache.root}): build again"
            )
        return clip

    def length(self, step: master.Speech) -> int:
        return self.lengths[step.sentence.speech]


def make_episode(
    script: Script,
    out_dir: Path,
    slug: str,
    settings: Settings,
    synthesizer: Synthesizer,
    *,
    source_sha256: str,
    progress: Progress | None = None,
) -> BuildResult:
    """Build `<slug>.mp3` and its sidecars in out_dir from the script; return what was made."""
    began = time.perf_counter()
    steps = master.plan(script)
    spoken = master.speeches(steps)
    if not spoken:
        raise InputError(f"{script.title!r} has nothing to read aloud: check the article's text")
    rate = synthesizer.sample_rate
    clips = _Clips(synthesizer, ClipCache(settings.clip_cache_dir), len(spoken), progress)
    tags = _tags(script, settings, synthesizer, source_sha256)
    finals = {kind: out_dir / (slug + suffix) for kind, suffix in SUFFIXES.items()}

    all_cached = clips.stored_lengths(spoken)
    if all_cached:
        key = _build_key(steps, clips, tags, settings)
        if (
            all(p.is_file() for p in finals.values())
            and read_provenance(finals["mp3"], BUILD_KEY) == key
        ):
            timeline = master.timeline(steps, clips.length, rate)
            extra: dict[str, object] = {"reused": True}
            return _result(script, slug, finals, timeline, 0, len(spoken), began, extra)

    _prepare_voice(synthesizer, not all_cached)
    headroom = settings.true_peak_dbtp - settings.loudness_lufs - PEAK_ALLOWANCE_DB
    limiter = master.PeakLimiter(rate, headroom)
    guess = _float(read_provenance(finals["mp3"], GAIN_KEY))
    out_dir.mkdir(parents=True, exist_ok=True)
    with _staged(out_dir, slug) as paths:

        def encode(chunks: Iterator[np.ndarray], gain_db: float) -> None:
            peak, kbps = settings.true_peak_dbtp, settings.bitrate_kbps
            encode_mp3(chunks, rate, paths["mp3"], gain_db=gain_db, true_peak_dbtp=peak,
                       bitrate_kbps=kbps)  # fmt: skip

        if guess is None:
            limiter.measure(steps, clips.fetch)
        else:  # encode while synthesizing, betting on the previous build's gain
            encode(limiter.first_pass(steps, clips.fetch), guess)
        loudness = limiter.meter.integrated()
        gain_db = settings.loudness_lufs - loudness if np.isfinite(loudness) else 0.0
        if guess is not None and abs(gain_db - guess) <= GAIN_TOLERANCE_DB:
            gain_db = guess
        else:
            encode(limiter.replay(steps, clips.replay), gain_db)
        timeline = master.timeline(steps, clips.length, rate)
        key = _build_key(steps, clips, tags, settings)
        stamps = {BUILD_KEY: key, GAIN_KEY: f"{gain_db:.3f}"}
        write_tags(paths["mp3"], replace(tags, provenance={**tags.provenance, **stamps}), timeline)
        _write_sidecars(paths, timeline, script)
    measured = {"reused": False, "measured_lufs": loudness, "gain_db": gain_db,
                "encoded_while_synthesizing": gain_db == guess}  # fmt: skip
    return _result(script, slug, finals, timeline, clips.synthesized, clips.cached, began, measured)


def _prepare_voice(synthesizer: Synthesizer, needed: bool) -> None:
    """Load the voice in the background while cached clips are read, if any clip is missing."""
    prepare = getattr(synthesizer, "prepare", None)
    if needed and prepare is not None:
        threading.Thread(target=_quietly(prepare), daemon=True).start()


def _quietly(function: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with contextlib.suppress(Exception):  # synthesize() loads again and reports the error
            function()

    return run


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _result(
    script: Script,
    slug: str,
    files: dict[str, Path],
    timeline: Timeline,
    synthesized: int,
    cached: int,
    began: float,
    extra: Mapping[str, object],
) -> BuildResult:
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
        "tags": {**asdict(tags), "cover_png": hashlib.sha256(tags.cover_png).hexdigest()},
        "audio": [settings.loudness_lufs, settings.true_peak_dbtp, settings.bitrate_kbps],
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _write_sidecars(paths: dict[str, Path], timeline: Timeline, script: Script) -> None:
    texts = {
        "chapters": transcript.to_chapters_json(timeline),
        "vtt": transcript.to_webvtt(timeline),
        "srt": transcript.to_srt(timeline),
        "txt": transcript.to_text(script),
    }
    for kind, text in texts.items():
        paths[kind].write_text(text, encoding="utf-8")


@contextmanager
def _staged(out_dir: Path, slug: str) -> Iterator[dict[str, Path]]:
    """Yield temporary paths in out_dir; on success rename them to their final names."""
    paths: dict[str, Path] = {}
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
