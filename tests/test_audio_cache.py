"""The clip cache: lossless round trip, keys, damage detection, stats and prune; the build
hints and file digests kept beside it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from audionews.audio.cache import (
    BuiltSources,
    ClipCache,
    FileDigests,
    clip_crc,
    clip_key,
    decode_clip,
    encode_clip,
    source_fingerprint,
)

RATE = 22050


_SPANS = st.none() | st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)))


@given(arrays(np.int16, st.integers(0, 5000)), _SPANS)
def test_clips_round_trip_losslessly(
    samples: np.ndarray, words: list[tuple[int, int]] | None
) -> None:
    spans = None if words is None else tuple(words)
    decoded = decode_clip(encode_clip(samples, RATE, spans), RATE)
    assert decoded is not None
    assert np.array_equal(decoded.samples, samples)
    assert decoded.words == spans


def test_stored_clip_gives_its_words_from_the_header(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    samples = np.arange(3000, dtype=np.int16)
    cache.put("ab" + "1" * 62, samples, RATE, ((256, 1024), (1024, 2816)))
    cache.put("ab" + "2" * 62, samples, RATE)
    stored = cache.stored("ab" + "1" * 62, RATE)
    assert stored is not None and stored.samples == 3000
    assert stored.words == ((256, 1024), (1024, 2816))
    assert stored.crc == clip_crc(samples)
    none = cache.stored("ab" + "2" * 62, RATE)
    assert none is not None and none.words is None  # no word times: not the same as no words
    clip = cache.get("ab" + "1" * 62, RATE)
    assert clip is not None and clip.words == stored.words


def test_clips_of_the_format_without_words_read_as_missing(tmp_path: Path) -> None:
    """A clip stored before word times (ANC1) is synthesized again, so every cached clip gives
    the word times a fresh one would."""
    cache = ClipCache(tmp_path)
    key = "ab" + "3" * 62
    cache.put(key, np.arange(100, dtype=np.int16), RATE)
    (path,) = cache.entries()
    path.write_bytes(b"ANC1" + path.read_bytes()[4:])
    assert cache.get(key, RATE) is None and cache.stored(key, RATE) is None


@given(st.text(), st.text(), st.text(), st.text())
def test_key_changes_exactly_when_identity_or_speech_changes(
    identity_a: str, speech_a: str, identity_b: str, speech_b: str
) -> None:
    same = identity_a == identity_b and speech_a == speech_b
    assert (clip_key(identity_a, speech_a) == clip_key(identity_b, speech_b)) == same


def test_damaged_entries_read_as_missing(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    samples = (np.sin(np.arange(4000) / 7) * 9000).astype(np.int16)
    cache.put("ab" + "0" * 62, samples, RATE)
    path = next(cache.entries())
    data = path.read_bytes()
    for damaged in (data[: len(data) // 2], data[:10], data[:-1] + bytes([data[-1] ^ 1]), b""):
        path.write_bytes(damaged)
        assert cache.get("ab" + "0" * 62, RATE) is None
    path.write_bytes(data)
    assert cache.get("ab" + "0" * 62, RATE) is not None
    assert cache.get("ab" + "0" * 62, 16000) is None  # another sample rate is another clip


def test_stats_and_prune_by_last_use(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "clips")
    assert cache.stats().entries == 0
    for i in range(3):
        cache.put(f"{i:02d}" + "f" * 62, np.zeros(100, np.int16), RATE)
    old = next(iter(sorted(cache.entries())))
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    stats = cache.stats()
    assert stats.entries == 3 and stats.bytes > 0
    assert cache.prune(30).entries == 1
    assert cache.stats().entries == 2
    assert cache.prune(0).entries == 2
    assert not list(tmp_path.glob("clips/*/.tmp-*"))


def test_reading_an_old_clip_marks_it_used(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "clips")
    key = "cd" + "e" * 62
    cache.put(key, np.ones(100, np.int16), RATE)
    (path,) = cache.entries()
    long_ago = time.time() - 40 * 86400
    os.utime(path, (long_ago, long_ago))
    assert cache.get(key, RATE) is not None
    assert cache.prune(30).entries == 0  # used just now: kept
    assert time.time() - path.stat().st_mtime < 60


_PART = st.one_of(st.none(), st.text(max_size=5), st.binary(max_size=5))


@given(st.lists(_PART, min_size=1, max_size=4), st.lists(_PART, min_size=1, max_size=4))
def test_source_fingerprint_changes_exactly_when_a_part_changes(
    parts_a: list[str | bytes | None], parts_b: list[str | bytes | None]
) -> None:
    def canonical(parts: list[str | bytes | None]) -> list[bytes | None]:
        return [p.encode() if isinstance(p, str) else p for p in parts]

    same = canonical(parts_a) == canonical(parts_b)
    assert (source_fingerprint(*parts_a) == source_fingerprint(*parts_b)) == same


def test_built_marks_are_remembered_and_cleared_when_clips_are_pruned(tmp_path: Path) -> None:
    cache, built = ClipCache(tmp_path), BuiltSources(tmp_path)
    mark = source_fingerprint(b"article", "a.txt", None, None, None)
    assert mark not in built
    built.add(mark)
    assert mark in BuiltSources(tmp_path)  # another process sees it
    cache.put("ab" + "0" * 62, np.zeros(100, np.int16), RATE)
    assert cache.stats().entries == 1  # marks are not counted as clips
    assert cache.prune(30).entries == 0 and mark in built  # nothing pruned: the mark holds
    assert cache.prune(0).entries == 1 and mark not in built
    built.add(mark)
    long_ago = time.time() - 40 * 86400
    os.utime(next(built.entries()), (long_ago, long_ago))
    assert cache.prune(30).entries == 0 and mark not in built  # old marks go with old clips


def test_file_digests_are_remembered_until_the_file_changes(tmp_path: Path) -> None:
    import hashlib

    model = tmp_path / "voice.onnx"
    model.write_bytes(b"model one")
    digests = FileDigests(tmp_path / "digests")
    assert digests.sha256(model) == hashlib.sha256(b"model one").hexdigest()
    assert len(list(digests.entries())) == 1
    # The memo answers without reading the file: a memo entry made for this exact file state
    # with another digest is what comes back (a changed file gets a new entry instead).
    next(digests.entries()).write_bytes(b"f" * 64)
    assert digests.sha256(model) == "f" * 64
    model.write_bytes(b"model two!")  # new size, times: a new entry
    assert digests.sha256(model) == hashlib.sha256(b"model two!").hexdigest()
    for entry in digests.entries():
        entry.write_bytes(b"damaged")  # not a digest: hashed again
    assert digests.sha256(model) == hashlib.sha256(b"model two!").hexdigest()
