"""Sentence splitting and speech text: table-driven cases plus hypothesis invariants."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audionews.speech.normalize import calm_caps, normalize, speech_sentences, split_sentences

SPLITS = [
    ("Dr. Smith arrived. He sat down.", ["Dr. Smith arrived.", "He sat down."]),
    ("Mr. and Mrs. Jones met Ms. Lee.", ["Mr. and Mrs. Jones met Ms. Lee."]),
    ("Gov. Newsom and Sen. Warren spoke. Rep. Ocasio-Cortez did not.",
     ["Gov. Newsom and Sen. Warren spoke.", "Rep. Ocasio-Cortez did not."]),
    ("Lt. Gen. Smith of St. Paul's left.", ["Lt. Gen. Smith of St. Paul's left."]),
    ("It is No. 5 on the list. Next.", ["It is No. 5 on the list.", "Next."]),
    ("He said no. Then he left.", ["He said no.", "Then he left."]),
    ("The U.S. Secretary of State met the U.N. envoy.",
     ["The U.S. Secretary of State met the U.N. envoy."]),
    ("J. K. Rowling wrote it. It sold.", ["J. K. Rowling wrote it.", "It sold."]),
    ("It cost 2.5 million. Really.", ["It cost 2.5 million.", "Really."]),
    ("Apples, pears, etc. are fruit. Apple Inc. The firm grew.",
     ["Apples, pears, etc. are fruit.", "Apple Inc.", "The firm grew."]),
    ("We open at 9 a.m. ET on Monday.", ["We open at 9 a.m. ET on Monday."]),
    ("We open at 9 a.m. The doors close at 5 p.m.",
     ["We open at 9 a.m.", "The doors close at 5 p.m."]),
    ("“We will win.” He smiled.", ["“We will win.”", "He smiled."]),
    ('"Is it over?" she asked. "Yes!" He left.',
     ['"Is it over?" she asked.', '"Yes!"', "He left."]),
    ("Wait... what happened? Nothing... Then rain.",
     ["Wait... what happened?", "Nothing...", "Then rain."]),
    ("Use e.g. apples or i.e. fruit. Fine.", ["Use e.g. apples or i.e. fruit.", "Fine."]),
    ("Smith vs. Jones ended. Done.", ["Smith vs. Jones ended.", "Done."]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


SPEECH = [
    ("Dr. Smith met Sen. Warren.", "Doctor Smith met Senator Warren."),
    ("Mr. Lee and Gov. Hochul.", "Mister Lee and Governor Hochul."),
    ("St. Paul's is on Elm St.", "Saint Paul's is on Elm Street."),
    ("It is No. 5.", "It is number 5."),
    ("At 9:30 a.m. ET on Tuesday.", "At 9:30 AM Eastern time on Tuesday."),
    ("Updated 10:15 a.m.", "Updated 10:15 AM."),
    ("Open until 9 p.m. on weekdays.", "Open until 9 PM on weekdays."),
    ("It cost $12 million.", "It cost 12 million dollars."),
    ("The $12 million project.", "The 12 million dollar project."),
    ("A donation of $2.5 million.", "A donation of 2.5 million dollars."),
    ("It costs $9 million a year.", "It costs 9 million dollars a year."),
    ("A coffee is £3.50 now.", "A coffee is 3 pounds 50 now."),
    ("Tickets cost €4.", "Tickets cost 4 euros."),
    ("Just $1.", "Just 1 dollar."),
    ("Turnout was 45%.", "Turnout was 45 percent."),
    ("From 2020-2024.", "From 20 20 to 20 24."),
    ("Between 10–15 people.", "Between 10 and 15 people."),
    ("Approved in 2023 and 1998.", "Approved in 20 23 and 19 98."),
    ("In 2007, 1905 and 1900.", "In 2007, 19 oh 5 and 19 hundred."),
    ("It has 3,000 members and 2.5 percent.", "It has 3,000 members and 2.5 percent."),
    ("Room 4521 costs $2025.", "Room 4521 costs 2025 dollars."),
    ("See https://www.example.com/news/page-one today.",
     "See example dot com slash news slash page one today."),
    ("Write to jane.doe@example.org now.", "Write to jane dot doe at example dot org now."),
    ("📌 Key negotiation points:", "Key negotiation points."),
    ("• U.S. Secretary of State met them.", "US Secretary of State met them."),
    ("✅ Free lunches for all.", "Free lunches for all."),
    ("It rose sharply.[1]", "It rose sharply."),
    ("It rose [citation needed] sharply.", "It rose sharply."),
    ("He said — quietly — no.", "He said, quietly, no."),
    ("Wait... what?", "Wait, what?"),
    ("“We will do everything,” he said.", "We will do everything, he said."),
    ("BREAKING NEWS: THE UN SAYS NO.", "Breaking News: the UN Says No."),
    ("The NHS and the BBC.", "The NHS and the BBC."),
    ("J. K. Rowling wrote e.g. books.", "J K Rowling wrote for example books."),
    ("Apple Inc.", "Apple Incorporated."),
    ("Ukraine’s allies", "Ukraine's allies"),
    ("🎉🎉", ""),
]  # fmt: skip


@pytest.mark.parametrize(("written", "spoken"), SPEECH)
def test_normalize(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("kicker", "spoken"),
    [
        ("WAR IN UKRAINE", "War in Ukraine"),
        ("CITY", "City"),
        ("THE NHS IN CRISIS", "The NHS in Crisis"),
        ("U.S. POLITICS", "U.S. Politics"),
        ("Education", "Education"),
    ],
)
def test_calm_caps_keeps_acronyms(kicker: str, spoken: str) -> None:
    assert calm_caps(kicker) == spoken


def test_unspeakable_fragment_joins_the_next_sentence() -> None:
    pairs = list(speech_sentences("📌 🎉. The plan works."))
    assert [speech for _, speech in pairs] == ["The plan works."]
    assert pairs[0][0].startswith("📌")


# --------------------------------------------------------------------------- properties

_FORBIDDEN = re.compile(r"[\U0001f000-\U0001faff\u2600-\u27bf•▪►●]|\[\d+\]")
_PIECES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
    st.sampled_from([*list("$£€%.–—-…“”\"'•📌✅[]19 "), "[1]", "Dr.", "U.S.", "a.m.", " The "]),
)
_TEXT = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_normalize_never_raises_and_never_speaks_glyphs(text: str) -> None:
    for _written, speech in speech_sentences(text):
        assert speech.strip()
        assert not _FORBIDDEN.search(speech), speech


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_split_keeps_every_word(text: str) -> None:
    assert " ".join(split_sentences(text)).split() == text.split()
