"""The embed page and oEmbed over HTTP, no browser: the oEmbed 1.0 spec, CSP, discovery links.

The browser half (axe inside a cross-origin iframe, keyboard, frame-ancestors enforced by
Chromium) is tests/browser/test_embed_browser.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import lxml.html
import pytest
from flask.testing import FlaskClient

from audionews.web import create_app
from audionews.web.embed import (
    EMBED_HEIGHT,
    EMBED_WIDTH,
    NARROW_HEIGHT,
    OEmbedError,
    slug_from_url,
)

if TYPE_CHECKING:
    from browser.player_site import PlayerSite

pytest_plugins = ["browser.player_site"]

#: oEmbed 1.0, section 2.3.4 and 2.3.4.4: every response, and every "rich" response, has these.
REQUIRED = {"type", "version", "html", "width", "height"}


@pytest.fixture(scope="module")
def client(player_site: PlayerSite) -> FlaskClient:
    return create_app(player_site.settings).test_client()


@pytest.fixture(scope="module")
def page_url(player_site: PlayerSite) -> str:
    return player_site.episode("council-vote").page_url


def _oembed(client: FlaskClient, **args: str) -> tuple[int, dict[str, object], str]:
    response = client.get("/oembed", query_string=args)
    body: dict[str, object] = json.loads(response.get_data(as_text=True))
    return response.status_code, body, response.mimetype


def _iframe(html: str) -> lxml.html.HtmlElement:
    fragment = lxml.html.fragment_fromstring(html)
    assert fragment.tag == "iframe"
    return fragment


# --------------------------------------------------------------------------- oEmbed JSON


def test_oembed_json_is_a_valid_rich_response(
    client: FlaskClient, player_site: PlayerSite, page_url: str
) -> None:
    status, body, mimetype = _oembed(client, url=page_url, format="json")
    assert status == 200 and mimetype == "application/json"
    assert body.keys() >= REQUIRED
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["width"] == EMBED_WIDTH and body["height"] == EMBED_HEIGHT
    assert isinstance(body["width"], int) and isinstance(body["height"], int)
    assert body["title"] == player_site.hostile_headline
    assert body["provider_name"] == "Riverside Courier Audio"
    assert isinstance(body["cache_age"], int)
    frame = _iframe(str(body["html"]))
    assert frame.get("src") == player_site.settings.public_url + "/embed/council-vote"
    assert frame.get("width") == str(EMBED_WIDTH) and frame.get("height") == str(EMBED_HEIGHT)
    # The hostile headline is an attribute's text, never markup of its own.
    assert frame.get("title") == f"Audio player: {player_site.hostile_headline}"
    assert "<script" not in str(body["html"])
    # The spec asks for markup that an XML parser reads (XHTML).
    assert ET.fromstring(str(body["html"])).tag == "iframe"


def test_format_defaults_to_json_and_embed_addresses_work_too(
    client: FlaskClient, player_site: PlayerSite, page_url: str
) -> None:
    status, body, _ = _oembed(client, url=page_url)
    assert status == 200 and body["type"] == "rich"
    base = player_site.settings.public_url
    for url in (
        f"{base}/embed/council-vote",
        f"{base}/episodes/council-vote",
        f"{base}/episodes/council-vote/?utm_source=cms#listen",
        page_url.replace("127.0.0.1", "127.0.0.1".upper()),
    ):
        status, body, _ = _oembed(client, url=url)
        assert status == 200, url
        assert "/embed/council-vote" in str(body["html"])


@pytest.mark.parametrize(
    ("maxwidth", "maxheight", "width", "height"),
    [
        ("480", None, 480, EMBED_HEIGHT),
        ("320", None, 320, NARROW_HEIGHT),  # more rows of controls: taller
        ("320", "500", 320, 500),
        (None, "250", EMBED_WIDTH, 250),
        ("300", "200", 300, 200),
        ("2000", "2000", EMBED_WIDTH, EMBED_HEIGHT),  # a maximum, not a wish to grow
    ],
)
def test_maxwidth_and_maxheight_are_obeyed(
    client: FlaskClient,
    page_url: str,
    maxwidth: str | None,
    maxheight: str | None,
    width: int,
    height: int,
) -> None:
    args = {"url": page_url}
    if maxwidth:
        args["maxwidth"] = maxwidth
    if maxheight:
        args["maxheight"] = maxheight
    status, body, _ = _oembed(client, **args)
    assert status == 200
    assert (body["width"], body["height"]) == (width, height)
    frame = _iframe(str(body["html"]))
    assert (frame.get("width"), frame.get("height")) == (str(width), str(height))


def test_oembed_xml_is_served_as_the_spec_writes_it(
    client: FlaskClient, player_site: PlayerSite, page_url: str
) -> None:
    response = client.get("/oembed", query_string={"url": page_url, "format": "xml"})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="utf-8" standalone="yes"?>')
    root = ET.fromstring(response.get_data())
    assert root.tag == "oembed"
    values = {child.tag: child.text for child in root}
    assert values.keys() >= REQUIRED
    assert values["type"] == "rich" and values["version"] == "1.0"
    assert values["width"] == str(EMBED_WIDTH)
    assert values["title"] == player_site.hostile_headline
    # html is escaped text inside <html>, the same iframe the JSON answer gives.
    json_body = _oembed(client, url=page_url)[1]
    assert values["html"] == json_body["html"]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ({"format": "yaml"}, 501, "format must be json or xml"),
        ({"url": "http://127.0.0.1:8000/episodes/no-such-episode/"}, 404, "not an episode"),
        ({"url": "https://elsewhere.example/episodes/council-vote/"}, 404, "not an episode"),
        ({"url": "http://127.0.0.1:8000/feed.xml"}, 404, "not an episode"),
        ({"url": "javascript:alert(1)"}, 404, "not an episode"),
        ({"url": "http://[::1"}, 404, "not an episode"),
        ({"url": ""}, 400, "url is missing"),
        ({"maxwidth": "wide"}, 400, "maxwidth must be a whole number"),
        ({"maxheight": "0"}, 400, "maxheight must be a whole number"),
        ({"maxwidth": "-5"}, 400, "maxwidth must be a whole number"),
    ],
)
def test_bad_oembed_requests_get_the_spec_status_and_one_line(
    client: FlaskClient, page_url: str, args: dict[str, str], status: int, message: str
) -> None:
    query = {"url": page_url, **args}
    got, body, mimetype = _oembed(client, **query)
    assert got == status and mimetype == "application/json"
    assert message in str(body["error"]) and "\n" not in str(body["error"])


def test_oembed_answers_any_origin(client: FlaskClient, page_url: str) -> None:
    response = client.get("/oembed", query_string={"url": page_url})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_slug_from_url_accepts_a_public_url_with_a_path(player_site: PlayerSite) -> None:
    settings = player_site.settings.with_overrides(public_url="https://news.example/audio/")
    assert slug_from_url(settings, "https://news.example/audio/episodes/a-b/") == "a-b"
    assert slug_from_url(settings, "http://news.example/audio/embed/a-b") == "a-b"
    proxied = {"host": "news.example", "root": ""}
    assert slug_from_url(settings, "https://news.example/audio/embed/a-b", **proxied) == "a-b"
    here = {"host": "10.0.0.5:8000", "root": ""}
    assert slug_from_url(settings, "http://10.0.0.5:8000/embed/a-b", **here) == "a-b"
    for elsewhere in (
        "https://news.example/episodes/a-b/",  # not below the public URL's path
        "https://news.example/audio/episodes/a-b/transcript",
        "https://cdn.example/audio/episodes/a-b/",
        "//news.example/audio/episodes/a-b/",
    ):
        with pytest.raises(OEmbedError):
            slug_from_url(settings, elsewhere, **here)


# --------------------------------------------------------------------------- the embed page


def test_embed_page_is_the_compact_player_with_its_policy(
    client: FlaskClient, player_site: PlayerSite
) -> None:
    episode = max(player_site.episodes(), key=lambda e: len(e.chapters))
    response = client.get(f"/embed/{episode.slug}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "*"  # the default: any site may embed
    assert directives["default-src"] == "'none'"
    for kind in ("script-src", "style-src", "media-src"):
        assert directives[kind] == "'self'"
    assert "X-Frame-Options" not in response.headers
    page = lxml.html.fromstring(response.get_data(as_text=True))
    assert page.get("class") == "no-js embed"
    assert len(page.xpath("//h1")) == 1
    link = page.xpath("//h1/a")[0]
    assert link.get("href") == episode.page_url and link.get("target") == "_blank"
    assert page.xpath("//audio[@controls]/@src") == [episode.mp3.path]
    assert len(page.xpath("//ol[@data-chapters]//a")) == len(episode.chapters)
    assert page.xpath("//div[@data-transcript]//span[@class='cue']")
    toggles = page.xpath("//button[@data-toggle]/@aria-controls")
    assert toggles == ["chapters", "transcript", "more"]
    for panel in toggles:
        assert page.xpath(f"//*[@id='{panel}'][@data-panel]")
    # One player, two layouts: every control of the full player is here, under one name each.
    full = lxml.html.fromstring(client.get(f"/episodes/{episode.slug}/").get_data(as_text=True))
    for control in ("//*[@data-action]/@data-action", "//input/@id | //select/@id"):
        assert sorted(page.xpath(control)) == sorted(full.xpath(control))
    assert page.xpath("//details[@class='shortcuts']") and page.xpath("//*[@data-announcer]")
    # Shortened labels keep their whole name for screen readers (label in name).
    back = page.xpath("//button[@data-action='back']")[0]
    assert " ".join(back.text_content().split()) == "Back 15 seconds"
    # No header, navigation or footer of the site inside someone else's article.
    assert not page.xpath("//header[@class='site-header'] | //nav | //footer")


def test_embed_of_unknown_episode_is_404(client: FlaskClient) -> None:
    assert client.get("/embed/no-such-episode").status_code == 404


def test_embed_origins_become_frame_ancestors(player_site: PlayerSite) -> None:
    origins = ("https://news.example", "https://*.news.example")
    client = create_app(player_site.settings.with_overrides(embed_origins=origins)).test_client()
    policy = client.get("/embed/council-vote").headers["Content-Security-Policy"]
    assert policy.endswith("; frame-ancestors https://news.example https://*.news.example")
    # The episode page says where the code it offers will work.
    page = lxml.html.fromstring(client.get("/episodes/council-vote/").get_data(as_text=True))
    box = page.xpath("//section[@class='embed-code']/p")
    notes = [" ".join(p.text_content().split()) for p in box]
    assert "Only these sites may show it: https://news.example, https://*.news.example." in notes


# --------------------------------------------------------------------------- the episode page


def test_episode_page_links_oembed_and_offers_the_embed_code(
    client: FlaskClient, page_url: str
) -> None:
    html = client.get("/episodes/council-vote/").get_data(as_text=True)
    page = lxml.html.fromstring(html)
    links = {
        link.get("type"): link.get("href")
        for link in page.xpath("//head/link[@rel='alternate'][contains(@type, 'oembed')]")
    }
    assert set(links) == {"application/json+oembed", "text/xml+oembed"}
    for media, href in links.items():
        assert href.startswith("http://127.0.0.1:8000/oembed?")
        response = client.get(href.removeprefix("http://127.0.0.1:8000"))
        assert response.status_code == 200
        assert response.mimetype == ("application/json" if "json" in media else "text/xml")
    assert not [p for p in page.xpath("//section[@class='embed-code']/p") if "Only" in p.text]
    code = page.xpath("//textarea[@id='embed-code']")[0]
    assert page.xpath("//label[@for='embed-code']")
    assert code.text == _oembed(client, url=page_url)[1]["html"]
    assert page.xpath("//button[@data-copy='embed-code']")


def test_with_no_embed_origins_nothing_offers_embedding(player_site: PlayerSite) -> None:
    client = create_app(player_site.settings.with_overrides(embed_origins=())).test_client()
    page = lxml.html.fromstring(client.get("/episodes/council-vote/").get_data(as_text=True))
    assert not page.xpath("//link[contains(@type, 'oembed')] | //textarea[@id='embed-code']")
    url = player_site.episode("council-vote").page_url
    status, body, _ = _oembed(client, url=url)
    assert status == 404 and "embed_origins" in str(body["error"])
    policy = client.get("/embed/council-vote").headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors 'none'")
