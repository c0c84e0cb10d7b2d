"""Usage mistakes give one line on stderr and exit 2, never click's usage block."""

from __future__ import annotations

import subprocess
import sys

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
