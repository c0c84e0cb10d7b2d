"""The public files (MP3s, transcripts, chapters, feeds, cover art) behind one interface.

Every public file has a key relative to the public root: "feed.xml", "feeds/news.xml",
"episodes/<slug>/<slug>-r2.mp3". Two stores hold them:

- LocalStore: a folder (feed/ by default), each file written to a temporary name and renamed,
  so a reader sees the old file or the whole new one; served by the app or a web server.
- S3Store: an S3-compatible bucket (AWS S3, MinIO, R2, ...), `s3://BUCKET/PREFIX`, through
  boto3 with the standard AWS variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION). An object appears only once its upload is
  complete, so the same rule holds there.

What neither store can give is a rename of several files at once. Publishing keeps readers
safe by order instead: a revision's files have names of their own, written before the feeds
that name them (`put_many` writes in the order given; `put_files` writes a revision's files
side by side, all of them done before it returns), and a failed publish leaves only objects
no feed names.

Hand-written because it is our seam: boto3 talks to the bucket, this module decides keys,
types, cache headers and what an error tells the operator.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from audionews.config import private_dir
from audionews.errors import ConfigError, NotFoundError, StorageError

#: Modes of the files a local store writes: public ones a web server reads, private ones not.
PUBLIC_FILE_MODE = 0o644
PRIVATE_FILE_MODE = 0o600
#: A key is path parts of safe names joined by "/": no empty part, no dot part, no backslash.
_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
#: Bytes read from the store at a time when streaming an object to a client.
CHUNK_BYTES = 256 * 1024
#: How long readers (apps, browsers, a CDN) may keep a file: a revision's files never change
#: (a new revision gets new names), feeds and the cover do.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
FEED_MAX_AGE = 300
IMMUTABLE_CACHE = f"public, max-age={IMMUTABLE_MAX_AGE}, immutable"
FEED_CACHE = f"public, max-age={FEED_MAX_AGE}"
#: Files of one `put_files` uploaded to object storage at once: over a network each upload is
#: mostly a wait for the answer, and a revision has about seven files.
UPLOADERS = 8


def check_key(key: str) -> str:
    """Return `key` if it names a public file safely, else raise NotFoundError.

    The same rule for both stores: a request can only name files under the public root (no
    "..", no absolute path, no hidden names).
    """
    parts = key.split("/")
    if not all(_KEY_PART.match(part) and ".." not in part for part in parts):
        raise NotFoundError(f"no public file {key!r}")
    return key


@dataclass(frozen=True)
class Stored:
    """What a store knows of one of its files."""

    key: str
    size: int
    modified: float  # POSIX time of the last write
    etag: str


@dataclass(frozen=True)
class Item:
    """One file to write: its key, its bytes, and the headers a reader gets with it."""

    key: str
    data: bytes
    content_type: str
    cache_control: str = ""


@dataclass(frozen=True)
class FileItem:
    """One file to write from a file on this machine's disk (a built MP3, a sidecar)."""

    key: str
    source: Path
    content_type: str
    cache_control: str = ""


class PublicStore(Protocol):
    """Where the public files live. Every method takes keys checked by `check_key`."""

    #: Where the files are, for messages: "feed/" or "s3://bucket/prefix/".
    location: str
    #: True when the files are on this machine's disk (local_path gives them).
    local: bool

    def put_many(self, items: Sequence[Item]) -> None:
        """Write the files, in order; each one appears whole or not at all (a local store: all
        of them or none). Failures raise OSError (StorageError from object storage)."""

    def put_file(self, key: str, source: Path, content_type: str, cache_control: str = "") -> None:
        """Write the file `source` as `key` (whole or not at all)."""

    def put_files(self, files: Sequence[FileItem]) -> None:
        """Write the files, in no particular order, each whole or not at all; return once every
        write has ended. The first failure is raised after the others ended, so a caller that
        deletes the keys then leaves none of them behind."""

    def read(self, key: str) -> bytes:
        """Return the file's bytes; NotFoundError if there is none."""

    def stream(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Yield the file's bytes from `start`, `length` of them (all to the end: None)."""

    def stat(self, key: str) -> Stored | None:
        """Return what is known of the file, or None if there is none."""

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""

    def keys(self, prefix: str = "") -> list[str]:
        """Return the keys of every file under `prefix` (a folder: "episodes/<slug>/"), sorted."""

    def existing(self, keys: Iterable[str]) -> set[str]:
        """Return which of `keys` name files in the store (one listing per folder at most)."""

    def local_path(self, key: str) -> Path | None:
        """Return the file on this machine's disk (a local store), else None."""


def open_store(
    location: str, default_folder: Path, *, private: bool = False, setting: str = "public_store"
) -> PublicStore:
    """Return the store a `public_store` setting (or `setting`) names: "" (the default folder),
    a folder path, or "s3://BUCKET/PREFIX". A `private` folder is the owner's only."""
    if not location:
        return LocalStore(default_folder, private=private)
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not bucket:
            raise ConfigError(
                f"{setting} {location!r} names no bucket: write s3://BUCKET or s3://BUCKET/PREFIX"
            )
        return S3Store(bucket, prefix)
    if "://" in location:
        raise ConfigError(
            f"{setting} {location!r} is not a folder or an s3:// URL: "
            "use a path or s3://BUCKET/PREFIX"
        )
    return LocalStore(Path(location), private=private)


# --------------------------------------------------------------------------- a local folder


class LocalStore:
    """Files in a folder of this machine: public ones (readable by a web server), or with
    `private` the owner's only (folders 0700, files 0600), as private history is."""

    local = True

    def __init__(self, root: Path, *, private: bool = False) -> None:
        self.root = root
        self.location = f"{root}/"
        self.private = private
        self._mode = PRIVATE_FILE_MODE if private else PUBLIC_FILE_MODE

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def _target(self, key: str) -> Path:
        path = self._path(key)
        if self.private:
            private_dir(path.parent, tighten=False)
        return path

    # A disk's OSError (ENOSPC, EACCES) is raised as it is: it names the file, and the
    # callers say what was already done and what to run.

    def put_many(self, items: Sequence[Item]) -> None:
        targets = [(self._target(item.key), item.data) for item in items]
        atomic_write_many(targets, mode=self._mode)

    def put_file(self, key: str, source: Path, content_type: str, cache_control: str = "") -> None:
        atomic_copy(source, self._target(key), mode=self._mode)

    def put_files(self, files: Sequence[FileItem]) -> None:
        for item in files:  # a local disk gains nothing from writing side by side
            self.put_file(item.key, item.source, item.content_type, item.cache_control)

    def read(self, key: str) -> bytes:
        path = self._existing(key)
        return path.read_bytes()

    def stream(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        path = self._existing(key)
        with path.open("rb") as handle:
            handle.seek(start)
            left = length
            while left is None or left > 0:
                chunk = handle.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def stat(self, key: str) -> Stored | None:
        path = self.local_path(key)
        if path is None:
            return None
        info = path.stat()
        return Stored(key, info.st_size, info.st_mtime, f"{info.st_mtime_ns:x}-{info.st_size:x}")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith("."):
                found.append(key)
        return sorted(found)

    def existing(self, keys: Iterable[str]) -> set[str]:
        return {key for key in keys if self.local_path(key) is not None}

    def local_path(self, key: str) -> Path | None:
        """Return the file if it is safely under the root (symlinks out of it refused)."""
        try:
            path = self._path(key)
        except NotFoundError:
            return None
        base = self.root.resolve()
        resolved = path.resolve()
        if not resolved.is_relative_to(base) or not resolved.is_file():
            return None
        return resolved

    def _existing(self, key: str) -> Path:
        path = self.local_path(key)
        if path is None:
            raise NotFoundError(f"no public file {key!r} in {self.location}")
        return path


def write_durably(handle: IO[bytes], data: bytes, path: Path) -> None:
    """Write all of `data` to the open temporary file `path` and make it durable.

    The one place whole local files are written (the disk's faults, such as ENOSPC, surface
    here; tests inject them here).
    """
    handle.write(data)
    handle.flush()
    os.fsync(handle.fileno())


def atomic_write_many(items: Sequence[tuple[Path, bytes]], mode: int = PUBLIC_FILE_MODE) -> None:
    """Write several files so that either all are replaced or none is (a full disk: none).

    Every new file is written to its temporary name first; only when all are complete are they
    renamed over the old ones (a rename needs no space).
    """
    written: list[tuple[str, Path]] = []
    try:
        for path, data in items:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            written.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                write_durably(handle, data, Path(tmp))
            os.chmod(tmp, mode)  # mkstemp makes 0600; a web server must read public files
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        raise


def atomic_copy(source: Path, target: Path, mode: int = PUBLIC_FILE_MODE) -> None:
    """Copy `source` to `target` atomically (a temporary name in the target's folder)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- object storage


class S3Store:
    """Public files in an S3-compatible bucket, under a key prefix."""

    local = False

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.location = f"s3://{bucket}/{self.prefix}"
        self._client = client
        self._transfers: Any = None
        self._making = threading.Lock()

    @property
    def client(self) -> Any:
        """The boto3 client, made on first use from the standard AWS variables (boto3 reads
        AWS_ENDPOINT_URL, credentials and region itself)."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=10,
                read_timeout=60,
                retries={"max_attempts": 5, "mode": "standard"},
                # path-style addressing works with every S3-compatible server (MinIO, moto, R2)
                s3={"addressing_style": "path"},
            )
            self._client = boto3.client("s3", config=config)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_many(self, items: Sequence[Item]) -> None:
        for item in items:
            with self._errors("write", item.key):
                self.client.put_object(
                    Bucket=self.bucket, Key=self._key(item.key), Body=item.data,
                    **_headers(item.content_type, item.cache_control),
                )  # fmt: skip

    @property
    def transfers(self) -> Any:
        """boto3's transfer manager of this store, made once: `client.upload_file` would make
        one per file, with threads of its own."""
        with self._making:
            if self._transfers is None:
                from boto3.s3.transfer import TransferConfig, create_transfer_manager

                self._transfers = create_transfer_manager(self.client, TransferConfig())
        return self._transfers

    def put_file(self, key: str, source: Path, content_type: str, cache_control: str = "") -> None:
        with self._errors("write", key):
            # big files go in parts; the object appears only once all are in
            self.transfers.upload(
                str(source), self.bucket, self._key(key),
                extra_args=_headers(content_type, cache_control),
            ).result()  # fmt: skip

    def put_files(self, files: Sequence[FileItem]) -> None:
        with ThreadPoolExecutor(UPLOADERS, thread_name_prefix="store-upload") as pool:
            futures = [
                pool.submit(self.put_file, f.key, f.source, f.content_type, f.cache_control)
                for f in files
            ]
        # the pool has waited for every upload: a caller cleaning up after a failure races none
        for future in futures:
            future.result()

    def read(self, key: str) -> bytes:
        return b"".join(self.stream(key))

    def stream(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        extra: dict[str, Any] = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            extra["Range"] = f"bytes={start}-{end}"
        with self._errors("read", key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **extra)
        body = answer["Body"]
        try:
            yield from body.iter_chunks(CHUNK_BYTES)
        finally:
            body.close()

    def stat(self, key: str) -> Stored | None:
        try:
            with self._errors("read", key):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except NotFoundError:
            return None
        modified = head["LastModified"].timestamp()
        return Stored(key, int(head["ContentLength"]), modified, head["ETag"].strip('"'))

    def delete(self, key: str) -> None:
        with self._errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str = "") -> list[str]:
        found: list[str] = []
        with self._errors("list", prefix or "/"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                found += [
                    item["Key"].removeprefix(self.prefix) for item in page.get("Contents", [])
                ]
        return sorted(found)

    def existing(self, keys: Iterable[str]) -> set[str]:
        wanted = set(keys)
        folders = {key.rpartition("/")[0] for key in wanted}
        found: set[str] = set()
        for folder in sorted(folders):
            found |= set(self.keys(f"{folder}/" if folder else ""))
        return wanted & found

    def local_path(self, key: str) -> Path | None:
        return None

    @contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        """Turn botocore's errors into one line that says what to check."""
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"{self.location}{key}"
        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                raise NotFoundError(f"no public file {key!r} in {self.location}") from exc
            hint = _S3_HINTS.get(code, "check the bucket and the AWS_* settings")
            raise StorageError(f"cannot {action} {where} ({code}): {hint}") from exc
        except BotoCoreError as exc:
            raise StorageError(
                f"cannot {action} {where} ({exc}): check AWS_ENDPOINT_URL and the network"
            ) from exc


#: What to check for the errors an operator can fix.
_S3_HINTS = {
    "NoSuchBucket": "create the bucket or fix public_store",
    "AccessDenied": "give the AWS_ACCESS_KEY_ID's user access to the bucket",
    "InvalidAccessKeyId": "set AWS_ACCESS_KEY_ID to a key the storage knows",
    "SignatureDoesNotMatch": "set AWS_SECRET_ACCESS_KEY to the key's secret",
}


def _headers(content_type: str, cache_control: str) -> dict[str, str]:
    headers = {"ContentType": content_type}
    if cache_control:
        headers["CacheControl"] = cache_control
    return headers
