"""The real server: `audionews serve`'s gunicorn command on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from audionews.web.serve import gunicorn_command
from publish_helpers import Site

pytest_plugins = ["publish_fixtures"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live(site: Site) -> Iterator[str]:
    """Run gunicorn over the test site and return its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "AUDIONEWS_INSTANCE_DIR": str(site.settings.instance_dir),
        "AUDIONEWS_FEED_DIR": str(site.settings.feed_dir),
        "PUBLIC_URL": site.settings.public_url,
    }
    process = subprocess.Popen(
        gunicorn_command("127.0.0.1", port, 1),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def _open(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_gunicorn_serves_ranges_heads_and_304(site: Site, live: str) -> None:
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
