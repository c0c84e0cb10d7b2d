"""Hostile or clumsy requests get a 4xx naming the problem, never a 500, and publish nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from audionews.cli import main
from audionews.errors import ConfigError
from audionews.publish import accounts
from audionews.publish.library import Library
from audionews.web import auth, create_app
from editor_helpers import PASSWORD, Desk, csrf_of
from publish_helpers import short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

BIG_ID = str(2**63)


@pytest.fixture
def token(desk: Desk) -> str:
    return accounts.add_token(desk.settings, "cms")


def test_next_with_cr_lf_or_backslashes_goes_to_the_index(desk: Desk) -> None:
    cases = {
        "/editor/\r\nSet-Cookie: x=1": "/editor/",
        "/editor/\n": "/editor/",
        "/editor/\\..\\": "/editor/",
        "/editor/lexicon?word=x": "/editor/lexicon?word=x",  # a good one is followed
    }
    for target, expected in cases.items():
        client = desk.client()
        response = client.post(
            "/editor/login",
            query_string={"next": target},
            data={
                "name": "ana",
                "password": PASSWORD,
                "csrf_token": csrf_of(client, "/editor/login"),
            },
        )
        assert response.status_code == 302, target
        assert response.headers["Location"] == expected, target


def test_job_ids_beyond_64_bits_are_404s(desk: Desk, token: str) -> None:
    client = desk.login()
    assert client.get(f"/editor/jobs/{BIG_ID}").status_code == 404
    assert client.get(f"/editor/jobs/{BIG_ID}.json").status_code == 404
    api = desk.client().get(f"/api/v1/jobs/{BIG_ID}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404 and api.is_json


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"text": None}, "text", "must be a string, not null"),
        ({"text": True}, "text", "must be a string, not a boolean"),
        ({"text": 12}, "text", "must be a string, not a number"),
        ({"text": ["a", "b"]}, "text", "must be a string, not an array"),
        ({"text": {"a": 1}}, "text", "must be a string, not an object"),
        ({}, "text", "is missing"),
        ({"text": "x", "format": "pdf"}, "format", "must be one of"),
        ({"text": "x", "format": None}, "format", "must be one of"),
        ({"text": "x", "note": 5}, "note", "must be a string"),
        ({"text": "x", "notes": "typo"}, "notes", "is not a field"),
        ({"text": "x", "note": "n" * 1001}, "note", "at most 1000"),
        ({"text": "\ud800 lone"}, "text", "lone surrogate"),
        ({"text": "x", "note": "\udc00"}, "note", "lone surrogate"),
    ],
)
def test_api_bodies_are_checked_against_the_schema(
    desk: Desk, token: str, body: dict[str, object], field: str, words: str
) -> None:
    response = desk.client().post(
        "/api/v1/articles", headers={"Authorization": f"Bearer {token}"}, json=body
    )
    answer = response.get_json()
    assert response.status_code == 400, answer
    assert answer["field"] == field and words in answer["error"], answer
    assert Library(desk.settings).list_episodes() == []


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b'{"text": ' * 50_000, b"not json", b"[1, 2]", b'"x"'],
)
def test_bad_or_deeply_nested_json_is_a_400(desk: Desk, token: str, raw: bytes) -> None:
    response = desk.client().post(
        "/api/v1/articles",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=raw,
    )
    assert response.status_code == 400 and response.is_json
    assert "JSON" in response.get_json()["error"]


def test_query_fields_of_a_raw_body_are_checked_too(desk: Desk, token: str) -> None:
    response = desk.client().post(
        "/api/v1/articles?kind=rumour",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
        data=short_article(),
    )
    assert response.status_code == 400 and response.get_json()["field"] == "kind"


def test_an_empty_secret_key_file_is_refused_with_the_fix(desk: Desk) -> None:
    path = desk.settings.instance_dir / "secret_key"
    path.unlink()
    path.write_bytes(b"")  # a crash between creating the file and writing the key
    with pytest.raises(ConfigError, match="delete it"):
        create_app(desk.settings)
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(desk.settings.instance_dir),
        "AUDIONEWS_FEED_DIR": str(desk.settings.feed_dir),
    }
    served = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert served.exit_code == 2 and "secret_key holds no usable key" in served.output
    path.unlink()
    assert len(auth.secret_key(desk.settings)) == 64


def test_a_failed_secret_write_leaves_no_key_file(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = desk.settings.with_overrides(instance_dir=tmp_path / "new-instance")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        auth.secret_key(settings)
    assert os.listdir(settings.instance_dir) == []  # neither the key nor a temporary file
    monkeypatch.undo()
    key = auth.secret_key(settings)
    assert auth.secret_key(settings) == key
    assert (settings.instance_dir / "secret_key").stat().st_mode & 0o777 == 0o600
