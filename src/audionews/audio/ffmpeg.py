"""Run the ffmpeg binary shipped by the imageio-ffmpeg wheel (no system ffmpeg is assumed)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from functools import cache

import numpy as np

from audionews.errors import AudioError

_COMMON = ("-hide_banner", "-nostdin", "-loglevel", "error")


@cache
def ffmpeg_exe() -> str:
    """Return the path of the bundled ffmpeg binary."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception as exc:  # imageio_ffmpeg raises RuntimeError or ImportError
        raise AudioError(
            f"no ffmpeg binary ({exc}): reinstall audionews with pip so imageio-ffmpeg is present"
        ) from exc


def run(args: Iterable[str]) -> str:
    """Run ffmpeg and return its stderr (where it reports); raise AudioError on failure."""
    try:
        done = subprocess.run(
            [ffmpeg_exe(), *_COMMON, *args], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    if done.returncode:
        raise AudioError(f"ffmpeg failed: {_last_line(done.stderr)}")
    return done.stderr


def pipe_in(args: Iterable[str], chunks: Iterable[np.ndarray]) -> None:
    """Run ffmpeg reading float32 mono samples on stdin, fed chunk by chunk as they are made."""
    try:
        process = subprocess.Popen(
            [ffmpeg_exe(), *_COMMON, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    assert process.stdin is not None and process.stderr is not None
    try:
        for chunk in chunks:
            process.stdin.write(np.ascontiguousarray(chunk, dtype="<f4").tobytes())
        process.stdin.close()
    except BrokenPipeError:
        pass  # ffmpeg stopped early; its exit code and message say why
    except BaseException:
        process.kill()
        process.wait()
        raise
    errors = process.stderr.read().decode("utf-8", "replace")
    if process.wait():
        raise AudioError(f"ffmpeg failed: {_last_line(errors)}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
