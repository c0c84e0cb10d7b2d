"""Usage mistakes give one line on stderr and exit 2, never click's usage block."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["script", "no-such-file.txt"], "does not exist"),
        (["no-such-command"], "No such command"),
        (["script", "--format", "pdf", "README.md"], "'--format'"),
    ],
)
def test_usage_error_is_one_line_exit_2(args: list[str], needle: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "audionews", *args], capture_output=True, text=True
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("audionews: error:") and needle in lines[0]
    assert "--help" in lines[0]


def test_a_build_of_bad_input_exits_2_with_one_line_and_no_files(tmp_path: Path) -> None:
    """Through the console entry point, which ends a build without Python's teardown."""
    article = tmp_path / "empty.txt"
    article.write_text("  \n", encoding="utf-8")
    env = {**os.environ, "AUDIONEWS_INSTANCE_DIR": str(tmp_path / "instance")}
    done = subprocess.run(
        [sys.executable, "-m", "audionews", "build", str(article), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "audionews: error: input is empty: give an article's text, HTML or Markdown"
    ]
    assert not (tmp_path / "out").exists()
