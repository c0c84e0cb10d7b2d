"""The player in real Chromium: axe-core, keyboard only, real playback, no-JS, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
from playwright.sync_api import expect

from browser.checks import AXE_TAGS, DESKTOP, NARROW, describe, listen_to_announcer, spoken

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from audionews.publish.library import EpisodeView
    from conftest import Server

pytest_plugins = ["browser.player_site"]


def _long_episode(server: Server) -> EpisodeView:
    return max(server.site.episodes(), key=lambda e: (len(e.chapters), e.duration_s))


def _open_episode(page: Page, server: Server, episode: EpisodeView) -> None:
    page.goto(f"{server.url}/episodes/{episode.slug}/")
    page.wait_for_function("document.querySelector('audio').readyState >= 1")


def _axe(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def _active(page: Page) -> dict[str, str]:
    """Describe the focused element: tag, id, class, text, and a few attributes."""
    described: dict[str, str] = page.evaluate(
        """() => {
          const el = document.activeElement;
          return {
            tag: el.tagName.toLowerCase(), id: el.id || '', cls: el.className || '',
            text: (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
            action: el.getAttribute('data-action') || '', href: el.getAttribute('href') || '',
          };
        }"""
    )
    return described


def _tab_until(page: Page, matches: Callable[[dict[str, str]], bool], limit: int = 80) -> int:
    """Press Tab until the focused element matches; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if matches(_active(page)):
            return presses
    raise AssertionError(f"Tab never reached the element (last: {_active(page)})")


def _current_time(page: Page) -> float:
    value: float = page.evaluate("document.querySelector('audio').currentTime")
    return value


# --------------------------------------------------------------------------- axe-core


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [(DESKTOP, "light"), (NARROW, "light"), (DESKTOP, "dark")],
    ids=["desktop", "narrow", "dark"],
)
def test_axe_finds_no_violations(
    browser: Browser, server: Server, viewport: dict[str, int], scheme: Literal["light", "dark"]
) -> None:
    ctx = browser.new_context(viewport=viewport, color_scheme=scheme)
    try:
        page = ctx.new_page()
        for path in ("/", f"/episodes/{_long_episode(server).slug}/", "/episodes/council-vote/"):
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            violations = _axe(page)
            assert not violations, f"{path}:\n{describe(violations)}"
    finally:
        ctx.close()


# --------------------------------------------------------------------------- keyboard


def test_tab_reaches_every_control_in_order(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    seen: list[dict[str, str]] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        here = _active(page)
        if seen and here == seen[0]:
            break
        seen.append(here)
        if here["tag"] == "body":
            break

    def position(match: Callable[[dict[str, str]], bool]) -> int:
        hits = [i for i, element in enumerate(seen) if match(element)]
        assert hits, f"never focused; order was {[e['text'] or e['id'] for e in seen]}"
        return hits[0]

    order = [
        position(lambda e: e["href"] == "#main"),
        *(position(lambda e, a=a: e["action"] == a) for a in ("play", "back", "forward")),
        position(lambda e: e["action"] == "previous-chapter"),
        position(lambda e: e["action"] == "next-chapter"),
        position(lambda e: e["id"] == "seek"),
        position(lambda e: e["id"] == "speed"),
        position(lambda e: e["action"] == "mute"),
        position(lambda e: e["id"] == "volume"),
        position(lambda e: e["id"] == "follow"),
        position(lambda e: e["id"] == "announce"),
        position(lambda e: e["tag"] == "summary"),
        *(
            position(lambda e, t=c.title: e["tag"] == "button" and t in e["text"])
            for c in episode.chapters
        ),
        position(lambda e: "cue" in e["cls"]),
        position(lambda e: e["href"] == episode.mp3.path),
    ]
    assert order == sorted(order), [e["text"] or e["id"] for e in seen]
    # The transcript is one tab stop, not one per sentence.
    assert sum("cue" in e["cls"] for e in seen) == 1


def test_enter_on_a_chapter_seeks_to_its_start(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    target = episode.chapters[3]
    _tab_until(page, lambda e: e["tag"] == "button" and target.title in e["text"])
    page.keyboard.press("Enter")
    assert _current_time(page) == pytest.approx(target.start, abs=0.05)
    current = page.locator(".chapter[aria-current='true']")
    assert current.count() == 1
    assert target.title in current.inner_text()


def test_enter_on_a_sentence_seeks_there(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    _tab_until(page, lambda e: "cue" in e["cls"])
    for _ in range(5):
        page.keyboard.press("ArrowDown")
    focused = page.evaluate(
        "({id: document.activeElement.id, start: +document.activeElement.dataset.start})"
    )
    assert focused["id"] == "cue-6"
    page.keyboard.press("Enter")
    assert _current_time(page) == pytest.approx(focused["start"], abs=0.05)
    page.wait_for_function("document.querySelector('#cue-6').classList.contains('is-current')")
    assert page.locator(".cue.is-current").count() == 1


def test_transcript_sentences_are_links_in_one_labelled_region(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    region = page.get_by_role("region", name="Transcript", exact=True)
    expect(region).to_have_count(1)
    sentences = region.get_by_role("link")
    cues = page.locator("[data-transcript] .cue")
    assert cues.count() > 10
    expect(sentences).to_have_count(cues.count())
    third = cues.nth(2).inner_text()
    expect(region.get_by_role("link", name=third, exact=True)).to_have_count(1)
    # Running text: a long sentence breaks across lines like the words around it.
    wrapped = page.evaluate(
        "[...document.querySelectorAll('.cue')].some(c => c.getClientRects().length > 1)"
    )
    assert wrapped
    # One Tab stop for the whole transcript; arrows, Home and End move within it.
    tabbable = page.evaluate(
        "[...document.querySelectorAll('.cue')].filter(c => c.tabIndex >= 0).length"
    )
    assert tabbable == 1
    _tab_until(page, lambda e: "cue" in e["cls"])
    expect(sentences.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(sentences.nth(1)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(sentences.nth(2)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(sentences.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(sentences.last).to_be_focused()
    page.keyboard.press("Home")
    expect(sentences.nth(0)).to_be_focused()
    page.keyboard.press("Tab")
    assert "cue" not in _active(page)["cls"]
    page.keyboard.press("Shift+Tab")
    expect(sentences.nth(0)).to_be_focused()
    # Enter and Space play from the focused sentence, in the page, and mark it current.
    for key, index in (("Enter", 3), ("Space", 5)):
        while not sentences.nth(index).evaluate("el => el === document.activeElement"):
            page.keyboard.press("ArrowDown")
        page.keyboard.press(key)
        start = float(sentences.nth(index).get_attribute("data-start") or "nan")
        assert _current_time(page) == pytest.approx(start, abs=0.05)
        assert page.url.endswith(f"/episodes/{episode.slug}/")
        expect(sentences.nth(index)).to_have_attribute("aria-current", "true")
        assert page.locator(".cue[aria-current='true']").count() == 1
    violations = _axe(page)
    assert not violations, describe(violations)


def _said_after(page: Page, act: Callable[[], None]) -> list[str]:
    page.evaluate("window.__said = []")
    act()
    page.wait_for_timeout(400)  # the announcer writes after 50 ms; anything later would show
    said: list[str] = page.evaluate("window.__said")
    return said


def _where(episode: EpisodeView, time: float, lead: str = "time") -> str:
    """The words player.js says on landing at `time`."""
    index = max(i for i, c in enumerate(episode.chapters) if c.start <= time + 0.0005)
    chapter = f"chapter {index + 1} of {len(episode.chapters)}: {episode.chapters[index].title}"
    if lead == "chapter":
        return f"C{chapter[1:]}, {spoken(time)}"
    return f"{spoken(time)}, {chapter}"


def test_every_jump_says_where_it_landed_once(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    chapters = episode.chapters
    _open_episode(page, server, episode)
    listen_to_announcer(page)
    _tab_until(page, lambda e: e["action"] == "next-chapter")
    said = _said_after(page, lambda: page.keyboard.press("Enter"))
    assert said == [_where(episode, chapters[1].start, "chapter")]
    assert said[0].startswith(f"Chapter 2 of {len(chapters)}: {chapters[1].title}")
    said = _said_after(page, lambda: page.keyboard.press("]"))
    assert said == [_where(episode, chapters[2].start, "chapter")]
    landing = _current_time(page) - 15
    said = _said_after(page, lambda: page.keyboard.press("j"))
    assert said == [_where(episode, landing)]
    landing = _current_time(page) + 30
    said = _said_after(page, lambda: page.keyboard.press("l"))
    assert said == [_where(episode, landing)]
    _tab_until(page, lambda e: "cue" in e["cls"])
    page.keyboard.press("ArrowDown")
    start = float(page.evaluate("document.activeElement.dataset.start"))
    said = _said_after(page, lambda: page.keyboard.press("Enter"))
    assert said == [_where(episode, start)]
    # While playing with chapter announcements on, a chapter jump is still said once.
    page.evaluate("document.querySelector('audio').muted = true")
    page.check("#announce")
    page.evaluate("document.querySelector('audio').play()")
    page.wait_for_function("!document.querySelector('audio').paused")
    page.locator("[data-action='next-chapter']").focus()
    target = next(c for c in chapters if c.start > _current_time(page) + 0.5)
    said = _said_after(page, lambda: page.keyboard.press("Enter"))
    assert len(said) == 1 and target.title in said[0], said
    page.evaluate("document.querySelector('audio').pause()")


def test_shortcuts_work_only_inside_the_player(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    page.locator("h1").click()  # focus outside the player's sections
    page.keyboard.press("l")
    assert _current_time(page) == 0
    _tab_until(page, lambda e: e["action"] == "play")
    page.keyboard.press("l")
    assert _current_time(page) == pytest.approx(30, abs=0.05)
    page.keyboard.press("]")
    next_start = next(c.start for c in episode.chapters if c.start > 30)
    assert _current_time(page) == pytest.approx(next_start, abs=0.05)
    page.keyboard.press("j")
    assert _current_time(page) == pytest.approx(next_start - 15, abs=0.05)
    valuetext = page.get_attribute("#seek", "aria-valuetext")
    assert valuetext is not None and valuetext.endswith(" of " + spoken(episode.duration_s))


def test_speed_is_remembered(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    _tab_until(page, lambda e: e["id"] == "speed")
    page.keyboard.press("ArrowDown")  # 1x -> 1.25x
    page.keyboard.press("ArrowDown")  # -> 1.5x
    assert page.evaluate("document.querySelector('audio').playbackRate") == 1.5
    _open_episode(page, server, episode)
    assert page.evaluate("document.querySelector('audio').playbackRate") == 1.5
    assert page.input_value("#speed") == "1.5"


def test_a_return_visit_offers_to_resume(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    assert page.locator("[data-action='resume']").is_hidden()
    _tab_until(page, lambda e: e["action"] == "play")
    page.keyboard.press("l")
    page.keyboard.press("l")
    page.wait_for_function("document.querySelector('audio').seeking === false")
    _open_episode(page, server, episode)
    page.evaluate("document.querySelector('audio').muted = true")
    resume = page.locator("[data-action='resume']")
    expect(resume).to_have_text("Resume from 1:00")
    _tab_until(page, lambda e: e["action"] == "resume")
    page.keyboard.press("Enter")
    assert _current_time(page) == pytest.approx(60, abs=1)
    expect(resume).to_be_hidden()
    assert _active(page)["action"] == "play"
    page.keyboard.press("k")


# --------------------------------------------------------------------------- playback


def test_the_mp3_plays_and_the_highlight_follows(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    page.evaluate("document.querySelector('audio').muted = true")
    _tab_until(page, lambda e: e["action"] == "play")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('audio').currentTime > 2.5", timeout=15000)
    expect(page.locator("[data-action='play']")).to_have_text("Pause")
    state = page.evaluate(
        """() => {
          const t = document.querySelector('audio').currentTime;
          const cues = [...document.querySelectorAll('.cue')];
          const current = document.querySelector('.cue.is-current');
          const index = cues.indexOf(current);
          return {t, start: +current.dataset.start,
                  next: index + 1 < cues.length ? +cues[index + 1].dataset.start : 1e9};
        }"""
    )
    # The highlighted sentence is the one that started last; allow one frame of lag.
    assert state["start"] <= state["t"] + 0.05
    assert state["next"] > state["t"] - 0.1
    # Chapter announcements are off until asked for, then name the chapter playback enters.
    assert page.locator("[data-announcer]").inner_text() == ""
    _tab_until(page, lambda e: e["id"] == "announce")
    page.keyboard.press("Space")
    upcoming = next(c for c in episode.chapters if c.start > _current_time(page) + 1)
    page.evaluate(f"document.querySelector('audio').currentTime = {upcoming.start - 0.4}")
    expect(page.locator("[data-announcer]")).to_contain_text(upcoming.title, timeout=5000)
    page.keyboard.press("k")
    assert page.evaluate("document.querySelector('audio').paused")
    # The media element reports the pause in a task of its own; the label follows it.
    expect(page.locator("[data-action='play']")).to_have_text("Play")


def test_the_marked_word_follows_playback_and_a_click_on_a_word_seeks_there(
    page: Page, server: Server
) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    page.evaluate("document.querySelector('audio').muted = true")
    _tab_until(page, lambda e: e["action"] == "play")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('audio').currentTime > 2.5", timeout=15000)
    state = page.evaluate(
        """() => {
          const t = document.querySelector('audio').currentTime;
          const word = document.querySelector('.word.is-spoken');
          const words = [...word.closest('.cue').querySelectorAll('.word')];
          const next = words[words.indexOf(word) + 1];
          return {t, start: +word.dataset.start, next: next ? +next.dataset.start : 1e9,
                  inCurrent: word.closest('.cue').classList.contains('is-current'),
                  marked: document.querySelectorAll('.word.is-spoken').length,
                  line: getComputedStyle(word).textDecorationLine};
        }"""
    )
    assert state["inCurrent"] and state["marked"] == 1
    assert state["start"] <= state["t"] + 0.05 and state["next"] > state["t"] - 0.1
    assert state["line"] == "underline"  # marked by more than colour
    page.keyboard.press("k")
    # a click on a word of another sentence plays from that word
    target = page.locator("#cue-6 .word").nth(3)
    start = float(target.get_attribute("data-start") or "nan")
    target.click()
    assert _current_time(page) == pytest.approx(start, abs=0.05)
    page.keyboard.press("k")
    page.wait_for_function(
        "document.querySelector('.word.is-spoken')?.closest('.cue')?.id === 'cue-6'"
    )
    page.keyboard.press("k")
    # word marking can be turned off, and stays off on the next visit
    page.locator("#mark-words").uncheck()
    assert page.locator(".word.is-spoken").count() == 0
    _open_episode(page, server, episode)
    assert not page.locator("#mark-words").is_checked()


def test_arrows_pick_a_word_and_enter_seeks_to_it(page: Page, server: Server) -> None:
    episode = _long_episode(server)
    _open_episode(page, server, episode)
    listen_to_announcer(page)
    _tab_until(page, lambda e: "cue" in e["cls"])
    for _ in range(5):
        page.keyboard.press("ArrowDown")
    sentence = page.locator("#cue-6")
    words = sentence.locator(".word")
    assert words.count() > 4
    # Right picks the sentence's words one by one; focus stays on the sentence's link
    said = _said_after(page, lambda: [page.keyboard.press("ArrowRight") for _ in range(4)])
    expect(sentence).to_be_focused()
    picked = page.locator(".word.is-picked")
    expect(picked).to_have_count(1)
    assert picked.evaluate("(el, w) => el === w", words.nth(3).element_handle())
    assert said[-1] == words.nth(3).inner_text()
    start = float(words.nth(3).get_attribute("data-start") or "nan")
    assert (sentence.get_attribute("href") or "").endswith(f"#t={start:.3f}")
    assert picked.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"  # visible
    assert page.evaluate("[...document.querySelectorAll('.cue')].filter(c => c.tabIndex >= 0)"
                         ".length") == 1  # fmt: skip
    page.keyboard.press("Enter")
    assert _current_time(page) == pytest.approx(start, abs=0.05)
    assert page.url.endswith(f"/episodes/{episode.slug}/")
    # Left from a sentence's first word goes to the last word of the one before; Space plays it
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    before = page.locator("#cue-5")
    expect(before).to_be_focused()
    last = before.locator(".word").last
    expect(last).to_have_class("word is-picked")
    page.keyboard.press("Space")
    assert _current_time(page) == pytest.approx(float(last.get_attribute("data-start") or "nan"),
                                                abs=0.05)  # fmt: skip
    # Up and Down pick whole sentences again: Enter plays from the sentence's start
    page.keyboard.press("ArrowDown")
    expect(sentence).to_be_focused()
    expect(page.locator(".word.is-picked")).to_have_count(0)
    page.keyboard.press("Enter")
    start = float(sentence.get_attribute("data-start") or "nan")
    assert _current_time(page) == pytest.approx(start, abs=0.05)
    violations = _axe(page)
    assert not violations, describe(violations)


def test_now_playing_wraps_inside_its_chapter_at_320px(browser: Browser, server: Server) -> None:
    ctx = browser.new_context(viewport=NARROW, reduced_motion="reduce")
    try:
        page = ctx.new_page()
        episode = _long_episode(server)
        _open_episode(page, server, episode)
        for index, chapter in enumerate(episode.chapters):
            page.evaluate(f"document.querySelector('audio').currentTime = {chapter.start + 0.01}")
            button = page.locator(".chapter").nth(index)
            expect(button).to_have_attribute("aria-current", "true")
            label = button.locator(".chapter-now")
            expect(label).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
            outer = button.bounding_box()
            inner = label.bounding_box()
            assert outer is not None and inner is not None
            assert inner["x"] >= outer["x"] - 0.5, chapter.title
            assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5, chapter.title
    finally:
        ctx.close()


def test_copy_feed_address_with_the_keyboard(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    _tab_until(page, lambda e: e["text"] == "Copy address")
    page.keyboard.press("Enter")
    expect(page.locator("[data-copy-status]")).to_have_text("Address copied.")


# --------------------------------------------------------------------------- without JavaScript


def test_page_works_without_javascript(browser: Browser, server: Server) -> None:
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = ctx.new_page()
        episode = _long_episode(server)
        page.goto(f"{server.url}/episodes/{episode.slug}/")
        audio = page.locator("audio")
        assert audio.is_visible()
        assert audio.get_attribute("controls") is not None
        assert page.locator("[data-controls]").is_hidden()
        links = page.locator("ol[data-chapters] a")
        assert links.count() == len(episode.chapters)
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        assert "#t=" in (links.nth(2).get_attribute("href") or "")
        assert page.locator("[data-transcript]").is_visible()
        assert page.locator("[data-transcript] .cue").count() > 10
        assert page.locator("[data-transcript] h3").count() == len(episode.chapters)
    finally:
        ctx.close()


def test_axe_on_the_page_without_its_script(page: Page, server: Server) -> None:
    # axe itself needs JavaScript, so here only the player's own script is blocked.
    page.route("**/player.js", lambda route: route.abort())
    page.goto(f"{server.url}/episodes/{_long_episode(server).slug}/")
    assert page.locator("audio").get_attribute("controls") is not None
    violations = _axe(page)
    assert not violations, describe(violations)


# --------------------------------------------------------------------------- screenshots


@pytest.mark.parametrize(
    ("name", "viewport", "scheme"),
    [("desktop", DESKTOP, "light"), ("320px", NARROW, "light"), ("desktop-dark", DESKTOP, "dark")],
)
def test_screenshots(
    browser: Browser,
    server: Server,
    artifacts: Path,
    name: str,
    viewport: dict[str, int],
    scheme: Literal["light", "dark"],
) -> None:
    ctx = browser.new_context(viewport=viewport, color_scheme=scheme)
    try:
        page = ctx.new_page()
        page.goto(server.url + "/")
        page.screenshot(path=str(artifacts / f"home-{name}.png"), full_page=True)
        _open_episode(page, server, _long_episode(server))
        page.evaluate("document.querySelector('audio').currentTime = 40")
        page.wait_for_selector(".cue.is-current")
        page.screenshot(path=str(artifacts / f"episode-{name}.png"), full_page=True)
        # Nothing may force sideways scrolling at 320 px (WCAG 1.4.10 reflow).
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    finally:
        ctx.close()
