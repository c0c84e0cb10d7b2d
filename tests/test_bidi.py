"""Bidi controls: an unpaired override never reaches a listener's screen; joiners stay.

A lone RIGHT-TO-LEFT OVERRIDE (U+202E) in a headline makes apps show the headline reversed,
a way to disguise it. Every published text is read back from the files and the served
pages with independent readers (mutagen for ID3, lxml for the feed and pages, json).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from mutagen.id3 import ID3

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.ingest.detect import read_article
from audionews.ingest.rules import neutral_bidi
from audionews.publish.library import Library
from audionews.web import create_app
from publish_helpers import publish
from readers import vtt_text

pytest_plugins = ["publish_fixtures"]

RLO, LRO, RLE, PDF, RLI, PDI = "\u202e", "\u202d", "\u202b", "\u202c", "\u2067", "\u2069"
ZWNJ, ZWJ = "\u200c", "\u200d"
#: Every bidi embedding, override and isolate control (UAX #9).
CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Mayor {RLO}seirc", "Mayor seirc"),  # an override left open
        (f"A {PDF}B", "A B"),  # closes nothing
        (f"A {PDI}B", "A B"),
        (f"Said {RLE}שלום{PDF} today", f"Said {RLE}שלום{PDF} today"),  # paired: kept
        (f"{RLI}עברית{PDI} and {LRO}x", f"{RLI}עברית{PDI} and x"),
        (f"{RLI}a{RLO}b{PDI}", f"{RLI}ab{PDI}"),  # an override left open inside an isolate
        (f"{RLE}a{RLI}b{PDF}c{PDI}{PDF}", f"{RLE}a{RLI}bc{PDI}{PDF}"),  # PDF inside an isolate
        ("\u200f\u200e\u061c marks stay", "\u200f\u200e\u061c marks stay"),
    ],
)
def test_neutral_bidi(text: str, expected: str) -> None:
    assert neutral_bidi(text) == expected


@pytest.mark.parametrize("source_format", ["text", "html", "markdown"])
def test_ingest_keeps_joiners_of_emoji_and_words(source_format: str) -> None:
    persian = f"می{ZWNJ}خواهم"
    coder = f"👩{ZWJ}💻"
    paragraph = f"The team said {persian} and posted {coder} on Monday morning."
    sources = {
        "text": f"Team news\n\n{paragraph}\n\nA second paragraph follows here.\n",
        "html": f"<article><h1>Team news</h1><p>{paragraph}</p><p>A second one.</p></article>",
        "markdown": f"# Team news\n\n{paragraph}\n\nA second paragraph follows here.\n",
    }
    article = read_article(sources[source_format].encode(), source_format=source_format)
    body = " ".join(b.text for b in article.body)
    assert persian in body and coder in body


HOSTILE = f"""<html lang="en"><body><article>
<p class="kicker">City{RLO}</p>
<h1>Mayor {RLO}seirc won</h1>
<p class="standfirst">The count {LRO}ended late.</p>
<p>Voters queued for hours on Monday. Officials said {RLE}שלום{PDF} to all.</p>
<h2>What {RLO}next</h2>
<p>The council meets on Friday. Its agenda is {RLI}open.</p>
</article></body></html>"""


def _published_texts(settings: Settings, slug: str) -> dict[str, str]:
    """Return every text a listener or reader can be shown, read back from what is served."""
    client = create_app(settings).test_client()
    view = Library(settings).get_episode(slug)
    folder = settings.feed_dir / "episodes" / slug
    texts = {
        name: (folder / view.files[kind].name).read_text(encoding="utf-8")
        for name, kind in (("vtt", "vtt"), ("srt", "srt"), ("txt", "txt"), ("html", "html"))
    }
    texts["vtt"] = vtt_text(texts["vtt"])
    words = json.loads((folder / view.files["transcript"].name).read_text(encoding="utf-8"))
    texts["transcript"] = " ".join(s["speaker"] + " " + s["body"] for s in words["segments"])
    texts["chapters"] = json.dumps(
        json.loads((folder / view.files["chapters"].name).read_text(encoding="utf-8")),
        ensure_ascii=False,
    )
    tags = ID3(folder / view.mp3.name)
    texts["id3"] = "\n".join(
        str(value) for frame in tags.values() for value in getattr(frame, "text", [])
    )
    texts["id3 chapters"] = "\n".join(
        str(sub) for chap in tags.getall("CHAP") for sub in chap.sub_frames.values()
    )
    feed = etree.fromstring(client.get("/feed.xml").data)
    texts["feed"] = "\n".join(feed.itertext()) + "\n".join(
        value for element in feed.iter() for value in element.attrib.values()
    )
    texts["page"] = client.get(f"/episodes/{slug}/").get_data(as_text=True)
    texts["api"] = json.dumps(client.get(f"/api/episodes/{slug}").get_json(), ensure_ascii=False)
    return texts


def test_unpaired_controls_reach_no_published_text(fresh: Settings) -> None:
    fresh = fresh.with_overrides(publication=f"Courier{RLO}", feed_title=f"{RLO}Audio")
    slug = publish(
        fresh, HOSTILE.encode(), filename="mayor.html", category=f"Politics{RLO}"
    ).episode.slug
    fixed = HOSTILE.replace("Friday", "Thursday").encode()
    pipeline.correct(
        slug,
        fixed,
        fresh,
        filename="mayor.html",
        note=f"We gave the wrong day {RLO}yadirF.",
        synthesizer=FakeSynthesizer(),
    )
    texts = _published_texts(fresh, slug)
    for name, text in texts.items():
        found = {c for c in text if c in CONTROLS} - {RLE, PDF}
        assert not found, f"{name} publishes {[f'U+{ord(c):04X}' for c in found]}"
    assert "Mayor seirc won" in texts["feed"] and "Mayor seirc won" in texts["id3"]
    assert "What next" in texts["id3 chapters"] and "What next" in texts["chapters"]
    assert "wrong day yadirF" in texts["vtt"] and "wrong day yadirF" in texts["feed"]
    assert f"{RLE}שלום{PDF}" in texts["vtt"]  # a paired embedding is the writer's own


_bidi_text = st.text(st.sampled_from([*CONTROLS, "a", "ب", " ", "\u200e"]), max_size=40)


@given(_bidi_text)
def test_neutral_bidi_drops_only_controls_and_leaves_none_to_drop(text: str) -> None:
    once = neutral_bidi(text)
    assert neutral_bidi(once) == once  # everything left is paired
    assert [c for c in once if c not in CONTROLS] == [c for c in text if c not in CONTROLS]
