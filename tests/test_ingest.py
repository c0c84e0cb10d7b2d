"""Unit tests for ingest: decoding, format detection, the shared rules tables, edge cases."""

from __future__ import annotations

import time

import pytest

from audionews.errors import InputError
from audionews.ingest import html as html_reader
from audionews.ingest import rules
from audionews.ingest.content import main_text
from audionews.ingest.detect import decode, detect_format, read_article
from audionews.models import BlockKind, Caption, DropKind
from audionews.vocabulary import NoticeKind

# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "input is empty"),
        (b"  \n\t \n", "input is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text (byte 0x89 at offset 0)"),
        ("Caf\u00e9 ouvert".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 3)"),
        (b"abc\x00\x01def", "looks binary"),
        (b"\xef\xbb\xbf   ", "input is empty"),
    ],
)
def test_unreadable_input_is_refused_with_a_clear_one_line_message(
    data: bytes, fragment: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_article(data)
    message = str(caught.value)
    assert fragment in message and "\n" not in message and ":" in message


def test_bom_is_accepted() -> None:
    article = read_article("\ufeffA headline here\n\nSome body text.".encode())
    assert article.headline == "A headline here"


def test_boilerplate_only_input_is_refused() -> None:
    page = b"Skip to content\nAdvertisement\nShare this article\n\xc2\xa9 2026 Example News\n"
    with pytest.raises(InputError, match="no article text found"):
        read_article(page)


def test_html_with_only_furniture_is_refused() -> None:
    page = b"<html><body><nav>Home News</nav><footer>(c) 2026 X</footer></body></html>"
    with pytest.raises(InputError, match="no article text found"):
        read_article(page)


def test_decode_keeps_text() -> None:
    assert decode("Zelenski’s".encode()) == "Zelenski’s"


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(InputError, match="use one of text, html, markdown"):
        read_article(b"Headline\n\nBody.", source_format="pdf")


def test_invalid_front_matter_names_the_line() -> None:
    with pytest.raises(InputError, match="line 3"):
        read_article(b"---\ntitle: ok\nkicker: a: b\n---\nBody.", source_format="markdown")


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("<p>x</p>", "a.txt", "text"),
        ("plain", "a.HTM", "html"),
        ("plain", "a.markdown", "markdown"),
        ("<!DOCTYPE html><html><body>x</body></html>", None, "html"),
        ("<div><p>One</p><p>Two</p></div>", None, "html"),
        ("---\ntitle: x\n---\nbody", None, "markdown"),
        ("# Title\n\nBody", None, "markdown"),
        ("HEADLINE\n\n• one\n• two\n\n- three", None, "text"),
        ("plain", "notes", "text"),
    ],
)
def test_detect_format(text: str, filename: str | None, expected: str) -> None:
    assert detect_format(text, filename) == expected


def test_source_format_overrides_extension() -> None:
    article = read_article(b"# Title\n\nBody text.", filename="a.txt", source_format="md")
    assert article.source_format == "markdown" and article.headline == "Title"


# --------------------------------------------------------------------------- rules tables


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Advertisement", DropKind.ADVERTISEMENT),
        ("ADVERTISEMENT", DropKind.ADVERTISEMENT),
        ("Story continues below advertisement", DropKind.ADVERTISEMENT),
        ("Read more:", DropKind.PROMOTION),
        ("Read more: Nurses vote to accept pay offer", DropKind.PROMOTION),
        ("Related:", DropKind.PROMOTION),
        ("Sign up for our newsletter", DropKind.PROMOTION),
        ("Subscribe", DropKind.PROMOTION),
        ("Share this article", DropKind.SHARE),
        ("Share on Facebook", DropKind.SHARE),
        ("Follow us on Instagram and X", DropKind.SHARE),
        ("Facebook Twitter WhatsApp Email", DropKind.SHARE),
        ("Accept cookies", DropKind.CONSENT),
        ("We use cookies to improve your experience.", DropKind.CONSENT),
        ("© 2026 Example News", DropKind.LEGAL),
        ("Copyright 2026 Example Media", DropKind.LEGAL),
        ("All rights reserved.", DropKind.LEGAL),
        ("Skip to content", DropKind.NAVIGATION),
        ("Back to top", DropKind.NAVIGATION),
        ("Scroll to Top", DropKind.NAVIGATION),
        ("logo bandas", DropKind.NAVIGATION),
        ("Listen to this article", DropKind.NAVIGATION),
        ("Comments", DropKind.NAVIGATION),
        ("12 comments", DropKind.NAVIGATION),
        ("5 min read", DropKind.METADATA),
        ("Reporting by Jane Doe; Editing by Mark Potter", DropKind.METADATA),
        ("Do you have a story for us? Email the news desk.", DropKind.PROMOTION),
        # A gallery's numbered slide with a long caption, read with the page's main text.
        (
            "12/50 Ferry operator doubles its fleet The harbour's ferry operator has ordered six"
            " new boats, doubling a fleet that has carried commuters across the bay since 1952."
            " The company said the electric boats would cut its fuel bill by half and let it add"
            " a late service on Fridays and Saturdays from the spring, when the first two of the"
            " new vessels arrive from the yard in Norway after their trials at sea are done.",
            DropKind.CAPTION,
        ),
    ],
)
def test_boilerplate_lines(line: str, kind: DropKind) -> None:
    rule = rules.match_boilerplate(line)
    assert rule is not None and rule.kind is kind and rule.reason


@pytest.mark.parametrize(
    "line",
    [
        "Subscribers to the service grew by 20% last year.",
        "The newsletter was sent to 3,000 parents on Monday.",
        "Share prices fell sharply after the announcement.",
        "Home owners will pay less tax from April.",
        "Copyright law changed in 2020, the court said.",
        "The comments drew criticism from opposition leaders.",
    ],
)
def test_body_sentences_are_not_boilerplate(line: str) -> None:
    assert rules.match_boilerplate(line) is None


@pytest.mark.parametrize(
    ("line", "kind", "label"),
    [
        (
            "Correction: An earlier version misspelled her name.",
            NoticeKind.CORRECTION,
            "Correction",
        ),
        ("CORRECTION (May 3): The vote was 9-2.", NoticeKind.CORRECTION, "CORRECTION (May 3)"),
        ("UPDATE (3:45 p.m.): Two more roads closed.", NoticeKind.UPDATE, "UPDATE (3:45 p.m.)"),
        ("Update: Police named the driver.", NoticeKind.UPDATE, "Update"),
        ("Updated at 4:10 p.m.: Adds comment.", NoticeKind.UPDATE, "Updated at 4:10 p.m."),
        ("Editor's note: Names withheld.", NoticeKind.EDITORS_NOTE, "Editor's note"),
        ("Editor’s Note: Contains violence.", NoticeKind.EDITORS_NOTE, "Editor’s Note"),
        (
            "Automatic Translation Notice: This text was translated.",
            NoticeKind.TRANSLATION,
            "Automatic Translation Notice",
        ),
        ("This article was machine translated from Spanish.", NoticeKind.TRANSLATION, ""),
        ("This story has been automatically translated.", NoticeKind.TRANSLATION, ""),
    ],
)
def test_notices(line: str, kind: NoticeKind, label: str) -> None:
    assert rules.match_notice(line) == rules.NoticeMatch(kind, label)


@pytest.mark.parametrize(
    "line", ["Updates to the law came into force.", "Correctional officers went on strike."]
)
def test_sentences_are_not_notices(line: str) -> None:
    assert rules.match_notice(line) is None


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("• Item", "Item"),
        ("•Item", "Item"),
        ("- Item", "Item"),
        ("* Item", "Item"),
        ("– Item", "Item"),
        ("✅ Item", "Item"),
        ("▪ Item", "Item"),
        ("→ Item", "Item"),
        ("1. Item", "Item"),
        ("12) Item", "Item"),
        ("-5 degrees overnight", None),
        ("3.5% growth", None),
        ("2026. A year", None),
    ],
)
def test_list_markers(line: str, item: str | None) -> None:
    assert rules.strip_list_marker(line) == item


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Key takeaways", True),
        ("What we know so far", True),
        ("At a glance", True),
        ("Key points", True),
        ("Highlights:", True),
        ("📌 Key negotiation points:", True),
        ("What changes for riders:", True),
        ("The measures include:", False),
        ("Organisers listed what they still need:", False),
        ("Funding and delays", False),
    ],
)
def test_key_point_titles(title: str, expected: bool) -> None:
    assert rules.is_key_points_title(title) is expected


def test_strip_title_removes_emoji_and_colon() -> None:
    assert rules.strip_title("📌 Key negotiation points:") == "Key negotiation points"


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("By Jane Doe and John Roe | Reuters", "Jane Doe and John Roe"),
        ("By María López, Madrid", "María López"),
        ("BY ANA DE LA CRUZ", "ANA DE LA CRUZ"),
        ("By Tuesday, officials had left", None),
        ("By the time rescuers arrived, it was dark", None),
    ],
)
def test_bylines(line: str, names: str | None) -> None:
    assert rules.match_byline(line.split(" | ")[0]) == names


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("May 11, 2026", "2026-05-11"),
        ("Tuesday, 3 June 2026", "2026-06-03"),
        ("Published: Jan. 5, 2026 at 10:15 a.m. ET", "2026-01-05"),
        ("Updated at 9:30 a.m. ET, June 3, 2026", "2026-06-03"),
        ("Published 10:15 a.m. ET", ""),
        ("2026-05-11", "2026-05-11"),
    ],
)
def test_date_lines(line: str, iso: str) -> None:
    assert rules.is_date_line(line)
    assert rules.iso_date(line) == iso


def test_impossible_date_gives_no_iso() -> None:
    assert rules.iso_date("February 30, 2026") == ""


@pytest.mark.parametrize(
    ("line", "text", "credit"),
    [
        (
            "Guterres in Paris. EFE/EPA/MOHAMMED BADRA",
            "Guterres in Paris.",
            "EFE/EPA/MOHAMMED BADRA",
        ),
        (
            "Young readers. (Photo: Luis Ortega / Courier)",
            "Young readers.",
            "Luis Ortega / Courier",
        ),
        (
            "Photo: A nurse. Photo: Alex Grant / Getty Images",
            "A nurse.",
            "Alex Grant / Getty Images",
        ),
        ("Biden speaks. REUTERS/Evelyn Hockstein", "Biden speaks.", "REUTERS/Evelyn Hockstein"),
        ("Crowds gather. AP Photo/Evan Vucci", "Crowds gather.", "AP Photo/Evan Vucci"),
    ],
)
def test_captions(line: str, text: str, credit: str) -> None:
    caption = rules.split_caption(line)
    assert caption is not None and (caption.text, caption.credit) == (text, credit)


def test_a_sentence_with_a_slash_is_not_a_caption() -> None:
    assert rules.split_caption("The band played songs by AC/DC.") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“No child should sit in a classroom hungry.”", True),
        ('"We will help."', True),
        ("“We will help,” he said.", False),
        ("“One,” she said, “two.”", False),
    ],
)
def test_whole_quotations(text: str, expected: bool) -> None:
    assert rules.is_whole_quotation(text) is expected


def test_clean_text_normalises_spaces_and_invisible_characters() -> None:
    assert rules.clean_text("a\u00a0b\u200b c\u00ad d\u202f e\t\tf ") == "a b c d e f"


# --------------------------------------------------------------------------- parsers


def test_text_list_without_summary_title_is_a_plain_list() -> None:
    article = read_article(
        b"Headline of the story here\n\nThe council met.\n\n- one thing\n- another thing\n\n"
        b"The meeting ended.",
        source_format="text",
    )
    kinds = [b.kind for b in article.body]
    assert BlockKind.LIST in kinds and BlockKind.KEY_POINTS not in kinds


def test_text_without_headline_line_uses_first_sentence() -> None:
    long = " ".join(["word"] * 50)
    article = read_article(f"This is the opening sentence of it. {long}.".encode())
    assert article.headline == "This is the opening sentence of it."
    assert article.body[0].text.startswith("This is the opening")


def test_page_that_is_one_list_without_a_title_is_read() -> None:
    """A page of notes set as one list, with no title or heading anywhere: its first item's
    first sentence is the headline and the list is still the body, every item read."""
    page = (
        "<html lang=en><body><div class=notes><ol>"
        "<li><span>Check the tyre pressure before the long drive</span></li>"
        "<li><span>Top up the washer fluid</span></li>"
        "<li><span>Pack the spare fuse kit and a torch</span></li>"
        "</ol></div></body></html>"
    )
    article = read_article(page.encode(), source_format="html")
    assert article.headline == "Check the tyre pressure before the long drive"
    assert article.body[0].kind is BlockKind.LIST
    assert article.body[0].items == (
        "Check the tyre pressure before the long drive",
        "Top up the washer fluid",
        "Pack the spare fuse kit and a torch",
    )


def test_text_that_is_one_line_of_prose_is_body_not_headline() -> None:
    """Copied text of one prose line (two sentences, no title line above them): taken as the
    headline it would leave no article, so it is the body and its first sentence the headline.
    A single line that reads like a title is still the headline."""
    line = "Ferry crossings resume at dawn today. The harbour office expects delays until noon"
    article = read_article(line.encode(), source_format="text")
    assert article.headline == "Ferry crossings resume at dawn today."
    assert [b.text for b in article.body] == [line]
    title = read_article(b"Ferry Crossings Resume at Dawn", source_format="text")
    assert title.headline == "Ferry Crossings Resume at Dawn"
    assert not title.body


def test_markdown_front_matter_notices_as_dicts_and_list_authors() -> None:
    source = (
        "---\ntitle: T\nauthor: [Ann Lee, Bo Kim]\npublished: 2026-05-11T08:00:00Z\n"
        "notices:\n  - {kind: update, text: Adds a quote.}\nkey_points_title: In brief\n"
        "key_points: [One., Two.]\n---\nBody text here.\n"
    )
    article = read_article(source.encode(), source_format="markdown")
    assert article.byline == "Ann Lee and Bo Kim"
    assert article.published.startswith("2026-05-11T08:00:00")
    assert article.notices[0].kind is NoticeKind.UPDATE
    assert article.body[0].kind is BlockKind.KEY_POINTS and article.body[0].text == "In brief"


_ORCHARD = (
    "The orchard cooperative met on Thursday evening to settle the harvest plan for the coming"
    " season, after two wet summers left the members short of both fruit and money.",
    "Members argued for nearly three hours about how the shared press should be booked, and who"
    " would pay for the new cold store the council has promised to part fund.",
    "In the end the chair read out a short compromise that most of the growers could accept,"
    " and the vote passed with only four members against it.",
)
_ORCHARD_AFTER = (
    "The cold store will be built on the old depot site by the river, where the ground is level"
    " and the lorries can turn without blocking the lane.",
    "Work is due to start in March if the council grant arrives in time, the treasurer said,"
    " and the first fruit could go into it by September.",
)
_ORCHARD_ITEMS = ("Earlier slots for the press.", "Shared crates.", "A new rota for the tractor.")


def _orchard_page(lead_in: str, list_html: str) -> str:
    return (
        "<html lang=en><body><article><h1>Orchard growers agree a harvest plan</h1>"
        + "".join(f"<p>{p}</p>" for p in _ORCHARD)
        + f"<p>{lead_in}</p>{list_html}"
        + "".join(f"<p>{p}</p>" for p in _ORCHARD_AFTER)
        + "</article></body></html>"
    )


@pytest.mark.parametrize(
    "list_html",
    [
        # an old page's layout table: main-text detection loses the list in its cell
        "<table><tr><td><ul>" + "".join(f"<li>{i}</li>" for i in _ORCHARD_ITEMS) + "</ul></td>"
        "</tr></table>",
        # every item a link (to the plan's documents): main-text detection loses them too
        "<ul>"
        + "".join(f"<li><a href='/d{n}'>{i}</a></li>" for n, i in enumerate(_ORCHARD_ITEMS))
        + "</ul>",
    ],
)
def test_html_list_after_the_storys_lead_in_is_read(list_html: str) -> None:
    """A list the story's own sentence leads into ("... gives the members:") is the story's,
    even where main-text detection left it out; under a links label it is other stories."""
    article = read_article(
        _orchard_page("The plan gives the members mainly:", list_html).encode(),
        source_format="html",
    )
    lists = [b for b in article.body if b.kind is BlockKind.LIST]
    assert [b.items for b in lists] == [_ORCHARD_ITEMS]
    assert article.body[-1].text == _ORCHARD_AFTER[-1]
    other = read_article(
        _orchard_page("More from the valley:", list_html).encode(), source_format="html"
    )
    assert not [b for b in other.body if b.kind is BlockKind.LIST]


_BRIDGE = (
    "Council engineers will close the old swing bridge for six weeks from Monday while its worn"
    " gears are replaced, the city's transport office said in a notice on Friday.",
    "The bridge carries about nine thousand cars a day, and drivers will be sent along the ring"
    " road instead, adding up to fifteen minutes to a trip across the river.",
    "Cyclists and walkers can still cross on a temporary footway bolted to the north side of"
    " the span, which opens on Sunday night and will be lit until the works end.",
    "Shop owners on the east bank said they feared losing trade during the closure, and asked"
    " the council to waive parking charges in the market square until the bridge reopens.",
)


def test_html_story_chunks_sharing_a_summary_class_are_body_not_standfirst() -> None:
    """A story printed in chunks that share one class naming a summary ("story-description"),
    split by a related-links box, is body from its first chunk; the dek with its own class is
    the standfirst."""
    chunk = '<div class="story-description">{}</div>'
    page = (
        "<html lang=en><body><article><h1>Swing bridge to close for six weeks</h1>"
        '<p class="dek">Drivers face a detour along the ring road until the spring.</p>'
        + chunk.format(f"<p>{_BRIDGE[0]}</p>")
        + '<div class="related-box"><h3>Related</h3><ul><li><a href="/a">Ring road'
        " resurfacing delayed</a></li><li><a href='/b'>Ferry fares to rise</a></li></ul></div>"
        + chunk.format("".join(f"<p>{p}</p>" for p in _BRIDGE[1:3]))
        + chunk.format(f"<p>{_BRIDGE[3]}</p>")
        + "</article></body></html>"
    )
    article = read_article(page.encode(), source_format="html")
    assert article.standfirsts == ("Drivers face a detour along the ring road until the spring.",)
    assert [b.text for b in article.body] == list(_BRIDGE)


def test_html_first_line_of_a_br_body_is_read_where_main_text_lost_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A body set as text and <br> lines in one container: main-text detection can drop the
    container's text before its first child element (trafilatura discards such a <div> and
    keeps what follows its <br>s). Among the body's own lines, a sentence is the story's; a
    short line there that is no sentence (a credit) still needs the main text."""
    lines = "<br><br>".join(_BRIDGE[1:])
    page = (
        "<html lang=en><body><div class=page><h1>Swing bridge to close for six weeks</h1>"
        f"<div class=text>{_BRIDGE[0]}<br><br><span>Photo by city archive</span><br><br>"
        f"{lines}</div></div></body></html>"
    )
    lost = page.replace(_BRIDGE[0], "").replace("Photo by city archive", "")
    found = main_text(lost)
    assert found is not None
    monkeypatch.setattr(html_reader, "main_text", lambda _html: found)
    article = read_article(page.encode(), source_format="html")
    assert [b.text for b in article.body] == list(_BRIDGE)


_FERRY = (
    "The harbour board voted on Tuesday to extend the night ferry to the island until midnight,"
    " after a summer in which the last boat left hundreds of workers stranded on the quay.",
    "The later sailings will start in April and cost the board about forty thousand a year,"
    " which it hopes to recover from a small rise in the price of season tickets.",
    "Island traders welcomed the decision, saying the early last boat had kept evening visitors"
    " away from the restaurants on the front for years.",
    "The board will review the timetable again next winter, when it has a season of passenger"
    " counts for the late boats.",
)
_OTHER_STORIES = (
    ("Tram line to the airport gets its first test run", "Engineers ran an empty tram on Sunday."),
    ("Market hall roof to be replaced next year", "The council has set aside money for it."),
    ("Lifeboat crew rescue two kayakers off the point", "Both were brought ashore unhurt."),
)


@pytest.mark.parametrize("label", ["<h2>More from the harbour</h2>", "<p>Top stories</p>"])
def test_html_other_stories_under_a_links_label_after_the_story_are_dropped(label: str) -> None:
    """Headlines with one-line summaries under "Top stories" at the end of the story's column
    (main-text detection takes them as the story's) are other stories; a "Don't miss" promo
    in the middle of the story does not end it."""
    teasers = "".join(
        f"<h3><a href='/s{n}'>{headline}</a></h3><p>{summary}</p>"
        for n, (headline, summary) in enumerate(_OTHER_STORIES)
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in _FERRY)
    page = (
        "<html lang=en><body><div class=main><h1>Night ferry to run until midnight</h1>"
        f"{paragraphs}{label}{teasers}</div></body></html>"
    )
    article = read_article(page.encode(), source_format="html")
    assert [b.text for b in article.body] == list(_FERRY)
    assert any(d.text == _OTHER_STORIES[0][1] for d in article.dropped)
    promo = (
        "<p>Don't miss</p><p><a href='/t'>Tram line to the airport gets its first test run</a></p>"
    )
    last = f"<p>{_FERRY[-1]}</p>"
    inline = page.replace(f"{label}{teasers}", "").replace(last, promo + last)
    assert [b.text for b in read_article(inline.encode(), source_format="html").body] == list(
        _FERRY
    )


_HEADLINES = (
    "Tram line to the airport gets its first test run",
    "Market hall roof to be replaced next year",
    "Lifeboat crew rescue two kayakers off the point",
)


def test_html_unannounced_list_of_linked_headlines_is_other_stories() -> None:
    """A list of linked headlines set among the story's paragraphs, with nothing leading into
    it, is other stories (main-text detection keeps it: it is inside the body); linking
    within the page, it is the table of contents; the story's own lead-in keeps it."""
    paragraphs = [f"<p>{p}</p>" for p in _FERRY]

    def page(list_html: str, lead_in: str = "") -> bytes:
        return (
            "<html lang=en><body><article><h1>Night ferry to run until midnight</h1>"
            + "".join(paragraphs[:3])
            + lead_in
            + list_html
            + paragraphs[3]
            + "</article></body></html>"
        ).encode()

    links = "".join(f"<li><a href='/s{n}'>{h}</a></li>" for n, h in enumerate(_HEADLINES))
    article = read_article(page(f"<ul>{links}</ul>"), source_format="html")
    assert [b.text for b in article.body] == list(_FERRY)
    assert {(d.text, d.kind) for d in article.dropped} >= {
        (h, DropKind.PROMOTION) for h in _HEADLINES
    }
    contents = "".join(f"<li><a href='#s{n}'>{h}</a></li>" for n, h in enumerate(_HEADLINES))
    article = read_article(page(f"<ol>{contents}</ol>"), source_format="html")
    assert any(d.reason == "table of contents" for d in article.dropped)
    led = read_article(
        page(f"<ul>{links}</ul>", "<p>The board also published three reports:</p>"),
        source_format="html",
    )
    assert [b.items for b in led.body if b.kind is BlockKind.LIST] == [_HEADLINES]


def test_html_deep_nesting_is_read_without_crashing() -> None:
    page = "<div>" * 3000 + "<h1>Deep headline</h1><p>Deep body text.</p>" + "</div>" * 3000
    article = read_article(page.encode(), source_format="html")
    assert article.headline == "Deep headline"


def test_ten_thousand_words_parse_quickly() -> None:
    paragraph = "The council said on Tuesday that schools would receive new funding. " * 5
    text = "WORLD\n\nA headline\n\nA standfirst line\n\n" + "\n\n".join([paragraph] * 200)
    for source_format in ("text", "html", "markdown"):
        start = time.perf_counter()
        read_article(text.encode(), source_format=source_format)
        assert time.perf_counter() - start < 1.0  # well under 0.3 s on the dev machine


_BODY = "The council voted on Tuesday to reopen the library after two years of repairs."


@pytest.mark.parametrize(
    ("data", "source_format"),
    [
        (f"# Library reopens\n\n{_BODY}\n\nREAD MORE:\n\n1. Other story\n2. Third story\n",
         "markdown"),
        (f"Library reopens\n\nCity news\n\n{_BODY}\n\nRead more:\n- Other story\n"
         "- Third story\n", "text"),
        (f"<h1>Library reopens</h1><p>{_BODY}</p><p>Related stories:</p>"
         "<ul><li>Other story</li><li>Third story</li></ul>", "html"),
        (f"<h1>Library reopens</h1><p>{_BODY}</p><h2>Most read</h2>"
         "<ol><li>Other story</li><li>Third story</li></ol>", "html"),
    ],
)  # fmt: skip
def test_a_list_under_a_links_label_is_dropped_whole(data: str, source_format: str) -> None:
    """ "Read more:" above a list makes its items links to other articles, never key points."""
    article = read_article(data.encode(), source_format=source_format)
    spoken = [t for b in article.body for t in (b.text, *b.items)]
    assert not any("story" in t for t in spoken), spoken
    dropped = {d.text for d in article.dropped}
    assert {"Other story", "Third story"} <= dropped


def test_a_list_under_an_advertisement_label_keeps_its_items() -> None:
    data = (
        f"<h1>Library reopens</h1><p>{_BODY}</p><h2>Advertisement</h2>"
        "<ul><li>Opening hours are longer</li><li>Entry is free</li></ul>"
    )
    article = read_article(data.encode(), source_format="html")
    assert [b.items for b in article.body if b.kind is BlockKind.LIST] == [
        ("Opening hours are longer", "Entry is free")
    ]
    assert "Advertisement" in {d.text for d in article.dropped}


_LONG = (
    "The regional transit board approved a new timetable on Monday that adds late-night buses "
    "on six routes, after a year of complaints from shift workers who finish after midnight."
)


@pytest.mark.parametrize(
    ("data", "source_format"),
    [
        (f"Night buses return\n\n{_LONG}\n\nThe first buses run in March.\n\n{_LONG}\n", "text"),
        (f"<h1>Night buses return</h1><p>{_LONG}</p><p>The first buses run in March.</p>"
         f"<aside class='pull-quote'><p>{_LONG}</p></aside><div><p>{_LONG}</p></div>", "html"),
    ],
)  # fmt: skip
def test_a_paragraph_the_page_prints_again_is_read_once(data: str, source_format: str) -> None:
    article = read_article(data.encode(), source_format=source_format)
    assert [b.text for b in article.body] == [_LONG, "The first buses run in March."]
    assert any(d.reason == "repeats text already read" for d in article.dropped)


def test_similar_short_lines_are_all_read() -> None:
    """Meal plans and tables repeat short lines on purpose: only long repeats are dropped."""
    line = "Portion Fix Containers: 1 Green, 1 Red, 1 Yellow, 1 tsp."
    data = f"Meal plan\n\nMonday lunch.\n\n{line}\n\nTuesday lunch.\n\n{line}\n"
    article = read_article(data.encode(), source_format="text")
    assert [b.text for b in article.body].count(line) == 2


def test_copied_furniture_of_a_byline_and_its_photo_is_not_read() -> None:
    """A copied page sets the byline's names on the line under "By", credits a photo with
    "Credit..." and prints the reporter's address and the gallery counter on lines of their own."""
    data = (
        "Council approves night buses\n\nBy\nSarah Lee\nsarah.lee@example.com\n\n"
        f"{_LONG}\n\nBuses wait at the depot. Credit... Ann Roe/The Daily Courier\n\n"
        "Image 1 of / 23\n\nThe first buses run in March, the board said on Monday.\n"
    )
    article = read_article(data.encode(), source_format="text")
    assert article.byline == "Sarah Lee"
    assert [b.text for b in article.body] == [
        _LONG,
        "The first buses run in March, the board said on Monday.",
    ]
    assert Caption("Buses wait at the depot.", "Ann Roe/The Daily Courier") in article.captions


def test_a_copied_gallery_after_the_story_is_not_read() -> None:
    """A gallery copied with the page: each slide's number and title ("2/30 ..."), a caption
    in sentences, a credit. The captions are longer than the story, but not the story."""
    slides = "".join(
        f"{n}/30 Depot day {n}\n\nDrivers and engineers gathered at the depot on Saturday for "
        f"the open day, the {n}th photo of the council's own gallery, shown to the public.\n\n"
        "GETTY IMAGES\n\n"
        for n in range(1, 8)
    )
    data = f"Council approves night buses\n\n{_LONG}\n\n{_SECOND}\n\nDepot open day\n\n{slides}"
    article = read_article(data.encode(), source_format="text")
    assert [b.text for b in article.body] == [_LONG, _SECOND]


_SECOND = (
    "Drivers' representatives said the board had agreed to hire forty more drivers before the "
    "new timetable starts, so that no route would lose its daytime service to pay for the night."
)


def test_a_link_bar_named_for_corrections_is_not_a_notice() -> None:
    data = (
        f"<h1>Night buses return</h1><p>{_LONG}</p><p>{_SECOND}</p>"
        "<div class='story-corrections'><a>Request Reprint &amp; Licensing</a>, "
        "<a>Submit Correction</a> or view <a>Editorial Guidelines</a></div>"
        "<div class='correction'>Correction: An earlier version misstated the routes.</div>"
        "<p>Updated: Sat 8:31 PM, Feb 17, 2018</p>"
        "<ul class='share'><li>Click to share on Facebook (Opens in new window)</li></ul>"
    )
    article = read_article(data.encode(), source_format="html")
    assert [n.text for n in article.notices] == [
        "Correction: An earlier version misstated the routes."
    ]
    assert [b.text for b in article.body] == [_LONG, _SECOND]


def test_a_count_of_comments_above_the_story_does_not_end_it() -> None:
    """A stats block ("Comments:" over "1664") is not the comments section after the story."""
    summary = "\n\n".join([_SECOND] * 4)
    data = (
        f"Night buses return\n\n{summary}\n\nWords:\n6,700\nComments:\n1664\n"
        f"Kudos:\n7142\n\n{_LONG}\n\nThe first buses run in March, the board said on Monday.\n"
    )
    article = read_article(data.encode(), source_format="text")
    assert _LONG in [b.text for b in article.body]


@pytest.mark.parametrize(
    "hiding",
    ['<html style="display:none">', "<html><body hidden>", '<html><body aria-hidden="true">'],
)
def test_a_page_hidden_until_its_scripts_run_is_still_read(hiding: str) -> None:
    story = "The bridge reopens to cars on Monday after two years of repairs. " * 4
    page = (
        f"{hiding}<article><h1>Bridge reopens</h1><p>{story}</p>"
        '<div style="display: none"><p>Image 1 of 4: the bridge at dusk.</p></div>'
        "</article></body></html>"
    )
    article = read_article(page.encode(), filename="page.html")
    assert article.headline == "Bridge reopens"
    assert [b.text for b in article.body] == [story.strip()]
    assert [(d.reason, d.text) for d in article.dropped] == [
        ("hidden on the page", "Image 1 of 4: the bridge at dusk.")
    ]
