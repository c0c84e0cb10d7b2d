"""Episodes encoded in pieces: spliced exactly, re-encoded only where an edit falls.

The checks read the MP3 with independent decoders (ffmpeg, mutagen) and a plain bytewise
CRC-16, so a wrong offset, a dropped frame or a bad Info frame shows up as a failure here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from audionews.audio.fake import FakeSynthesizer
from audionews.audio.pieces import PieceStore, crc16_append, crc16_combine, frame_sizes
from audionews.config import Settings
from audionews.models import BuildResult, Script
from audionews.pipeline import build_script
from readers import FFMPEG
from scripts import replace_segment, sample_script

RATE = 44100


def _build(script: Script, out: Path, settings: Settings) -> BuildResult:
    return build_script(script, out, settings, synthesizer=FakeSynthesizer(), source_sha256="x")


def _decoded(mp3: Path) -> np.ndarray:
    """Decode with ffmpeg (gapless: it skips the delay and padding the Info frame declares)."""
    raw = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(mp3), "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<f4")


def _frames(mp3: Path) -> bytes:
    """Return the MP3's frames: everything after its ID3 tag."""
    return mp3.read_bytes()[ID3(mp3).size :]


def _rms(samples: np.ndarray, start_s: float, end_s: float) -> float:
    part = samples[max(0, round(start_s * RATE)) : round(end_s * RATE)]
    return float(np.sqrt(np.mean(np.square(part, dtype=np.float64)))) if len(part) else 0.0


def _crc16_bytewise(data: bytes) -> int:
    """CRC-16/ARC one bit at a time, the textbook way (independent of the lane-parallel one)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _lame_crcs(frames: bytes, info_size: int) -> tuple[int, int]:
    """Return (music CRC, tag CRC) as ffmpeg's muxer computes them, the slow independent way:
    the music CRC covers every frame after the Info frame, the tag CRC the Info frame's first
    190 bytes with its own field zeroed."""
    info = frames[:info_size]
    tag = info[:175] + b"\0\0" + info[177:190]
    return _crc16_bytewise(frames[info_size:]), _crc16_bytewise(tag)


def _stored_lame_crcs(info: bytes) -> tuple[int, int]:
    return int.from_bytes(info[173:175], "big"), int.from_bytes(info[175:177], "big")


def test_lame_crc_reference_matches_what_ffmpeg_writes(tmp_path: Path) -> None:
    """The reference CRCs above agree with a file ffmpeg encoded itself (mono 44.1 kHz)."""
    mp3 = tmp_path / "tone.mp3"
    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         "-ac", "1", "-ar", str(RATE), "-c:a", "libmp3lame", "-b:a", "64k", str(mp3)],
        check=True,
    )  # fmt: skip
    data = mp3.read_bytes()
    start = ID3(mp3).size if data[:3] == b"ID3" else 0
    sizes = frame_sizes(data[start:])
    assert sizes is not None
    assert _lame_crcs(data[start:], sizes[0]) == _stored_lame_crcs(data[start : start + sizes[0]])


@pytest.fixture
def built(tmp_path: Path, settings: Settings) -> BuildResult:
    return _build(sample_script(), tmp_path / "out", settings)


def test_every_sentence_sounds_exactly_where_its_cue_says(built: BuildResult) -> None:
    """Speech starts and stops at each cue's times (within 5 ms) in ffmpeg's decoding.

    A piece placed one frame off would shift every later cue by 26 ms.
    """
    audio = _decoded(built.mp3)
    assert abs(len(audio) / RATE - built.duration_s) < 0.001
    loud = 0.2 * _rms(audio, 0, len(audio) / RATE)
    for cue in built.timeline.cues:
        assert _rms(audio, cue.start - 0.060, cue.start - 0.005) < 0.05 * loud, cue.text
        assert _rms(audio, cue.start + 0.025, cue.start + 0.060) > loud, cue.text
        assert _rms(audio, cue.end - 0.060, cue.end - 0.025) > loud, cue.text
        assert _rms(audio, cue.end + 0.005, cue.end + 0.060) < 0.05 * loud, cue.text


def test_spliced_mp3_is_one_valid_cbr_stream(built: BuildResult) -> None:
    data = built.mp3.read_bytes()
    audio_start = ID3(built.mp3).size
    sizes = frame_sizes(data[audio_start:])
    assert sizes is not None, "every byte after the tag belongs to a 64 kbit/s mono frame"
    info = MP3(built.mp3).info
    assert info.bitrate_mode is BitrateMode.CBR and info.bitrate == 64000
    # mutagen ignores the LAME delay and padding: it overshoots ffmpeg's own files by ~38 ms
    assert abs(info.length - built.duration_s) < 0.06
    first = data[audio_start : audio_start + sizes[0]]
    assert first[21:25] == b"Info"
    assert int.from_bytes(first[29:33], "big") == len(sizes) - 1  # frames after the Info frame
    assert int.from_bytes(first[33:37], "big") == len(data) - audio_start
    assert _lame_crcs(data[audio_start:], sizes[0]) == _stored_lame_crcs(first)
    errors = subprocess.run(
        [FFMPEG, "-v", "error", "-err_detect", "crccheck+bitstream+buffer", "-i", str(built.mp3),
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    assert errors == ""


def test_an_edit_encodes_only_the_piece_that_holds_it(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    total = int(built.extra["pieces_encoded"])  # type: ignore[call-overload]
    assert total >= 8 and built.extra["pieces_cached"] == 0
    edited = replace_segment(sample_script(), 2, 2, "Observers called it a cautious, real step.")
    result = _build(edited, tmp_path / "out", settings)
    assert (result.extra["pieces_encoded"], result.extra["pieces_cached"]) == (1, total - 1)
    assert result.extra["encoded_while_synthesizing"]
    # The edit moved everything after it; the cues must still match the sound.
    audio = _decoded(result.mp3)
    edited_cue = next(c for c in result.timeline.cues if "cautious" in c.text)
    assert _rms(audio, edited_cue.start + 0.03, edited_cue.end - 0.03) > 0.01
    later = [c for c in result.timeline.cues if c.start > edited_cue.end]
    assert later, "the edit is not in the last piece"
    for cue in later:
        assert _rms(audio, cue.start - 0.060, cue.start - 0.005) < 0.002, cue.text
        assert _rms(audio, cue.start + 0.025, cue.start + 0.060) > 0.01, cue.text


def test_a_damaged_piece_is_encoded_again(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    store = settings.piece_store_dir
    victim = sorted(store.rglob("*.mp3piece"))[3]
    victim.write_bytes(victim.read_bytes()[:-100])
    assert PieceStore(store).get(victim.stem) is None
    again = _build(sample_script(), tmp_path / "elsewhere", settings)
    assert again.extra["pieces_encoded"] == 1
    assert again.timeline == built.timeline
    assert _frames(again.mp3) == _frames(built.mp3)


@given(st.binary(max_size=5000), st.binary(max_size=3000))
def test_lane_parallel_crc_equals_the_bytewise_crc(head: bytes, tail: bytes) -> None:
    assert crc16_append(0, head) == _crc16_bytewise(head)
    assert crc16_append(crc16_append(0, head), tail) == _crc16_bytewise(head + tail)
    combined = crc16_combine(crc16_append(0, head), crc16_append(0, tail), len(tail))
    assert combined == _crc16_bytewise(head + tail)


def test_a_damaged_piece_header_reads_as_missing(settings: Settings, built: BuildResult) -> None:
    """The header's CRC-16 is used as stored (not recomputed), so the checksum covers it too."""
    victim = sorted(settings.piece_store_dir.rglob("*.mp3piece"))[2]
    data = victim.read_bytes()
    assert PieceStore(settings.piece_store_dir).get(victim.stem) is not None
    for offset in range(4, 26):  # every header field after the magic
        victim.write_bytes(data[:offset] + bytes([data[offset] ^ 0x10]) + data[offset + 1 :])
        assert PieceStore(settings.piece_store_dir).get(victim.stem) is None, offset


class _OtherTake(FakeSynthesizer):
    """The same voice (same identity, length and loudness) saying it differently, as Piper
    does each time it synthesizes a sentence again."""

    def synthesize(self, speech: str) -> np.ndarray:
        return -super().synthesize(speech)


def test_pieces_follow_the_sound_of_their_clips_not_just_the_text(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    """Another clip cache holds other takes of the same sentences: its pieces are its own, and
    they do not replace the pieces made from the first cache's takes."""
    total = int(built.extra["pieces_encoded"])  # type: ignore[call-overload]
    other_cache = settings.with_overrides(cache_dir=tmp_path / "other-clips")
    other = build_script(sample_script(), tmp_path / "other", other_cache,
                         synthesizer=_OtherTake(), source_sha256="x")  # fmt: skip
    assert (other.extra["pieces_encoded"], other.extra["pieces_cached"]) == (total, 0)
    again = _build(sample_script(), tmp_path / "again", settings)
    assert (again.extra["pieces_encoded"], again.extra["pieces_cached"]) == (0, total)
    assert _frames(again.mp3) == _frames(built.mp3)
