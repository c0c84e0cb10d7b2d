"""Run the ffmpeg binary shipped by the imageio-ffmpeg wheel (no system ffmpeg is assumed)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import queue
import subprocess
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import IO

import numpy as np

from audionews.errors import AudioError

_COMMON = ("-hide_banner", "-nostdin", "-loglevel", "error")


@cache
def ffmpeg_exe() -> str:
    """Return the path of the bundled ffmpeg binary (or of IMAGEIO_FFMPEG_EXE, if set)."""
    return os.environ.get("IMAGEIO_FFMPEG_EXE") or _bundled_exe() or _imageio_exe()


def _bundled_exe() -> str | None:
    """Return the one ffmpeg binary in imageio-ffmpeg's binaries/ folder, if there is one.

    imageio_ffmpeg.get_ffmpeg_exe() finds the same file but costs every build ~70 ms: it
    imports importlib.resources and runs `ffmpeg -version` to check the binary.
    """
    spec = importlib.util.find_spec("imageio_ffmpeg")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = [p for p in Path(folder, "binaries").glob("ffmpeg-*") if os.access(p, os.X_OK)]
        if len(found) == 1:
            return str(found[0])
    return None


def _imageio_exe() -> str:
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
    """Run ffmpeg reading float32 mono samples on stdin, fed chunk by chunk as they are made.

    A thread does the writing, so ffmpeg encodes one chunk while the next is being made
    (synthesized, limited, metered) instead of after it.
    """
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
    writer = _Writer(process.stdin)
    try:
        for chunk in chunks:
            if writer.broken:
                break  # ffmpeg stopped early: making more samples would be wasted
            writer.put(np.ascontiguousarray(chunk, dtype="<f4").tobytes())
    except BaseException:
        process.kill()
        writer.close()
        process.wait()
        raise
    writer.close()
    errors = process.stderr.read().decode("utf-8", "replace")
    if process.wait():
        raise AudioError(f"ffmpeg failed: {_last_line(errors)}")


class _Writer:
    """Write byte strings to a pipe from a thread, at most a few chunks behind."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        self.broken = False
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="ffmpeg-writer", daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        self._queue.put(data)

    def close(self) -> None:
        """Write what is queued, close the pipe and wait for the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self.broken:
                continue  # keep taking chunks so the producer never blocks on a dead pipe
            try:
                self._pipe.write(data)
            except OSError:  # ffmpeg stopped early (BrokenPipeError); its exit code says why
                self.broken = True
        with contextlib.suppress(OSError):
            self._pipe.close()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
