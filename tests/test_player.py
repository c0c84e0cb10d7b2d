"""The player pages as HTML, no browser: structure, lang, tracks, no-JS transcript, escaping."""

from __future__ import annotations

from typing import TYPE_CHECKING

import lxml.html
import pytest
from flask.testing import FlaskClient

from audionews.audio.transcript import chapters_webvtt
from audionews.publish.library import EpisodeView
from audionews.web import create_app
from audionews.web.player import (
    TranscriptCue,
    clock,
    fragment_time,
    group_transcript,
    parse_webvtt,
    spoken_duration,
)

if TYPE_CHECKING:
    from browser.player_site import PlayerSite

pytest_plugins = ["browser.player_site"]


@pytest.fixture(scope="module")
def client(player_site: PlayerSite) -> FlaskClient:
    return create_app(player_site.settings).test_client()


def _page(client: FlaskClient, path: str) -> lxml.html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _vtt_cues(site: PlayerSite, episode: EpisodeView) -> list[TranscriptCue]:
    vtt = site.library.episode_dir(episode.slug) / episode.files["vtt"].name
    return parse_webvtt(vtt.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- home


def test_home_lists_episodes_with_landmarks_and_one_h1(
    client: FlaskClient, player_site: PlayerSite
) -> None:
    page = _page(client, "/")
    assert page.get("lang") == "en"
    assert len(page.xpath("//h1")) == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.xpath(f"//{landmark}"), landmark
    assert page.xpath("//main[@id='main']") and page.xpath("//a[@href='#main']")
    links = {a.get("href"): _text(a) for a in page.xpath("//ol[@class='episode-list']//h3/a")}
    for episode in player_site.episodes():
        assert links[f"/episodes/{episode.slug}/"] == " ".join(episode.title.split())


def test_home_shows_badges_durations_and_subscribe_box(
    client: FlaskClient, player_site: PlayerSite
) -> None:
    page = _page(client, "/")
    badges = [_text(b) for b in page.xpath("//span[contains(@class, 'badge')]")]
    assert "Corrected" in badges and "Machine-translated" in badges
    assert page.xpath("//time[starts-with(@datetime, 'PT')]")
    feed = page.xpath("//input[@id='feed-url']")[0]
    assert feed.get("value") == player_site.settings.public_url + "/feed.xml"
    assert page.xpath("//label[@for='feed-url']")
    feeds = page.xpath("//ul[@class='feed-list']//a/@href")
    assert {f"/feeds/{c.slug}.xml" for c in player_site.library.categories()} == set(feeds)


def test_category_page_filters_and_marks_current(
    client: FlaskClient, player_site: PlayerSite
) -> None:
    category = player_site.library.categories()[0]
    page = _page(client, f"/categories/{category.slug}/")
    assert _text(page.xpath("//h1")[0]) == category.label
    assert len(page.xpath("//ol[@class='episode-list']/li")) == category.count
    assert page.xpath(f"//a[@href='/categories/{category.slug}/'][@aria-current='page']")
    assert client.get("/categories/no-such-thing/").status_code == 404


# --------------------------------------------------------------------------- episode


def _first_with_chapters(site: PlayerSite) -> EpisodeView:
    return next(e for e in site.episodes() if len(e.chapters) >= 3 and e.standfirst)


def test_episode_page_structure_and_language(client: FlaskClient, player_site: PlayerSite) -> None:
    episode = _first_with_chapters(player_site)
    page = _page(client, f"/episodes/{episode.slug}/")
    assert page.get("lang") == episode.language
    assert [_text(h) for h in page.xpath("//h1")] == [" ".join(episode.title.split())]
    assert _text(page.xpath("//p[@class='standfirst']")[0]) == episode.standfirst
    assert page.xpath("//main//article//time[@datetime]")
    headings = [_text(h) for h in page.xpath("//main//h2")]
    for name in ("Listen", "Chapters", "Transcript", "Download"):
        assert name in headings


def test_episode_audio_works_without_javascript(
    client: FlaskClient, player_site: PlayerSite
) -> None:
    episode = _first_with_chapters(player_site)
    page = _page(client, f"/episodes/{episode.slug}/")
    (audio,) = page.xpath("//audio")
    assert audio.get("controls") is not None
    assert audio.get("preload") == "metadata"
    assert audio.get("autoplay") is None
    assert audio.get("src") == episode.mp3.path
    tracks = {t.get("kind"): t for t in audio.xpath(".//track")}
    assert tracks["captions"].get("src") == episode.files["vtt"].path
    assert tracks["captions"].get("srclang") == episode.language
    chapters = client.get(tracks["chapters"].get("src"))
    assert chapters.status_code == 200 and chapters.mimetype == "text/vtt"
    body = chapters.get_data(as_text=True)
    assert body.startswith("WEBVTT\n")
    for chapter in episode.chapters:
        assert chapter.title in body
    # Chapter links seek with media fragments, so they work with no script at all.
    hrefs = page.xpath("//ol[@data-chapters]//a/@href")
    assert hrefs == [f"{episode.mp3.path}#t={fragment_time(c.start)}" for c in episode.chapters]
    assert page.xpath(f"//a[@href='{episode.mp3.path}'][@download]")
    assert page.xpath(f"//a[@href='{episode.files['txt'].path}']")
    # The enhanced controls are inert until the script reveals them.
    assert page.xpath("//div[@data-controls][@hidden]")


def test_transcript_is_server_rendered_under_chapter_headings(
    client: FlaskClient, player_site: PlayerSite
) -> None:
    episode = _first_with_chapters(player_site)
    page = _page(client, f"/episodes/{episode.slug}/")
    cues = _vtt_cues(player_site, episode)
    spans = page.xpath("//div[@data-transcript]//span[@class='cue']")
    assert [_text(s) for s in spans] == [" ".join(c.text.split()) for c in cues]
    assert [float(s.get("data-start")) for s in spans] == [round(c.start, 3) for c in cues]
    groups = page.xpath("//div[@data-transcript]/div[@class='transcript-chapter']")
    assert len(groups) == len(episode.chapters)
    for group, chapter in zip(groups, episode.chapters, strict=True):
        assert _text(group.xpath("h3")[0]).endswith(chapter.title)
        for span in group.xpath(".//span[@class='cue']"):
            assert chapter.start - 0.001 <= float(span.get("data-start")) < chapter.end


def test_notices_come_before_the_player(client: FlaskClient, player_site: PlayerSite) -> None:
    page_html = client.get("/episodes/council-vote/").get_data(as_text=True)
    assert player_site.correction_note in page_html
    assert page_html.index(player_site.correction_note) < page_html.index("<audio")
    page = lxml.html.fromstring(page_html)
    assert "Correction" in _text(page.xpath("//li[contains(@class, 'notice-correction')]")[0])


def test_user_text_is_escaped(client: FlaskClient, player_site: PlayerSite) -> None:
    for path in ("/", "/episodes/council-vote/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html
        assert "<b>unanimously" not in html
    page = _page(client, "/episodes/council-vote/")
    assert _text(page.xpath("//h1")[0]) == player_site.hostile_headline
    # Only the page's own script is loaded.
    assert page.xpath("//script/@src") == ["/static/player/player.js"]


def test_assets_are_local_and_served(client: FlaskClient, player_site: PlayerSite) -> None:
    page = _page(client, "/episodes/council-vote/")
    for url in page.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
        assert url.startswith("/static/player/")
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_unknown_episode_is_404(client: FlaskClient) -> None:
    assert client.get("/episodes/no-such-episode/").status_code == 404
    assert client.get("/episodes/no-such-episode/chapters.vtt").status_code == 404


# --------------------------------------------------------------------------- pure helpers

VTT = """WEBVTT

1
00:00:00.250 --> 00:00:01.500
<v The Daily><c.headline>Talks open in Riyadh &amp; &lt;Geneva&gt;</c>

2
00:00:02.400 --> 00:00:04.000
<v The Daily><c.article>The <00:00:02.600>talks <00:00:02.900>began on <00:00:03.300>Tuesday.</c>

3
00:00:04.250 --> 00:01:05.125
<v The Daily><c.article>Both sides agreed to meet again,
according to officials.</c>

4
01:00:06.000 --> 01:00:07.000
<v The Daily><c.article>Observers called it a first step.</c>
"""


def test_parse_webvtt_reads_the_word_times() -> None:
    cues = parse_webvtt(VTT)
    assert cues[1].words == (
        (2.4, "The"),
        (2.6, "talks"),
        (2.9, "began"),
        (2.9, "on"),
        (3.3, "Tuesday."),
    )
    assert cues[0].words == ()  # timed as a whole


def test_parse_webvtt_keeps_text_times_and_section() -> None:
    cues = parse_webvtt(VTT)
    assert [c.text for c in cues] == [
        "Talks open in Riyadh & <Geneva>",
        "The talks began on Tuesday.",
        "Both sides agreed to meet again, according to officials.",
        "Observers called it a first step.",
    ]
    assert [c.section for c in cues] == ["headline", "article", "article", "article"]
    assert cues[2].end == pytest.approx(65.125)
    assert cues[3].start == pytest.approx(3606.0)


def test_group_transcript_splits_paragraphs_on_voice_and_long_pauses() -> None:
    cues = parse_webvtt(VTT)

    class Span:
        def __init__(self, start: float, end: float, title: str) -> None:
            self.start, self.end, self.title = start, end, title

    grouped = group_transcript(cues, [Span(0, 2.0, "Opening"), Span(2.0, 3700, "Story")])
    assert [c.title for c in grouped] == ["Opening", "Story"]
    assert [[c.number for c in p] for p in grouped[0].paragraphs] == [[1]]
    # 2 -> 3 is a sentence pause (0.25 s); 3 -> 4 is long: a new paragraph.
    assert [[c.number for c in p] for p in grouped[1].paragraphs] == [[2, 3], [4]]
    (whole,) = group_transcript(cues, [])
    assert sum(len(p) for p in whole.paragraphs) == 4


def test_chapters_webvtt_escapes_titles() -> None:
    class Span:
        start, end, title = 0.0, 83.25, "Tom & <Jerry>"

    assert chapters_webvtt([Span()]) == (
        "WEBVTT\n\nchapter-1\n00:00:00.000 --> 00:01:23.250\nTom &amp; &lt;Jerry&gt;\n"
    )


@pytest.mark.parametrize(
    ("seconds", "words", "short"),
    [
        (0, "0 seconds", "0:00"),
        (1, "1 second", "0:01"),
        (200, "3 minutes 20 seconds", "3:20"),
        (302.4, "5 minutes 2 seconds", "5:02"),
        (3725, "1 hour 2 minutes 5 seconds", "1:02:05"),
    ],
)
def test_durations_in_words_and_clock(seconds: float, words: str, short: str) -> None:
    assert spoken_duration(seconds) == words
    assert clock(seconds) == short


def test_fragment_time_is_plain_decimal() -> None:
    assert fragment_time(83.2) == "83.2"
    assert fragment_time(0) == "0"
    assert fragment_time(1e-7) == "0"
    assert fragment_time(12.0) == "12"


def test_interface_words_keep_english_on_a_page_in_another_language(
    player_site: PlayerSite,
) -> None:
    from dataclasses import replace

    from audionews.web.player import render_page

    app = create_app(player_site.settings)
    episode = replace(player_site.episode("council-vote"), language="es")
    with app.test_request_context(f"/episodes/{episode.slug}/"):
        html = render_page(
            "player/episode.html",
            page_lang="es",
            episode=episode,
            transcript=[],
            chapters_vtt="/x.vtt",
        )
    page = lxml.html.fromstring(html)
    assert page.get("lang") == "es"
    assert page.xpath("//section[@id='player']/@lang") == ["en"]
    assert page.xpath("//h2[@id='transcript-title']/@lang") == ["en"]
    assert page.xpath("//track[@kind='captions']/@srclang") == ["es"]
    assert not page.xpath("//h1/@lang")  # the headline is in the page's language
