"""Content-addressed clip cache: one lossless, checksummed file per synthesized sentence.

The key is the SHA-256 of the synthesizer's identity (voice model hash and synthesis settings)
and the sentence's speech text, so an edit re-synthesizes exactly the sentences whose speech
changed. Entries are written aside and renamed into place, so two builds may share the cache;
a damaged entry fails its length or CRC check and is treated as missing, never played.

Format: a 28-byte header (magic, sample rate, sample count, CRC-32 of the samples, payload
length, word count or NO_WORDS, CRC-32 of the word table), the word table (a start and an end
sample per spoken word, uint32 little-endian: read with the header alone, so an unchanged
rebuild knows every word's time without reading a clip), then zlib of the sample deltas split
into low and high byte planes: lossless, about 60% of raw int16 for speech, ~10 ms to store and
~2 ms to read a sentence (measured; FLAC would need another dependency for ~15% less). Clips of
the earlier format (ANC1, without words) read as missing: they are synthesized again, so a
cached clip always gives the word times a fresh one would.

Entries are not fsynced: after a crash a half-written entry fails its CRC and is synthesized
again, so durability would only cost time (~5 ms a sentence).

A machine's clips and pieces together may be bounded (`cache_local_max_mb`, LocalBound): at
the end of each build the least recently used files go, never one that a build running in
this process holds nor one used within the hour (as finely as use is recorded: another process
on this machine may be building with it). With a shared copy (`cache_store`) the local folder
is a read-through copy and an evicted file is fetched again when needed; without one, it is
made again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import struct
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audionews.config import Settings, private_dir
from audionews.errors import NotFoundError
from audionews.storage.public import Item, PublicStore, open_store

_log = logging.getLogger("audionews.cache")
#: Files fetched from the shared copy at once (each a request to object storage).
PREFETCHERS = 8

_MAGIC = b"ANC2"
_HEADER = struct.Struct("<4sIIIIII")
#: Word count of a clip whose synthesizer gave no word times.
NO_WORDS = 0xFFFFFFFF
_WORD = np.dtype("<u4")
#: A file's last use is recorded to within this many seconds.
USE_RESOLUTION_S = 3600.0
_COMPRESSION_LEVEL = 1  # level 6 saves 5% more space but takes 3x as long


def clip_key(identity: str, speech: str) -> str:
    """Return the cache key of one sentence spoken by the synthesizer `identity`."""
    digest = hashlib.sha256()
    for part in (identity, speech):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))  # length-prefixed: no ambiguous joins
        digest.update(data)
    return digest.hexdigest()


def clip_crc(samples: np.ndarray) -> int:
    """Return the CRC-32 of int16 samples: what a clip's header stores to identify its sound."""
    return zlib.crc32(np.ascontiguousarray(samples, dtype="<i2").tobytes())


@dataclass(frozen=True)
class Clip:
    """One sentence as spoken: int16 samples and, when the synthesizer reports them, the
    (start, end) sample offsets of every spoken word (speech/words.spoken_words), each word
    ending where the next begins."""

    samples: np.ndarray
    words: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class StoredClip:
    """What a clip's header and word table tell without reading its samples."""

    samples: int
    crc: int  # clip_crc of the samples
    words: tuple[tuple[int, int], ...] | None


def encode_clip(
    samples: np.ndarray, sample_rate: int, words: tuple[tuple[int, int], ...] | None = None
) -> bytes:
    """Return the stored form of int16 samples and their word spans."""
    pcm = np.ascontiguousarray(samples, dtype="<i2")
    deltas = np.diff(pcm, prepend=np.int16(0)).astype("<i2")
    planes = deltas.view(np.uint8).reshape(-1, 2).T.tobytes()
    payload = zlib.compress(planes, _COMPRESSION_LEVEL)
    table = np.asarray(words if words else np.zeros((0, 2)), dtype=_WORD).tobytes()
    count = NO_WORDS if words is None else len(words)
    header = _HEADER.pack(
        _MAGIC, sample_rate, len(pcm), clip_crc(pcm), len(payload), count, zlib.crc32(table)
    )
    return header + table + payload


def _header(data: bytes, sample_rate: int) -> tuple[StoredClip, int, int] | None:
    """Return (what the header and word table say, table bytes, payload length), or None."""
    if len(data) < _HEADER.size:
        return None
    magic, rate, count, crc, length, word_count, table_crc = _HEADER.unpack_from(data)
    if magic != _MAGIC or rate != sample_rate:
        return None
    table_bytes = 0 if word_count == NO_WORDS else 2 * _WORD.itemsize * word_count
    table = data[_HEADER.size : _HEADER.size + table_bytes]
    if len(table) != table_bytes or zlib.crc32(table) != table_crc:
        return None
    pairs = np.frombuffer(table, dtype=_WORD).reshape(-1, 2).tolist()
    words = None if word_count == NO_WORDS else tuple((int(a), int(b)) for a, b in pairs)
    return StoredClip(count, crc, words), table_bytes, length


def decode_clip(data: bytes, sample_rate: int) -> Clip | None:
    """Return the clip stored in `data`, or None if it is damaged or of another rate."""
    head = _header(data, sample_rate)
    if head is None:
        return None
    stored, table_bytes, length = head
    count, crc = stored.samples, stored.crc
    start = _HEADER.size + table_bytes
    if len(data) != start + length:
        return None
    try:
        planes = zlib.decompress(data[start:])
    except zlib.error:
        return None
    if len(planes) != 2 * count:
        return None
    deltas = np.frombuffer(planes, dtype=np.uint8).reshape(2, count).T.copy().view("<i2")
    pcm = np.cumsum(deltas.ravel(), dtype=np.int16)  # int16 wrap-around undoes the diff exactly
    if zlib.crc32(pcm.tobytes()) != crc:
        return None
    return Clip(pcm, stored.words)


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int


class SharedCopy:
    """The copy of content-addressed files that every machine shares (the `cache_store`
    setting: object storage or a shared folder, through storage/public.py's stores).

    A machine reads through its own folder: a file missing there is fetched from here and kept;
    a file it writes is uploaded here in the background (`flush` waits for the uploads), so a
    correction on another machine than the first build synthesizes only the changed sentences.
    The shared copy can only save work: a file it lacks, cannot give, or gives damaged (the
    formats carry checksums) is made again, and a failed upload is logged, never fatal.
    """

    UPLOADERS = 4

    def __init__(self, store: PublicStore) -> None:
        self.store = store
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def fetch(self, key: str) -> bytes | None:
        try:
            return self.store.read(key)
        except (NotFoundError, OSError):  # StorageError is an OSError: unreachable, refused
            return None

    def send(self, key: str, data: bytes) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.UPLOADERS, thread_name_prefix="cache-upload")
            item = Item(key, data, "application/octet-stream")
            self._pending.append(self._pool.submit(self.store.put_many, [item]))

    def flush(self) -> None:
        """Wait for the uploads sent so far; log (not raise) the ones that failed."""
        with self._lock:
            pending, self._pending = self._pending, []
        for future in pending:
            try:
                future.result()
            except OSError as exc:
                _log.warning("could not share a cached file in %s: %s", self.store.location, exc)


@functools.cache
def _shared_copy(location: str) -> SharedCopy:
    return SharedCopy(open_store(location, Path(location)))


def shared_copy(settings: Settings) -> SharedCopy | None:
    """Return the shared copy the settings name (one per process), or None."""
    return _shared_copy(settings.cache_store) if settings.cache_store else None


#: A trim brings the local copy down to this share of its bound, so that the next few builds
#: do not each have to trim again.
TRIM_TO = 0.9
#: Name prefix of a file being written (FileStore._write_here), never counted nor evicted.
_TEMPORARY = ".tmp-"


class LocalBound:
    """The most bytes this machine keeps of clips and pieces, and the files builds hold.

    Stores count what they write here and hold every file they touch (`FileStore.close`
    lets go); `trim` deletes the least recently used files beyond the bound, down to TRIM_TO
    of it, skipping held files and files used within USE_RESOLUTION_S. The folders are
    listed only when the bytes known (the last listing's plus those written since) exceed
    the bound: most builds end without listing anything.
    """

    def __init__(self, max_bytes: int, clip_root: Path, piece_root: Path) -> None:
        self.max_bytes = max_bytes
        self.clip_root = clip_root
        self.roots = (clip_root, piece_root)
        self._lock = threading.Lock()
        self._held: Counter[Path] = Counter()
        self._known: int | None = None  # None: not listed yet in this process

    def hold(self, path: Path) -> None:
        with self._lock:
            self._held[path] += 1

    def release(self, paths: Iterable[Path]) -> None:
        with self._lock:
            self._held.subtract(paths)
            self._held = +self._held  # drop the counts that reached zero

    def added(self, size: int) -> None:
        with self._lock:
            if self._known is not None:
                self._known += size

    def files(self) -> list[tuple[float, int, Path]]:
        """Return (last use, size, path) of every clip and piece here, least recent first."""
        found = []
        for root in self.roots:
            if not root.is_dir():
                continue
            for path in root.glob("??/*"):
                if path.name.startswith(_TEMPORARY):
                    continue
                with contextlib.suppress(OSError):  # deleted meanwhile by another process
                    stat = path.stat()
                    found.append((stat.st_mtime, stat.st_size, path))
        return sorted(found)

    def trim(self) -> CacheStats:
        """Delete least recently used files until the copy is within its bound; return what
        was removed (a held file or one used within the hour stays, even beyond the bound)."""
        with self._lock:
            if self._known is not None and self._known <= self.max_bytes:
                return CacheStats(self.clip_root, 0, 0)
        try:
            files = self.files()
        except OSError as exc:  # a folder we may not list: the copy stays as it is
            _log.warning("could not list the local cache to trim it: %s", exc)
            return CacheStats(self.clip_root, 0, 0)
        total = sum(size for _used, size, _path in files)
        target = int(self.max_bytes * TRIM_TO) if total > self.max_bytes else total
        recent = time.time() - USE_RESOLUTION_S
        removed = removed_bytes = 0
        clips_gone = False
        with self._lock:
            held = set(self._held)
        for used, size, path in files:
            if total - removed_bytes <= target:
                break
            if used >= recent or path in held:
                continue
            with contextlib.suppress(OSError):  # gone meanwhile, or not ours to delete
                path.unlink()
                removed += 1
                removed_bytes += size
                clips_gone = clips_gone or path.is_relative_to(self.clip_root)
        if clips_gone:  # a built-source mark says its clips are all here: no longer so
            BuiltSources(self.clip_root).prune(0.0)
        with self._lock:
            self._known = total - removed_bytes
        return CacheStats(self.clip_root, removed, removed_bytes)


@functools.cache
def _local_bound(max_bytes: int, clip_root: Path, piece_root: Path) -> LocalBound:
    return LocalBound(max_bytes, clip_root, piece_root)


def local_bound(settings: Settings) -> LocalBound | None:
    """Return the bound of this machine's clips and pieces (one per process), or None."""
    if settings.cache_local_max_mb <= 0:
        return None
    max_bytes = int(settings.cache_local_max_mb * 1_000_000)
    return _local_bound(max_bytes, settings.clip_cache_dir, settings.piece_store_dir)


class FileStore:
    """Files named by content keys under `root`, fanned out into 256 subdirectories by the
    key's first two digits. Written aside and renamed into place, so builds may share a store;
    a file's mtime is its last use, which `prune` relies on. Subclasses give the suffix and
    the format (and check it: a damaged file must read as missing). With a `shared` copy
    (and a `shared_folder` in it), the folder reads through it and writes to it too; a key the
    shared copy lacked is not asked for again by the same store (one build), since a build
    asks for each clip before synthesizing it and again when it plays it. With a `bound`,
    every file it touches is held until `close`, so no trim removes it meanwhile."""

    suffix = ".bin"
    #: Where this kind of file lives in the shared copy ("": never shared).
    shared_folder = ""

    def __init__(
        self, root: Path, shared: SharedCopy | None = None, bound: LocalBound | None = None
    ) -> None:
        self.root = root
        self.shared = shared if self.shared_folder else None
        self.bound = bound
        self._held: set[Path] = set()
        self._holding = threading.Lock()
        #: Keys the shared copy did not give this store: made here, or not at all.
        self._absent: set[str] = set()

    def _path(self, key: str) -> Path:
        path = self.root / key[:2] / (key + self.suffix)
        if self.bound is not None and path not in self._held:
            with self._holding:
                if path not in self._held:
                    self._held.add(path)
                    self.bound.hold(path)
        return path

    def close(self) -> None:
        """Let go of the files this store touched (a trim may remove them from now on)."""
        if self.bound is not None:
            with self._holding:
                held, self._held = self._held, set()
            self.bound.release(held)

    def _shared_key(self, key: str) -> str:
        return f"{self.shared_folder}/{key[:2]}/{key}{self.suffix}"

    def _read(self, key: str, *, shared: bool = True) -> bytes | None:
        """Return the file from this folder, else (unless not `shared`) from the shared copy."""
        try:
            return self._path(key).read_bytes()
        except OSError:
            return self._read_shared(key) if shared else None

    def _read_shared(self, key: str) -> bytes | None:
        """Return the file from the shared copy, kept in this folder from now on, or None."""
        if self.shared is None or key in self._absent:
            return None
        data = self.shared.fetch(self._shared_key(key))
        if data is None:
            with self._holding:
                self._absent.add(key)
            return None
        with contextlib.suppress(OSError):  # a full local disk: still usable this once
            self._write_here(key, data)
        return data

    def _read_header(self, key: str, size: int) -> bytes | None:
        """Return the file's first `size` bytes, or None if it is absent or shorter."""
        try:
            with self._path(key).open("rb") as handle:
                header = handle.read(size)
        except OSError:
            data = self._read_shared(key)
            header = data[:size] if data is not None else b""
        return header if len(header) == size else None

    def prefetch(self, keys: Iterable[str]) -> None:
        """Bring the files of `keys` that are missing here from the shared copy, several at a
        time: a build asks for them one by one, and over a network each answer is a wait."""
        if self.shared is None:
            return
        missing = [key for key in dict.fromkeys(keys) if not self._path(key).is_file()]
        if missing:
            with ThreadPoolExecutor(PREFETCHERS, thread_name_prefix="cache-fetch") as pool:
                list(pool.map(self._read_shared, missing))

    def flush(self) -> None:
        """Wait until what this store wrote is in the shared copy too."""
        if self.shared is not None:
            self.shared.flush()

    def _used(self, key: str) -> None:
        """Mark the file as used now, unless it was within the last hour: pruning counts in
        days, and a metadata write per file (~2 ms) would cost every rebuild ~50 ms."""
        path = self._path(key)
        with contextlib.suppress(OSError):  # a read-only store still serves its files
            if path.stat().st_mtime < time.time() - USE_RESOLUTION_S:
                os.utime(path)

    def _write(self, key: str, data: bytes) -> None:
        """Store data atomically here (write aside, then rename over any old file), and send it
        to the shared copy."""
        self._write_here(key, data)
        if self.shared is not None:
            self.shared.send(self._shared_key(key), data)

    def _write_here(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if not path.parent.is_dir():
            private_dir(path.parent, tighten=False)  # clips of drafts are private state too
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=_TEMPORARY, suffix=self.suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        if self.bound is not None:
            self.bound.added(len(data))

    def entries(self) -> Iterator[Path]:
        """Yield every stored file."""
        if self.root.is_dir():
            yield from self.root.glob("??/*" + self.suffix)

    def stats(self) -> CacheStats:
        """Count entries and bytes."""
        sizes = [p.stat().st_size for p in self.entries()]
        return CacheStats(self.root, len(sizes), sum(sizes))

    def prune(self, older_than_days: float = 0.0) -> CacheStats:
        """Delete files not used for `older_than_days` days (0: all); return what was removed."""
        cutoff = time.time() - older_than_days * 86400
        removed = removed_bytes = 0
        for path in list(self.entries()):
            stat = path.stat()
            if stat.st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                removed += 1
                removed_bytes += stat.st_size
        return CacheStats(self.root, removed, removed_bytes)


class ClipCache(FileStore):
    """Clips, one per synthesized sentence (see the module's docstring for the format)."""

    suffix = ".clip"
    shared_folder = "clips"

    def get(self, key: str, sample_rate: int) -> Clip | None:
        """Return the clip for `key`, or None when missing or damaged; mark it as used."""
        data = self._read(key)
        clip = None if data is None else decode_clip(data, sample_rate)
        if clip is not None:
            self._used(key)
        return clip

    def stored(self, key: str, sample_rate: int) -> StoredClip | None:
        """Return the stored clip's sample count, clip_crc and words from its header and word
        table alone, or None."""
        try:
            with self._path(key).open("rb") as handle:
                header = handle.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    return None
                words = _HEADER.unpack(header)[5]
                table = handle.read(0 if words == NO_WORDS else 2 * _WORD.itemsize * words)
        except (OSError, OverflowError, MemoryError):
            return None
        head = _header(header + table, sample_rate)
        return None if head is None else head[0]

    def put(
        self,
        key: str,
        samples: np.ndarray,
        sample_rate: int,
        words: tuple[tuple[int, int], ...] | None = None,
    ) -> None:
        """Store a clip atomically."""
        self._write(key, encode_clip(samples, sample_rate, words))

    def prune(self, older_than_days: float = 0.0) -> CacheStats:
        """Delete clips not used for `older_than_days` days, and built-source marks as old; all
        marks if any clip went (a mark says its clips are here, which may no longer hold)."""
        removed = super().prune(older_than_days)
        BuiltSources(self.root).prune(0.0 if removed.entries else older_than_days)
        return removed


class BuiltSources(FileStore):
    """Marks of the sources built with a clip cache: a hint, never a promise, that building one
    again synthesizes nothing. A build that is not so hinted loads the voice first thing,
    side by side with reading the article; a hinted one (an unchanged rebuild) does not load
    it at all, unless a clip turns out to be missing after all."""

    suffix = ".built"

    def __init__(self, clip_cache_root: Path) -> None:
        super().__init__(clip_cache_root / "built")

    def __contains__(self, fingerprint: str) -> bool:
        return self._path(fingerprint).is_file()

    def add(self, fingerprint: str) -> None:
        """Mark a source as built (all its clips are in the cache now)."""
        with contextlib.suppress(OSError):  # a read-only cache only loses the hint
            self._write(fingerprint, b"")


def source_fingerprint(*parts: str | bytes | None) -> str:
    """Return the SHA-256 of a build's inputs (source hash, file name, format, voice...)."""
    digest = hashlib.sha256()
    for part in parts:
        if part is None:
            digest.update(b"\0")  # absent, unlike any value, even an empty one
            continue
        data = part.encode() if isinstance(part, str) else part
        digest.update(b"\1" + len(data).to_bytes(8, "little"))  # length-prefixed: no ambiguity
        digest.update(data)
    return digest.hexdigest()


class FileDigests(FileStore):
    """SHA-256 digests of large files (voice models), remembered by path, size, inode and
    change times: hashing a 60 MB model anew costs every build ~0.06 s."""

    suffix = ".sha256"

    def sha256(self, path: Path) -> str:
        """Return the file's SHA-256, from the memo when the file has not changed since."""
        stat = path.stat()
        described = (str(path.resolve()), stat.st_size, stat.st_ino, stat.st_mtime_ns,
                     stat.st_ctime_ns)  # fmt: skip
        key = hashlib.sha256(repr(described).encode()).hexdigest()
        stored = self._read(key)
        if stored is not None and len(stored) == 64:
            with contextlib.suppress(ValueError):  # not a hex digest: damaged, hash again
                return bytes.fromhex(stored.decode("ascii")).hex()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        with contextlib.suppress(OSError):  # a read-only cache only hashes every time
            self._write(key, digest.hexdigest().encode("ascii"))
        return digest.hexdigest()
