"""The editor through the web UI: login, refusals, new article, correction, history, lexicon."""

from __future__ import annotations

import io
from typing import Any

import pytest

from audionews.publish import accounts
from audionews.publish.library import Library
from editor_helpers import PASSWORD, Desk, csrf_of, post_form
from publish_helpers import short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning").decode()
PAGES = [
    "/editor/",
    "/editor/new",
    "/editor/lexicon",
    "/editor/jobs/1",
    "/editor/episodes/x/edit",
    "/editor/episodes/x/history",
]
POSTS = [
    "/editor/new",
    "/editor/preview",
    "/editor/episodes/x/rollback",
    "/editor/lexicon",
    "/editor/lexicon/republish",
    "/editor/logout",
]


def _publish(desk: Desk, client: Any, text: str) -> str:
    response = post_form(client, "/editor/new", {"text": text, "source_format": ""})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "published" in page
    return Library(desk.settings).list_episodes()[0].slug


@pytest.mark.parametrize("page", PAGES)
def test_pages_redirect_visitors_to_login(desk: Desk, page: str) -> None:
    response = desk.client().get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/editor/login?next=")


@pytest.mark.parametrize("page", POSTS)
def test_posts_from_visitors_are_refused(desk: Desk, page: str) -> None:
    response = desk.client().post(page, data={"text": "x"})
    assert response.status_code == 302 and "/editor/login" in response.headers["Location"]


@pytest.mark.parametrize("page", POSTS)
def test_posts_without_csrf_token_are_refused(desk: Desk, page: str) -> None:
    client = desk.login()
    refused = client.post(page, data={"text": "x"})
    assert refused.status_code == 400 and "Reload the page" in refused.get_data(as_text=True)


def test_login_sets_a_safe_cookie_and_is_rate_limited(desk: Desk) -> None:
    client = desk.client()
    response = post_form(client, "/editor/login", {"name": "ana", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/editor/").status_code == 200
    other = desk.client()
    for _ in range(accounts.LOGIN_FREE_PER_ACCOUNT):
        bad = post_form(other, "/editor/login", {"name": "ana", "password": "wrong password"})
        assert bad.status_code == 401
        assert 'aria-describedby="password-error"' in bad.get_data(as_text=True)
    slowed = post_form(other, "/editor/login", {"name": "ana", "password": PASSWORD})
    assert slowed.status_code == 429 and "Wait 1 second," in slowed.get_data(as_text=True)
    assert slowed.headers["Retry-After"] == "1"


def test_login_never_redirects_off_site(desk: Desk) -> None:
    client = desk.client()
    page = "/editor/login?next=https://evil.example/editor/"
    response = post_form(client, page, {"name": "ana", "password": PASSWORD})
    assert response.headers["Location"] == "/editor/"


def test_removed_editor_is_logged_out(desk: Desk) -> None:
    client = desk.login()
    accounts.remove_editor(desk.settings, "ana")
    assert client.get("/editor/").status_code == 302


def test_new_article_errors_are_tied_to_fields(desk: Desk) -> None:
    client = desk.login()
    empty = post_form(client, "/editor/new", {"text": "  ", "source_format": ""})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert 'aria-describedby="text-hint text-error"' in html and 'href="#text"' in html
    bad = post_form(
        client,
        "/editor/new",
        {"upload": (io.BytesIO(b"%PDF"), "a.pdf"), "source_format": ""},
    )
    assert bad.status_code == 400 and "Upload a .txt, .html or .md file" in bad.get_data(
        as_text=True
    )
    big = post_form(client, "/editor/new", {"text": "a" * 1_000_001, "source_format": ""})
    assert big.status_code == 400 and "larger than" in big.get_data(as_text=True)


def test_upload_publishes_through_a_job(desk: Desk) -> None:
    client = desk.login()
    response = post_form(
        client,
        "/editor/new",
        {"upload": (io.BytesIO(short_article()), "bridge.txt"), "source_format": ""},
    )
    assert response.status_code == 303
    job = client.get(response.headers["Location"] + ".json").get_json()
    assert job["state"] == "published" and job["editor"] == "ana"
    assert Library(desk.settings).list_episodes()[0].current.editor == "ana"


def test_correction_flow_preview_publish_history_rollback(desk: Desk) -> None:
    client = desk.login()
    slug = _publish(desk, client, short_article().decode())
    edit = f"/editor/episodes/{slug}/edit"
    assert "Traffic returned to the old bridge on Monday" in client.get(edit).get_data(as_text=True)
    fields = {"text": FIXED, "source_format": "", "kind": "correction", "note": "Day fixed."}
    shown = post_form(client, edit, {**fields, "action": "preview"}).get_data(as_text=True)
    assert "will be synthesized again" in shown and "Tuesday morning" in shown
    fragment = post_form(client, edit, {**fields, "slug": slug}, action="/editor/preview")
    assert "<del>" in fragment.get_data(as_text=True)
    missing = post_form(client, edit, {**fields, "note": "", "action": "publish"})
    assert missing.status_code == 400
    assert 'aria-describedby="note-hint note-error"' in missing.get_data(as_text=True)
    desk.voice.calls.clear()
    done = post_form(client, edit, {**fields, "action": "publish"})
    assert done.status_code == 303
    assert len(desk.voice.calls) == 3  # the announcement, the note, the changed sentence
    view = Library(desk.settings).get_episode(slug)
    assert view.revision == 2 and view.notices[0].text == "Day fixed."
    page = client.get(f"/editor/episodes/{slug}/history").get_data(as_text=True)
    assert "Revision 2: correction" in page and "Note: Day fixed." in page
    assert "By ana" in page and "<ins>" in page
    assert f"/editor/episodes/{slug}/revisions/2.mp3" in page  # heard from any storage
    back = post_form(
        client,
        f"/editor/episodes/{slug}/history",
        {"revision": "1"},
        action=f"/editor/episodes/{slug}/rollback",
    )
    assert back.status_code == 303
    view = Library(desk.settings).get_episode(slug)
    assert view.revision == 3 and view.current.kind == "rollback"


def test_user_text_is_escaped(desk: Desk) -> None:
    client = desk.login()
    slug = _publish(desk, client, short_article().decode())
    edit = f"/editor/episodes/{slug}/edit"
    note = "<script>alert(1)</script>"
    fields = {"text": FIXED, "source_format": "", "kind": "update", "note": note}
    post_form(client, edit, {**fields, "action": "publish"})
    page = client.get(f"/editor/episodes/{slug}/history").get_data(as_text=True)
    assert note not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_lexicon_preview_save_and_republish_only_the_term(desk: Desk) -> None:
    client = desk.login()
    slug = _publish(desk, client, short_article().decode())
    wav = client.get("/editor/lexicon/preview.wav?word=deck&spoken=dekk&sentence=The+deck.")
    assert wav.mimetype == "audio/wav" and wav.data[:4] == b"RIFF"
    assert desk.voice.calls[-1] == "The dekk."
    heard = post_form(
        client, "/editor/lexicon", {"word": "deck", "spoken": "dekk", "action": "preview"}
    )
    assert "lexicon/preview.wav?word=deck" in heard.get_data(as_text=True)
    bad = post_form(client, "/editor/lexicon", {"word": "deck", "spoken": "[[ x", "action": "save"})
    assert bad.status_code == 400 and "spoken-error" in bad.get_data(as_text=True)
    saved = post_form(
        client, "/editor/lexicon", {"word": "deck", "spoken": "dekk", "action": "save"}
    )
    html = saved.get_data(as_text=True)
    assert "Saved the pronunciation" in html and f'value="{slug}"' in html
    desk.voice.calls.clear()
    done = post_form(
        client,
        "/editor/lexicon",
        {"word": "deck", "slug": slug},
        action="/editor/lexicon/republish",
    )
    assert done.status_code == 200
    assert desk.voice.calls == ["Engineers replaced the dekk joints."]
    assert Library(desk.settings).get_episode(slug).revision == 2
    removed = post_form(
        client, "/editor/lexicon", {"word": "deck", "spoken": "dekk", "action": "remove"}
    )
    assert "No entries yet" in removed.get_data(as_text=True)


def test_index_lists_episodes_and_jobs(desk: Desk) -> None:
    client = desk.login()
    slug = _publish(desk, client, short_article().decode())
    page = client.get("/editor/").get_data(as_text=True)
    assert f"/editor/episodes/{slug}/edit" in page and "publish" in page
    assert csrf_of(client, "/editor/")


def test_new_article_never_overwrites_an_episode(desk: Desk) -> None:
    client = desk.login()
    slug = _publish(desk, client, short_article().decode())
    again = post_form(client, "/editor/new", {"text": FIXED, "source_format": ""})
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    assert Library(desk.settings).get_episode(slug).revision == 1
