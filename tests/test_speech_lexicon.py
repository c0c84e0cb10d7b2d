"""The pronunciation lexicon: matching rules, phonemes passed through, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from audionews.speech.lexicon import Lexicon, load_lexicon


@pytest.mark.parametrize(
    ("speech", "expected"),
    [
        ("Guterres spoke.", "goo-terr-esh spoke."),
        ("GUTERRES spoke.", "goo-terr-esh spoke."),  # lower-case key: any case
        ("Guterresque style.", "Guterresque style."),  # whole words only
        ("The Nice attack.", "The neess attack."),  # capitalised key: exact spelling
        ("A nice day.", "A nice day."),
        ("The New York Times and New York.", "The nyt and noo york."),  # longest first
        ("Zelenski said.", "[[ zɛlˈɛnski ]] said."),  # phonemes pass through as written
    ],
)
def test_apply(speech: str, expected: str) -> None:
    lexicon = Lexicon(
        {
            "guterres": "goo-terr-esh",
            "Nice": "neess",
            "new york": "noo york",
            "new york times": "nyt",
            "Zelenski": "[[ zɛlˈɛnski ]]",
        }
    )
    assert lexicon.apply(speech) == expected


def test_replacement_is_not_rewritten_again() -> None:
    assert Lexicon({"a": "b", "b": "c"}).apply("a b") == "b c"


def test_missing_file_is_empty(tmp_path: Path) -> None:
    assert load_lexicon(tmp_path / "lexicon.toml").entries == {}


def test_load_file(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text('# comment\nLavrov = "lahvrof"\n"New York" = "noo york"\n', encoding="utf-8")
    assert load_lexicon(path).entries == {"Lavrov": "lahvrof", "New York": "noo york"}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ('Lavrov = "lahvrof"\nGuterres = \n', "line 2"),
        ('Lavrov = "lahvrof"\n\nGuterres = 3\n', "line 3"),
        ('Lavrov = ""\n', "line 1"),
    ],
)
def test_invalid_entry_is_skipped_and_names_the_line(
    tmp_path: Path, source: str, line: str
) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text(source, encoding="utf-8")
    lexicon = load_lexicon(path)
    (problem,) = lexicon.problems
    assert f"{line}:" in str(problem) and "skipped" in str(problem)
    assert lexicon.entries == ({} if 'Lavrov = ""' in source else {"Lavrov": "lahvrof"})


def test_default_lexicon_file_is_valid() -> None:
    lexicon = load_lexicon(Path(__file__).parents[1] / "voices" / "lexicon.toml")
    assert lexicon.entries
    assert all(v.strip() for v in lexicon.entries.values())
