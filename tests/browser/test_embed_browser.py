"""The embedded player in real Chromium, inside an iframe on another origin's article page.

Three real servers: the app, a newsroom's page on an origin listed in `embed_origins` and one
on an origin that is not. The newsroom's page frames the player with the html that /oembed
gives, as a CMS would paste it.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
from playwright.sync_api import expect
from werkzeug.serving import BaseWSGIServer, make_server

from audionews.web import create_app
from browser.checks import AXE_TAGS, DESKTOP, NARROW, describe, listen_to_announcer, spoken

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Frame, Page

    from audionews.publish.library import EpisodeView
    from browser.player_site import PlayerSite

pytest_plugins = ["browser.player_site"]


_ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Council story - The Newsroom</title>
<style>body {{ margin: 0 8px; font: 1rem/1.5 sans-serif; }}</style></head>
<body><main><h1>The council story</h1>
<p><a id="before" href="#before">A link before the player</a></p>
{embed}
<p><a id="after" href="#after">A link after the player</a></p>
{filler}
</main></body></html>"""
#: Enough article below the player that the page could scroll, so a jump would show.
_FILLER = "<p>The rest of the article goes on here.</p>" * 80


@dataclass
class Newsroom:
    """A page of a newsroom's site on its own origin (another port of 127.0.0.1)."""

    url: str
    embed: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = _ARTICLE.format(embed=self.embed, filler=_FILLER).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]


class _App:
    """The app, made once the server has its port (its public URL names it); swappable."""

    app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None
        return self.app(environ, start_response)


@dataclass
class Sites:
    app_url: str
    allowed: Newsroom
    other: Newsroom
    late: _App
    site: PlayerSite

    def oembed(self, slug: str, **params: str) -> dict[str, Any]:
        query = urllib.parse.urlencode({"url": f"{self.app_url}/episodes/{slug}/", **params})
        with urllib.request.urlopen(f"{self.app_url}/oembed?{query}") as response:
            answer: dict[str, Any] = json.load(response)
        return answer


def _serve(app: Callable[..., Iterable[bytes]]) -> tuple[BaseWSGIServer, threading.Thread]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="embed-test-server", daemon=True)
    thread.start()
    return httpd, thread


@pytest.fixture(scope="module")
def sites(player_site: PlayerSite) -> Iterator[Sites]:
    """Start the app (embed_origins: the allowed newsroom only) and the two newsroom pages."""
    late = _App()
    servers = []
    app_httpd, app_thread = _serve(late)
    servers.append((app_httpd, app_thread))
    app_url = f"http://127.0.0.1:{app_httpd.server_port}"
    rooms = []
    for _ in range(2):
        room = Newsroom("")
        httpd, thread = _serve(room)
        room.url = f"http://127.0.0.1:{httpd.server_port}"
        servers.append((httpd, thread))
        rooms.append(room)
    allowed, other = rooms
    settings = player_site.settings.with_overrides(public_url=app_url, embed_origins=(allowed.url,))
    late.app = create_app(settings)
    try:
        yield Sites(app_url, allowed, other, late, player_site)
    finally:
        for httpd, thread in servers:
            httpd.shutdown()
            thread.join(timeout=5)


def _long_episode(sites: Sites) -> EpisodeView:
    return max(sites.site.episodes(), key=lambda e: (len(e.chapters), e.duration_s))


def _open(page: Page, sites: Sites, room: Newsroom, slug: str, **params: str) -> Frame:
    """Put the oEmbed html on the newsroom's page, open it and return the player's frame."""
    room.embed = sites.oembed(slug, **params)["html"]
    page.goto(room.url + "/")
    frame = page.wait_for_selector("iframe").content_frame()
    assert frame is not None
    # loading="lazy": the frame loads once in view, maybe after the host page's load event.
    frame.wait_for_url(f"{sites.app_url}/embed/{slug}")
    frame.wait_for_load_state("load")
    _until(frame, "() => document.querySelector('audio').readyState >= 1")
    return frame


def _axe(page: Page, frame: Frame) -> list[dict[str, Any]]:
    """Run axe-core in the frame alone, then on the host page with the frame included."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    inside = axe.run(frame, options=options).response
    # Axe is already in the frame, so the host page's run reaches into it (postMessage).
    whole = axe.run(page, options=options).response
    violations: list[dict[str, Any]] = inside["violations"] + whole["violations"]
    assert inside["url"].startswith(frame.url)
    return violations


def _focused(page: Page, frame: Frame) -> dict[str, str]:
    """Describe the focused element, in the frame when focus is in it."""
    script = """() => {
      const el = document.activeElement;
      return {tag: el.tagName.toLowerCase(), id: el.id || '', cls: el.className || '',
              text: (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
              action: el.getAttribute('data-action') || '',
              controls: el.getAttribute('aria-controls') || ''};
    }"""
    top: dict[str, str] = page.evaluate(script)
    if top["tag"] != "iframe":
        return {"where": "host", **top}
    inner: dict[str, str] = frame.evaluate(script)
    return {"where": "frame", **inner}


def _tab_until(page: Page, frame: Frame, matches: Callable[[dict[str, str]], bool]) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if matches(_focused(page, frame)):
            return
    raise AssertionError(f"Tab never reached the element (last: {_focused(page, frame)})")


def _eventually(
    page: Page | Frame, check: Callable[[], object], what: str, timeout: float = 15.0
) -> None:
    """Wait until check() is true. Polled from here, since the embed's CSP forbids the eval
    that Playwright's wait_for_function would run inside the frame; Playwright's own wait
    between checks lets its events (console messages, frame navigations) arrive."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def _until(frame: Frame, script: str, timeout: float = 15.0) -> None:
    """Wait until `script` (a function's source) is true in the frame."""
    _eventually(frame, lambda: frame.evaluate(script), what=script, timeout=timeout)


def _time(frame: Frame) -> float:
    value: float = frame.evaluate("document.querySelector('audio').currentTime")
    return value


# --------------------------------------------------------------------------- axe-core


@pytest.mark.parametrize(
    ("viewport", "scheme", "maxwidth"),
    [(DESKTOP, "light", ""), (NARROW, "light", "304"), (DESKTOP, "dark", "")],
    ids=["desktop", "narrow", "dark"],
)
def test_axe_finds_no_violations_inside_the_iframe(
    browser: Browser,
    sites: Sites,
    artifacts: Path,
    viewport: dict[str, int],
    scheme: Literal["light", "dark"],
    maxwidth: str,
) -> None:
    ctx = browser.new_context(viewport=viewport, color_scheme=scheme)
    try:
        page = ctx.new_page()
        episode = _long_episode(sites)
        params = {"maxwidth": maxwidth} if maxwidth else {}
        frame = _open(page, sites, sites.allowed, episode.slug, **params)
        violations = _axe(page, frame)
        assert not violations, "panels closed:\n" + describe(violations)
        # Each panel open, with a sentence and a chapter current: the states a listener meets.
        frame.evaluate(f"document.querySelector('audio').currentTime = {episode.chapters[2].start}")
        frame.wait_for_selector(".cue.is-current", state="attached")
        for name in ("chapters", "transcript", "more"):
            frame.locator(f"[data-toggle][aria-controls='{name}']").click()
            expect(frame.locator(f"#{name}")).to_be_visible()
            violations = _axe(page, frame)
            assert not violations, f"{name} open:\n" + describe(violations)
            shot = artifacts / f"embed-{scheme}-{viewport['width']}-{name}.png"
            page.screenshot(path=str(shot))
        # Nothing in the frame forces sideways scrolling (WCAG 1.4.10 reflow).
        overflow = frame.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    finally:
        ctx.close()


# --------------------------------------------------------------------------- keyboard


def test_tab_goes_through_the_player_in_order_and_back_to_the_host_page(
    page: Page, sites: Sites
) -> None:
    episode = _long_episode(sites)
    frame = _open(page, sites, sites.allowed, episode.slug)
    page.focus("#before")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        here = _focused(page, frame)
        if here["where"] == "host":
            break
        seen.append(here["action"] or here["controls"] or here["id"] or here["tag"])
    assert _focused(page, frame)["id"] == "after"
    assert seen == [
        "a",  # the headline, to the episode page
        "play",
        "back",
        "forward",
        "previous-chapter",
        "next-chapter",
        "seek",
        "speed",
        "chapters",
        "transcript",
        "more",
    ]
    # Shift+Tab comes back into the frame at its last control.
    page.keyboard.press("Shift+Tab")
    assert _focused(page, frame)["controls"] == "more"


def test_toggles_open_chapters_and_transcript_that_seek_from_the_keyboard(
    page: Page, sites: Sites
) -> None:
    episode = _long_episode(sites)
    frame = _open(page, sites, sites.allowed, episode.slug)
    chapters = frame.locator("[data-toggle][aria-controls='chapters']")
    expect(chapters).to_have_attribute("aria-expanded", "false")
    expect(frame.locator("#chapters")).to_be_hidden()
    page.focus("#before")
    _tab_until(page, frame, lambda e: e["controls"] == "chapters")
    page.keyboard.press("Enter")
    expect(chapters).to_have_attribute("aria-expanded", "true")
    target = episode.chapters[3]
    _tab_until(page, frame, lambda e: e["tag"] == "button" and target.title in e["text"])
    page.keyboard.press("Enter")
    assert _time(frame) == pytest.approx(target.start, abs=0.05)
    expect(frame.locator(".chapter[aria-current='true']")).to_contain_text(target.title)
    # The transcript: one tab stop, arrows between sentences, Enter plays from one.
    _tab_until(page, frame, lambda e: e["controls"] == "transcript")
    page.keyboard.press("Space")
    expect(frame.locator("#transcript")).to_be_visible()
    # One panel at a time: the frame's room goes to the one just opened.
    expect(frame.locator("#chapters")).to_be_hidden()
    expect(chapters).to_have_attribute("aria-expanded", "false")
    _tab_until(page, frame, lambda e: "cue" in e["cls"])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = frame.evaluate(
        "({id: document.activeElement.id, start: +document.activeElement.dataset.start})"
    )
    page.keyboard.press("Enter")
    assert _time(frame) == pytest.approx(focused["start"], abs=0.05)
    # Closing a panel hides it again and leaves focus on its toggle.
    page.keyboard.press("Shift+Tab")  # the panels follow the row of toggles
    assert _focused(page, frame)["controls"] == "more"
    page.keyboard.press("Shift+Tab")
    assert _focused(page, frame)["controls"] == "transcript"
    page.keyboard.press("Enter")
    expect(frame.locator("#transcript")).to_be_hidden()
    assert _focused(page, frame)["controls"] == "transcript"


def test_transcript_sentences_are_links_that_seek_in_the_frame(page: Page, sites: Sites) -> None:
    episode = _long_episode(sites)
    frame = _open(page, sites, sites.allowed, episode.slug)
    frame.locator("[data-toggle][aria-controls='transcript']").click()
    region = frame.get_by_role("region", name="Transcript", exact=True)
    expect(region).to_be_visible()
    sentences = region.get_by_role("link")
    expect(sentences).to_have_count(frame.locator("[data-transcript] .cue").count())
    tabbable = frame.evaluate(
        "() => [...document.querySelectorAll('.cue')].filter(c => c.tabIndex >= 0).length"
    )
    assert tabbable == 1
    page.focus("#before")
    _tab_until(page, frame, lambda e: "cue" in e["cls"])
    expect(sentences.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(sentences.nth(2)).to_be_focused()
    page.keyboard.press("Space")
    start = float(sentences.nth(2).get_attribute("data-start") or "nan")
    assert _time(frame) == pytest.approx(start, abs=0.05)
    expect(sentences.nth(2)).to_have_attribute("aria-current", "true")
    assert frame.url == f"{sites.app_url}/embed/{episode.slug}"


def test_jumps_in_the_frame_say_where_they_landed_once(page: Page, sites: Sites) -> None:
    episode = _long_episode(sites)
    frame = _open(page, sites, sites.allowed, episode.slug)
    listen_to_announcer(frame)
    page.focus("#before")
    _tab_until(page, frame, lambda e: e["action"] == "play")
    landing = episode.chapters[1].start
    for key, step in (("]", 0), ("l", 30), ("j", -15)):
        landing += step
        index = max(i for i, c in enumerate(episode.chapters) if c.start <= landing + 0.0005)
        frame.evaluate("() => { window.__said = []; }")
        page.keyboard.press(key)
        page.wait_for_timeout(400)
        said = frame.evaluate("() => window.__said")
        assert len(said) == 1, (key, said)
        assert episode.chapters[index].title in said[0], (key, said)
        assert spoken(landing) in said[0], (key, said)


def test_now_playing_wraps_in_the_frame_at_320px(browser: Browser, sites: Sites) -> None:
    ctx = browser.new_context(viewport=NARROW, reduced_motion="reduce")
    try:
        page = ctx.new_page()
        episode = _long_episode(sites)
        frame = _open(page, sites, sites.allowed, episode.slug, maxwidth="304")
        frame.locator("[data-toggle][aria-controls='chapters']").click()
        for index, chapter in enumerate(episode.chapters):
            frame.evaluate(f"document.querySelector('audio').currentTime = {chapter.start + 0.01}")
            button = frame.locator(".chapter").nth(index)
            expect(button).to_have_attribute("aria-current", "true")
            label = button.locator(".chapter-now")
            expect(label).to_be_visible()
            width = frame.evaluate("window.innerWidth")
            assert frame.evaluate("document.documentElement.scrollWidth") <= width
            outer = button.bounding_box()
            inner = label.bounding_box()
            assert outer is not None and inner is not None
            assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5, chapter.title
    finally:
        ctx.close()


def test_an_open_panels_toggle_stands_out_in_forced_colours(browser: Browser, sites: Sites) -> None:
    ctx = browser.new_context(viewport=DESKTOP, forced_colors="active")
    try:
        page = ctx.new_page()
        frame = _open(page, sites, sites.allowed, _long_episode(sites).slug)
        toggle = frame.locator("[data-toggle][aria-controls='chapters']")
        colour = "el => getComputedStyle(el).backgroundColor"
        closed = toggle.evaluate(colour)
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        assert toggle.evaluate(colour) != closed
    finally:
        ctx.close()


def test_shortcuts_work_in_the_frame_and_not_on_the_host_page(page: Page, sites: Sites) -> None:
    episode = _long_episode(sites)
    frame = _open(page, sites, sites.allowed, episode.slug)
    page.focus("#before")
    page.keyboard.press("l")
    assert _time(frame) == 0
    _tab_until(page, frame, lambda e: e["action"] == "play")
    page.keyboard.press("l")
    assert _time(frame) == pytest.approx(30, abs=0.05)
    page.keyboard.press("]")
    next_start = next(c.start for c in episode.chapters if c.start > 30)
    assert _time(frame) == pytest.approx(next_start, abs=0.05)
    page.keyboard.press(">")
    assert frame.evaluate("document.querySelector('audio').playbackRate") == 1.25
    expect(frame.locator("[data-announcer]")).to_have_text("Speed 1.25 times")


# --------------------------------------------------------------------------- playback


def test_it_plays_and_follows_the_voice_without_moving_the_host_page(
    page: Page, sites: Sites
) -> None:
    episode = _long_episode(sites)
    frame = _open(page, sites, sites.allowed, episode.slug)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    frame.evaluate("document.querySelector('audio').muted = true")
    frame.locator("[data-toggle][aria-controls='transcript']").click()
    frame.locator("[data-action='play']").click()
    _until(frame, "() => document.querySelector('audio').currentTime > 2.5")
    expect(frame.locator("[data-action='play']")).to_have_text("Pause")
    # Far into the episode: the current sentence is well below the transcript box's top.
    frame.evaluate(f"document.querySelector('audio').currentTime = {episode.duration_s - 8}")
    _until(
        frame,
        """() => {
          const box = document.querySelector('[data-transcript]');
          const cue = document.querySelector('.cue.is-current');
          return cue && box.scrollTop > 0
            && cue.offsetTop >= box.scrollTop && cue.offsetTop < box.scrollTop + box.clientHeight;
        }""",
    )
    assert page.evaluate("window.scrollY") == 0
    assert frame.evaluate("document.scrollingElement.scrollTop") == 0
    frame.locator("[data-action='play']").click()
    # Everything the player fetched came from the app's own origin: no third party.
    assert requested and all(url.startswith(sites.app_url + "/") for url in requested), requested


def test_it_works_in_the_sandbox_wordpress_puts_around_discovered_embeds(
    page: Page, sites: Sites
) -> None:
    # WordPress frames a provider it found by discovery with sandbox="allow-scripts": an opaque
    # origin, so no storage; the player must still play.
    episode = _long_episode(sites)
    html = sites.oembed(episode.slug)["html"]
    sites.allowed.embed = html.replace("<iframe ", '<iframe sandbox="allow-scripts" ', 1)
    page.goto(sites.allowed.url + "/")
    frame = page.wait_for_selector("iframe").content_frame()
    assert frame is not None
    frame.wait_for_url(f"{sites.app_url}/embed/{episode.slug}")
    frame.wait_for_load_state("load")
    assert frame.evaluate("() => window.origin") == "null"
    expect(frame.locator("[data-controls]")).to_be_visible()
    frame.evaluate("document.querySelector('audio').muted = true")
    frame.locator("[data-action='play']").click()
    _until(frame, "() => document.querySelector('audio').currentTime > 1")
    frame.locator("[data-action='play']").click()
    expect(frame.locator("[data-action='play']")).to_have_text("Play")


# --------------------------------------------------------------------------- without JavaScript


def test_without_javascript_the_frame_has_native_audio_chapters_and_transcript(
    browser: Browser, sites: Sites
) -> None:
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = ctx.new_page()
        episode = _long_episode(sites)
        sites.allowed.embed = sites.oembed(episode.slug)["html"]
        page.goto(sites.allowed.url + "/")
        frame = page.wait_for_selector("iframe").content_frame()
        assert frame is not None
        frame.wait_for_url(f"{sites.app_url}/embed/{episode.slug}")
        frame.wait_for_load_state("load")
        assert frame.locator("audio").get_attribute("controls") is not None
        expect(frame.locator("audio")).to_be_visible()
        expect(frame.locator("[data-controls]")).to_be_hidden()
        expect(frame.locator("#more")).to_be_hidden()  # its controls need the script
        links = frame.locator("ol[data-chapters] a")
        assert links.count() == len(episode.chapters)
        expect(links.nth(1)).to_be_visible()
        expect(frame.locator("[data-transcript] .cue").first).to_be_visible()
    finally:
        ctx.close()


# --------------------------------------------------------------------------- frame-ancestors


def test_chromium_refuses_the_frame_on_a_site_not_in_embed_origins(
    page: Page, sites: Sites
) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    episode = _long_episode(sites)
    sites.other.embed = sites.oembed(episode.slug)["html"]
    page.goto(sites.other.url + "/")
    page.wait_for_load_state("load")
    frames = [f for f in page.frames if f is not page.main_frame]
    assert len(frames) == 1
    # The refused frame holds Chromium's error page, never the player, and says why.
    _eventually(page, lambda: frames[0].url.startswith("chrome-error://"), what="an error page")
    _eventually(page, lambda: any("frame-ancestors" in t for t in refused), what="the refusal")
    assert not frames[0].url.startswith(sites.app_url)
    assert any("blocked" in t and sites.allowed.url in t for t in refused), refused
    # The same code on the allowed site shows the player.
    frame = _open(page, sites, sites.allowed, episode.slug)
    expect(frame.locator("[data-action='play']")).to_be_visible()


def test_the_default_lets_any_site_frame_the_player(page: Page, sites: Sites) -> None:
    default = create_app(sites.site.settings.with_overrides(public_url=sites.app_url))
    assert default.extensions["audionews.settings"].embed_origins == ("*",)
    restricted, sites.late.app = sites.late.app, default
    try:
        frame = _open(page, sites, sites.other, _long_episode(sites).slug)
        expect(frame.locator("[data-action='play']")).to_be_visible()
    finally:
        sites.late.app = restricted


# --------------------------------------------------------------------------- the episode page


def test_copy_the_embed_code_with_the_keyboard(page: Page, sites: Sites) -> None:
    episode = _long_episode(sites)
    page.goto(f"{sites.app_url}/episodes/{episode.slug}/")
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText") == "Copy embed code":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".embed-code [data-copy-status]")).to_have_text("Embed code copied.")
