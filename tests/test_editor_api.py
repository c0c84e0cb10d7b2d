"""The token API for content systems, and the editors/tokens commands."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from audionews.cli import main
from audionews.publish import accounts
from audionews.publish.library import Library
from editor_helpers import Desk
from publish_helpers import short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning").decode()


@pytest.fixture
def token(desk: Desk) -> str:
    return accounts.add_token(desk.settings, "cms")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CALLS = [
    ("post", "/api/v1/articles"),
    ("put", "/api/v1/articles/x"),
    ("get", "/api/v1/articles/x/revisions"),
    ("get", "/api/v1/jobs/1"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_calls_without_a_valid_token_get_401(
    desk: Desk, token: str, method: str, path: str
) -> None:
    client = desk.client()
    for headers in ({}, _auth("an_wrong"), {"Authorization": f"Basic {token}"}):
        response = getattr(client, method)(path, headers=headers, json={"text": "x"})
        assert response.status_code == 401 and response.is_json
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    accounts.revoke_token(desk.settings, "cms")
    response = getattr(client, method)(path, headers=_auth(token), json={"text": "x"})
    assert response.status_code == 401


def test_create_update_watch_and_list(desk: Desk, token: str) -> None:
    client = desk.client()
    created = client.post(
        "/api/v1/articles", headers=_auth(token), json={"text": short_article().decode()}
    )
    assert created.status_code == 202, created.get_json()
    job = client.get(created.headers["Location"], headers=_auth(token)).get_json()
    assert job["state"] == "published" and job["revision"] == 1 and job["editor"] == "api:cms"
    slug = job["slug"]
    updated = client.put(
        f"/api/v1/articles/{slug}",
        headers=_auth(token),
        json={"text": FIXED, "kind": "update", "note": "Day fixed."},
    )
    assert updated.status_code == 202 and updated.get_json()["revision"] == 2
    listed = client.get(f"/api/v1/articles/{slug}/revisions", headers=_auth(token)).get_json()
    assert listed["current"] == 2 and [r["number"] for r in listed["revisions"]] == [2, 1]
    newest = listed["revisions"][0]
    assert (newest["kind"], newest["note"], newest["editor"]) == ("update", "Day fixed.", "api:cms")
    assert newest["diff"]["resynthesized"] >= 1 and newest["mp3"].endswith("-r2.mp3")
    assert Library(desk.settings).get_episode(slug).guid == listed["guid"]


def test_raw_body_and_upload(desk: Desk, token: str) -> None:
    client = desk.client()
    raw = client.post(
        "/api/v1/articles",
        headers={**_auth(token), "Content-Type": "text/plain"},
        data=short_article(),
    )
    assert raw.status_code == 202 and raw.get_json()["state"] == "published"
    slug = raw.get_json()["slug"]
    upload = client.put(
        f"/api/v1/articles/{slug}",
        headers=_auth(token),
        data={"file": (io.BytesIO(FIXED.encode()), "fixed.md"), "note": "Day."},
    )
    assert upload.status_code == 202 and upload.get_json()["kind"] == "correction"


def test_bad_requests_say_why(desk: Desk, token: str) -> None:
    client = desk.client()
    cases = [
        ({"text": ""}, 400, "empty"),
        ({"text": "x", "format": "pdf"}, 400, "'format' must be"),
    ]
    for body, status, words in cases:
        response = client.post("/api/v1/articles", headers=_auth(token), json=body)
        assert response.status_code == status and words in response.get_json()["error"]
    missing = client.put("/api/v1/articles/nope", headers=_auth(token), json={"text": FIXED})
    assert missing.status_code == 404
    assert client.get("/api/v1/jobs/999", headers=_auth(token)).status_code == 404


def test_editors_and_tokens_commands(desk: Desk) -> None:
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(desk.settings.instance_dir),
        "AUDIONEWS_FEED_DIR": str(desk.settings.feed_dir),
    }
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> str:
        out = runner.invoke(main, list(args), env=env, input=stdin)
        assert out.exit_code == 0, out.output
        return out.output

    run("editors", "add", "ben", "--password-stdin", stdin="a long password\n")
    assert accounts.check_password(desk.settings, "ben", "a long password")
    run("editors", "add", "cy", stdin="another password\nanother password\n")
    assert "ben" in run("editors", "list") and "cy" in run("editors", "list")
    run("editors", "remove", "ben")
    assert not accounts.editor_exists(desk.settings, "ben")
    short = runner.invoke(
        main, ["editors", "add", "dee", "--password-stdin"], env=env, input="short\n"
    )
    assert short.exit_code == 2 and "at least" in short.output
    token = run("tokens", "add", "cms").strip()
    assert token.startswith("an_") and accounts.token_owner(desk.settings, token) == "cms"
    listed = run("tokens", "list")
    assert "cms" in listed and token not in listed
    run("tokens", "revoke", "cms")
    assert accounts.token_owner(desk.settings, token) is None
    with desk.app.app_context():
        stored = json.dumps([t.name for t in accounts.list_tokens(desk.settings)])
    assert token not in stored


def test_creating_a_taken_slug_is_a_conflict(desk: Desk, token: str) -> None:
    client = desk.client()
    body = {"text": short_article().decode()}
    assert client.post("/api/v1/articles", headers=_auth(token), json=body).status_code == 202
    again = client.post("/api/v1/articles", headers=_auth(token), json={"text": FIXED})
    assert again.status_code == 409 and "PUT" in again.get_json()["error"]
