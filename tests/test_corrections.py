"""Corrections from the CLI and pipeline: spoken notes, stable guid, minimal synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.models import Sentence
from audionews.publish import files, history
from audionews.publish.library import Library
from audionews.speech.diff import diff_sentences
from audionews.storage import database, tables
from publish_helpers import cli_environ, publish, short_article
from readers import vtt_text

pytest_plugins = ["publish_fixtures"]

FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")


def test_correction_speaks_the_note_and_resynthesizes_only_changes(
    fresh: Settings, tmp_path: Path
) -> None:
    fresh = fresh.with_overrides(cache_dir=tmp_path / "own-clips")  # other tests fill the shared
    first = publish(fresh, short_article()).episode
    synth = FakeSynthesizer()
    result = pipeline.correct(
        first.slug,
        FIXED,
        fresh,
        kind="correction",
        note="The bridge reopened on Tuesday.",
        editor="ana",
        synthesizer=synth,
    )
    view = result.episode
    assert result.action == "revised" and view.revision == 2
    assert view.guid == first.guid
    assert view.mp3.url != first.mp3.url and view.mp3.size > 0
    # announcement "Correction.", the note, and the corrected sentence; the rest is cached
    assert synth.calls == [
        "Correction.",
        "The bridge reopened on Tuesday.",
        "Traffic returned to the old bridge on Tuesday morning.",
    ]
    assert result.build is not None and result.build.segments_synthesized == len(synth.calls)
    notice = view.notices[0]
    assert (notice.kind, notice.text, notice.date is not None) == (
        "correction",
        "The bridge reopened on Tuesday.",
        True,
    )
    current = view.current
    assert (current.kind, current.note, current.editor) == ("correction", notice.text, "ana")
    spoken = json.loads(Library(fresh).script_json_of(view.slug))
    kinds = [s["kind"] for c in spoken["chapters"] for s in c["segments"]]
    assert kinds.index("notice") < kinds.index("paragraph")  # announced first by default


def test_correction_is_in_the_feed_and_page_and_files_match(fresh: Settings) -> None:
    from audionews.web import create_app

    slug = publish(fresh, short_article()).episode.slug
    note = "We misnamed the day <b>Monday</b>."
    view = pipeline.correct(
        slug, FIXED, fresh, note=note, kind="update", synthesizer=FakeSynthesizer()
    ).episode
    feed_xml = (fresh.feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert "misnamed the day" in feed_xml and "<b>Monday</b>" not in feed_xml
    assert view.mp3.url in feed_xml and f'length="{view.mp3.size}"' in feed_xml
    page = create_app(fresh).test_client().get(f"/episodes/{slug}/").get_data(as_text=True)
    assert "misnamed the day &lt;b&gt;Monday&lt;/b&gt;" in page
    folder = fresh.feed_dir / "episodes" / slug
    for f in view.files.values():
        assert (folder / f.name).stat().st_size == f.size
    chapters = json.loads((folder / view.files["chapters"].name).read_text(encoding="utf-8"))
    assert chapters["chapters"][0]["startTime"] == 0
    vtt = vtt_text((folder / view.files["vtt"].name).read_text(encoding="utf-8"))
    assert "misnamed the day" in vtt and "Tuesday morning" in vtt


def test_history_records_who_when_why_and_what(fresh: Settings) -> None:
    slug = publish(fresh, short_article()).episode.slug
    pipeline.correct(slug, FIXED, fresh, note="Day fixed.", synthesizer=FakeSynthesizer())
    view = Library(fresh).get_episode(slug)
    newest, oldest = history.history(fresh, view)
    assert oldest.revision.number == 1 and oldest.diff is not None
    assert newest.revision.kind == "correction" and newest.revision.editor == "cli"
    assert newest.diff is not None
    changed = [c for c in newest.diff.changes if c.change != "unchanged"]
    assert any("Tuesday" in c.new and "Monday" in c.old for c in changed)
    assert any(c.new == "Day fixed." and c.change == "added" for c in changed)
    assert newest.to_dict()["diff"]["resynthesized"] == newest.diff.resynthesized


def test_regenerate_and_rollback_make_new_revisions(fresh: Settings) -> None:
    slug = publish(fresh, short_article()).episode.slug
    pipeline.correct(slug, FIXED, fresh, note="Day fixed.", synthesizer=FakeSynthesizer())
    synth = FakeSynthesizer()
    again = pipeline.regenerate(slug, fresh, synthesizer=synth)
    assert again.episode.revision == 3 and again.episode.current.kind == "regenerated"
    assert synth.calls == []
    back = pipeline.regenerate(slug, fresh, revision=1, editor="ana", synthesizer=synth)
    assert back.episode.revision == 4 and back.episode.current.kind == "rollback"
    assert Library(fresh).source_of(slug) == short_article()
    assert [r.number for r in back.episode.revisions] == [1, 2, 3, 4]


def test_correct_rejects_unknown_episode_and_kind(fresh: Settings) -> None:
    from audionews.errors import AudionewsError

    with pytest.raises(AudionewsError):
        pipeline.correct("nope", FIXED, fresh, synthesizer=FakeSynthesizer())
    slug = publish(fresh, short_article()).episode.slug
    with pytest.raises(AudionewsError, match="unknown kind"):
        pipeline.correct(slug, FIXED, fresh, kind="retraction", synthesizer=FakeSynthesizer())


@pytest.fixture
def cli_env(fresh: Settings, fake_piper: list[str]) -> dict[str, str]:
    """Environment that points the CLI at `fresh`, with the fake voice instead of Piper."""
    return cli_environ(fresh)


def test_cli_correct_and_regenerate(
    fresh: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    slug = publish(fresh, short_article()).episode.slug
    fixed = tmp_path / "fixed.txt"
    fixed.write_bytes(FIXED)
    runner = CliRunner()
    out = runner.invoke(
        main,
        ["correct", slug, str(fixed), "--kind", "editors_note", "--note", "Day fixed."],
        env=cli_env,
    )
    assert out.exit_code == 0, out.output
    assert "revision 2" in out.output and "synthesized" in out.output
    view = Library(fresh).get_episode(slug)
    assert view.notices[0].kind == "editors_note" and view.current.editor == "cli"
    out = runner.invoke(main, ["regenerate", slug, "--json"], env=cli_env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["segments_synthesized"] == 0
    out = runner.invoke(main, ["correct", "missing", str(fixed)], env=cli_env)
    assert out.exit_code == 2 and "no published episode" in out.output


def test_diff_marks_only_new_speech_for_synthesis() -> None:
    old = [Sentence("A.", "a"), Sentence("B.", "b"), Sentence("C.", "c")]
    new = [Sentence("A.", "a"), Sentence("B!", "b"), Sentence("D.", "d"), Sentence("C.", "c")]
    diff = diff_sentences(old, new)
    assert [c.change for c in diff.changes] == ["unchanged", "changed", "added", "unchanged"]
    assert diff.resynthesized == 1  # "B!" says the same as "B."
    assert (diff.added, diff.changed, diff.removed, diff.total) == (1, 1, 0, 4)
    removed = diff_sentences(new, old)
    assert removed.removed == 1 and removed.resynthesized == 0
    assert diff_sentences(old, old).is_empty


def test_a_revision_encodes_while_synthesizing_with_the_recorded_gain(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database keeps each revision's gain, so a revision skips the separate loudness
    pass without reading the served MP3 (in object storage, or another machine's history)."""
    first = publish(fresh, short_article())
    slug = first.episode.slug
    assert first.build is not None
    assert first.episode.current.gain_db == first.build.extra["gain_db"]

    def not_read(*_args: object) -> None:
        raise AssertionError("the previous MP3 was read")

    monkeypatch.setattr(files, "find_revision_file", not_read)
    monkeypatch.setattr(files, "copy_revision_file", not_read)
    revised = publish(fresh, short_article(" The work cost less than planned."), slug=slug)
    assert revised.build is not None
    assert revised.build.extra["encoded_while_synthesizing"] is True
    assert not list((fresh.instance_dir / "staging").iterdir())
    monkeypatch.undo()
    # a revision recorded before gains were kept: the served MP3's tag seeds the build
    with database.session(fresh) as s:
        s.execute(update(tables.RevisionRow).values(gain_db=None))
    older = publish(fresh, short_article(" The council thanked the crews."), slug=slug)
    assert older.build is not None and older.build.extra["encoded_while_synthesizing"] is True
