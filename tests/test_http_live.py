"""The real server: `audionews serve` on a free loopback port."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import pytest

from live_server import serving
from publish_helpers import Site

pytest_plugins = ["publish_fixtures"]


@pytest.fixture(scope="module")
def live(site: Site) -> Iterator[str]:
    """Run `audionews serve` over the test site and return its base URL."""
    with serving(site.settings) as base:
        yield base


def _open(url: str, method: str = "GET", **headers: str) -> tuple[int, Message, bytes]:
    """Return status, headers (names in any case, as HTTP allows) and body of one request."""
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_server_serves_ranges_heads_and_304(site: Site, live: str) -> None:
    episode = site.episodes[0]
    body = (site.settings.feed_dir / episode.mp3.path.lstrip("/")).read_bytes()
    url = live + episode.mp3.path
    status, headers, data = _open(url, "HEAD")
    assert (status, data) == (200, b"")
    assert int(headers["Content-Length"]) == len(body) == episode.mp3.size
    status, headers, data = _open(url, Range="bytes=-100")
    assert status == 206 and data == body[-100:]
    status, headers, _ = _open(url, Range=f"bytes={len(body)}-")
    assert status == 416
    status, headers, feed = _open(live + "/feed.xml")
    assert status == 200 and episode.guid.encode() in feed
    status, _, _ = _open(live + "/feed.xml", **{"If-None-Match": headers["ETag"]})
    assert status == 304
    status, _, _ = _open(live + "/episodes/%2e%2e/%2e%2e/instance/audionews.db")
    assert status == 404


def test_server_sends_feeds_gzipped_and_ignores_ranges_it_does_not_serve(
    site: Site, live: str
) -> None:
    feed = (site.settings.feed_dir / "feed.xml").read_bytes()
    status, headers, data = _open(live + "/feed.xml", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(data) == feed
    episode = site.episodes[0]
    body = (site.settings.feed_dir / episode.mp3.path.lstrip("/")).read_bytes()
    status, headers, data = _open(live + episode.mp3.path, Range="bytes=0-1,5-6")
    assert status == 200 and data == body
