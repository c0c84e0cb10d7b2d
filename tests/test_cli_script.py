"""`audionews script`, `voices` and `lexicon`: the JSON contract and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from audionews.cli import main

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "tests" / "data" / "scripts" / "ukraine-talks.txt"
FINNISH = (
    "Ilmaiset kouluateriat laajenevat kaikille alakoululaisille\n\n"
    "Kunnanvaltuusto vahvisti tiistaina, että jokainen alakoulun oppilas saa ilmaisen lounaan "
    "syyskuusta alkaen. Järjestely koskee noin 18 000 lasta lisää, ja se rahoitetaan valtion "
    "uudella avustuksella kahden ensimmäisen vuoden ajan.\n\n"
    "Rehtorit ottivat suunnitelman vastaan myönteisesti, mutta varoittivat, että osa vanhoista "
    "koulukeittiöistä tarvitsee uusia laitteita ennen syyskuuta.\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"AUDIONEWS_INSTANCE_DIR": str(tmp_path), "AUDIONEWS_VOICES_DIR": str(tmp_path)}


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, env=env)


def test_script_json_contract(env: dict[str, str]) -> None:
    result = run(["script", str(SAMPLE), "--json"], env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"title", "language", "voice", "chapters", "dropped"}
    assert data["language"] == "en"
    for chapter in data["chapters"]:
        assert set(chapter) == {"title", "kind", "segments"}
        for segment in chapter["segments"]:
            assert set(segment) == {"kind", "text", "speech"}
            assert segment["speech"].strip()
    assert {d["text"] for d in data["dropped"]} >= {"Scroll to Top", "logo bandas"}


def test_script_human_output_lists_chapters_and_dropped(env: dict[str, str]) -> None:
    result = run(["script", str(SAMPLE)], env)
    assert result.exit_code == 0
    assert "Key negotiation points. Three points." in result.output
    assert "War in Ukraine" in result.output
    assert "Not read:" in result.output and "Scroll to Top" in result.output


def test_script_format_override(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "article.dat"
    source.write_text("# Title here\n\nA short paragraph about the council.\n", encoding="utf-8")
    result = run(["script", str(source), "--format", "markdown", "--json"], env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["title"] == "Title here"


def test_unknown_voice_is_exit_2_one_line(env: dict[str, str]) -> None:
    result = run(["script", str(SAMPLE), "--voice", "nobody"], env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "nobody" in result.stderr


def test_language_without_voice_is_exit_2_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "finnish.txt"
    source.write_text(FINNISH, encoding="utf-8")
    result = run(["script", str(source)], env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "Finnish" in result.stderr and "voice" in result.stderr


def test_binary_input_is_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "x.txt"
    source.write_bytes(b"\x00\xff\x00\x89PNG")
    result = run(["script", str(source)], env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1


def test_voices_lists_the_bundled_voice(env: dict[str, str]) -> None:
    result = run(["voices", "--json"], env)
    assert result.exit_code == 0
    voices = json.loads(result.output)
    assert voices[0]["source"] == "bundled" and voices[0]["language"] == "en"
    assert run(["voices"], env).output.startswith(voices[0]["name"])


def test_lexicon_lists_entries(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text('Lavrov = "lahvrof"\n', encoding="utf-8")
    assert json.loads(run(["lexicon", "--json"], env).output) == {"Lavrov": "lahvrof"}
    assert run(["lexicon"], env).output == "Lavrov\tlahvrof\n"


def test_broken_lexicon_is_exit_2_with_line(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text('Lavrov = "lahvrof"\nGuterres = 1\n', encoding="utf-8")
    result = run(["lexicon"], env)
    assert result.exit_code == 2 and "line 2" in result.stderr


def test_real_subprocess(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("audionews")
    ok = subprocess.run(
        [str(exe), "script", str(SAMPLE), "--json"], capture_output=True, text=True, cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["chapters"][0]["segments"][0]["speech"] == "War in Ukraine"
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    bad = subprocess.run(
        [str(exe), "script", str(empty)], capture_output=True, text=True, cwd=tmp_path
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("audionews: error:")
