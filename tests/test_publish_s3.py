"""Publishing into S3-compatible object storage (public_store = "s3://..."), against moto's
standalone server over HTTP (tests/s3_server.py): the bucket holds exactly what a folder would,
the feeds name only complete objects, the app serves them as from disk (ranges, ETags, gzip),
and a failed publish leaves the previous revision served."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import Any

import boto3
import podcastparser
import pytest

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.errors import StorageError
from audionews.publish.library import Library
from audionews.storage.public import S3Store
from audionews.web import create_app
from publish_helpers import make_settings, publish, short_article

pytest_plugins = ["s3_server"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")
KINDS = (".mp3", ".vtt", ".srt", ".chapters.json", ".txt", ".html")


@pytest.fixture
def s3(tmp_path: Path, s3_bucket: str) -> Settings:
    return make_settings(tmp_path, tmp_path / "clips").with_overrides(
        public_store=f"s3://{s3_bucket}/site", revision_grace_minutes=0.0
    )


def _objects(bucket: str) -> dict[str, int]:
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="site/")
    return {o["Key"].removeprefix("site/"): o["Size"] for o in listed.get("Contents", [])}


def _feed(bucket: str) -> dict[str, Any]:
    body = boto3.client("s3").get_object(Bucket=bucket, Key="site/feed.xml")["Body"].read()
    return podcastparser.parse("https://podcasts.example.test/feed.xml", io.BytesIO(body))


def test_a_publish_fills_the_bucket_and_the_feed_names_complete_objects(
    s3: Settings, s3_bucket: str
) -> None:
    episode = publish(s3, short_article()).episode
    objects = _objects(s3_bucket)
    names = {f"episodes/{episode.slug}/{episode.slug}-r1{suffix}" for suffix in KINDS}
    assert names | {"feed.xml", "cover.png"} <= set(objects)
    assert not s3.feed_dir.exists()  # nothing public on this machine's disk
    (item,) = _feed(s3_bucket)["episodes"]
    (enclosure,) = item["enclosures"]
    key = enclosure["url"].split("https://podcasts.example.test/", 1)[1]
    assert objects[key] == enclosure["file_size"] == episode.mp3.size
    head = boto3.client("s3").head_object(Bucket=s3_bucket, Key=f"site/{key}")
    assert head["ContentType"] == "audio/mpeg" and "immutable" in head["CacheControl"]


def test_the_app_serves_the_store_like_a_folder(s3: Settings) -> None:
    episode = publish(s3, short_article()).episode
    client = create_app(s3).test_client()
    mp3 = client.get(episode.mp3.path)
    assert mp3.status_code == 200 and len(mp3.data) == episode.mp3.size
    assert mp3.headers["Accept-Ranges"] == "bytes" and mp3.headers["Content-Type"] == "audio/mpeg"
    part = client.get(episode.mp3.path, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == mp3.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{episode.mp3.size}"
    again = client.get(episode.mp3.path, headers={"If-None-Match": mp3.headers["ETag"]})
    assert again.status_code == 304
    assert client.head(episode.mp3.path).headers["Content-Length"] == str(episode.mp3.size)
    feed = client.get("/feed.xml", headers={"Accept-Encoding": "gzip"})
    assert feed.headers["Content-Encoding"] == "gzip" and b"<rss" in gzip.decompress(feed.data)
    assert client.get("/feed.xml").data.startswith(b"<?xml")
    assert client.get("/episodes/../instance/audionews.db").status_code == 404
    assert client.get(f"/episodes/{episode.slug}/nothing-r1.mp3").status_code == 404
    page = client.get(f"/episodes/{episode.slug}/")
    text = re.sub(rb"<[^>]+>", b"", page.data)  # each transcript word is a span of its own
    assert b"Engineers replaced the deck joints." in text  # the transcript, read from the store


def test_corrections_unpublish_and_republish_move_objects(s3: Settings, s3_bucket: str) -> None:
    slug = publish(s3, short_article()).episode.slug
    fixed = pipeline.correct(slug, FIXED, s3, note="Day.", synthesizer=FakeSynthesizer())
    assert fixed.episode.revision == 2
    objects = _objects(s3_bucket)
    assert f"episodes/{slug}/{slug}-r2.mp3" in objects
    # grace 0: the first revision left the site for private history once the feed moved on
    assert f"episodes/{slug}/{slug}-r1.mp3" not in objects
    assert (s3.instance_dir / "history" / slug / f"{slug}-r1.mp3").is_file()
    pipeline.unpublish(slug, s3)
    assert not [k for k in _objects(s3_bucket) if k.startswith("episodes/")]
    assert _feed(s3_bucket)["episodes"] == []
    pipeline.republish_episode(slug, s3)
    assert f"episodes/{slug}/{slug}-r2.mp3" in _objects(s3_bucket)
    assert len(_feed(s3_bucket)["episodes"]) == 1


def test_a_failed_upload_leaves_the_previous_revision_served(
    s3: Settings, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = publish(s3, short_article()).episode.slug
    before, feed_before = _objects(s3_bucket), _feed(s3_bucket)
    real, calls = S3Store.put_file, []

    def put_file(store: S3Store, key: str, *args: Any) -> None:
        calls.append(key)
        if len(calls) == 3:
            raise StorageError(f"cannot write {store.location}{key} (SlowDown): try again")
        real(store, key, *args)

    monkeypatch.setattr(S3Store, "put_file", put_file)
    with pytest.raises(StorageError, match="nothing was published"):
        pipeline.correct(slug, FIXED, s3, note="Day.", synthesizer=FakeSynthesizer())
    assert _objects(s3_bucket) == before and _feed(s3_bucket) == feed_before
    assert Library(s3).get_episode(slug).revision == 1


def test_with_a_cdn_the_feed_links_there_and_the_app_redirects(
    s3: Settings, s3_bucket: str
) -> None:
    cdn = s3.with_overrides(media_url="https://media.example.test/audio/")
    episode = publish(cdn, short_article()).episode
    (item,) = _feed(s3_bucket)["episodes"]
    key = f"episodes/{episode.slug}/{episode.slug}-r1.mp3"
    assert item["enclosures"][0]["url"] == f"https://media.example.test/audio/{key}"
    answer = create_app(cdn).test_client().get(f"/{key}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"https://media.example.test/audio/{key}"
    assert item["link"].startswith("https://podcasts.example.test/episodes/")  # pages stay


def test_a_correction_on_another_machine_synthesizes_only_what_changed(
    tmp_path: Path, s3_bucket: str
) -> None:
    shared = {
        "public_store": f"s3://{s3_bucket}/site",
        "cache_store": f"s3://{s3_bucket}/cache",
        "database_url": f"sqlite:///{tmp_path / 'shared.db'}",
    }
    first = make_settings(tmp_path / "a", tmp_path / "a-clips").with_overrides(**shared)
    second = make_settings(tmp_path / "b", tmp_path / "b-clips").with_overrides(**shared)
    built = publish(first, short_article())
    assert built.build is not None and built.build.segments_cached == 0
    cached = [k for k in _objects_under(s3_bucket, "cache/clips/")]
    assert len(cached) == built.build.segments_synthesized  # every clip shared
    assert _objects_under(s3_bucket, "cache/pieces/")

    fixed = pipeline.correct(
        built.episode.slug, FIXED, second, note="Day.", synthesizer=FakeSynthesizer()
    )
    assert fixed.build is not None and fixed.episode.revision == 2
    # "Correction.", the note and the changed sentence; every other clip came from machine A
    assert fixed.build.segments_synthesized == 3
    assert fixed.build.segments_cached == built.build.segments_synthesized - 1
    assert any((tmp_path / "b-clips").rglob("*.clip"))  # read through into B's own folder
    assert not (tmp_path / "a" / "instance" / "history").exists()  # B did not write A's folders


def _objects_under(bucket: str, prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_private_history_in_a_bucket_serves_every_machine(tmp_path: Path, s3_bucket: str) -> None:
    """With history_store in object storage, what machine A took off the site is heard in
    machine B's editor, and B can put an episode A unpublished back on the site."""
    from audionews.publish import accounts
    from editor_helpers import PASSWORD, Desk

    shared = {
        "public_store": f"s3://{s3_bucket}/site",
        "history_store": f"s3://{s3_bucket}/history",
        "database_url": f"sqlite:///{tmp_path / 'shared.db'}",
        "revision_grace_minutes": 0.0,
    }
    a = make_settings(tmp_path / "a", tmp_path / "a-clips").with_overrides(**shared)
    b = make_settings(tmp_path / "b", tmp_path / "b-clips").with_overrides(**shared)
    first = publish(a, short_article())
    slug = first.episode.slug
    pipeline.correct(slug, FIXED, a, note="Day.", synthesizer=FakeSynthesizer())
    history = _objects_under(s3_bucket, "history/")
    assert f"history/{slug}/{slug}-r1.mp3" in history  # retired into the bucket, not a's disk
    assert not (a.instance_dir / "history").exists()
    accounts.add_editor(b, "ana", PASSWORD)
    editor = Desk(b, create_app(b)).login()
    heard = editor.get(f"/editor/episodes/{slug}/revisions/1.mp3")
    assert heard.status_code == 200 and heard.headers["Cache-Control"] == "private, no-store"
    kept = boto3.client("s3").get_object(Bucket=s3_bucket, Key=f"history/{slug}/{slug}-r1.mp3")
    assert heard.data == kept["Body"].read() and len(heard.data) == first.episode.mp3.size
    pipeline.unpublish(slug, a)
    assert not [k for k in _objects(s3_bucket) if k.startswith("episodes/")]
    back = pipeline.republish_episode(slug, b)
    assert back.episode.is_published
    assert f"episodes/{slug}/{slug}-r2.mp3" in _objects(s3_bucket)
    assert f"history/{slug}/{slug}-r2.mp3" not in _objects_under(s3_bucket, "history/")
    assert f"history/{slug}/{slug}-r1.mp3" in _objects_under(s3_bucket, "history/")
