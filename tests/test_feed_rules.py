"""Feed rules to the letter: notes once, a podcast:guid that outlives a move, Apple's HTML,
a real owner address. Feeds are read back with podcastparser, feedparser and lxml."""

from __future__ import annotations

import io
import json
import sqlite3

import feedparser
import lxml.html
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.publish.library import Library
from audionews.web import create_app
from publish_helpers import PUBLIC_URL, cli_environ, publish, short_article
from test_feed_clients import expected_podcast_guid, partytime

pytest_plugins = ["publish_fixtures"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")
FEED_URL = f"{PUBLIC_URL}/feed.xml"


def _feed_item_html(settings: Settings) -> str:
    xml = create_app(settings).test_client().get("/feed.xml").data
    (entry,) = podcastparser.parse(FEED_URL, io.BytesIO(xml))["episodes"]
    html: str = entry["description_html"]
    return html


# --------------------------------------------------------------------------- notes, once


def test_each_editors_note_is_shown_once_in_feed_page_and_script(fresh: Settings) -> None:
    slug = publish(fresh, short_article()).episode.slug
    first, second = "The bridge reopened on Tuesday.", "The deck joints are new, not repaired."
    for kind, note in (("correction", first), ("editors_note", second)):
        pipeline.correct(slug, FIXED, fresh, kind=kind, note=note, synthesizer=FakeSynthesizer())
    view = Library(fresh).get_episode(slug)
    assert [n.text for n in view.notices] == [second, first]
    html = _feed_item_html(fresh)
    page = lxml.html.fromstring(create_app(fresh).test_client().get(f"/episodes/{slug}/").data)
    (notices,) = page.find_class("notices")
    script = json.loads(Library(fresh).script_json_of(slug))
    said = [s["text"] for c in script["chapters"] for s in c["segments"]]
    for note in (first, second):
        assert html.count(note) == 1, html
        assert notices.text_content().count(note) == 1
        assert said.count(note) == 1  # spoken once, so once in the page's transcript too


def test_notes_stored_twice_by_older_versions_are_shown_once(fresh: Settings) -> None:
    """Revisions recorded before the fix hold the editor's note among the source's notices."""
    slug = publish(fresh, short_article()).episode.slug
    note = "The bridge reopened on Tuesday."
    pipeline.correct(slug, FIXED, fresh, note=note, synthesizer=FakeSynthesizer())
    with sqlite3.connect(fresh.instance_dir / "audionews.db") as db:
        db.execute(
            "UPDATE revisions SET notices_json = ? WHERE number = 2",
            (f'[["correction", "", "{note}"]]',),
        )
    assert [n.text for n in Library(fresh).get_episode(slug).notices] == [note]


# --------------------------------------------------------------------------- Apple's HTML

#: Apple Podcasts: an item's <description> may use only these tags, in a CDATA section,
#: up to 4000 bytes. <content:encoded> may carry richer HTML.
APPLE_TAGS = {"p", "ol", "ul", "li", "a"}
APPLE_LIMIT = 4000


def _items(settings: Settings) -> list[etree._Element]:
    xml = create_app(settings).test_client().get("/feed.xml").data
    items: list[etree._Element] = etree.fromstring(xml).findall("channel/item")
    return items


def _fragment_tags(html: str) -> set[str]:
    return {el.tag for el in lxml.html.fragment_fromstring(html, create_parent="div").iter()} - {
        "div"
    }


def test_item_description_uses_only_the_html_apple_allows(fresh: Settings) -> None:
    slug = publish(fresh, short_article()).episode.slug
    pipeline.correct(slug, FIXED, fresh, note="Day fixed.", synthesizer=FakeSynthesizer())
    (item,) = _items(fresh)
    description = item.find("description")
    xml = create_app(fresh).test_client().get("/feed.xml").data
    assert b"<description><![CDATA[<p>" in xml  # Apple: HTML in a description is in CDATA
    assert _fragment_tags(description.text) <= APPLE_TAGS, description.text
    assert len(description.text.encode("utf-8")) <= APPLE_LIMIT
    for link in lxml.html.fragment_fromstring(description.text, create_parent="div").iter("a"):
        assert set(link.attrib) == {"href"}
    assert "Correction" in description.text and "Day fixed." in description.text
    rich = item.find("{http://purl.org/rss/1.0/modules/content/}encoded").text
    assert "strong" in _fragment_tags(rich)  # richer HTML where it is allowed
    (entry,) = podcastparser.parse(
        FEED_URL, io.BytesIO(etree.tostring(item.getparent().getparent()))
    )["episodes"]
    assert "Day fixed." in entry["description_html"]


def test_a_long_description_is_cut_to_apples_limit(fresh: Settings) -> None:
    slug = publish(fresh, short_article()).episode.slug
    for n in range(8):
        note = f"Fix {n}. " + "A long note. " * 40
        pipeline.correct(slug, FIXED, fresh, note=note, synthesizer=FakeSynthesizer())
    (item,) = _items(fresh)
    description = item.find("description").text
    rich = item.find("{http://purl.org/rss/1.0/modules/content/}encoded").text
    assert len(rich.encode("utf-8")) > APPLE_LIMIT  # so there was something to cut
    assert len(description.encode("utf-8")) <= APPLE_LIMIT
    assert _fragment_tags(description) <= APPLE_TAGS
    assert description.startswith("<p>Correction") and "Fix 7." in description  # newest first
    assert "Fix 0." not in description and " …</p>" in description  # cut between words
    assert Library(fresh).get_episode(slug).page_url in description  # the link stays


# --------------------------------------------------------------------------- podcast:guid


def _channel_guids(settings: Settings) -> dict[str, str]:
    """Return feed path -> podcast:guid as feedparser reads each served feed."""
    client = create_app(settings).test_client()
    paths = ["feed.xml"] + [f"feeds/{c.slug}.xml" for c in Library(settings).categories()]
    found = {}
    for path in paths:
        parsed = feedparser.parse(client.get(f"/{path}").data)
        assert not parsed.bozo, parsed.get("bozo_exception")
        found[path] = parsed.feed.podcast_guid
    return found


def test_podcast_guid_is_kept_when_the_feed_moves(fresh: Settings) -> None:
    publish(fresh, short_article())
    before = _channel_guids(fresh)
    assert before["feed.xml"] == expected_podcast_guid(FEED_URL)
    moved = fresh.with_overrides(public_url="https://cdn.example.net/audio")
    pipeline.render_feeds(moved)
    xml = (moved.feed_dir / "feed.xml").read_bytes()
    assert b"https://cdn.example.net/audio/feed.xml" in xml  # the feed did move
    assert _channel_guids(moved) == before
    assert partytime(xml)["guid"] == before["feed.xml"]  # the Podcast Index's own parser


def test_a_setting_pins_the_podcast_guid(fresh: Settings) -> None:
    pinned = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    publish(fresh, short_article())
    pinned_settings = fresh.with_overrides(podcast_guid=pinned)
    pipeline.render_feeds(pinned_settings)
    assert _channel_guids(pinned_settings)["feed.xml"] == pinned
    # kept from then on, even once the setting is gone and the feed has moved
    moved = fresh.with_overrides(public_url="https://cdn.example.net")
    pipeline.render_feeds(moved)
    assert _channel_guids(moved)["feed.xml"] == pinned


def test_a_local_address_assigns_no_podcast_guid(fresh: Settings) -> None:
    """`make run` serves on 127.0.0.1 first; the guid comes from the first public address."""
    local = fresh.with_overrides(public_url="http://127.0.0.1:8000")
    publish(local, short_article())
    assert _channel_guids(local)["feed.xml"] == expected_podcast_guid(
        "http://127.0.0.1:8000/feed.xml"
    )
    pipeline.render_feeds(fresh)
    assert _channel_guids(fresh)["feed.xml"] == expected_podcast_guid(FEED_URL)


def test_a_bad_pinned_guid_is_one_line_and_exit_2(fresh: Settings) -> None:
    runner = CliRunner()
    out = runner.invoke(
        main,
        ["feed"],
        env={
            "AUDIONEWS_INSTANCE_DIR": str(fresh.instance_dir),
            "AUDIONEWS_FEED_DIR": str(fresh.feed_dir),
            "AUDIONEWS_PODCAST_GUID": "not-a-uuid",
        },
    )
    assert out.exit_code == 2
    assert out.output.count("\n") == 1 and "podcast_guid" in out.output and "UUID" in out.output
    assert not (fresh.feed_dir / "feed.xml").exists()


# --------------------------------------------------------------------------- owner e-mail


def test_feed_warns_once_while_the_owner_email_is_the_placeholder(fresh: Settings) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["feed"], env=cli_environ(fresh))
    assert out.exit_code == 0, out.output
    assert out.stderr.count("warning") == 1
    assert "owner_email" in out.stderr and "podcasts@example.org" in out.stderr
    assert "podcast:locked" in out.stderr  # why it matters
    assert b"podcasts@example.org" in (fresh.feed_dir / "feed.xml").read_bytes()  # demo works
    real = cli_environ(fresh, AUDIONEWS_OWNER_EMAIL="audio@riverside-courier.co.uk")
    out = runner.invoke(main, ["feed"], env=real)
    assert out.exit_code == 0 and out.stderr == ""


def test_serve_warns_once_before_it_starts(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("audionews.web.serve.run", lambda settings, host, port, threads: 0)
    out = CliRunner().invoke(main, ["serve"], env=cli_environ(fresh))
    assert out.exit_code == 0, out.output
    assert out.stderr.count("warning") == 1 and "podcasts@example.org" in out.stderr


@pytest.mark.parametrize("address", ["news@example.com", "a@mail.example", "b@feeds.test"])
def test_every_reserved_address_is_warned_about(fresh: Settings, address: str) -> None:
    out = CliRunner().invoke(main, ["feed"], env=cli_environ(fresh, AUDIONEWS_OWNER_EMAIL=address))
    assert out.exit_code == 0 and address in out.stderr


def test_an_owner_email_that_is_no_address_is_refused(fresh: Settings) -> None:
    env = cli_environ(fresh, AUDIONEWS_OWNER_EMAIL="the newsroom")
    out = CliRunner().invoke(main, ["feed"], env=env)
    assert out.exit_code == 2 and out.output.count("\n") == 1
    assert "owner_email" in out.output
    assert not (fresh.feed_dir / "feed.xml").exists()


def test_a_bad_owner_email_refuses_a_publish_before_it_records_anything(fresh: Settings) -> None:
    from audionews.errors import ConfigError

    with pytest.raises(ConfigError, match="owner_email"):
        publish(fresh.with_overrides(owner_email="newsroom"), short_article())
    assert Library(fresh).list_episodes() == []
    assert not (fresh.feed_dir / "episodes").exists()
