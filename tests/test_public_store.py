"""The public store seam: the same contract for a local folder and for S3-compatible object
storage (moto's standalone server over HTTP, tests/s3_server.py), and one-line errors."""

from __future__ import annotations

import errno
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import IO

import boto3
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audionews.errors import ConfigError, NotFoundError, StorageError
from audionews.storage import public
from audionews.storage.public import (
    FileItem,
    Item,
    LocalStore,
    PublicStore,
    S3Store,
    check_key,
    open_store,
)

pytest_plugins = ["s3_server"]

FEED = Item("feed.xml", b"<rss>one</rss>", "application/rss+xml", "public, max-age=300")
MP3 = Item("episodes/bridge/bridge-r1.mp3", bytes(range(256)) * 40, "audio/mpeg")
VTT = Item("episodes/bridge/bridge-r1.vtt", b"WEBVTT\n", "text/vtt")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PublicStore:
    if request.param == "local":
        return LocalStore(tmp_path / "feed")
    bucket = request.getfixturevalue("s3_bucket")
    return open_store(f"s3://{bucket}/site", tmp_path / "unused")


def test_files_written_are_read_listed_and_removed(store: PublicStore) -> None:
    store.put_many([MP3, VTT, FEED])
    assert store.read(MP3.key) == MP3.data
    assert store.keys() == sorted([MP3.key, VTT.key, FEED.key])
    assert store.keys("episodes/bridge/") == [MP3.key, VTT.key]
    stored = store.stat(MP3.key)
    assert stored is not None and stored.size == len(MP3.data) and stored.etag
    store.put_many([Item(FEED.key, b"<rss>two</rss>", FEED.content_type)])
    assert store.read(FEED.key) == b"<rss>two</rss>"
    store.delete(VTT.key)
    store.delete(VTT.key)  # gone already: fine
    assert store.stat(VTT.key) is None and store.keys("episodes/") == [MP3.key]


def test_byte_ranges_stream_the_same_bytes(store: PublicStore) -> None:
    store.put_many([MP3])
    assert b"".join(store.stream(MP3.key)) == MP3.data
    assert b"".join(store.stream(MP3.key, 1000, 500)) == MP3.data[1000:1500]
    assert b"".join(store.stream(MP3.key, 10_000)) == MP3.data[10_000:]


def test_a_big_file_is_uploaded_whole(store: PublicStore, tmp_path: Path) -> None:
    source = tmp_path / "big.mp3"
    data = bytes(range(251)) * (9 * 1024 * 1024 // 251)  # above boto3's multipart threshold
    source.write_bytes(data)
    store.put_file("episodes/long/long-r1.mp3", source, "audio/mpeg", "max-age=31536000")
    stored = store.stat("episodes/long/long-r1.mp3")
    assert stored is not None and stored.size == len(data)
    assert store.read("episodes/long/long-r1.mp3") == data


def test_a_revisions_files_are_written_together(store: PublicStore, tmp_path: Path) -> None:
    sources = {}
    for item in (MP3, VTT):
        sources[item.key] = tmp_path / item.key.rpartition("/")[2]
        sources[item.key].write_bytes(item.data)
    store.put_files(
        [FileItem(key, path, "audio/mpeg", "max-age=60") for key, path in sources.items()]
    )
    assert store.keys("episodes/bridge/") == sorted(sources)
    assert all(store.read(key) == path.read_bytes() for key, path in sources.items())


def test_missing_files_and_unsafe_keys(store: PublicStore) -> None:
    with pytest.raises(NotFoundError):
        store.read("feed.xml")
    with pytest.raises(NotFoundError):
        b"".join(store.stream("episodes/none/none-r1.mp3"))
    assert store.stat("feed.xml") is None
    for key in ("../secret", "/etc/passwd", ".hidden", "a//b", "a\\b", "", "episodes/../x"):
        with pytest.raises(NotFoundError):
            store.put_many([Item(key, b"x", "text/plain")])
        assert store.stat(key) is None


def test_objects_carry_their_type_and_cache_headers_over_http(
    s3_bucket: str, s3_endpoint: str
) -> None:
    store = open_store(f"s3://{s3_bucket}", Path("unused"))
    store.put_many([FEED, MP3])
    # read back as any HTTP client (a CDN in front of the bucket) would see them, once the
    # operator has made the bucket readable (README: serving the store through a CDN)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{s3_bucket}/*"}
        ],
    }  # fmt: skip
    boto3.client("s3").put_bucket_policy(Bucket=s3_bucket, Policy=json.dumps(policy))
    feed = httpx.get(f"{s3_endpoint}/{s3_bucket}/feed.xml")
    assert feed.status_code == 200, feed.text
    assert feed.content == FEED.data and feed.headers["content-type"] == FEED.content_type
    assert feed.headers["cache-control"] == FEED.cache_control
    head = boto3.client("s3").head_object(Bucket=s3_bucket, Key=MP3.key)
    assert head["ContentType"] == "audio/mpeg" and head["ContentLength"] == len(MP3.data)


def test_s3_errors_are_one_line_saying_what_to_check(
    s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = open_store("s3://no-such-bucket-here/p", Path("unused"))
    with pytest.raises(StorageError, match=r"NoSuchBucket.*create the bucket") as caught:
        missing.put_many([FEED])
    assert "\n" not in str(caught.value) and "s3://no-such-bucket-here/p/feed.xml" in str(
        caught.value
    )
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    unreachable = S3Store(s3_bucket)
    with pytest.raises(StorageError, match="check AWS_ENDPOINT_URL"):
        unreachable.put_many([FEED])


def test_a_full_disk_keeps_every_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStore(tmp_path / "feed")
    store.put_many([FEED, VTT])
    real = public.write_durably
    calls = []

    def fill(handle: IO[bytes], data: bytes, path: Path) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(handle, data, path)

    monkeypatch.setattr(public, "write_durably", fill)
    with pytest.raises(OSError, match="No space left on device"):
        store.put_many([Item(VTT.key, b"new", "text/vtt"), Item(FEED.key, b"new", "x")])
    assert store.read(FEED.key) == FEED.data and store.read(VTT.key) == VTT.data
    assert not [p for p in (tmp_path / "feed").rglob(".*")]  # no temporary file left


def test_the_setting_names_the_store(tmp_path: Path) -> None:
    default = open_store("", tmp_path / "feed")
    assert isinstance(default, LocalStore) and default.root == tmp_path / "feed"
    folder = open_store(str(tmp_path / "site"), tmp_path / "feed")
    assert isinstance(folder, LocalStore) and folder.root == tmp_path / "site"
    bucket = open_store("s3://media/audio/", tmp_path / "feed")
    assert isinstance(bucket, S3Store) and bucket.location == "s3://media/audio/"
    makes: list[Callable[[], PublicStore]] = [
        lambda: open_store("s3://", tmp_path),
        lambda: open_store("https://cdn.example/audio", tmp_path),
    ]
    for make in makes:
        with pytest.raises(ConfigError, match="public_store"):
            make()


_PART = st.text(alphabet=st.sampled_from("ab.-_/\\1%é "), min_size=1, max_size=12)


@given(_PART)
def test_a_key_the_check_accepts_stays_under_the_root(key: str) -> None:
    try:
        check_key(key)
    except NotFoundError:
        return
    root = Path("/srv/feed")
    assert root.joinpath(*key.split("/")).resolve().is_relative_to(root)
    assert not any(part.startswith(".") for part in key.split("/"))
