"""Script -> plain text for people checking it (`audionews script`). Pure."""

from __future__ import annotations

from audionews.models import Script

_KIND_WIDTH = 14


def render_script(script: Script) -> str:
    """Return the script as numbered chapters of `kind  speech` lines, then what is not read."""
    lines = [f"{script.title}", f"language {script.language}, voice {script.voice}", ""]
    for number, chapter in enumerate(script.chapters, start=1):
        lines.append(f"{number}. {chapter.title}  [{chapter.kind}]")
        for segment in chapter.segments:
            earcon = f"  (earcon: {segment.earcon})" if segment.earcon else ""
            lines.append(f"   {segment.kind:<{_KIND_WIDTH}}{segment.speech}{earcon}")
        lines.append("")
    if script.dropped:
        lines.append("Not read:")
        for dropped in script.dropped:
            reason = f" ({dropped.reason})" if dropped.reason else ""
            lines.append(f"   {dropped.kind:<{_KIND_WIDTH}}{dropped.text}{reason}")
    return "\n".join(lines).rstrip() + "\n"
