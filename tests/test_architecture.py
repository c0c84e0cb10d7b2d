"""The pure core never imports audio, database or web libraries (DESIGN.md, principle 1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE_MODULES = [
    "audionews.models",
    "audionews.errors",
    "audionews.config",
    "audionews.naming",
    "audionews.ingest.detect",
    "audionews.speech.plan",
    "audionews.audio.transcript",
]
HEAVY = ["piper", "pydub", "mutagen", "flask", "sqlalchemy", "onnxruntime", "httpx", "httpcore"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_heavy_library(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulls in {out}"
