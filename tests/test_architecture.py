"""The pure core never imports audio, database or web libraries, and storage imports nothing of
the layers above it (DESIGN.md, principle 1)."""

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


STORAGE_MODULES = [
    "audionews.storage.tables",
    "audionews.storage.database",
    "audionews.storage.locks",
    "audionews.storage.shared",
]
#: Storage sits below publishing: it may not import the layers that build on it.
ABOVE_STORAGE = ["audionews.publish", "audionews.web", "audionews.pipeline", "audionews.cli"]


@pytest.mark.parametrize("module", STORAGE_MODULES)
def test_storage_imports_nothing_above_it(module: str) -> None:
    code = (
        f"import sys, {module}; "
        f"print(','.join(m for m in sys.modules if m.startswith(tuple({ABOVE_STORAGE!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulls in {out}"
