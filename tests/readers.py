"""Independent readers of built files: ffmpeg's own parsers, not our code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_chapters(mp3: Path) -> list[tuple[float, float, str]]:
    """Return (start s, end s, title) per chapter as ffmpeg's ffmetadata muxer lists them.

    -copyts keeps the stored times; otherwise ffmpeg shifts them by the encoder delay it skips.
    """
    out = subprocess.run(
        [FFMPEG, "-v", "error", "-copyts", "-i", str(mp3), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    chapters = []
    for block in out.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        numerator, denominator = fields["TIMEBASE"].split("/")  # "1/1000"
        scale = int(numerator) / int(denominator)
        chapters.append(
            (int(fields["START"]) * scale, int(fields["END"]) * scale, fields.get("title", ""))
        )
    return chapters


def ffmpeg_loudness(mp3: Path) -> tuple[float, float]:
    """Return (integrated LUFS, true peak dBTP) from ffmpeg's EBU R128 meter."""
    err = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostats", "-i", str(mp3),
         "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = err[err.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


def ffmpeg_duration(mp3: Path) -> float:
    """Return the decoded duration in seconds (ffmpeg decodes the whole file)."""
    err = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(mp3), "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    h, m, s = re.findall(r"time=(\d+):(\d+):([\d.]+)", err)[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def vtt_cue_times(vtt: str) -> list[tuple[float, float]]:
    """Return (start, end) of every WebVTT cue."""

    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [
        (seconds(a), seconds(b))
        for a, b in re.findall(r"^([\d:.]+) --> ([\d:.]+)$", vtt, flags=re.MULTILINE)
    ]


def vtt_text(vtt: str) -> str:
    """Return the words of every WebVTT cue, tags removed and entities read, one cue a line."""
    blocks = vtt.replace("\r\n", "\n").strip().split("\n\n")[1:]
    cues = [re.sub(r"<[^>]*>", "", block.split("-->", 1)[1].split("\n", 1)[1]) for block in blocks]
    texts = [" ".join(cue.split()) for cue in cues]
    return "\n".join(
        t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for t in texts
    )
