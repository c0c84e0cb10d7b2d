"""Every route bounds the body it reads; notes are capped the same way in the UI, API and CLI."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from audionews.cli import main
from audionews.config import Settings
from audionews.publish import accounts
from audionews.publish.history import MAX_NOTE_CHARS
from audionews.publish.library import Library
from audionews.web import FORM_BODY_BYTES, article_body_bytes
from audionews.web.editor import MAX_ARTICLE_BYTES
from editor_helpers import Desk, csrf_of
from live_server import serving
from publish_helpers import PUBLIC_URL, Site, publish, short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]


@pytest.fixture
def token(desk: Desk) -> str:
    return accounts.add_token(desk.settings, "cms")


def _chunked(body: bytes) -> dict[str, object]:
    """Test-client arguments for a body sent chunked: no Content-Length, as a server passes it."""
    return {
        "input_stream": io.BytesIO(body),
        "headers": {"Transfer-Encoding": "chunked"},
        "environ_overrides": {"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    }


# --------------------------------------------------------------------------- in the app


def test_the_login_form_refuses_a_large_body(desk: Desk) -> None:
    client = desk.client()
    body = b"name=ana&password=" + b"x" * (FORM_BODY_BYTES + 1)
    response = client.post(
        "/editor/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this address accepts (65 kB)" in page and "Traceback" not in page


def test_a_chunked_body_is_bounded_too(desk: Desk, token: str) -> None:
    client = desk.client()
    form = b"name=ana&password=" + b"x" * (FORM_BODY_BYTES + 1)
    response = client.post(
        "/editor/login", content_type="application/x-www-form-urlencoded", **_chunked(form)
    )  # type: ignore[arg-type]
    assert response.status_code == 413
    article = short_article() + b"x" * article_body_bytes()
    args = _chunked(article)
    args["headers"] = {"Transfer-Encoding": "chunked", "Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/articles", content_type="text/plain", **args)  # type: ignore[arg-type]
    assert response.status_code == 413 and response.is_json
    assert "larger than" in response.get_json()["error"]


def test_a_chunked_article_within_the_limit_is_taken(desk: Desk, token: str) -> None:
    args = _chunked(short_article())
    args["headers"] = {"Transfer-Encoding": "chunked", "Authorization": f"Bearer {token}"}
    response = desk.client().post("/api/v1/articles", content_type="text/plain", **args)  # type: ignore[arg-type]
    assert response.status_code == 202, response.get_json()


def test_an_article_near_the_limit_fits_the_editors_form(desk: Desk) -> None:
    client = desk.login()
    text = "Long story\n\n" + "A sentence of the story. " * ((MAX_ARTICLE_BYTES - 100) // 25)
    assert 900_000 < len(text) <= MAX_ARTICLE_BYTES
    response = client.post(
        "/editor/new",
        data={"csrf_token": csrf_of(client, "/editor/new"), "text": text, "source_format": "?"},
        content_type="multipart/form-data",
    )
    # read whole and checked: the bad format is the one complaint, not the size
    assert response.status_code == 400
    assert "Choose one of the formats" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- notes


def test_the_api_refuses_a_note_too_long(desk: Desk, token: str) -> None:
    slug = publish(desk.settings, short_article()).episode.slug
    client = desk.client()
    fixed = short_article(" The work cost less.").decode()
    auth = {"Authorization": f"Bearer {token}"}
    for length, status in ((MAX_NOTE_CHARS + 1, 400), (990_000, 400), (MAX_NOTE_CHARS, 202)):
        response = client.put(
            f"/api/v1/articles/{slug}", headers=auth, json={"text": fixed, "note": "n" * length}
        )
        assert response.status_code == status, response.get_json()
        if status == 400:
            error = response.get_json()["error"]
            assert "note" in error and "1000" in error.replace(",", "")
    assert Library(desk.settings).get_episode(slug).revision == 2  # only the note that fits


def test_the_cli_refuses_a_note_too_long(
    fresh: Settings, fake_piper: list[str], tmp_path: Path
) -> None:
    slug = publish(fresh, short_article()).episode.slug
    fixed = tmp_path / "fixed.txt"
    fixed.write_bytes(short_article(" The work cost less."))
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(fresh.instance_dir),
        "AUDIONEWS_FEED_DIR": str(fresh.feed_dir),
        "AUDIONEWS_CACHE_DIR": str(fresh.clip_cache_dir),
        "PUBLIC_URL": PUBLIC_URL,
    }
    note = "n" * (MAX_NOTE_CHARS + 1)
    out = CliRunner().invoke(main, ["correct", slug, str(fixed), "--note", note], env=env)
    assert out.exit_code == 2
    assert out.output.count("\n") == 1 and "at most 1,000" in out.output
    assert Library(fresh).get_episode(slug).revision == 1
    assert not fake_piper  # refused before a voice was loaded


# --------------------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def live(site: Site) -> Iterator[str]:
    with serving(site.settings) as base:
        yield base


def _exchange(base: str, request: bytes, timeout: float = 5) -> tuple[bytes, float]:
    """Send raw bytes to the server; return the status line it answers and the seconds taken."""
    port = int(base.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # the server may answer and close before the whole body went out: read the answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            piece = sock.recv(4096)
            if not piece:
                break
            answer += piece
    return answer.split(b"\r\n", 1)[0], time.monotonic() - started


def test_the_server_refuses_a_claimed_100_mb_body_without_reading_it(live: str) -> None:
    head = (
        b"POST /editor/login HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n"
    )
    status, seconds = _exchange(live, head + b"name=ana")
    assert status.startswith(b"HTTP/1.1 413") and seconds < 2


def _chunked_request(path: str, size: int, content_type: str) -> bytes:
    chunk = b"x" * 16384
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(size // len(chunk) + 1))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    return head + body + b"0\r\n\r\n"


@pytest.mark.parametrize(
    ("path", "size", "content_type"),
    [
        ("/editor/login", 200_000, "application/x-www-form-urlencoded"),
        ("/api/v1/articles", 3_000_000, "text/plain"),
    ],
)
def test_the_server_bounds_chunked_bodies(
    live: str, path: str, size: int, content_type: str
) -> None:
    status, _ = _exchange(live, _chunked_request(path, size, content_type))
    assert status.startswith(b"HTTP/1.1 413"), status


def test_413_answers_say_the_limit_in_json_when_asked(desk: Desk) -> None:
    response = desk.client().post(
        "/editor/login",
        data=b"name=" + b"x" * FORM_BODY_BYTES,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert json.loads(response.data)["error"].endswith(f"({FORM_BODY_BYTES // 1000} kB).")
