"""The lexicon under hostile and clumsy edits: entries are validated, written by a TOML writer,
and one broken line is skipped and named, never stopping a publish or the editor. It is kept in
the database; an older version's voices/lexicon.toml is taken in once."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audionews.cli import main
from audionews.config import Settings
from audionews.publish import pronunciations
from audionews.publish.library import Library
from audionews.speech.lexicon import lexicon_path
from audionews.storage import shared
from editor_helpers import Desk, post_form
from publish_helpers import PUBLIC_URL, publish, short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

#: What the editor once wrote for the word "deck\x7f": JSON quoting leaves U+007F raw, which
#: TOML forbids, so no TOML reader could read the file at all.
BROKEN = (
    '# Pronunciations, kept by hand\nbridge = "brij"\n"deck\x7f" = "dekk"\n"joints" = "joynts"\n'
)


def _voices(settings: Settings) -> Path:
    """Return where an older version kept the lexicon (its folder made)."""
    path = lexicon_path(settings.voices_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _spoken(settings: Settings, slug: str) -> list[str]:
    script = json.loads(Library(settings).script_json_of(slug))
    return [s["speech"] for c in script["chapters"] for s in c["segments"]]


def test_a_broken_line_is_skipped_and_named_and_publishing_goes_on(
    fresh: Settings, tmp_path: Path
) -> None:
    fresh = fresh.with_overrides(voices_dir=tmp_path / "voices")
    _voices(fresh).write_text(BROKEN, encoding="utf-8")
    lexicon = pronunciations.load(fresh)
    assert lexicon.entries == {"bridge": "brij", "joints": "joynts"}
    (problem,) = lexicon.problems
    assert problem.line == 3 and "U+007F" in str(problem) and "skipped" in str(problem)
    slug = publish(fresh, short_article()).episode.slug
    said = " ".join(_spoken(fresh, slug))
    assert "brij" in said and "joynts" in said  # the other entries still apply


def test_the_cli_names_the_line_and_goes_on(fresh: Settings, tmp_path: Path) -> None:
    fresh = fresh.with_overrides(voices_dir=tmp_path / "voices")
    _voices(fresh).write_text(BROKEN, encoding="utf-8")
    article = tmp_path / "bridge.txt"
    article.write_bytes(short_article())
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(fresh.instance_dir),
        "AUDIONEWS_FEED_DIR": str(fresh.feed_dir),
        "AUDIONEWS_VOICES_DIR": str(fresh.voices_dir),
        "PUBLIC_URL": PUBLIC_URL,
    }
    runner = CliRunner()
    out = runner.invoke(main, ["script", str(article)], env=env)
    assert out.exit_code == 0, out.output
    assert out.stderr.count("\n") == 1 and "the lexicon, line 3" in out.stderr
    assert "brij" in out.stdout
    out = runner.invoke(main, ["lexicon"], env=env)
    assert out.exit_code == 2
    assert out.stdout == "bridge\tbrij\njoints\tjoynts\n"
    assert out.stderr.startswith("audionews: error: ") and "line 3" in out.stderr
    assert out.stderr.count("\n") == 1


def test_the_editor_shows_the_broken_line_and_removes_it(desk: Desk) -> None:
    path = _voices(desk.settings)
    path.write_text(BROKEN, encoding="utf-8")
    client = desk.login()
    page = client.get("/editor/lexicon")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Line 3" in html and "deck⟨U+007F⟩" in html and "\x7f" not in html
    digest = pronunciations.line_digest('"deck\x7f" = "dekk"')
    stale = post_form(
        client, "/editor/lexicon", {"action": "remove_line", "line": "2", "digest": digest}
    )
    assert stale.status_code == 400 and "has changed" in stale.get_data(as_text=True)
    done = post_form(
        client, "/editor/lexicon", {"action": "remove_line", "line": "3", "digest": digest}
    )
    assert done.status_code == 200 and "Line 3" not in done.get_data(as_text=True)
    text = pronunciations.stored(desk.settings).decode("utf-8")
    assert text == BROKEN.replace('"deck\x7f" = "dekk"\n', "")  # only that line went
    assert tomllib.loads(text) == {"bridge": "brij", "joints": "joynts"}
    assert path.read_text(encoding="utf-8") == BROKEN  # the old file is left alone


def test_the_editor_refuses_control_characters_and_keeps_the_file_valid(desk: Desk) -> None:
    path = _voices(desk.settings)
    path.write_text(BROKEN, encoding="utf-8")
    client = desk.login()
    for word, spoken in (("deck\x7f", "dekk"), ("deck", "dekk\x1b"), ("deck\u202e", "dekk")):
        refused = post_form(
            client, "/editor/lexicon", {"word": word, "spoken": spoken, "action": "save"}
        )
        assert refused.status_code == 400 and "control character" in refused.get_data(as_text=True)

    def text() -> str:
        return pronunciations.stored(desk.settings).decode("utf-8")

    assert text() == BROKEN
    saved = post_form(
        client, "/editor/lexicon", {"word": 'Ha"aretz', "spoken": "ha-AH-retz", "action": "save"}
    )
    assert saved.status_code == 200
    assert text().startswith(BROKEN)  # comments and the broken line are kept, nothing is lost
    assert pronunciations.entries(desk.settings)['Ha"aretz'] == "ha-AH-retz"
    changed = post_form(
        client, "/editor/lexicon", {"word": "bridge", "spoken": "bridj", "action": "save"}
    )
    assert changed.status_code == 200
    assert text().splitlines()[1] == 'bridge = "bridj"'  # in place
    removed = post_form(client, "/editor/lexicon", {"word": "bridge", "action": "remove"})
    assert removed.status_code == 200 and "bridge" not in pronunciations.entries(desk.settings)


#: Words and pronunciations an editor may type: any text the form accepts.
_typed = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    min_size=1,
    max_size=30,
).filter(lambda t: t.strip())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=_typed, spoken=_typed)
def test_every_accepted_entry_round_trips_through_a_toml_reader(
    tmp_path: Path, word: str, spoken: str
) -> None:
    target = Settings(instance_dir=tmp_path / "instance", voices_dir=tmp_path / "voices")
    if pronunciations.check_entry(word, spoken):
        return
    shared.write(target, shared.LEXICON, b"")
    pronunciations.save_entry(target, "first", "fürst")
    pronunciations.save_entry(target, word, spoken)
    data = pronunciations.stored(target)
    expected = {"first": "fürst", word.strip(): spoken.strip()}
    assert tomllib.loads(data.decode("utf-8")) == expected  # the whole lexicon is valid TOML
    assert not pronunciations.problems(target)
    assert pronunciations.entries(target) == dict(
        sorted(expected.items(), key=lambda kv: kv[0].lower())
    )


def test_an_unreadable_lexicon_is_reported_and_publishing_goes_on(desk: Desk) -> None:
    _voices(desk.settings).mkdir()  # a directory where the file should be: nothing can read it
    client = desk.login()
    page = client.get("/editor/lexicon")
    assert (
        page.status_code == 200
        and "lexicon.toml</code> of an older version cannot be read" in page.get_data(as_text=True)
    )
    assert "Remove line" not in page.get_data(as_text=True)
    refused = post_form(
        client, "/editor/lexicon", {"word": "deck", "spoken": "dekk", "action": "save"}
    )
    assert refused.status_code == 400 and "cannot read" in refused.get_data(as_text=True)
    slug = publish(desk.settings, short_article()).episode.slug
    assert Library(desk.settings).get_episode(slug).revision == 1


def test_an_older_versions_file_is_taken_in_once_and_import_replaces_it(
    fresh: Settings, tmp_path: Path
) -> None:
    fresh = fresh.with_overrides(voices_dir=tmp_path / "voices")
    path = _voices(fresh)
    path.write_text('bridge = "brij"\n', encoding="utf-8")
    # Reading the lexicon (a build) does not make the library: until one exists, the file is
    # the lexicon. The first publish makes it and takes the file in, once.
    assert pronunciations.entries(fresh) == {"bridge": "brij"}
    assert not fresh.default_database_file.exists()
    said = " ".join(_spoken(fresh, publish(fresh, short_article()).episode.slug))
    assert "brij" in said
    path.write_text('bridge = "bridj"\n', encoding="utf-8")  # read once: the database's is used
    assert pronunciations.entries(fresh) == {"bridge": "brij"}
    env = {
        "AUDIONEWS_INSTANCE_DIR": str(fresh.instance_dir),
        "AUDIONEWS_VOICES_DIR": str(fresh.voices_dir),
    }
    runner = CliRunner()
    out = runner.invoke(main, ["lexicon", "--import", str(path)], env=env)
    assert out.exit_code == 0 and out.stdout == "bridge\tbridj\n"
    assert pronunciations.entries(fresh) == {"bridge": "bridj"}
    out = runner.invoke(main, ["lexicon", "--toml"], env=env)
    assert out.exit_code == 0 and out.stdout == 'bridge = "bridj"\n'
    path.unlink()  # the database keeps it
    assert pronunciations.entries(fresh) == {"bridge": "bridj"}
    missing = runner.invoke(main, ["lexicon", "--import", str(tmp_path / "none.toml")], env=env)
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    assert missing.stderr.count("\n") == 1
