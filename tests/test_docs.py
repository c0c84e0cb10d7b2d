"""The README documents every setting and every CLI command (DESIGN.md, principle 4)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from audionews.cli import main
from audionews.config import setting_names

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _command_paths(group: click.Group, prefix: str = "audionews") -> list[str]:
    paths = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path))
        else:
            paths.append(path)
    return paths


@pytest.mark.parametrize("name", setting_names())
def test_readme_documents_setting(name: str) -> None:
    assert f"`{name}`" in README, f"README's settings table lacks `{name}`"


@pytest.mark.parametrize("command", _command_paths(main))
def test_readme_documents_command(command: str) -> None:
    documented = f"`{command}" in README or f"\n    {command}" in README
    assert documented, f"README does not document `{command}`"


@pytest.mark.parametrize("command", _command_paths(main))
def test_every_command_has_help(command: str) -> None:
    group: click.Command = main
    for part in command.split()[1:]:
        assert isinstance(group, click.Group)
        group = group.commands[part]
    assert group.help and len(group.help.strip()) > 20


def test_readme_gives_exactly_the_two_setup_commands() -> None:
    assert "make run" in README and "make test" in README
