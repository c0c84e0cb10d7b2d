"""Golden scripts: tests/data/scripts/<case>.<ext> -> <case>.expected.json (`script --json`).

A new case is two files. UPDATE_GOLDEN=1 rewrites the expected files; review the diff by ear.
The cases use tests/data/scripts/lexicon.toml, not the editors' voices/lexicon.toml.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from audionews.cli import main

DATA = Path(__file__).parent / "data" / "scripts"
CASES = sorted(p for p in DATA.iterdir() if p.suffix in (".txt", ".html", ".md"))


@pytest.mark.parametrize("source", CASES, ids=[p.name for p in CASES])
def test_script_matches_golden(source: Path, tmp_path: Path) -> None:
    env = {"AUDIONEWS_VOICES_DIR": str(DATA), "AUDIONEWS_INSTANCE_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["script", str(source), "--json"], env=env)
    assert result.exit_code == 0, result.output
    actual = json.loads(result.output)
    expected_path = source.with_name(source.stem + ".expected.json")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(
            json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))
