"""HTTP behaviour podcast apps and web players rely on: HEAD, ranges, 304s, types, CORS, safety."""

from __future__ import annotations

import gzip
import io

import podcastparser
import pytest

from publish_helpers import Site

pytest_plugins = ["publish_fixtures"]


def _mp3(site: Site) -> tuple[str, bytes]:
    episode = site.episodes[0]
    path = site.settings.feed_dir / episode.mp3.path.lstrip("/")
    return episode.mp3.path, path.read_bytes()


def test_head_matches_get_without_body(site: Site) -> None:
    url, body = _mp3(site)
    client = site.client()
    head = client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(body)
    assert head.headers["Accept-Ranges"] == "bytes"
    assert head.headers["Content-Type"] == "audio/mpeg"
    assert head.headers["ETag"]
    assert head.headers["Last-Modified"]
    get = client.get(url)
    assert get.data == body
    assert get.headers["ETag"] == head.headers["ETag"]
    assert "immutable" in get.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-1", 0, 1),  # what Apple's player asks first
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=-500", -500, None),  # suffix: the last 500 bytes
        ("bytes=5000-", 5000, None),  # open-ended
    ],
)
def test_byte_ranges(site: Site, header: str, start: int, end: int | None) -> None:
    url, body = _mp3(site)
    response = site.client().get(url, headers={"Range": header})
    assert response.status_code == 206
    first = start % len(body)
    last = len(body) - 1 if end is None else end
    assert response.data == body[first : last + 1]
    assert response.headers["Content-Range"] == f"bytes {first}-{last}/{len(body)}"
    assert int(response.headers["Content-Length"]) == last - first + 1


def test_range_past_the_end_is_416(site: Site) -> None:
    url, body = _mp3(site)
    response = site.client().get(url, headers={"Range": f"bytes={len(body) + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(body)}"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-1,5-6",  # several ranges: we may answer with the whole file, and do
        "bytes=0-0, -1",
        "items=0-5",  # a unit we do not know: must be ignored
        "bytes=abc",  # not a range at all
        "bytes=5-2",
    ],
)
def test_ranges_we_do_not_serve_get_the_whole_file(site: Site, header: str) -> None:
    url, body = _mp3(site)
    response = site.client().get(url, headers={"Range": header})
    assert response.status_code == 200
    assert response.data == body and "Content-Range" not in response.headers


def _feed_paths(site: Site) -> list[str]:
    return ["/feed.xml", f"/feeds/{site.episodes[0].category_slug}.xml"]


def test_feeds_are_gzipped_for_clients_that_accept_it(site: Site) -> None:
    client = site.client()
    for path in _feed_paths(site):
        plain = client.get(path)
        assert "Content-Encoding" not in plain.headers
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.data) == plain.data
        assert len(packed.data) < len(plain.data) / 2
        assert int(packed.headers["Content-Length"]) == len(packed.data)
        assert packed.headers["Content-Type"] == plain.headers["Content-Type"]
        for response in (plain, packed):
            assert "Accept-Encoding" in response.headers["Vary"]
            assert response.cache_control == plain.cache_control
        assert packed.headers["ETag"] != plain.headers["ETag"]  # two forms, two ETags
        assert podcastparser.parse(path, io.BytesIO(gzip.decompress(packed.data)))["episodes"]


def test_gzipped_feeds_answer_304_and_head(site: Site) -> None:
    client = site.client()
    gz = {"Accept-Encoding": "gzip"}
    for path in _feed_paths(site):
        packed = client.get(path, headers=gz)
        etag, modified = packed.headers["ETag"], packed.headers["Last-Modified"]
        assert client.get(path, headers={**gz, "If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={**gz, "If-Modified-Since": modified}).status_code == 304
        head = client.head(path, headers=gz)
        assert head.data == b"" and head.headers["Content-Length"] == str(len(packed.data))
        refused = client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "Content-Encoding" not in refused.headers


def test_conditional_requests_give_304_for_audio_and_feeds(site: Site) -> None:
    client = site.client()
    url, _ = _mp3(site)
    category = site.episodes[0].category_slug
    for path in (url, "/feed.xml", f"/feeds/{category}.xml", "/cover.png"):
        first = client.get(path)
        assert first.status_code == 200, path
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.head(path, headers={"If-None-Match": etag}).status_code == 304


def test_feed_headers(site: Site) -> None:
    response = site.client().get("/feed.xml")
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert "max-age=300" in response.headers["Cache-Control"]
    assert "immutable" not in response.headers["Cache-Control"]


#: Each sidecar kind: its Content-Type, and whether other sites' players may fetch it (CORS).
SIDECARS = {
    "chapters": "application/json+chapters; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "transcript": "application/json",
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "mp3": "audio/mpeg",
}


@pytest.mark.parametrize("kind", SIDECARS)
def test_types_and_cors(site: Site, kind: str) -> None:
    item = site.episodes[0].files[kind]
    response = site.client().get(item.path, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SIDECARS[kind]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert int(response.headers["Content-Length"]) == item.size


TRAVERSALS = [
    "/episodes/../instance/audionews.db",
    "/episodes/%2e%2e/%2e%2e/instance/audionews.db",
    "/episodes/x/%2e%2e%2f%2e%2e%2finstance%2faudionews.db",
    "/episodes/x/..%2f..%2f..%2finstance%2faudionews.db",
    "/episodes/%2e%2e/feed.xml",
    "/episodes/..%5c..%5cinstance/audionews.db",
    "/episodes/x//etc/passwd",
    "/episodes/%2fetc/passwd",
    "/episodes/x/%2fetc%2fpasswd",
    "/feeds/..%2f..%2finstance%2faudionews.xml",
    "/feeds/%2e%2e.xml",
    "/episodes/.hidden/x.mp3",
    "/episodes/x/.env",
    "/episodes/x/%00.mp3",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_attempts_are_404(site: Site, path: str) -> None:
    response = site.client().get(path)
    assert response.status_code == 404, path
    assert b"audionews.db" not in response.data


def test_symlink_out_of_feed_is_404(site: Site) -> None:
    private = site.settings.instance_dir / "secret.txt"
    private.write_text("secret")
    folder = site.settings.feed_dir / "episodes" / "sneaky"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sneaky-r1.txt").symlink_to(private)
    (site.settings.feed_dir / "episodes" / "linked").symlink_to(site.settings.instance_dir)
    client = site.client()
    assert client.get("/episodes/sneaky/sneaky-r1.txt").status_code == 404
    assert client.get("/episodes/linked/secret.txt").status_code == 404


def test_unknown_episode_and_file_are_404_pages(site: Site) -> None:
    client = site.client()
    page = client.get("/episodes/no-such-slug/no-such-slug-r1.mp3")
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    api = client.get("/api/episodes/no-such-slug")
    assert api.status_code == 404
    assert "no published episode" in api.get_json()["error"]


def test_api_and_healthz(site: Site) -> None:
    client = site.client()
    listed = client.get("/api/episodes").get_json()["episodes"]
    assert {e["slug"] for e in listed} == {e.slug for e in site.episodes}
    one = client.get(f"/api/episodes/{site.episodes[0].slug}").get_json()
    assert one["guid"] == site.episodes[0].guid
    assert one["files"]["mp3"]["size"] == site.episodes[0].mp3.size
    assert client.get("/healthz").get_json()["status"] == "ok"
    home = client.get("/")
    assert home.status_code == 200


def test_proxy_headers_trusted_only_when_configured(site: Site) -> None:
    from audionews.web import create_app

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "audio.example"}
    plain = site.app.test_client()
    proxied = create_app(site.settings, proxy_hops=1).test_client()
    seen = {}
    for name, client in (("plain", plain), ("proxied", proxied)):
        with client:
            client.get("/healthz", headers=headers)
            from flask import request

            seen[name] = request.host_url
    assert seen["plain"] == "http://localhost/"
    assert seen["proxied"] == "https://audio.example/"
