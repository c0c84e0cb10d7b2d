"""Read the served feeds with three independent podcast clients, as listeners' apps would.

gPodder's podcastparser and feedparser (Python), and the Podcast Index's own parser,
podcast-partytime (Node, installed into tests/js by `make test`). Every URL a client finds is
fetched from the app and checked: sizes, chapters JSON, WebVTT.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from audionews.config import Settings
from audionews.publish.files import xml_safe
from audionews.publish.library import Library
from audionews.web import create_app
from publish_helpers import PUBLIC_URL, Site, publish, short_article

pytest_plugins = ["publish_fixtures"]

JS_DIR = Path(__file__).resolve().parent / "js"
TRANSCRIPT_SCHEMA = (
    Path(__file__).parent / "data" / "schemas" / "podcast-transcript-1.0.0.schema.json"
)
FEED_URL = f"{PUBLIC_URL}/feed.xml"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


@cache
def _partytime_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("the podcast-partytime check needs node and npm: apt-get install nodejs npm")
    if not (JS_DIR / "node_modules" / "podcast-partytime").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True)


def partytime(xml: bytes) -> dict[str, Any]:
    """Return podcast-partytime's parse of a feed."""
    _partytime_ready()
    done = subprocess.run(
        ["node", str(JS_DIR / "parse_feed.js")], input=xml, capture_output=True, check=True
    )
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def expected_podcast_guid(feed_url: str) -> str:
    """Podcasting 2.0's formula, written out again independently of the code under test."""
    without_scheme = feed_url.split("//", 1)[1].rstrip("/")
    return str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), without_scheme))


def served_size(site: Site, url: str) -> int:
    response = site.client().head(site.path_of(url))
    assert response.status_code == 200, url
    return int(response.headers["Content-Length"])


def fetch(site: Site, url: str) -> bytes:
    response = site.client().get(site.path_of(url))
    assert response.status_code == 200, url
    return response.data


def test_podcastparser_reads_every_episode(site: Site) -> None:
    xml = site.client().get("/feed.xml").data
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(xml))
    assert parsed["title"] == "Riverside Courier Audio"
    assert parsed["cover_url"] == f"{PUBLIC_URL}/cover.png"
    by_guid = {e.guid: e for e in site.episodes}
    assert {item["guid"] for item in parsed["episodes"]} == set(by_guid)
    for item in parsed["episodes"]:
        episode = by_guid[item["guid"]]
        (enclosure,) = item["enclosures"]
        assert enclosure["mime_type"] == "audio/mpeg"
        assert enclosure["file_size"] == served_size(site, enclosure["url"])
        assert item["total_time"] == round(episode.duration_s)
        assert item["link"] == episode.page_url
        # Podlove Simple Chapters, inline: the same chapters as the chapters JSON.
        assert [c["title"] for c in item["chapters"]] == [c.title for c in episode.chapters]
        assert [c["start"] for c in item["chapters"]] == [int(c.start) for c in episode.chapters]
        assert item["published"] == int(episode.published.timestamp())


def test_feedparser_reads_channel_and_items(site: Site) -> None:
    xml = site.client().get("/feed.xml").data
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    channel = parsed.feed
    assert channel.title == "Riverside Courier Audio"
    assert channel.image.href == f"{PUBLIC_URL}/cover.png"
    assert channel.author == "Riverside Courier"
    assert channel.publisher_detail.email == "audio@riverside.example"
    # feedparser maps only "yes"/"clean"; Apple's current values are "true"/"false".
    assert channel.get("itunes_explicit") is None
    assert channel.podcast_guid == expected_podcast_guid(FEED_URL)
    assert channel.podcast_locked["owner"] == "audio@riverside.example"
    assert [t.term for t in channel.tags][:2] == ["News", "Daily News"]
    assert channel.rights.startswith("©")
    assert any(link.rel == "self" and link.href == FEED_URL for link in channel.links)
    for entry in parsed.entries:
        episode = next(e for e in site.episodes if e.guid == entry.id)
        assert entry.guidislink is False
        (enclosure,) = entry.enclosures
        assert int(enclosure.length) == served_size(site, enclosure.href)
        assert enclosure.type == "audio/mpeg"
        assert entry.itunes_duration == str(round(episode.duration_s))
        assert entry.itunes_episodetype == "full"
        assert episode.page_url in entry.content[0].value


def test_partytime_reads_podcasting20_tags(site: Site) -> None:
    xml = site.client().get("/feed.xml").data
    parsed = partytime(xml)
    assert parsed["guid"] == expected_podcast_guid(FEED_URL)
    assert parsed["locked"] is True
    assert parsed["podcastOwner"] == "audio@riverside.example"
    assert parsed["itunesCategory"] == ["News > Daily News"]
    assert parsed["itunesType"] == "episodic"
    assert parsed["pubsub"]["self"] == FEED_URL
    assert len(parsed["items"]) == len(site.episodes)
    for item in parsed["items"]:
        episode = next(e for e in site.episodes if e.guid == item["guid"])
        assert item["enclosure"]["length"] == served_size(site, item["enclosure"]["url"])
        assert item["duration"] == round(episode.duration_s)
        chapters_url = item["podcastChapters"]["url"]
        assert item["podcastChapters"]["type"] == "application/json+chapters"
        chapters = json.loads(fetch(site, chapters_url))
        assert chapters["version"] == "1.2.0"
        starts = [c["startTime"] for c in chapters["chapters"]]
        assert starts[0] == 0 and starts == sorted(starts)
        assert [c["title"] for c in chapters["chapters"]] == [c.title for c in episode.chapters]
        transcripts = {t["type"]: t for t in item["podcastTranscripts"]}
        assert transcripts["text/vtt"]["rel"] == "captions"
        vtt = fetch(site, transcripts["text/vtt"]["url"]).decode("utf-8")
        assert vtt.startswith("WEBVTT")
        assert "-->" in vtt
        srt = next(t for t in item["podcastTranscripts"] if "srt" in t["type"])
        assert b"-->" in fetch(site, srt["url"])
        html = fetch(site, transcripts["text/html"]["url"]).decode("utf-8")
        assert episode.title.split()[0] in html
        words = json.loads(fetch(site, transcripts["application/json"]["url"]))
        check_json_transcript(words, vtt)


def check_json_transcript(data: dict[str, Any], vtt: str) -> None:
    """The JSON transcript validates, has one segment per written word of the WebVTT cues,
    and its words start in order inside the episode."""
    schema = json.loads(TRANSCRIPT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    bodies = [segment["body"] for segment in data["segments"]]
    cues = [" ".join(re.sub(r"<[^>]*>", "", b.split("\n", 2)[2]).split())
            for b in vtt.strip().split("\n\n")[1:]]  # fmt: skip
    # one segment per word; a sentence timed as a whole is one segment
    assert " ".join(bodies).split() == " ".join(cues).replace("&amp;", "&").split()
    assert len(bodies) > len(cues)
    starts = [segment["startTime"] for segment in data["segments"]]
    assert starts == sorted(starts)
    assert all(s["startTime"] <= s["endTime"] for s in data["segments"])
    assert {s["speaker"] for s in data["segments"]} == {"Riverside Courier"}


def test_every_item_lists_four_transcripts(site: Site) -> None:
    """partytime reads them above; feedparser keeps only one podcast:transcript per item, so
    the list is read from the XML itself."""
    root = etree.fromstring(site.client().get("/feed.xml").data)
    for item in root.iter("item"):
        types = [t.get("type") for t in item.iter(PODCAST + "transcript")]
        assert types == ["text/vtt", "application/x-subrip", "application/json", "text/html"]


def test_category_feeds_have_their_own_guid_and_episodes(site: Site) -> None:
    for category in site.library.categories():
        url = f"{PUBLIC_URL}/feeds/{category.slug}.xml"
        parsed = partytime(site.client().get(site.path_of(url)).data)
        assert parsed["guid"] == expected_podcast_guid(url)
        assert parsed["pubsub"]["self"] == url
        assert {i["guid"] for i in parsed["items"]} == {
            e.guid for e in site.episodes if e.category_slug == category.slug
        }


def test_cover_is_square_rgb_png_apple_accepts(site: Site) -> None:
    image = Image.open(io.BytesIO(fetch(site, f"{PUBLIC_URL}/cover.png")))
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.width == image.height
    assert 1400 <= image.width <= 3000


def test_corrected_episode_keeps_guid_in_every_client(fresh: Settings) -> None:
    first = publish(fresh, short_article())
    publish(fresh, short_article(" The mayor cut a ribbon."), kind="correction", note="Added.")
    xml = create_app(fresh).test_client().get("/feed.xml").data
    (item,) = partytime(xml)["items"]
    assert item["guid"] == first.episode.guid
    assert item["enclosure"]["url"].endswith("-r2.mp3")
    (entry,) = podcastparser.parse(FEED_URL, io.BytesIO(xml))["episodes"]
    assert entry["guid"] == first.episode.guid
    assert "Correction" in entry["description_html"]


def test_hostile_text_is_escaped_and_cleaned(fresh: Settings) -> None:
    nasty = (
        "<html lang='en'><body><article><p class='kicker'>City</p>"
        "<h1>Tom &amp; Jerry &lt;b&gt;say&lt;/b&gt; ]]&gt; &#x7; &#x1b; \"hi\" 'there'</h1>"
        "<p>A standfirst with &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.</p>"
        "<p>Body text here. Another one.</p></article></body></html>"
    )
    result = publish(fresh, nasty.encode("utf-8"), filename="nasty.html")
    xml = create_app(fresh).test_client().get("/feed.xml").data
    assert b"<script>" not in xml and b"\x07" not in xml and b"\x1b" not in xml
    title = xml_safe(Library(fresh).get_episode(result.episode.slug).title)
    assert "<b>" in title and "]]>" in title
    assert feedparser.parse(xml).entries[0].title == title
    assert podcastparser.parse(FEED_URL, io.BytesIO(xml))["episodes"][0]["title"] == title
    assert partytime(xml)["items"][0]["title"] == title


def test_xml_safe_removes_only_forbidden_characters() -> None:
    assert xml_safe("a\x00b\x07c\x1bd\x7fe\x85f\ufffeg\th\ni\rj é ✓") == "abcdefg\th\ni\rj é ✓"
