"""Hostile or clumsy requests get a 4xx naming the problem, never a 500, and publish nothing."""

from __future__ import annotations

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


def test_an_empty_secret_key_file_of_an_older_version_is_refused_with_the_fix(
    desk: Desk, tmp_path: Path
) -> None:
    settings = desk.settings.with_overrides(instance_dir=tmp_path / "older")  # its own database
    path = settings.instance_dir / "secret_key"
    path.parent.mkdir()
    path.write_bytes(b"")  # a crash between creating the file and writing the key
    with pytest.raises(ConfigError, match="delete it"):
        create_app(settings)
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(settings.instance_dir),
        "AUDIONEWS_FEED_DIR": str(settings.feed_dir),
    }
    served = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert served.exit_code == 2 and "secret_key holds no usable key" in served.output
    path.unlink()
    assert len(auth.secret_key(settings)) == 64  # a new key, in the database


def test_the_secret_key_of_an_older_version_is_taken_into_the_database_once(
    desk: Desk, tmp_path: Path
) -> None:
    settings = desk.settings.with_overrides(instance_dir=tmp_path / "older")
    path = settings.instance_dir / "secret_key"
    path.parent.mkdir()
    path.write_text("ab" * 32 + "\n")  # as older versions wrote it
    assert auth.secret_key(settings) == "ab" * 32  # editors' cookies stay valid
    path.unlink()  # the file is not read again
    assert auth.secret_key(settings) == "ab" * 32 and not path.exists()  # nor written again
