"""Running the bundled ffmpeg: finding it cheaply, feeding it from a thread, failing cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audionews.audio import ffmpeg
from audionews.errors import AudioError

RATE = 22050
FROM_PIPE = ["-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0", "-y"]
TO_RAW = [*FROM_PIPE, "-f", "f32le"]


def _tone(seconds: float) -> np.ndarray:
    return (0.1 * np.sin(np.arange(round(seconds * RATE)) / 5)).astype(np.float32)


def test_the_bundled_binary_is_the_one_imageio_ffmpeg_would_choose() -> None:
    import imageio_ffmpeg

    assert ffmpeg._bundled_exe() == imageio_ffmpeg.get_ffmpeg_exe()


def test_every_chunk_reaches_ffmpeg_whole_and_in_order(tmp_path: Path) -> None:
    chunks = [_tone(0.5), np.zeros(RATE, np.float32), _tone(1.25)[::-1].copy()]
    ffmpeg.pipe_in([*TO_RAW, str(tmp_path / "out.raw")], chunks)
    passed = np.fromfile(tmp_path / "out.raw", dtype="<f4")
    assert np.array_equal(passed, np.concatenate(chunks))


def test_an_error_while_making_chunks_stops_ffmpeg_and_is_raised(tmp_path: Path) -> None:
    def chunks() -> Iterator[np.ndarray]:
        yield _tone(1.0)
        raise RuntimeError("synthesis failed")

    with pytest.raises(RuntimeError, match="synthesis failed"):
        ffmpeg.pipe_in([*TO_RAW, str(tmp_path / "out.raw")], chunks())


def test_ffmpeg_failing_early_is_reported_and_stops_the_chunks(tmp_path: Path) -> None:
    made = 0

    def chunks() -> Iterator[np.ndarray]:
        nonlocal made
        for _ in range(200):  # ~100 s of audio: far more than the pipe holds
            made += 1
            yield _tone(0.5)

    with pytest.raises(AudioError, match="ffmpeg failed"):
        ffmpeg.pipe_in([*FROM_PIPE, "-f", "no-such-format", str(tmp_path / "out.x")], chunks())
    assert made < 200
