"""The editor in real Chromium: axe-core on every page (light and dark), live preview by fetch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

import audionews.worker
from audionews.audio.fake import FakeSynthesizer
from audionews.publish import accounts, jobs
from audionews.vocabulary import WebhookEvent
from browser.checks import AXE_TAGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from browser.player_site import PlayerSite
    from conftest import Server

pytest_plugins = ["browser.player_site"]

PASSWORD = "correct horse battery"
SLUG = "council-vote"


@pytest.fixture(scope="module")
def player_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlayerSite]:
    """A library of this module's own (the editor publishes into it), with editor 'ana'."""
    from browser.player_site import build_player_site

    site = build_player_site(Path(tmp_path_factory.mktemp("editor-site")))
    accounts.add_editor(site.settings, "ana", PASSWORD)
    audionews.worker.huey_for(site.settings).immediate = True
    jobs.use_synthesizer(FakeSynthesizer)
    yield site
    jobs.use_synthesizer(None)


def _axe(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def _check(page: Page, where: str) -> None:
    page.wait_for_load_state("load")
    violations = _axe(page)
    assert not violations, (
        where
        + ":\n"
        + "\n".join(
            f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes'][:5]]}" for v in violations
        )
    )


def _login(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/editor/login")
    page.get_by_label("Name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/editor/")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_editor_pages(
    browser: Browser, server: Server, scheme: Literal["light", "dark"]
) -> None:
    ctx = browser.new_context(color_scheme=scheme)
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/editor/login")
        _check(page, "login")
        page.get_by_role("button", name="Log in").click()  # wrong: errors tied to fields
        _check(page, "login with errors")
        _login(page, server)
        for path in ("/editor/", "/editor/new", f"/editor/episodes/{SLUG}/edit",
                     f"/editor/episodes/{SLUG}/history", "/editor/lexicon"):  # fmt: skip
            page.goto(server.url + path)
            _check(page, path)
        page.goto(f"{server.url}/editor/new")
        page.get_by_role("button", name="Publish").click()
        _check(page, "new article with errors")
        page.goto(f"{server.url}/editor/episodes/{SLUG}/edit")
        page.get_by_role("button", name="Publish the correction").click()
        _check(page, "correction with errors")
        page.goto(f"{server.url}/editor/lexicon")
        page.get_by_label("Word or phrase as written").fill("mayor")
        page.get_by_label("How to say it").fill("MAY-or")
        page.get_by_role("button", name="Save").click()
        _check(page, "lexicon saved, episodes listed")
    finally:
        ctx.close()


def test_live_preview_shows_what_will_be_spoken_again(browser: Browser, server: Server) -> None:
    from playwright.sync_api import expect

    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _login(page, server)
        page.goto(f"{server.url}/editor/episodes/{SLUG}/edit")
        text = page.get_by_label("Article text")
        text.fill(text.input_value().replace("Work starts in May.", "Work starts in June."))
        body = page.locator("[data-preview-body]")
        expect(body).to_contain_text("will be synthesized again", timeout=10_000)
        expect(body.locator("ins")).to_contain_text("Work starts in June.")
        page.get_by_label("Note to listeners").fill("The start month was wrong.")
        page.get_by_role("button", name="Publish the correction").click()
        expect(page.locator("[data-job-state]")).to_have_text("published", timeout=10_000)
        _check(page, "job page")
    finally:
        ctx.close()


def test_a_broken_lexicon_line_is_shown_accessibly_and_removed(
    browser: Browser, server: Server, player_site: PlayerSite
) -> None:
    from playwright.sync_api import expect

    from audionews.publish import pronunciations
    from audionews.storage import shared

    settings = player_site.settings
    before = pronunciations.stored(settings)
    shared.write(settings, shared.LEXICON, before + b'"deck\x7f" = "dekk"\n')
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _login(page, server)
        page.goto(f"{server.url}/editor/lexicon")
        problems = page.get_by_role("region", name="Lines of the lexicon that are skipped")
        expect(problems).to_contain_text("deck⟨U+007F⟩")
        _check(page, "lexicon with a skipped line")
        problems.get_by_role("button", name="Remove line").click()
        expect(page.get_by_role("heading", name="Pronunciations", level=1)).to_be_visible()
        expect(problems).to_have_count(0)
        assert pronunciations.stored(settings) == before
    finally:
        ctx.close()


def test_a_failed_login_takes_focus_to_the_errors_and_names_them_in_the_title(
    browser: Browser, server: Server
) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/editor/login")
        page.get_by_label("Name").fill("ana")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        assert page.title().startswith("Error: Log in")
        focused = page.evaluate(
            "() => [document.activeElement.className, document.activeElement.innerText]"
        )
        assert focused[0] == "error-summary" and "The name or the password is wrong." in focused[1]
        page.keyboard.press("Tab")  # the next stop is the link to the field in error
        assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#password"
        _login(page, server)
        assert not page.title().startswith("Error")
    finally:
        ctx.close()


#: Editor pages that hold a table, with the table's name.
TABLE_PAGES = {
    "/editor/": ["Published episodes", "Recent jobs"],
    "/editor/lexicon": ["Entries"],
}


def test_at_320_px_tables_scroll_in_their_own_region(browser: Browser, server: Server) -> None:
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = ctx.new_page()
        _login(page, server)
        page.goto(f"{server.url}/editor/lexicon")
        page.get_by_label("Word or phrase as written").fill("Councillor Oyelaran-Whitcombe")
        page.get_by_label("How to say it").fill("COUN-sil-or oh-yeh-LAH-ran WIT-come")
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state("load")
        paths = [*TABLE_PAGES, "/editor/new", f"/editor/episodes/{SLUG}/edit",
                 f"/editor/episodes/{SLUG}/history"]  # fmt: skip
        for path in paths:
            page.goto(server.url + path)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 320, f"{path} is {width} px wide at 320 px"
            for name in TABLE_PAGES.get(path, []):
                region = page.get_by_role("region", name=name)
                assert region.get_attribute("tabindex") == "0"  # reachable to scroll by keys
                assert region.locator("table").count() == 1
            _check(page, f"{path} at 320 px")
    finally:
        ctx.close()


def test_the_webhooks_page_is_accessible_and_shows_a_secret_once(
    browser: Browser, server: Server
) -> None:
    from playwright.sync_api import expect

    from audionews.publish import webhooks

    settings = server.site.settings
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = ctx.new_page()
        _login(page, server)
        page.goto(f"{server.url}/editor/webhooks")
        _check(page, "webhooks, none yet")
        page.get_by_label("Address the CMS receives webhooks at").fill("http://10.1.2.3/hook")
        page.get_by_role("button", name="Add the webhook").click()
        page.wait_for_load_state("load")
        assert page.title().startswith("Error:")
        assert page.evaluate("() => document.activeElement.className") == "error-summary"
        _check(page, "webhooks with errors")
        address = page.get_by_label("Address the CMS receives webhooks at")
        address.fill("https://cms.example/audio-webhook")
        page.get_by_role("checkbox", name="revision.published").uncheck()
        page.get_by_role("button", name="Add the webhook").click()
        confirmed = page.get_by_role("status")
        expect(confirmed).to_contain_text("shown only this once")
        secret = page.locator(".secret code").inner_text()
        assert len(secret) >= webhooks.MIN_SECRET_CHARS
        _check(page, "webhook added, secret shown")
        # a delivery in the log: its name does not resolve here, so it waits for a retry
        webhooks.notify(settings, WebhookEvent.JOB_FAILED, {"error": "example"})
        page.goto(f"{server.url}/editor/webhooks")
        assert secret not in page.content()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"/editor/webhooks is {width} px wide at 320 px"
        for name in ("Receivers", "Recent deliveries"):
            region = page.get_by_role("region", name=name)
            assert region.get_attribute("tabindex") == "0"
            assert region.locator("table").count() == 1
        expect(page.get_by_role("region", name="Recent deliveries")).to_contain_text("retrying")
        _check(page, "webhooks with a delivery at 320 px")
        page.get_by_role("button", name="Remove the webhook for https://cms.example/").click()
        expect(page.get_by_text("No webhooks yet.")).to_be_visible()
    finally:
        ctx.close()
        for hook in webhooks.list_webhooks(settings):
            webhooks.remove_webhook(settings, hook.id)
