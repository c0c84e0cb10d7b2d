"""The bounded local copy of clips and pieces (cache_local_max_mb): least recently used files
go at the end of a build, never one a running build holds nor one used within the hour; with a
shared copy (moto's S3 server) an evicted file is fetched again, without one it is made again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from audionews import pipeline
from audionews.audio.cache import (
    USE_RESOLUTION_S,
    BuiltSources,
    ClipCache,
    LocalBound,
    SharedCopy,
    local_bound,
    shared_copy,
)
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings, load_settings
from audionews.errors import ConfigError
from publish_helpers import make_settings, short_article

pytest_plugins = ["s3_server"]

RATE = 22050
OTHER_ARTICLE = b"""WORLD
Harbour festival returns
Boats of every size filled the old harbour for the first festival in three years.

Crowds lined the quay from early morning. The lifeboat crew gave rides to children.
"""


def _key(n: int) -> str:
    return f"{n:02x}" + f"{n:062x}"


def _age(root: Path, hours: float) -> None:
    """Make every file under root look last used `hours` ago."""
    then = time.time() - hours * 3600
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def _local_files(settings: Settings) -> dict[Path, int]:
    roots = (settings.clip_cache_dir, settings.piece_store_dir)
    return {p: p.stat().st_size for r in roots for p in r.glob("??/*") if p.is_file()}


def test_least_recently_used_go_first_and_held_files_stay(tmp_path: Path) -> None:
    clips, pieces = tmp_path / "clips", tmp_path / "pieces"
    samples = np.random.default_rng(1).integers(-3000, 3000, 4000, dtype=np.int16)
    writer = ClipCache(clips)
    for n in range(10):
        writer.put(_key(n), samples, RATE)
    size = (clips / _key(0)[:2] / f"{_key(0)}.clip").stat().st_size
    for n in range(10):  # clip n last used 20 - n hours ago: 0 is the least recent
        path = clips / _key(n)[:2] / f"{_key(n)}.clip"
        then = time.time() - (20 - n) * 3600
        os.utime(path, (then, then))
    bound = LocalBound(5 * size, clips, pieces)
    BuiltSources(clips).add("a" * 64)
    build = ClipCache(clips, bound=bound)  # a running build reads clip 0
    assert build.get(_key(0), RATE) is not None
    os.utime(clips / _key(0)[:2] / f"{_key(0)}.clip", (time.time() - 30 * 3600,) * 2)
    removed = bound.trim()
    left = {n for n in range(10) if (clips / _key(n)[:2] / f"{_key(n)}.clip").exists()}
    assert left == {0, 7, 8, 9}  # within 90% of the bound, oldest out first, 0 held
    assert removed.entries == 6 and removed.bytes == 6 * size
    assert "a" * 64 not in BuiltSources(clips)  # its clips may be gone: the hint goes too
    assert bound.trim().entries == 0  # within the bound: nothing is listed again
    build.close()
    later = ClipCache(clips, bound=bound)  # the next build writes two clips: beyond it again
    later.put(_key(10), samples, RATE)
    later.put(_key(11), samples, RATE)
    assert bound.trim().entries == 2
    left = {n for n in range(12) if (clips / _key(n)[:2] / f"{_key(n)}.clip").exists()}
    assert left == {8, 9, 10, 11}  # 0, let go, was the oldest


def test_files_used_within_the_hour_are_never_evicted(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    cache = ClipCache(clips)
    for n in range(4):
        cache.put(_key(n), np.zeros(2000, dtype=np.int16), RATE)
    bound = LocalBound(1, clips, tmp_path / "pieces")  # far too small
    assert bound.trim().entries == 0  # another process may be building with them
    _age(clips, USE_RESOLUTION_S / 3600 + 0.1)
    assert bound.trim().entries == 4


def test_the_bound_is_a_checked_setting() -> None:
    assert load_settings(environ={"AUDIONEWS_CACHE_LOCAL_MAX_MB": "250"}).cache_local_max_mb == 250
    with pytest.raises(ConfigError, match="cache_local_max_mb"):
        load_settings(environ={"AUDIONEWS_CACHE_LOCAL_MAX_MB": "-1"})
    assert local_bound(Settings()) is None  # 0: no bound


def _build(settings: Settings, data: bytes, out: Path) -> tuple[int, int]:
    result = pipeline.build(data, out, settings, filename="a.txt", synthesizer=FakeSynthesizer())
    return result.segments_synthesized, result.segments_cached


def _bounded_builds(settings: Settings, tmp_path: Path) -> tuple[Settings, int]:
    """Build one article, then another with the local copy bounded to about the second's size
    (the first one's files an hour old by then); return the bounded settings and how many
    sentences the first build synthesized."""
    synthesized, _cached = _build(settings, short_article(), tmp_path / "out-1")
    first = _local_files(settings)
    _age(settings.clip_cache_dir, 2)
    _age(settings.piece_store_dir, 2)
    bounded = settings.with_overrides(cache_local_max_mb=sum(first.values()) / 1e6)
    _build(bounded, OTHER_ARTICLE, tmp_path / "out-2")
    now = _local_files(bounded)
    assert sum(now.values()) <= bounded.cache_local_max_mb * 1e6 or not set(now) & set(first)
    gone = set(first) - set(now)
    assert gone and all(p.stat().st_mtime > time.time() - 600 for p in now)  # only the new stay
    return bounded, synthesized


def test_without_a_shared_copy_an_evicted_clip_is_made_again(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    bounded, synthesized = _bounded_builds(settings, tmp_path)
    again, _cached = _build(bounded, short_article(), tmp_path / "out-3")
    assert again == synthesized  # every clip of the first article was evicted


def test_with_a_shared_copy_an_evicted_clip_is_fetched_again(
    tmp_path: Path, s3_bucket: str
) -> None:
    settings = make_settings(tmp_path).with_overrides(cache_store=f"s3://{s3_bucket}/cache")
    bounded, synthesized = _bounded_builds(settings, tmp_path)
    evicted = set(_local_files(bounded))
    again, cached = _build(bounded, short_article(), tmp_path / "out-3")
    assert again == 0 and cached == synthesized  # read through from the bucket
    assert set(_local_files(bounded)) > evicted  # and kept here again


def test_a_first_build_asks_the_shared_copy_once_per_clip_and_never_for_new_pieces(
    tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path).with_overrides(cache_store=f"s3://{s3_bucket}/cache")
    asked: list[str] = []
    real = SharedCopy.fetch

    def fetch(copy: SharedCopy, key: str) -> bytes | None:
        asked.append(key)
        return real(copy, key)

    monkeypatch.setattr(SharedCopy, "fetch", fetch)
    synthesized, _cached = _build(settings, short_article(), tmp_path / "out-1")
    clips = [key for key in asked if key.startswith("clips/")]
    assert synthesized and len(clips) == len(set(clips)) == synthesized
    assert not [key for key in asked if key.startswith("pieces/")]  # their clips are new
    asked.clear()
    shared_copy(settings).flush()  # the first build's files are in the bucket now
    other = tmp_path / "machine-b"
    elsewhere = settings.with_overrides(instance_dir=other, cache_dir=other / "clips")
    again, cached = _build(elsewhere, short_article(), tmp_path / "out-2")
    assert again == 0 and cached == synthesized  # another machine reads them all through
    assert [key for key in asked if key.startswith("pieces/")]
