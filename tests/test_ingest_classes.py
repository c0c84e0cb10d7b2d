"""Failure classes of article extraction, checked by what a listener hears.

Each input in tests/data/articles/class-<n>-<name>.<ext> is a realistic page (HTML) or a page
copied whole as text, written to show one class of extraction failure:

  1. a container whose class names a layout ("content-with-sidebar", "l-sidebar-fixed",
     "entry-content-read-more", "pagination-first", "paywall") holds the whole article;
  2. the wrong container looks like the article (a teaser <article>, comments as <article>s, an
     empty first <main>, a body in <div>s and <br>s instead of <p>s);
  3. real body text that looks like something else (agency names at the end of a paragraph, a
     quoted embedded post, a data table, a body split in blocks around ad slots);
  4. junk that looks like body text (a photo gallery, a bare URL, other stories' headlines,
     relative timestamps, end-of-article appeals, WordPress theme data);
  5. a standfirst that repeats the first paragraph (quotes written differently);
  6. text pages copied whole: menus, teasers, the title line, comments, footers;
  7. structure: notices in boxes and their label variants, a key-points title without a colon,
     a photo credit at the start of a caption, a byline with date and reading time.

The checks are about the listener, not about internal structure: a sentence of the story is
heard (recall), a piece of junk is not heard (precision), a notice of the right kind is read, the
standfirst is heard once, a summary list is read as key points, dropped junk is kept for editors
with a sensible reason. Golden files (test_ingest_golden.py) pin the whole Article; these say
*why* a given output is right, so they survive legitimate changes to the details.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audionews.ingest.detect import read_article
from audionews.models import Article, BlockKind, DropKind
from audionews.vocabulary import NoticeKind

ARTICLES = Path(__file__).parent / "data" / "articles"

C1 = "class 1: layout container holds the article"
C2 = "class 2: wrong container"
C3 = "class 3: real body that must be read"
C4 = "class 4: junk that must not be read"
C5 = "class 5: standfirst repeats the first paragraph"
C6 = "class 6: page copied whole as text"
C7 = "class 7: structure (notices, key points, captions, bylines)"

#: Reasons that make sense for links to other stories, comments and page furniture.
LINKS = frozenset({DropKind.PROMOTION, DropKind.NAVIGATION})
COMMENTS = frozenset({DropKind.NAVIGATION, DropKind.PROMOTION, DropKind.OTHER})
GALLERY = frozenset({DropKind.CAPTION, DropKind.NAVIGATION, DropKind.OTHER})
CAPTION = frozenset({DropKind.CAPTION})
#: Repeats, hidden elements and publishing-system code.
OTHER = frozenset({DropKind.OTHER})


@dataclass(frozen=True)
class Case:
    """One article and what a listener must (not) hear in it."""

    name: str  # file in tests/data/articles
    about: str  # the failure class it shows (C1...C7)
    hears: tuple[str, ...] = ()  # passages heard somewhere (standfirst, body, notices)
    not_hears: tuple[str, ...] = ()  # junk never heard (whole words, case-insensitive)
    headline: str = ""  # the headline as it should be announced
    byline: str = ""  # the byline's names, so the byline line is not read as text
    once: tuple[str, ...] = ()  # passages heard exactly once (headline, standfirst, body)
    notices: tuple[tuple[NoticeKind, str], ...] = ()  # (kind, passage of the notice)
    not_notices: tuple[str, ...] = ()  # passages that must not be read as a notice
    no_notices: bool = False  # the page has no notice at all
    key_points: tuple[str, ...] = ()  # the items of a key-points block, in order
    dropped: tuple[tuple[str, frozenset[DropKind]], ...] = ()  # (junk, sensible drop kinds)
    apart: tuple[tuple[str, str], ...] = ()  # passages of two different paragraphs
    rows: tuple[tuple[str, ...], ...] = ()  # a table's rows: cells heard in order, rows in order


#: The outage story of class-4-timestamps, as a page (.html) and as copied text (.txt).
_OUTAGE_STORY = (
    "Power was back on across downtown Riverview early on Wednesday",
    "Crews will stay on site until the damaged transformer is replaced.",
    "could apply for a credit of up to $150 on its website.",
)
_OUTAGE_TIMES = (
    "Published 3 hours ago",
    "3 hours ago",
    "Updated Nov 19",
    "6:55 AM",
    "2 min read",
    "Kofi Mensah",
)


CASES: tuple[Case, ...] = (
    # ------------------------------------------------------------------ class 1
    Case(
        "class-1-content-with-sidebar.html",
        C1,
        hears=(
            "Fenwick County opened its first overnight warming centre on Tuesday night",
            "Now there is a warm, safe place within walking distance of the bus station.",
            "The Ashby Food Cooperative has agreed to donate soup and bread three nights a week",
            "County commissioners will decide in April whether to keep the centre open all year "
            "as a daytime drop-in space.",
        ),
        not_hears=(
            "Route 12 closed for bridge repairs",
            "Holiday craft fair",
            "Upcoming events",
            "All rights reserved",
        ),
        dropped=(("Route 12 closed for bridge repairs", LINKS),),
    ),
    Case(
        "class-1-l-sidebar-fixed.html",
        C1,
        hears=(
            "The Gull Island ferry returned to service on Wednesday morning",
            "we cannot keep depending on one boat that is thirty years old.",
            "The regional council is due to vote in January on whether to buy a second, smaller "
            "ferry",
        ),
        not_hears=(
            "Gull Island ferry out of action for weeks",
            "Landing craft hired to carry island cars",
            "Download the November to March timetable",
            "Related coverage",
        ),
    ),
    Case(
        "class-1-entry-content-read-more.html",
        C1,
        hears=(
            "Three Millbrook public library branches will open on Sundays starting in January",
            "Sunday afternoon is when they actually have time to bring their kids",
            "The board will review visitor numbers from the new Sunday hours in June",
        ),
        not_hears=(
            "Previous: School bus routes",
            "City unveils winter snow plan",
            "Recent Posts",
            "Tagged library",
            "Independent, nonprofit news for Millbrook",
        ),
    ),
    Case(
        "class-1-article-body-pagination-first.html",
        C1,
        hears=(
            "Hartwell's, the family-owned grocery chain that has operated in the region since 1952",
            "But we cannot sign leases that would put the whole company at risk.",
            "the town council will meet on Monday to discuss whether it can help another grocer "
            "take over the building.",
        ),
        not_hears=("Next page", "Get the Business Brief", "Log in"),
    ),
    Case(
        "class-1-paywall-wrapper.html",
        C1,
        hears=(
            "Lakeview households will pay about 9 percent more for water from April",
            "every family in this city deserves to know that the water coming out of the kitchen "
            "tap is safe.",
            "Residents can check whether their home has a lead service line",
        ),
        not_hears=("free articles left", "Subscribe for $1 a week"),
        dropped=(
            ("You have 2 free articles left", frozenset({DropKind.CONSENT, DropKind.PROMOTION})),
        ),
    ),
    Case(
        "class-1-article-paywall.html",
        C1,
        hears=(
            "Midshire Hospitals NHS Trust has recruited 120 nurses",
            "The first 40 nurses started work this week after completing a four-week induction",
            "Last winter some waited more than 24 hours.",
            "called on the government to fund more training places for nurses in the county.",
        ),
        not_hears=("Already a subscriber", "Independent Press Standards Organisation"),
        once=("Two wards closed since the summer will reopen before Christmas",),
    ),
    # ------------------------------------------------------------------ class 2
    Case(
        "class-2-noscript-article.html",
        C2,
        hears=(
            "From Friday, the N7 night bus will run every hour between midnight and five",
            "Sixteen new drivers have finished their training this autumn",
            "Now we can say yes.",
            "valid until the last night bus.",
        ),
        not_hears=("Please enable JavaScript", "Comments need JavaScript", "Labels:"),
        headline="Night buses return to the valley line",
        once=("From Friday, the N7 night bus will run every hour",),
    ),
    Case(
        "class-2-teaser-article-largest.html",
        C2,
        hears=(
            "About 30,000 homes and businesses across Carver Valley were still without power",
            "We are asking people to stay well away from any downed line and to assume it is live.",
            "Forecasters expect a drier day on Thursday",
        ),
        not_hears=(
            "Ridley school board picks new superintendent",
            "The board chose Dr. Anita Shah",
            "Winter farmers market moves indoors",
            "Pinecrest soccer team wins league title",
            "More news",
        ),
        headline="Storm leaves 30,000 homes without power across Carver Valley",
    ),
    Case(
        "class-2-comments-as-articles.html",
        C2,
        hears=(
            "Eastport city council voted 9-4 on Wednesday to build protected bike lanes",
            "said his takings fell by a third during last summer's water main works.",
            "The project will cost $4.8 million",
        ),
        not_hears=(
            "I stopped cycling to work after being doored twice",
            "Nobody is carrying a cake home on a bike",
            "Four hours of debate and they still did not say how buses will turn",
            "Will the concrete curbs be cleared when it snows",
            "queenst_rider",
            "8 replies",
            "minutes ago",
        ),
        dropped=(("I stopped cycling to work after being doored twice", COMMENTS),),
    ),
    Case(
        "class-2-empty-first-main.html",
        C2,
        hears=(
            "Archaeologists have uncovered the remains of a Roman bathhouse",
            "You do not build a bathhouse of this size for a small fort",
            "the trust will give guided tours every hour.",
        ),
        not_hears=("Derby tickets sell out", "Castlegate bypass delayed again", "Trending"),
    ),
    Case(
        "class-2-div-br-body.html",
        C2,
        hears=(
            "The Oak Hollow Volunteer Fire Company turned 100 years old this month",
            "Its first engine was a secondhand Model T pumper bought for $900",
            "it is hard to ask them to get up at three in the morning.",
            "is on sale at the township office for $15.",
        ),
        not_hears=(
            "Oak Hollow Weather",
            "rain after midnight",
            "Legal Notices",
            "zoning variance for 14 Mill Road",
            "sealed bids by November 28",
            "webmaster@oakhollowherald.com",
            "Herald Staff Writer",
        ),
        headline="Oak Hollow volunteer fire company marks 100 years",
        once=("Oak Hollow volunteer fire company marks 100 years",),
        apart=(
            (
                "how hard it was to find volunteers.",
                "When I started, every family on this street had somebody in the company",
            ),
            (
                "Members also get a small property tax credit from the township.",
                "The oldest living member, 91-year-old Harold Beck",
            ),
        ),
    ),
    # ------------------------------------------------------------------ class 3
    Case(
        "class-3-agency-attribution.html",
        C3,
        hears=(
            "BRUSSELS (AP) — European Union lawmakers on Wednesday approved a ban",
            "The European Hotel Association said it supported the goal but needed more time, a "
            "spokesperson said when contacted by Reuters.",
            "The ban will save around 40,000 tonnes of plastic a year, according to estimates the "
            "European Commission shared with AFP.",
            "the Dutch environment ministry told The Associated Press (AP), and France is phasing "
            "them out by 2027.",
        ),
        not_hears=("REUTERS/Anna Kovacs", "in a hotel bathroom in Brussels"),
        dropped=(("REUTERS/Anna Kovacs", CAPTION),),
    ),
    Case(
        "class-3-embedded-tweet.html",
        C3,
        hears=(
            "In a post on X, she wrote:",
            "The Harbour Street bridge reopens to cars at 6am Monday.",
            "Thank you to every crew member who worked through the storms to get it done.",
            "Buses and bicycles have been allowed across the bridge since October",
        ),
        not_hears=("pic.twitter.com", "t.co/Qx7bL2mVn1"),
    ),
    Case(
        "class-3-list-table.html",
        C3,
        hears=(
            "these are the twenty-eight our outdoors desk walked itself",
            "Check the weather before you set out",
        ),
        once=("it is dark before five",),
        rows=(
            ("Harrow Beck", "5 km", "A flat path beside a fast stream"),
            ("Brigg Point", "7 km", "grey seals haul out on the rocks"),
            ("Lantern Walk", "2 km", "a hot chestnut stall on weekends"),
        ),
        not_hears=("Outdoors Travel", "Dale Courier 2026"),
    ),
    Case(
        "class-3-numbered-entries.html",
        C3,
        hears=(
            "Lot 14, on Quarry Lane, may only be sold",
            "Lot 15, on Quarry Lane, may only be sold",
            "Lot 22, on Station Road, may only be sold",
            "Bids open on 3 March.",
        ),
        once=("Lot 22, on Station Road, may only be sold",),
        dropped=(("keep a public footpath open along its northern edge.", OTHER),),
        apart=(("Lot 14, on Quarry Lane", "Lot 15, on Quarry Lane"),),
    ),
    Case(
        "class-3-data-table.html",
        C3,
        hears=(
            "The county health department's weekly figures break the numbers down by age group:",
            "Flu shots given by November 15",
            "hospitals had already admitted 46 patients with flu this month",
        ),
        not_hears=("Text size", "Print", "Email"),
        rows=(
            ("Children under 18", "5,400", "down 4 percent"),
            ("Adults 18 to 64", "7,900", "down 15 percent"),
            ("Adults 65 and over", "7,700", "up 2 percent"),
        ),
    ),
    Case(
        "class-3-split-body.html",
        C3,
        hears=(
            "The Granite City teachers' union and the school district reached a tentative contract",
            "This contract recognizes the work our teachers do every day",
            "The school board is expected to approve it at its meeting on December 2.",
            "About 1,600 teachers work in the district's 31 schools.",
            "had arranged for school meals to be handed out at four community centers.",
        ),
        not_hears=("Advertisement",),
    ),
    # ------------------------------------------------------------------ class 4
    Case(
        "class-4-hidden-and-hover.html",
        C4,
        hears=(
            "Senator Ada Brook said on Tuesday that she would vote for the northern rail link",
            "That is why I will vote yes on the northern rail link.",
            "What happens next",
            "the cost per passenger",
            "would be the lowest of any line built this century",
        ),
        not_hears=(
            "Brook questions budget for bridges",
            "MORE",
            "Breaking",
            "edit",
            "displaystyle",
            "t.co",
            "pic.twitter.com",
            "button",
            "newsletter",
            "speaks to reporters",
            "Image 1 of 4",
        ),
        dropped=(
            ("Brook to chair transport panel", OTHER),
            ("Get the Capitol Wire newsletter", OTHER),
            ("Senator Ada Brook speaks to reporters.", OTHER),
        ),
    ),
    Case(
        "class-4-gallery.html",
        C4,
        hears=(
            "About 12,000 people lined the banks of the River Avon",
            "were carried along the towpath from the old mill to the town bridge",
            "The festival began in 2006 as a small event",
            "The charity is looking for volunteers to help clear the river",
        ),
        not_hears=(
            "Image 1 of 23",
            "Image 2 of 23",
            "of 23",
            "Back to Gallery",
            "Previous",
            "Next",
            "Lanterns drift under the town bridge on Saturday night",
            "with the fish lantern she made at school",
            "The procession sets off from the old mill at dusk",
        ),
        dropped=(("Image 1 of 23", GALLERY), ("Back to Gallery", GALLERY)),
    ),
    Case(
        "class-4-url-and-inline-headlines.html",
        C4,
        hears=(
            "Westfield will plant 5,000 trees along its streets over the next three years",
            "Southgate will get the first 1,200 trees",
            "Trees are the cheapest air conditioning a city can buy",
            "Planting begins in March.",
        ),
        not_hears=(
            "https://www.westfieldtimes.com",
            "westfieldtimes.com",
            "Also in Environment",
            "Volunteers pull 2 tonnes of rubbish from the Mill River",
            "Six schools to get solar panels by spring",
            "Leaf collection starts a week late this year",
            "City adds 40 heated bus shelters",
            "New parking app goes live downtown",
        ),
        dropped=(
            (
                "https://www.westfieldtimes.com/environment/2026/11/19/street-trees-plan",
                frozenset({DropKind.NAVIGATION, DropKind.METADATA, DropKind.OTHER}),
            ),
            ("Six schools to get solar panels by spring", LINKS),
            ("City adds 40 heated bus shelters", LINKS),
        ),
    ),
    Case(
        "class-4-timestamps.html",
        C4,
        hears=_OUTAGE_STORY,
        not_hears=_OUTAGE_TIMES,
        no_notices=True,
        dropped=(
            ("Published 3 hours ago", frozenset({DropKind.METADATA})),
            ("Updated Nov 19, 6:55 AM", frozenset({DropKind.METADATA})),
            ("2 min read", frozenset({DropKind.METADATA})),
        ),
    ),
    Case(
        "class-4-timestamps-copied.txt",
        C4,
        hears=_OUTAGE_STORY,
        not_hears=(*_OUTAGE_TIMES, "Watch live", "EEO report", "FCC public file"),
        headline="Downtown power restored after substation fire",
        once=("Downtown power restored after substation fire",),
        no_notices=True,
        dropped=(
            ("Published 3 hours ago", frozenset({DropKind.METADATA})),
            ("Updated Nov 19, 6:55 AM", frozenset({DropKind.METADATA})),
        ),
    ),
    Case(
        "class-4-end-furniture.html",
        C4,
        hears=(
            "The Sutter Creek Community Clinic will begin offering dental care next spring",
            "This grant means we can fix that problem where it starts.",
            "through a school visit program that starts in the fall.",
        ),
        not_hears=(
            "Donate to support our newsroom",
            "nonprofit newsroom funded by readers like you",
            "Have a tip?",
            "tips@highplainsdispatch.org",
            "Like this story?",
            "Share it with a friend",
            "Republish this story",
        ),
        dropped=(
            ("Donate to support our newsroom", frozenset({DropKind.PROMOTION})),
            ("Have a tip?", frozenset({DropKind.PROMOTION, DropKind.OTHER})),
            ("Like this story?", frozenset({DropKind.PROMOTION, DropKind.SHARE})),
        ),
    ),
    Case(
        "class-4-entries-shown-in-turn.html",
        C4,
        hears=(
            "1. The Larch Valley loop",
            # entries a script shows one at a time ("Next") are the article, though hidden
            "the hide at Heron Point is the best place in the region to watch wintering geese",
            "5. Beacon Hill at first light",
            "the summit is a forty-minute walk on a clear, wide track.",
            "check the last train home before you set off.",
        ),
        not_hears=(
            "Members get our printable route cards",  # one hidden box is not a sequence
            "Mountain huts reopen after a long summer closure",  # hidden tabs of headlines
            "Night walks: where to see the stars near the city",
        ),
        dropped=(("Members get our printable route cards", OTHER),),
    ),
    Case(
        "class-4-rights-and-disclosures.html",
        C4,
        hears=(
            "Twelve streetlights along the Port Avel seafront have run for a month",
            "It was keeping seaweed out of the bearings.",
            # the article's own sentence about what may not be published is story, not rights
            "the council's data may not be published until the engineers have checked",
            "which together use about as much power as forty homes.",
        ),
        not_hears=(
            "This post contains affiliate links",
            "we may earn a commission",
            "To read the full story, please subscribe",
            "already a subscriber",
            "copyrighted property of the Coastline Ledger",
            "Written permission must be obtained",
            "This material may not be published, broadcast, rewritten or redistributed.",
            "REPRINTING CONTENT WITHOUT PERMISSION IS PROHIBITED",
        ),
        dropped=(
            ("This post contains affiliate links", frozenset({DropKind.ADVERTISEMENT})),
            ("To read the full story", frozenset({DropKind.CONSENT})),
            ("copyrighted property", frozenset({DropKind.LEGAL})),
            ("may not be published, broadcast", frozenset({DropKind.LEGAL})),
        ),
    ),
    Case(
        "class-4-wordpress-theme-data.html",
        C4,
        hears=(
            "The Fifth Avenue Food Pantry has doubled its opening hours",
            "They just cannot make the money stretch to the end of the month anymore.",
            "which run out fastest.",
        ),
        not_hears=(
            "photo-1234.jpg",
            "540 960 admin",
            "admin",
            "[caption",
            "attachment_1234",
            "[/caption]",
            "Posted on",
            "Proudly powered by WordPress",
        ),
        dropped=(
            (
                "photo-1234.jpg 540 960 admin",
                frozenset({DropKind.OTHER, DropKind.CAPTION, DropKind.METADATA}),
            ),
        ),
    ),
    # ------------------------------------------------------------------ class 5
    Case(
        "class-5-dek-repeats-lede.html",
        C5,
        hears=("The State Education Association, which represents about 61,000 teachers",),
        once=(
            "The state's largest teachers' union said Wednesday it would \"fight every cut\" in "
            "the governor's budget plan",
            "trims aid to school districts by $220 million next year.",
        ),
    ),
    Case(
        "class-5-meta-description-repeats.html",
        C5,
        hears=("Inspectors found last month that two of the steel beams",),
        once=(
            "Hikers won't be able to reach Eagle Falls from the main trailhead until 2028",
            "the trail's footbridge had to be rebuilt from scratch.",
        ),
    ),
    # ------------------------------------------------------------------ class 6
    Case(
        "class-6-news-site.txt",
        C6,
        headline="Port strike ends after dockworkers accept 11% pay rise",
        once=(
            "Port strike ends after dockworkers accept 11% pay rise",
            "Cranes at Kingsmouth will start moving again on Thursday",
        ),
        hears=(
            "Dockworkers at the port of Kingsmouth voted on Wednesday to accept an 11% pay rise",
            "Nobody wanted to strike, but nobody was going to accept a pay cut in real terms",
            "Analysts said most of that cargo would return once the backlog was cleared.",
        ),
        not_hears=(
            "The Coastal Mercury",
            "Skip to main content",
            "Puzzles",
            "Breaking",
            "Ferry fares frozen for another year",
            "Kingsmouth council budget vote",
            "gales expected on the coast",
            "Wed 19 Nov 2026",
            "Kingsmouth strike: what it means for shoppers",
            "Shipping lines divert cargo to Northbay",
            "Dockworkers reject first pay offer",
            "Sort by",
            "mariner_joe",
            "Those cranes do not run themselves",
            "Helen from Eastdene",
            "stuck on a ship for nine days",
            "automation promise quietly disappear",
            "Reply",
            "Like (12)",
            "Load more comments",
            "Kingsmouth's oldest pub",
            "The Morning Mercury",
            "Our editors' pick of the day's news",
            "Enter your email",
            "Terms of use",
            "Coastal Mercury Ltd",
        ),
        dropped=(("Those cranes do not run themselves", COMMENTS),),
    ),
    Case(
        "class-6-blog-comments.txt",
        C6,
        headline="The library levy, explained: what a yes vote would cost you",
        once=("The library levy, explained: what a yes vote would cost you",),
        hears=(
            "On December 9, Fernhill voters will decide whether to approve a seven-year property "
            "tax levy",
            "Reopening the Northside branch, which has been closed since the roof failed in 2024",
            "Adding Sunday afternoon hours at the main library",
            "Keeping the children's librarian positions that are now paid for by a grant",
            "the library will hold two question-and-answer sessions before the vote.",
        ),
        not_hears=(
            "Fernhill Civic Notes",
            "Plain-language notes on Fernhill city government",
            "Archive",
            "Meetings",
            "Search for",
            "Posted on November 18, 2026",
            "Filed under",
            "Like this",
            "Like Loading",
            "Council approves new recycling contract",
            "School bond: where the money went",
            "How to read your property tax bill",
            "23 Comments",
            "Marguerite Olsen",
            "Thank you for laying this out so clearly",
            "My mother used it every week",
            "I will be voting no",
            "That is a fair question, Tom",
            "the kids in our neighbourhood have nowhere to go after school",
            "Priya R.",
            "Reply",
            "Your email address will not be published",
            "Post Comment",
            "October 2026",
            "Proudly powered by WordPress",
        ),
        dropped=(
            ("Thank you for laying this out so clearly", COMMENTS),
            ("Council approves new recycling contract", LINKS),
        ),
    ),
    Case(
        "class-6-magazine-subheads.txt",
        C6,
        headline="The last ferryman of Lake Orla",
        byline="Nadia Holm",
        once=(
            "The last ferryman of Lake Orla",
            "For 43 years, Aksel Brenna has rowed villagers, priests and the occasional lost "
            "tourist across a lake",
        ),
        hears=(
            "At a quarter to seven every morning, Aksel Brenna walks down the stone steps",
            "In August the water is so still you can see the church upside down.",
            "A crossing older than the road",
            "Why he kept rowing",
            "The final season",
            "But a road does not wait for you. I wait.",
            "Maybe I will finally have time to look at it.",
        ),
        not_hears=(
            "Northline",
            "Food & Drink",
            "Print edition",
            "Gift a subscription",
            "Photographs by Erik Vang",
            "12 min read",
            "Copy link",
            "You might also like",
            "The bakers who still use a wood-fired oven",
            "A week on the last mail boat to the islands",
            "The lighthouse keeper's daughter",
            "Long reads, photography and travel ideas",
        ),
        dropped=(("The bakers who still use a wood-fired oven", LINKS),),
    ),
    Case(
        "class-6-local-weather-cookies.txt",
        C6,
        headline="Sixth-form pupils rescue swan tangled in fishing line at Millpond",
        once=(
            "Sixth-form pupils rescue swan tangled in fishing line at Millpond",
            "Two students from Ashcombe College waded into the pond in their school uniforms",
        ),
        hears=(
            "Two sixth-form students waded waist-deep into the Millpond on Wednesday afternoon",
            "Kwame held the bird still while Ellie cut the line away",
            "reminded students that ponds can be dangerous in winter",
        ),
        not_hears=(
            "We value your privacy",
            "cookies",
            "Accept all",
            "Manage preferences",
            "Ashcombe Evening News",
            "8°C",
            "Light rain",
            "Wed 19 Nov",
            "What's On",
            "Announcements",
            "A38 closed northbound",
            "Jack Penrose",
            "Local Democracy Reporter",
            "Christmas market dates confirmed",
            "Bus route 12 to be cut back",
            "Comments are closed",
            "Man charged after Brindle Cross crash",
            "New bakery opens on Fore Street",
            "bin collections are changing",
            "Get the latest Ashcombe news",
            "Terms and conditions",
        ),
        dropped=(("We value your privacy", frozenset({DropKind.CONSENT})),),
    ),
    Case(
        # A photo gallery's controls between two halves of the story (a widget, not a label),
        # a subheading that is a comments word ("Response"), a count-in-a-sentence comments
        # label ("There are 3 comments").
        "class-6-gallery-widget.txt",
        C6,
        headline="Harbor Line trams return after a winter of repairs",
        once=("Harbor Line trams return after a winter of repairs",),
        hears=(
            "will carry passengers again on Monday after four months",
            "should now take about nineteen minutes, four fewer than before the closure.",
            "The last service of the evening will now leave the ferry terminal at 11:40 p.m.",
            "Ticket machines at every stop now take contactless cards",
            "Response from riders' groups was warm but cautious",
            "so that the promised reliability can be checked by anyone who rides the line.",
        ),
        not_hears=(
            "1 of 12",
            "Full Screen",
            "Autoplay",
            "Skip Ad",
            "View Photos",
            "Inside the rebuilt Harbor Line",
            "There are 3 comments",
            "Tom Reyes",
            "The buses took twice as long",
            "Level platforms are great news",
            "Council sets date for market hall vote",
        ),
        dropped=(("Autoplay", frozenset({DropKind.NAVIGATION})),),
    ),
    Case(
        # A labelled box of other stories ("Most read in world news", kickers and headlines)
        # between two halves of the story, longer than a "Related" link or two; a tip-line
        # appeal under the tags.
        "class-6-most-read-box.txt",
        C6,
        headline="Rare snowy owl spotted on a city rooftop draws crowds of birdwatchers",
        byline="Callum Reid",
        hears=(
            "A snowy owl, a bird that almost never strays this far south",
            "the lost parking fees were a small price",
            "The owl appears to be healthy",
            "A live camera on the roof will stream the owl",
            "a pair of binoculars shows it better than a phone.",
        ),
        not_hears=(
            "Most read in world news",
            "RECORD BREAKER",
            "Climber reaches summit of highest peak",
            "Twins separated at birth",
            "Wedding ring lost at sea",
            "Do you have a story for us?",
            "Daily Planet Media",
        ),
        dropped=(("Twins separated at birth meet for the first time in a supermarket", LINKS),),
    ),
    Case(
        # A post that is a list and nothing else (release notes): no paragraph to find.
        "class-6-release-notes.txt",
        C6,
        headline="Harbour Maps 4.2 is out",
        once=("Harbour Maps 4.2 is out",),
        hears=(
            "Added offline maps for every coastal region",
            "The chart loads twice as fast on older phones",
            "Removed the old route format, which the app converts to the new one",
        ),
        not_hears=(
            "Harbour Maps Blog",
            "Powered by Tumblr",
            "Newer Older",
            "Official links",
            "Harbour Maps on Mastodon",
            "Help centre",
            "Try our tide tables app",
        ),
        dropped=(("Harbour Maps on Mastodon", LINKS),),
    ),
    # ------------------------------------------------------------------ class 7
    Case(
        "class-7-correction-aside.html",
        C7,
        hears=(
            "The outdoor pool at Kestrel Park reopened on Saturday",
            "This pool taught three generations of Dunmore kids to swim",
            "The pool will close for the winter at the end of November and reopen on May 1.",
        ),
        notices=(
            (NoticeKind.CORRECTION, "misstated the year the pool opened. It opened in 1967"),
            (NoticeKind.EDITORS_NOTE, "The reporter's partner works as a lifeguard"),
        ),
        once=(
            "misstated the year the pool opened",
            "The reporter's partner works as a lifeguard",
        ),
        not_hears=("More from Parks", "New dog park opens on Alder Street"),
    ),
    Case(
        "class-7-big-picture.html",
        C7,
        byline="Ana Ruiz",
        key_points=(
            "The new terminal will have 24 gates, up from 15, and a single security checkpoint "
            "with 18 lanes.",
            "Construction starts in March and will be done in stages so the old terminal can stay "
            "open.",
            "Airlines will pay for most of the project through higher landing fees.",
        ),
        once=("Airlines will pay for most of the project through higher landing fees.",),
        hears=(
            "The Brightwater Airport Authority gave final approval on Tuesday",
            "The vote was unanimous.",
            "the biggest investment in this region's front door in half a century.",
            "Passenger numbers at Brightwater reached 9.4 million last year",
            "The authority will pick a construction contractor in January.",
        ),
        not_hears=(
            "Jane Roe",
            "Metro Wire",
            "Cranes stand over the site of the new terminal on Monday",
            "4 min read",
            "Nov 19, 2026",
            "Get the Brief",
        ),
        dropped=(("Cranes stand over the site of the new terminal", CAPTION),),
    ),
    Case(
        "class-7-what-we-know.txt",
        C7,
        headline="Water main break floods Oldtown streets, boil-water notice issued",
        byline="Ana Ruiz",
        key_points=(
            "The pipe was installed in 1928 and is one of the oldest still in use in the city.",
            "About 6,000 customers have no water or very low pressure.",
            "Residents in the 43110 and 43112 ZIP codes should boil tap water for at least one "
            "minute before drinking it.",
            "The water department expects to restore service by Thursday evening.",
        ),
        notices=(
            (NoticeKind.UPDATE, "updated with the water department's latest estimate"),
            (NoticeKind.CORRECTION, "said the boil notice covered the whole city"),
        ),
        not_notices=("2:15 PM",),
        once=(
            "About 6,000 customers have no water or very low pressure.",
            "updated with the water department's latest estimate",
            "said the boil notice covered the whole city",
        ),
        hears=(
            "A 24-inch water main burst under Canal Street early on Wednesday",
            "We will not lift the boil notice until the lab tells us the water is safe.",
            "report it through the city's 311 line.",
        ),
        not_hears=(
            "Jane Roe",
            "Metro Wire",
            "Water pours across Canal Street after the main burst",
            "4 min read",
            "2:15 PM",
            "E-Edition",
            "Obituaries",
            "Related Coverage",
            "City to spend $40 million replacing old water mains",
            "How to know if your tap water is safe",
        ),
        dropped=(("Water pours across Canal Street", CAPTION),),
    ),
)


# --------------------------------------------------------------------------- what is heard

_QUOTES = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"', "″": '"'})


def norm(text: str) -> str:
    """Return `text` as compared here: NFKC, straight quotes, one space, case-folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold()


@functools.cache
def article(name: str) -> Article:
    path = ARTICLES / name
    return read_article(path.read_bytes(), filename=path.name)


def body_heard(a: Article) -> list[str]:
    """Return the body as read, one entry per block: paragraphs, subheadings, quotes, list
    titles and items, key points, then the notices."""
    heard: list[str] = []
    for block in a.body:
        if block.kind in (BlockKind.LIST, BlockKind.KEY_POINTS):
            heard.extend(t for t in (block.text, *block.items) if t)
        else:
            heard.append(block.text)
    heard.extend(n.text for n in a.notices)
    return heard


def all_heard(a: Article) -> list[str]:
    """Return everything a listener hears of the article: kicker, headline, standfirsts, body."""
    return [t for t in (a.kicker, a.headline, *a.standfirsts) if t] + body_heard(a)


def _contains(haystack: str, needle: str) -> bool:
    """Say whether `needle` occurs in `haystack` as whole words (both normalised)."""
    pattern = rf"(?<!\w){re.escape(norm(needle))}(?!\w)"
    return re.search(pattern, norm(haystack)) is not None


def _count(haystack: str, needle: str) -> int:
    pattern = rf"(?<!\w){re.escape(norm(needle))}(?!\w)"
    return len(re.findall(pattern, norm(haystack)))


def _show(texts: list[str], limit: int = 90) -> str:
    return "\n".join(f"  - {t[:limit]}" for t in texts)


def cases_with(field: str) -> list[Any]:
    """Return the cases that set `field`, as pytest params named after their file."""
    return [pytest.param(c, id=c.name) for c in CASES if getattr(c, field)]


@pytest.mark.parametrize("case", cases_with("hears"))
def test_story_is_heard(case: Case) -> None:
    """Recall: every passage of the story is read somewhere (standfirst, body or notice)."""
    heard = all_heard(article(case.name))
    text = "\n".join(heard)
    missing = [s for s in case.hears if not _contains(text, s)]
    assert not missing, (
        f"[{case.about}] {case.name}: the listener does not hear {missing}\nheard:\n{_show(heard)}"
    )


@pytest.mark.parametrize("case", cases_with("not_hears"))
def test_junk_is_not_heard(case: Case) -> None:
    """Precision: page furniture, other stories and comments are never read."""
    heard = all_heard(article(case.name))
    text = "\n".join(heard)
    found = [s for s in case.not_hears if _contains(text, s)]
    assert not found, (
        f"[{case.about}] {case.name}: the listener hears junk {found}\nheard:\n{_show(heard)}"
    )


@pytest.mark.parametrize("case", cases_with("headline"))
def test_headline(case: Case) -> None:
    """The headline is the story's, without the site name and without menu lines."""
    got = article(case.name).headline
    assert norm(got) == norm(case.headline), (
        f"[{case.about}] {case.name}: headline {got!r}, expected {case.headline!r}"
    )


@pytest.mark.parametrize("case", cases_with("byline"))
def test_byline_is_metadata(case: Case) -> None:
    """A byline line ("By Ana Ruiz | Nov 19, 2026 | 4 min read") gives the byline's names."""
    got = article(case.name).byline
    assert norm(got) == norm(case.byline), (
        f"[{case.about}] {case.name}: byline {got!r}, expected {case.byline!r}"
    )


@pytest.mark.parametrize("case", cases_with("once"))
def test_heard_once(case: Case) -> None:
    """A passage that the page shows twice (headline, standfirst, notice) is heard once."""
    a = article(case.name)
    text = "\n".join(all_heard(a))
    counts = {s: _count(text, s) for s in case.once}
    wrong = {s[:60]: n for s, n in counts.items() if n != 1}
    assert not wrong, (
        f"[{case.about}] {case.name}: heard this many times (expected once): {wrong}\n"
        f"standfirsts: {a.standfirsts}\nheard:\n{_show(all_heard(a))}"
    )


@pytest.mark.parametrize("case", cases_with("notices"))
def test_notices_are_read(case: Case) -> None:
    """Corrections, updates and editor's notes are kept as notices of the right kind."""
    notices = article(case.name).notices
    for kind, passage in case.notices:
        assert any(n.kind is kind and _contains(n.text, passage) for n in notices), (
            f"[{case.about}] {case.name}: no {kind} notice with {passage!r}; notices: "
            f"{[(str(n.kind), n.text[:60]) for n in notices]}"
        )


@pytest.mark.parametrize("case", cases_with("not_notices"))
def test_timestamps_are_not_notices(case: Case) -> None:
    """A date line ("Updated Nov 19, 2026, 2:15 PM") is metadata, not a notice."""
    notices = article(case.name).notices
    for passage in case.not_notices:
        assert not any(_contains(n.text, passage) for n in notices), (
            f"[{case.about}] {case.name}: {passage!r} was read as a notice: "
            f"{[n.text for n in notices]}"
        )


@pytest.mark.parametrize("case", cases_with("no_notices"))
def test_no_notice(case: Case) -> None:
    """Relative and absolute timestamps ("Updated Nov 19, 6:55 AM") never become a notice."""
    notices = article(case.name).notices
    assert not notices, f"[{case.about}] {case.name}: unexpected notices {notices}"


@pytest.mark.parametrize("case", cases_with("key_points"))
def test_key_points(case: Case) -> None:
    """A summary list under a title without a colon is read as key points, items in order."""
    blocks = article(case.name).key_points
    expected = [norm(i) for i in case.key_points]
    assert any([norm(i) for i in b.items] == expected for b in blocks), (
        f"[{case.about}] {case.name}: no key-points block with the items {case.key_points}; "
        f"key points: {[(b.text, b.items) for b in blocks]}"
    )


@pytest.mark.parametrize("case", cases_with("dropped"))
def test_junk_is_kept_for_editors(case: Case) -> None:
    """Dropped junk is recorded in article.dropped with a reason that fits it."""
    dropped = article(case.name).dropped
    for passage, kinds in case.dropped:
        found = [d for d in dropped if _contains(d.text, passage)]
        assert any(d.kind in kinds for d in found), (
            f"[{case.about}] {case.name}: {passage!r} not dropped as one of "
            f"{sorted(str(k) for k in kinds)}; dropped as {[str(d.kind) for d in found]}"
        )


@pytest.mark.parametrize("case", cases_with("apart"))
def test_paragraphs_stay_apart(case: Case) -> None:
    """Line breaks that separate paragraphs (<br><br>, <div>s) still separate them."""
    heard = body_heard(article(case.name))
    for first, second in case.apart:
        where_first = [i for i, t in enumerate(heard) if _contains(t, first)]
        where_second = [i for i, t in enumerate(heard) if _contains(t, second)]
        assert where_first and where_second, (
            f"[{case.about}] {case.name}: {first!r} or {second!r} not heard as one block"
        )
        assert set(where_first).isdisjoint(where_second), (
            f"[{case.about}] {case.name}: two paragraphs read as one: {first!r} / {second!r}"
        )


@pytest.mark.parametrize("case", cases_with("rows"))
def test_table_rows_are_read_in_order(case: Case) -> None:
    """A simple data table is read row by row: a row's cells together and in order."""
    heard = all_heard(article(case.name))
    text = "\n".join(norm(t) for t in heard)
    position = 0
    for row in case.rows:
        pattern = r"[^\n]*?".join(re.escape(norm(cell)) for cell in row)
        match = re.compile(pattern).search(text, position)
        assert match is not None, (
            f"[{case.about}] {case.name}: table row {row} not heard in order after the rows "
            f"before it\nheard:\n{_show(heard)}"
        )
        position = match.end()


def test_every_class_article_is_checked() -> None:
    """Every class-* input in tests/data/articles has its checks here (and no check is orphaned)."""
    inputs = {p.name for p in ARTICLES.glob("class-*") if not p.name.endswith(".expected.json")}
    checked = {c.name for c in CASES}
    assert inputs == checked, (
        f"unchecked inputs: {sorted(inputs - checked)}; missing: {sorted(checked - inputs)}"
    )
