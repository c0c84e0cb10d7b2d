"""Command line: parse arguments, call pipeline, turn AudionewsError into one line and exit 2.

Commands stay thin; all work happens in pipeline.py and below. Exit codes: 0 ok, 2 bad input or
usage (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from audionews import __version__
from audionews.config import Settings, load_settings
from audionews.errors import AudionewsError

FORMATS = ("text", "html", "markdown")


class _Group(click.Group):
    """Click group that turns our errors into one line (exit 2) and bugs into exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AudionewsError as exc:
            click.echo(f"audionews: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("audionews: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug: say so briefly, details on request
            if os.environ.get("AUDIONEWS_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"audionews: internal error: {type(exc).__name__}: {exc} "
                "(set AUDIONEWS_DEBUG=1 for details and please report it)",
                err=True,
            )
            sys.exit(1)


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audionews")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Turn news articles into accessible, chaptered podcast audio with a local voice.

    Settings come from instance/config.toml and AUDIONEWS_* variables (see README).
    """
    try:
        ctx.obj = load_settings()
    except AudionewsError as exc:
        click.echo(f"audionews: error: {exc}", err=True)
        sys.exit(exc.exit_code)


ARTICLE = click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
FORMAT = click.option(
    "--format",
    "source_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Input format; default: detected from the extension or content.",
)


# ------------------------------------------------------------------ script, voices, lexicon


@main.command()
@ARTICLE
@FORMAT
@click.option("--voice", "voice_name", default=None, help="Voice name (see 'audionews voices').")
@click.option("--json", "as_json", is_flag=True, help="Print Script.to_dict() as JSON.")
@click.pass_context
def script(
    ctx: click.Context,
    file: Path,
    source_format: str | None,
    voice_name: str | None,
    as_json: bool,
) -> None:
    """Print the speech script of FILE: chapters, segments and what the voice says."""
    from audionews.pipeline import read_article_file, script_for_article
    from audionews.speech.render import render_script

    article = read_article_file(file, source_format)
    planned = script_for_article(article, _settings(ctx), voice_name=voice_name)
    if as_json:
        _print_json(planned.to_dict())
    else:
        click.echo(render_script(planned), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the voices as a JSON list.")
@click.pass_context
def voices(ctx: click.Context, as_json: bool) -> None:
    """List installed voices: name, language, sample rate, and where the model is."""
    from audionews.audio.voices import list_voices

    found = list_voices(_settings(ctx))
    rows = [
        {
            "name": v.name,
            "language": v.language,
            "sample_rate": v.sample_rate,
            "source": "bundled" if v.bundled else str(v.model_path),
        }
        for v in found
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}\t{row['language']}\t{row['sample_rate']} Hz\t{row['source']}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the entries as a JSON object.")
@click.pass_context
def lexicon(ctx: click.Context, as_json: bool) -> None:
    """List the pronunciation lexicon (voices/lexicon.toml): word -> respelling or [[phonemes]]."""
    from audionews.speech.lexicon import lexicon_path, load_lexicon

    path = lexicon_path(_settings(ctx).voices_dir)
    entries = load_lexicon(path).entries
    if as_json:
        _print_json(entries)
        return
    if not entries:
        click.echo(f"no entries ({path} is missing or empty)")
    for word, spoken in entries.items():
        click.echo(f"{word}\t{spoken}")
