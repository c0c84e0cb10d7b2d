"""Following a site: a real test site on loopback serves an RSS feed and article pages, both
honouring conditional GET (ETag / If-None-Match); `audionews follow run --once` polls it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from click.testing import CliRunner

from audionews import pipeline, polling
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.publish import follow
from audionews.publish.library import Library
from page_server import PageServer, Route, answer, html

pytest_plugins = ["publish_fixtures"]


def article(headline: str, paragraph: str, ad: str = "") -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{headline} - Riverside Courier</title></head><body>
<nav><a href="/">Home</a></nav><aside class="ad">{ad}</aside>
<article><h1>{headline}</h1>
<p>{paragraph}</p>
<p>The council said more details would follow later in the week.</p>
<p>Residents were asked to check the city's website for updates.</p>
</article></body></html>"""


def conditional(body: bytes, content_type: str, etag: str) -> Route:
    """Answer 304 when the client sends the current ETag back, else the whole body."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        answer(body, content_type, ETag=etag)(handler)

    return write


class Site:
    """The newsroom's site: pages and an RSS feed listing them, each with an ETag."""

    def __init__(self, server: PageServer) -> None:
        self.server = server
        self.pages: dict[str, str] = {}
        self.version = 0

    def page(self, path: str, text: str) -> None:
        self.pages[path] = text
        self.version += 1
        self.server.route(path, conditional(text.encode(), "text/html; charset=utf-8",
                                            f'"p{self.version}"'))  # fmt: skip
        self.publish_feed()

    def publish_feed(self) -> None:
        items = "".join(
            f"<item><title>{p}</title><link>{self.server.url(p)}</link>"
            f"<category>Local</category></item>"
            for p in self.pages
        )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Courier</title><link>{self.server.url('/')}</link>"
            f"<description>News</description>{items}</channel></rss>"
        )
        self.server.route("/rss", conditional(rss.encode(), "application/rss+xml",
                                              f'"f{len(self.pages)}"'))  # fmt: skip

    def hits(self, path: str) -> int:
        return sum(1 for p, _h, _n in self.server.requests if p == path)


@pytest.fixture
def site() -> Iterator[Site]:
    with PageServer("127.0.0.1") as server:
        found = Site(server)
        found.page("/bridge", article("Bridge reopens", "Traffic returned on Monday."))
        found.page("/market", article("Market moves", "Stalls return to the square."))
        yield found


@pytest.fixture
def intranet(fresh: Settings) -> Settings:
    return fresh.with_overrides(allow_private_urls=True)


@pytest.fixture
def voice(monkeypatch: pytest.MonkeyPatch) -> FakeSynthesizer:
    """One fake voice for every publish, so a test can count what was synthesized."""
    shared = FakeSynthesizer()
    real = pipeline.publish
    monkeypatch.setattr(
        pipeline, "publish", lambda data, s, **kw: real(data, s, **{**kw, "synthesizer": shared})
    )
    return shared


def said(out: Any) -> list[str]:
    """Return the CLI's own lines (the test server's threads may write to stderr too)."""
    return [line for line in out.output.splitlines() if line.startswith("audionews:")]


def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> Any:
    monkeypatch.setattr("audionews.cli.load_settings", lambda: settings)
    return CliRunner().invoke(main, list(args))


def revisions(settings: Settings) -> dict[str, list[tuple[str, str]]]:
    return {
        e.slug: [(r.kind, r.note) for r in e.revisions] for e in Library(settings).list_episodes()
    }


def test_follow_publishes_updates_and_leaves_unchanged_pages_alone(
    monkeypatch: pytest.MonkeyPatch, intranet: Settings, site: Site, voice: FakeSynthesizer
) -> None:
    out = cli(monkeypatch, intranet, "follow", "add", site.server.url("/rss"))
    assert out.exit_code == 0, out.output
    out = cli(monkeypatch, intranet, "follow", "run", "--once")
    assert out.exit_code == 0, out.output
    assert "2 published" in out.output
    found = revisions(intranet)
    assert set(found) == {"bridge-reopens", "market-moves"}
    assert found["bridge-reopens"] == [("published", "")]
    episode = Library(intranet).get_episode("bridge-reopens")
    assert episode.link == site.server.url("/bridge") and episode.category == "Local"

    # unchanged: the feed and the pages answer 304; nothing is synthesized or recorded
    voice.calls.clear()
    feed_hits, page_hits = site.hits("/rss"), site.hits("/bridge")
    out = cli(monkeypatch, intranet, "follow", "run", "--once")
    assert out.exit_code == 0, out.output
    assert "feed unchanged (304), 0 published, 0 updated, 0 failed" in out.output
    assert site.hits("/rss") == feed_hits + 1 and site.hits("/bridge") == page_hits + 1
    assert voice.calls == [] and revisions(intranet) == found

    # a page whose bytes change but not what a listener hears (an ad): nothing either
    site.pages["/bridge"] = article("Bridge reopens", "Traffic returned on Monday.", "Buy now")
    site.server.route("/bridge", conditional(site.pages["/bridge"].encode(), "text/html", '"ad"'))
    out = cli(monkeypatch, intranet, "follow", "run", "--once")
    assert "0 updated" in out.output and voice.calls == [] and revisions(intranet) == found

    # the CMS changes the article but not the feed (it answers 304): an "update" revision
    changed = article("Bridge reopens", "Traffic returned on Tuesday after a delay.")
    site.server.route("/bridge", conditional(changed.encode(), "text/html", '"new"'))
    out = cli(monkeypatch, intranet, "follow", "run", "--once")
    assert "feed unchanged (304), 0 published, 1 updated" in out.output, out.output
    kinds = revisions(intranet)["bridge-reopens"]
    assert [k for k, _n in kinds] == ["published", "update"]
    assert kinds[-1][1].startswith("This article was updated on ")
    spoken = " ".join(voice.calls)
    assert "Tuesday" in spoken and "This article was updated on" in spoken
    assert revisions(intranet)["market-moves"] == found["market-moves"]

    # the log says it all, for editors
    out = cli(monkeypatch, intranet, "follow", "list", "--json")
    [source] = json.loads(out.output)
    actions = [e["action"] for e in source["log"]]
    assert actions.count("published") == 2 and actions[0] == "updated"


def test_a_page_that_is_gone_is_reported_not_removed(
    monkeypatch: pytest.MonkeyPatch, intranet: Settings, site: Site, voice: FakeSynthesizer
) -> None:
    follow.add_source(intranet, site.server.url("/rss"))
    polling.run_once(intranet)
    site.server.route("/market", answer(b"<h1>Gone</h1>", code=410))
    out = cli(monkeypatch, intranet, "follow", "run", "--once")
    assert "1 gone (404/410)" in out.output
    assert "market-moves" in revisions(intranet)  # still published
    out = cli(monkeypatch, intranet, "follow", "list")
    assert "gone" in out.output and "410" in out.output


def test_private_feed_addresses_are_refused_by_default(
    monkeypatch: pytest.MonkeyPatch, fresh: Settings, site: Site
) -> None:
    out = cli(monkeypatch, fresh, "follow", "add", site.server.url("/rss"))
    assert out.exit_code == 2
    [line] = said(out)
    assert "allow_private_urls" in line
    assert follow.list_sources(fresh) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/bridge", "is not a feed"), ("/nothing", "answered 404"), ("/notes", "is not a feed")],
)
def test_a_bad_feed_address_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, intranet: Settings, site: Site, path: str, expected: str
) -> None:
    site.server.route("/notes", html("just words", "text/plain"))
    out = cli(monkeypatch, intranet, "follow", "add", site.server.url(path))
    assert out.exit_code == 2, out.output
    [line] = said(out)
    assert line.startswith("audionews: error: ") and expected in line
    out = cli(monkeypatch, intranet, "follow", "add", "ftp://example.org/rss")
    assert out.exit_code == 2 and "only http:// and https://" in out.output


def test_json_feed_and_news_sitemap_are_read() -> None:
    jsonfeed = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Courier",
            "items": [{"id": "1", "url": "https://news.example/a", "tags": ["Sport"]}],
        }
    ).encode()
    assert follow.parse_feed(jsonfeed, "https://news.example/feed.json") == [
        follow.FeedItem("https://news.example/a", "", "Sport")
    ]
    sitemap = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/b</loc><news:news><news:title>B</news:title>
<news:keywords>Politics, Elections</news:keywords></news:news></url></urlset>"""
    assert follow.parse_feed(sitemap, "https://news.example/sitemap.xml") == [
        follow.FeedItem("https://news.example/b", "B", "Politics")
    ]


def test_the_editor_follows_a_feed_and_shows_its_log(
    intranet: Settings, site: Site, voice: FakeSynthesizer
) -> None:
    from audionews.publish import accounts
    from audionews.web import create_app
    from editor_helpers import PASSWORD, Desk, post_form

    accounts.add_editor(intranet, "ana", PASSWORD)
    desk = Desk(intranet, create_app(intranet))
    client = desk.login()
    bad = post_form(client, "/editor/follow", {"url": site.server.url("/bridge")})
    page = bad.get_data(as_text=True)  # type: ignore[attr-defined]
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert 'class="error-summary"' in page and "is not a feed" in page
    assert 'aria-invalid="true"' in page and '<label for="url">' in page
    done = post_form(client, "/editor/follow", {"url": site.server.url("/rss"), "category": "X"})
    assert done.status_code == 303  # type: ignore[attr-defined]
    polling.run_once(intranet)
    page = client.get("/editor/follow").get_data(as_text=True)
    assert 'role="region" aria-labelledby="sources-title"' in page
    assert "2 item(s) seen, 2 published, 0 updated, 0 failed" in page
    assert "bridge-reopens" in page and 'aria-current="page">Followed sites' in page
    [source] = follow.list_sources(intranet)
    checked = post_form(client, "/editor/follow", {}, f"/editor/follow/{source.id}/check")
    assert checked.status_code == 303  # type: ignore[attr-defined]
    assert follow.list_sources(intranet)[0].last_poll is None
    removed = post_form(client, "/editor/follow", {}, f"/editor/follow/{source.id}/remove")
    assert removed.status_code == 303 and follow.list_sources(intranet) == []  # type: ignore[attr-defined]
    assert "bridge-reopens" in revisions(intranet)  # its episodes stay
