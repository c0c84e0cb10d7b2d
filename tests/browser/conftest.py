"""One real WSGI server and one real Chromium per module for the browser tests.

Test modules here load the published library with `pytest_plugins = ["browser.player_site"]`.

Chromium is Debian's package (`make test` installs it); Playwright drives it through
`executable_path` and never downloads a browser of its own.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import make_server

import chromium
from audionews.web import create_app
from browser.checks import DESKTOP
from chromium import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from browser.player_site import PlayerSite

CHROMIUM_ARGS = [
    *chromium.CHROMIUM_ARGS,
    # Test only: lets the muted playback test start audio without a real user gesture.
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


class _LateApp:
    """A WSGI app set after the server has its port, so the app's public URL can name it."""

    def __init__(self) -> None:
        self.app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None
        return self.app(environ, start_response)


@dataclass(frozen=True)
class Server:
    url: str
    site: PlayerSite


@pytest.fixture(scope="module")
def server(player_site: PlayerSite) -> Iterator[Server]:
    """Serve the published test library with werkzeug's threaded server on a free port."""
    late = _LateApp()
    httpd = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{httpd.server_port}"
    late.app = create_app(player_site.settings.with_overrides(public_url=url))
    thread = threading.Thread(target=httpd.serve_forever, name="player-test-server", daemon=True)
    thread.start()
    try:
        yield Server(url, player_site)
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium once per module."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make test` or `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context at desktop size, with reduced motion (no smooth scrolling)."""
    ctx = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
