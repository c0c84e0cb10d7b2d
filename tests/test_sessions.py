"""Editor sessions end on the server: at logout, on a new password or removal, and after
`session_hours`; logging in starts a new session with a new CSRF token."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from audionews.config import Settings
from audionews.publish import accounts
from audionews.web import create_app
from editor_helpers import PASSWORD, Desk, csrf_of, post_form

pytest_plugins = ["publish_fixtures", "editor_fixtures"]


@pytest.fixture
def fresh(fresh_on_each: Settings) -> Settings:
    """Each test on SQLite, then on PostgreSQL."""
    return fresh_on_each


COOKIE = "session"


def _stolen_copy(desk: Desk, client: FlaskClient) -> FlaskClient:
    """Return a second client holding a copy of `client`'s session cookie (an attacker's)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = desk.client()
    thief.set_cookie(COOKIE, cookie.value)
    assert thief.get("/editor/").status_code == 200
    return thief


def test_logout_ends_the_session_for_every_copy_of_the_cookie(desk: Desk) -> None:
    client = desk.login()
    thief = _stolen_copy(desk, client)
    out = post_form(client, "/editor/", {}, action="/editor/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/editor/login"
    assert client.get("/editor/").status_code == 302
    assert thief.get("/editor/").status_code == 302
    refused = thief.post("/editor/lexicon", data={"word": "x", "spoken": "y", "action": "save"})
    assert refused.status_code == 302 and "/editor/login" in refused.headers["Location"]


def test_a_new_password_or_removal_ends_every_session_of_the_editor(desk: Desk) -> None:
    accounts.add_editor(desk.settings, "ben", PASSWORD)
    first, second, other = desk.login(), desk.login(), desk.login("ben")
    accounts.add_editor(desk.settings, "ana", "a brand new password")
    assert first.get("/editor/").status_code == 302
    assert second.get("/editor/").status_code == 302
    assert other.get("/editor/").status_code == 200  # another editor's session goes on
    desk.login("ana", "a brand new password")
    again = desk.login("ben")
    accounts.remove_editor(desk.settings, "ben")
    assert again.get("/editor/").status_code == 302
    accounts.add_editor(desk.settings, "ben", PASSWORD)  # the same name made again: still out
    assert again.get("/editor/").status_code == 302


def test_login_rotates_the_session_and_the_csrf_token(desk: Desk) -> None:
    client = desk.client()
    before = csrf_of(client, "/editor/login")
    planted = client.get_cookie(COOKIE)
    assert planted is not None
    response = client.post(
        "/editor/login", data={"name": "ana", "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    after = client.get_cookie(COOKIE)
    assert after is not None and after.value != planted.value
    assert csrf_of(client, "/editor/lexicon") != before
    stale = client.post(
        "/editor/lexicon",
        data={"word": "deck", "spoken": "dekk", "action": "save", "csrf_token": before},
    )
    assert stale.status_code == 400 and "do not match" in stale.get_data(as_text=True)


def test_sessions_and_csrf_tokens_end_after_session_hours(desk: Desk) -> None:
    hours = 1.5 / 3600  # a second and a half
    app = create_app(desk.settings.with_overrides(session_hours=hours))
    app.config["TESTING"] = True
    client = app.test_client()
    response = post_form(client, "/editor/login", {"name": "ana", "password": PASSWORD})
    assert response.status_code == 302
    assert "Expires=" in response.headers["Set-Cookie"]
    assert client.get("/editor/").status_code == 200
    time.sleep(2)
    assert client.get("/editor/").status_code == 302
    visitor = app.test_client()
    old = csrf_of(visitor, "/editor/login")
    time.sleep(2)
    expired = visitor.post(
        "/editor/login", data={"name": "ana", "password": PASSWORD, "csrf_token": old}
    )
    assert expired.status_code == 400 and "Reload the page" in expired.get_data(as_text=True)


def test_expired_sessions_are_refused_and_cleaned_up(desk: Desk) -> None:
    hours = desk.settings.session_hours
    past = time.time() - hours * 3600 - 1
    stale = accounts.open_session(desk.settings, "ana", now=past)
    assert accounts.session_editor(desk.settings, stale) is None
    assert accounts.session_editor(desk.settings, stale, now=past) == "ana"
    live = accounts.open_session(desk.settings, "ana")  # opening one deletes expired ones
    assert accounts.session_editor(desk.settings, live) == "ana"
    assert accounts.session_editor(desk.settings, stale, now=past) is None


def test_public_responses_do_not_vary_by_cookie_but_the_editor_does(desk: Desk) -> None:
    client = desk.login()  # a visitor who is also an editor: the cookie is sent everywhere
    for path in ("/feed.xml", "/healthz", "/api/episodes", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "cookie" not in response.headers.get("Vary", "").lower(), path  # one cached copy
        assert "Set-Cookie" not in response.headers, path
    assert "Cookie" in client.get("/editor/").headers.get("Vary", "")
