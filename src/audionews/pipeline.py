"""The one place that wires the stages together: script, build, publish, regenerate.

ingest (source -> Article) -> speech (Article -> Script) -> audio (Script -> files)
-> publish (files -> library and feeds). CLI commands and web views call only these functions.
"""

from __future__ import annotations
