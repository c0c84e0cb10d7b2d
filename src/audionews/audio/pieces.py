"""Encoded pieces of an episode: cached one by one, spliced into one gapless CBR MP3.

An episode is encoded as independent MP3 pieces (one per paragraph or chapter, cut in the
middle of the pause between them). Each piece is a complete encode of its own audio, so its
first frame reads no bit reservoir (main_data_begin = 0) and the frames of consecutive pieces
form one valid MPEG audio stream. A rebuild encodes only the pieces whose audio changed.

Timing is exact because every piece decodes to a whole number of 1152-sample frames and its
audio starts ENCODER_DELAY samples into its first frame: after a decoder skips the file's
delay (it reads it from the Info frame's LAME tag), piece k's audio starts at
1152 * (frames of the pieces before it) samples, whatever those pieces held. The pauses around
a cut grow by at most ~50 ms of silence (the next piece's delay plus the previous one's
padding).

Pieces are stored content-addressed with a length and CRC-32 check (header included), in a
FileStore like clips (cache.py); a damaged piece is treated as missing and encoded again.
The spliced file starts with one Info frame (the first piece's, patched with the whole file's
frame count, byte count, table of contents, padding and CRCs as ffmpeg's muxer writes them).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from audionews.audio.cache import FileStore

MP3_SAMPLE_RATE = 44100
SAMPLES_PER_FRAME = 1152
#: Samples between the start of a piece's first frame and its audio, as ffmpeg decodes it:
#: LAME's encoder delay (576) plus the decoder's (529), measured with the bundled ffmpeg.
LAME_DELAY = 576
DECODER_DELAY = 529
ENCODER_DELAY = LAME_DELAY + DECODER_DELAY

_MAGIC = b"ANP3"
#: magic, source samples, audio frames, loudness steps, payload length (the loudness steps as
#: float64, then the encoder's output), CRC-16 of the audio frames after the first (the spliced
#: file's music CRC is combined from these, not computed again), then a CRC-32 of all the
#: header before it and the payload
_HEADER = struct.Struct("<4sIIIIHI")
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # MPEG-1 L3

# Offsets in an MPEG-1 mono Info frame (4-byte header + 17 bytes of side information).
_XING = 21
_FRAMES = _XING + 8
_BYTES = _XING + 12
_TOC = _XING + 16
_DELAY_PADDING = _XING + 141
_MUSIC_LENGTH = _XING + 148
_MUSIC_CRC = _XING + 152
_TAG_CRC = _XING + 154
_TAG_CRC_SPAN = 190  # ffmpeg's muxer checksums the frame's first 190 bytes (tag CRC zeroed)
_SIDE_INFO = 17  # bytes of side information in an MPEG-1 mono frame


@dataclass(frozen=True)
class Piece:
    """One encoded piece: its Info frame, its audio frames, its source length and loudness."""

    samples: int  # source samples (at the synthesizer's rate) the piece was encoded from
    frames: int  # audio frames, without the Info frame
    info: bytes
    audio: bytes
    energies: np.ndarray  # its loudness meter's energy per 100 ms (before the episode's gain)
    tail_crc: int  # CRC-16/ARC of `audio` after its first frame


def frame_sizes(data: bytes) -> list[int] | None:
    """Return the byte size of every MPEG-1 Layer III frame in data, or None if it is not that."""
    sizes: list[int] = []
    position = 0
    while position < len(data):
        if position + 4 > len(data):
            return None
        b1, b2, b3 = data[position + 1], data[position + 2], data[position + 3]
        if data[position] != 0xFF or b1 & 0xFE != 0xFA:  # sync, MPEG-1, Layer III
            return None
        bitrate = _BITRATES[b2 >> 4] if b2 >> 4 < len(_BITRATES) else 0
        if not bitrate or (b2 >> 2) & 3 != 0 or b3 >> 6 != 3:  # 44.1 kHz mono only
            return None
        size = _frame_size(data[position : position + 4])
        sizes.append(size)
        position += size
    return sizes


def split_info(data: bytes) -> tuple[bytes, bytes, int] | None:
    """Split an encoder's output into (Info frame, audio frames, audio frame count)."""
    sizes = frame_sizes(data)
    if not sizes or data[_XING : _XING + 4] not in (b"Info", b"Xing"):
        return None
    return data[: sizes[0]], data[sizes[0] :], len(sizes) - 1


class PieceStore(FileStore):
    """Encoded pieces, content-addressed like clips (cache.py)."""

    suffix = ".mp3piece"
    shared_folder = "pieces"

    def get(self, key: str, *, shared: bool = True) -> Piece | None:
        """Return the piece stored under key, or None when missing or damaged; mark it as used.
        Not `shared`: look in this folder only."""
        data = self._read(key, shared=shared)
        if data is None or len(data) < _HEADER.size:
            return None
        magic, samples, frames, steps, length, tail_crc, crc = _HEADER.unpack_from(data)
        payload = memoryview(data)[_HEADER.size :]
        if magic != _MAGIC or len(payload) != length or _checksum(data, payload) != crc:
            return None
        energies = np.frombuffer(payload[: 8 * steps], dtype="<f8")
        parts = split_info(bytes(payload[8 * steps :]))
        if parts is None or parts[2] != frames:
            return None
        self._used(key)
        return Piece(samples, frames, parts[0], parts[1], energies, tail_crc)

    def frames(self, key: str) -> tuple[int, int] | None:
        """Return (source samples, audio frames) of a stored piece from its header alone."""
        header = self._read_header(key, _HEADER.size)
        if header is None:
            return None
        magic, samples, frames, *_ = _HEADER.unpack(header)
        return (samples, frames) if magic == _MAGIC else None

    def put(self, key: str, encoded: bytes, samples: int, energies: Sequence[float]) -> Piece:
        """Store an encoder's output (Info frame + audio frames) atomically; return the piece."""
        parts = split_info(encoded)
        if parts is None:
            raise ValueError("the encoder's output is not a mono 44.1 kHz MP3 with an Info frame")
        info, audio, frames = parts
        steps = np.asarray(energies, dtype="<f8")
        payload = steps.tobytes() + encoded
        tail_crc = crc16_append(0, audio[_frame_size(audio) :]) if audio else 0
        header = _HEADER.pack(_MAGIC, samples, frames, len(steps), len(payload), tail_crc, 0)
        checksum = _checksum(header, payload).to_bytes(4, "little")
        self._write(key, header[:-4] + checksum + payload)
        return Piece(samples, frames, info, audio, steps, tail_crc)


def _checksum(header: bytes, payload: bytes | memoryview) -> int:
    """Return the CRC-32 a stored piece's header ends with: of the header before it + payload."""
    return zlib.crc32(payload, zlib.crc32(header[: _HEADER.size - 4]))


def write_spliced(path: Path, pieces: Iterable[Piece], decoded_samples: int) -> None:
    """Write the pieces' audio frames after one Info frame describing the whole file.

    `decoded_samples` is how many samples (at 44.1 kHz) a gapless decoder should play: the
    Info frame's padding trims the rest of the last frame.
    """
    pieces = list(pieces)
    frames = sum(p.frames for p in pieces)
    info = bytearray(pieces[0].info)
    # Only each piece's first frame may change, so only those are copied (an hour's audio is
    # ~30 MB, and this runs at a build's peak of memory).
    firsts: list[bytes] = []
    audio_bytes, frames_so_far, music_crc = 0, 0, 0
    for piece in pieces:
        # Each encode starts its padding-byte count afresh and falls short of the nominal bit
        # rate by under a byte; a spare byte in an empty first frame keeps the file's rate exact.
        frames_so_far += piece.frames
        nominal = frames_so_far * _nominal_frame_bytes(info)
        first = piece.audio[: _first_frame_size(piece)]
        if nominal - (audio_bytes + len(piece.audio)) >= 1:
            first = _with_spare_byte(first)
        firsts.append(first)
        rest = len(piece.audio) - _first_frame_size(piece)
        piece_crc = crc16_combine(crc16_append(0, first), piece.tail_crc, rest)
        music_crc = crc16_combine(music_crc, piece_crc, len(first) + rest)
        audio_bytes += len(first) + rest
    total_bytes = len(info) + audio_bytes
    padding = frames * SAMPLES_PER_FRAME - LAME_DELAY - decoded_samples
    if not 0 <= padding < 4096:
        raise ValueError(f"pieces do not fit the timeline (padding {padding} samples)")
    info[_FRAMES : _FRAMES + 4] = frames.to_bytes(4, "big")
    info[_BYTES : _BYTES + 4] = total_bytes.to_bytes(4, "big")
    info[_TOC : _TOC + 100] = bytes(256 * i // 100 for i in range(100))  # CBR: linear
    info[_DELAY_PADDING : _DELAY_PADDING + 3] = ((LAME_DELAY << 12) | padding).to_bytes(3, "big")
    info[_MUSIC_LENGTH : _MUSIC_LENGTH + 4] = total_bytes.to_bytes(4, "big")
    info[_MUSIC_CRC : _MUSIC_CRC + 2] = music_crc.to_bytes(2, "big")
    info[_TAG_CRC : _TAG_CRC + 2] = b"\0\0"
    info[_TAG_CRC : _TAG_CRC + 2] = crc16_append(0, bytes(info[:_TAG_CRC_SPAN])).to_bytes(2, "big")
    with path.open("wb") as out:
        out.write(info)
        for piece, first in zip(pieces, firsts, strict=True):
            out.write(first)
            out.write(memoryview(piece.audio)[_first_frame_size(piece) :])


def _first_frame_size(piece: Piece) -> int:
    return _frame_size(piece.audio) if piece.audio else 0


def _frame_size(header: bytes | bytearray) -> int:
    """Return the byte size of the MPEG-1 Layer III frame whose header starts `header`."""
    return 144_000 * _BITRATES[header[2] >> 4] // MP3_SAMPLE_RATE + ((header[2] >> 1) & 1)


def _nominal_frame_bytes(header: bytes | bytearray) -> float:
    """Return the mean frame size of the bit rate in the frame header (208.98 at 64 kbit/s)."""
    return 144_000 * _BITRATES[header[2] >> 4] / MP3_SAMPLE_RATE


def _with_spare_byte(audio: bytes) -> bytes:
    """Return audio with its first frame one byte longer (padding bit set), if that is safe.

    It is when the frame carries no main data of its own and starts the bit reservoir
    (main_data_begin = 0, part2_3_length = 0 in both granules: an encoder's first, silent
    frame): the zero byte goes first in its main-data area, so the reservoir the next frames
    point back into keeps its place.
    """
    if len(audio) < 4 + _SIDE_INFO or audio[2] & 2:
        return audio
    bits = int.from_bytes(audio[4 : 4 + _SIDE_INFO], "big")
    width = 8 * _SIDE_INFO
    main_data_begin = bits >> (width - 9)
    granules = [bits >> (width - 18 - 59 * g - 12) & 0xFFF for g in (0, 1)]
    if main_data_begin or any(granules):
        return audio
    end = 4 + _SIDE_INFO
    return audio[:2] + bytes([audio[2] | 2]) + audio[3:end] + b"\0" + audio[end:]


# --------------------------------------------------------------------------- CRC-16


@cache
def _crc_table() -> np.ndarray:
    """Return the byte table of CRC-16/ARC (reflected 0xA001), ffmpeg's CRC_16_ANSI_LE."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return np.array(table, dtype=np.uint16)


_LANES = 1024  # a power of two: lanes are folded pairwise
_BYTEWISE_BELOW = 2048  # shorter data (a frame, a tag) is quicker byte by byte than in lanes
Linear = tuple[int, ...]  # a GF(2)-linear map of the 16-bit CRC state: images of its 16 bits


def _apply(images: Linear, state: int) -> int:
    out = 0
    for bit in range(16):
        if state >> bit & 1:
            out ^= images[bit]
    return out


@cache
def _zero_byte() -> Linear:
    table = _crc_table()
    return tuple(int((1 << bit >> 8) ^ table[(1 << bit) & 0xFF]) for bit in range(16))


@lru_cache(maxsize=1024)  # one per piece length seen; a worker lives long
def _zeros(count: int) -> Linear:
    """Return the map that feeds `count` zero bytes through the CRC (square and multiply)."""
    result: Linear = tuple(1 << bit for bit in range(16))
    power = _zero_byte()
    while count:
        if count & 1:
            result = _compose(result, power)
        power = _compose(power, power)
        count >>= 1
    return result


def crc16_append(crc: int, data: bytes) -> int:
    """Return the CRC-16/ARC of (what gave `crc`) + data, in parallel lanes (fast in numpy).

    With a zero initial value, leading zero bytes leave the CRC unchanged and
    crc(a + b) = zeros(len(b))(crc(a)) ^ crc(b), so equal lanes are checksummed side by side
    and folded together.
    """
    if len(data) < _BYTEWISE_BELOW:
        table = _crc_table()
        for byte in data:
            crc = (crc >> 8) ^ int(table[(crc ^ byte) & 0xFF])
        return crc
    lane = -(-len(data) // _LANES)
    padded = np.zeros(lane * _LANES, dtype=np.uint8)
    padded[len(padded) - len(data) :] = np.frombuffer(data, dtype=np.uint8)
    columns = padded.reshape(_LANES, lane).T.copy()
    table = _crc_table()
    state = np.zeros(_LANES, dtype=np.uint16)
    for column in columns:
        state = (state >> 8) ^ table[(state ^ column) & 0xFF]
    # Fold neighbouring lanes pairwise (each lane's CRC shifted past the next lane's bytes),
    # doubling the lane length each round: 10 vectorised rounds instead of 1024 Python steps.
    shift = _zeros(lane)
    while len(state) > 1:
        state = _apply_all(shift, state[0::2]) ^ state[1::2]
        shift = _compose(shift, shift)
    return _apply(_zeros(len(data)), crc) ^ int(state[0])


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """Return the CRC-16/ARC of a + b from the CRCs of a and of b (b being length_b bytes)."""
    return _apply(_zeros(length_b), crc_a) ^ crc_b


def _apply_all(images: Linear, states: np.ndarray) -> np.ndarray:
    """Apply the map to every state of a uint16 array."""
    out = np.zeros_like(states)
    for bit, image in enumerate(images):
        out ^= ((states >> bit) & 1) * np.uint16(image)
    return out


def _compose(first: Linear, then: Linear) -> Linear:
    """Return the map that applies `first`, then `then`."""
    return tuple(_apply(then, image) for image in first)
