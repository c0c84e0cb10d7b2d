"""`audionews serve` faces hostile and slow clients: the real server on a free loopback port."""

from __future__ import annotations

import ipaddress
import re
import resource
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import podcastparser
import pytest
from click.testing import CliRunner

from audionews.cli import main
from audionews.config import Settings
from audionews.publish import accounts
from audionews.publish.accounts import LOGIN_FREE_PER_ADDRESS
from audionews.web.serve import served_url
from live_server import serving
from publish_helpers import Site, publish, short_article

pytest_plugins = ["publish_fixtures"]

#: Idle, half-sent requests held open at once while the site must keep answering.
IDLE_CONNECTIONS = 500
HALF_SENT = b"GET /feed.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"


@pytest.fixture(scope="module", autouse=True)
def _room_for_the_connections() -> None:
    """Let this process hold the idle connections (a soft limit of 1024 files is common)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE_CONNECTIONS + 500
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


@pytest.fixture(scope="module")
def live(site: Site) -> Iterator[str]:
    with serving(site.settings, env={"AUDIONEWS_REQUEST_TIMEOUT_S": "3"}) as base:
        yield base


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _half_open(port: int, count: int, stack: ExitStack) -> list[socket.socket]:
    """Open `count` connections that each send the start of a request and then nothing."""
    sockets = []
    for _ in range(count):
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        sock.sendall(HALF_SENT)
        sockets.append(sock)
    return sockets


def _timed_get(url: str, timeout: float) -> tuple[float, bytes]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body = response.read()
    return time.monotonic() - started, body


def test_healthz_answers_within_a_second_beside_500_half_sent_requests(
    site: Site, live: str
) -> None:
    with ExitStack() as stack:
        _half_open(_port(live), IDLE_CONNECTIONS, stack)
        time.sleep(0.5)  # let the server take them all in
        seconds, body = _timed_get(live + "/healthz", timeout=5)
        print(f"/healthz beside {IDLE_CONNECTIONS} half-sent requests: {seconds * 1000:.0f} ms")
        assert b'"ok"' in body
        assert seconds < 1.0
        # an audio download streams whole meanwhile
        episode = site.episodes[0]
        seconds, audio = _timed_get(live + episode.mp3.path, timeout=5)
        print(f"{len(audio) / 1e6:.1f} MB MP3 beside them: {seconds * 1000:.0f} ms")
        assert audio == (site.settings.feed_dir / episode.mp3.path.lstrip("/")).read_bytes()


def test_slow_listeners_of_a_long_episode_hold_no_thread(fresh: Settings) -> None:
    """Podcast apps ask "bytes=0-" and read slowly; waitress stops a thread writing once 16 MB
    wait unsent, so each such listener would hold one thread if ranges were not streamed."""
    episode = publish(fresh, short_article(), filename="bridge.txt").episode
    folder = fresh.feed_dir / "episodes" / episode.slug
    long_episode = folder / f"{episode.slug}-r9.mp3"  # three hours at 64 kbit/s
    with long_episode.open("wb") as handle:
        handle.truncate(90_000_000)
    with serving(fresh, args=("--threads", "2")) as base, ExitStack() as stack:
        path = f"/episodes/{episode.slug}/{long_episode.name}"
        for _ in range(4):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", _port(base))))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n".encode())
        time.sleep(2)  # time for the server to write what it would write
        seconds, body = _timed_get(base + "/healthz", timeout=5)
        assert b'"ok"' in body and seconds < 1.0
        request = urllib.request.Request(base + path, headers={"Range": "bytes=1000-1999"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 206 and len(response.read()) == 1000


def _closed_by_server(sock: socket.socket, within: float, trickle: bool) -> float:
    """Return how long until the server closed `sock`, sending a byte every 0.2 s if asked."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < within:
        try:
            if sock.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - started
        if trickle:
            try:
                sock.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
    return float("inf")


@pytest.mark.parametrize("trickle", [False, True], ids=["idle", "a byte every 0.2 s"])
def test_a_request_not_sent_within_the_time_limit_is_cut_off(live: str, trickle: bool) -> None:
    # request_timeout_s is 3 here; the server checks once a second
    with ExitStack() as stack:
        (sock,) = _half_open(_port(live), 1, stack)
        seconds = _closed_by_server(sock, within=12, trickle=trickle)
    assert 2.5 < seconds < 9  # 3 s, plus up to a second until the check, plus slack for CI


def test_a_request_sent_in_time_is_answered(live: str) -> None:
    with socket.create_connection(("127.0.0.1", _port(live)), timeout=5) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(0.5)
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")


# --------------------------------------------------------------- the public URL follows the port


def test_without_public_url_links_name_the_address_served(fresh: Settings) -> None:
    # published by a command that had no PUBLIC_URL either: the feed on disk says port 8000
    settings = fresh.with_overrides(public_url=Settings().public_url)
    publish(settings, short_article(), filename="bridge.txt")
    assert b"127.0.0.1:8000/" in (settings.feed_dir / "feed.xml").read_bytes()
    with serving(settings, public_url=False) as base:
        assert not base.endswith(":8000")
        with urllib.request.urlopen(base + "/feed.xml", timeout=5) as response:
            feed = podcastparser.parse(base + "/feed.xml", response)
        enclosures = [e["url"] for item in feed["episodes"] for e in item["enclosures"]]
        assert enclosures and all(url.startswith(base + "/episodes/") for url in enclosures)
        assert feed["link"] == base + "/"
        with urllib.request.urlopen(base + "/", timeout=5) as response:
            home = response.read().decode()
        assert f'value="{base}/feed.xml"' in home  # the subscribe box
        assert "127.0.0.1:8000" not in home


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, ["--port", "8080"], "http://127.0.0.1:8080"),
        ({}, ["--host", "localhost", "--port", "9000"], "http://localhost:9000"),
        ({"PUBLIC_URL": "https://news.example"}, ["--port", "8080"], "https://news.example"),
    ],
)
def test_serve_prints_the_public_url_it_would_use(
    tmp_path: Path, env: dict[str, str], args: list[str], expected: str
) -> None:
    environ = {"AUDIONEWS_INSTANCE_DIR": str(tmp_path), "PUBLIC_URL": "", **env}
    result = CliRunner().invoke(main, ["serve", *args, "--print-url"], env=environ)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def test_a_wildcard_address_is_linked_by_the_machines_own_address() -> None:
    url = served_url("0.0.0.0", 8080)
    assert url.startswith("http://") and url.endswith(":8080")
    assert ipaddress.ip_address(urlsplit(url).hostname or "").is_unspecified is False


# --------------------------------------------------------------------------- behind a proxy


def _failed_login(base: str, client_address: str, name: str = "ana") -> int:
    """Try a wrong password as the client nginx names in X-Forwarded-For; return the status."""
    forwarded = {"X-Forwarded-For": client_address}
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(urllib.request.Request(base + "/editor/login", headers=forwarded)) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert token
    form = urlencode({"csrf_token": token.group(1), "name": name, "password": "wrong"})
    request = urllib.request.Request(base + "/editor/login", form.encode(), forwarded)
    try:
        with opener.open(request) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_behind_a_proxy_each_client_is_its_own(fresh: Settings) -> None:
    accounts.add_editor(fresh, "ana", "correct horse battery")
    # plain http (no PUBLIC_URL): the session cookie is not Secure, so urllib sends it back
    with serving(fresh, env={"AUDIONEWS_PROXY_HOPS": "1"}, public_url=False) as base:
        # one client guessing at many names (each under the per-account limit)...
        free = [
            _failed_login(base, "203.0.113.7", f"editor{i}") for i in range(LOGIN_FREE_PER_ADDRESS)
        ]
        assert free == [401] * LOGIN_FREE_PER_ADDRESS
        # ...is then slowed down by its address: the waits double (1 s, 2 s, 4 s), so a busy
        # machine whose checks outlast the first wait still meets a refusal within three more
        more = [_failed_login(base, "203.0.113.7", f"more{i}") for i in range(3)]
        assert 429 in more, more
        assert _failed_login(base, "198.51.100.20", "other") == 401  # ...another may still try
