"""The pure core never imports audio, database or web libraries, and every layer imports only
the layers below it (DESIGN.md, principle 1 and "Layers"):

    core (models, errors, config, naming, vocabulary)
    < storage
    < ingest, speech, audio, net (the stages)
    < publish
    < pipeline, polling (they wire the stages and publishing together)
    < the entry points: cli, web, worker

Each rule is checked twice: statically, on every import statement of the layer's files (those
inside functions and under TYPE_CHECKING too: a lazy import is still an arrow), and by importing
each module in a fresh interpreter (which also sees what its imports import in turn).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import audionews

PURE_MODULES = [
    "audionews.models",
    "audionews.errors",
    "audionews.config",
    "audionews.naming",
    "audionews.vocabulary",
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


# --------------------------------------------------------------------------- the layer order

ENTRY_POINTS = ["audionews.cli", "audionews.web", "audionews.worker", "audionews.__main__"]
WIRING = ["audionews.pipeline", "audionews.polling"]
PUBLISH = ["audionews.publish"]
STAGES = ["audionews.ingest", "audionews.speech", "audionews.audio", "audionews.net"]
STORAGE = ["audionews.storage"]
ABOVE_STORAGE = [*STAGES, *PUBLISH, *WIRING, *ENTRY_POINTS]
ABOVE_CORE = [*STORAGE, *ABOVE_STORAGE]
ABOVE_STAGES = [*PUBLISH, *WIRING, *ENTRY_POINTS]

#: (layer: a module or package, what nothing in it may import). Within the stages the data
#: flows ingest -> speech -> audio; net only talks to other servers. Entry points do not call
#: each other, except the CLI, which starts the others (`serve`, `worker`).
LAYERS: list[tuple[str, list[str]]] = [
    ("audionews.models", ABOVE_CORE),
    ("audionews.errors", ABOVE_CORE),
    ("audionews.config", ABOVE_CORE),
    ("audionews.naming", ABOVE_CORE),
    ("audionews.vocabulary", ABOVE_CORE),
    ("audionews.storage", ABOVE_STORAGE),
    ("audionews.ingest", [*STORAGE, "audionews.speech", "audionews.audio", "audionews.net",
                          *ABOVE_STAGES]),
    ("audionews.speech", [*STORAGE, "audionews.audio", "audionews.net", *ABOVE_STAGES]),
    ("audionews.audio", ["audionews.net", *ABOVE_STAGES]),
    ("audionews.net", [*STORAGE, "audionews.ingest", "audionews.speech", "audionews.audio",
                       *ABOVE_STAGES]),
    ("audionews.publish", [*WIRING, *ENTRY_POINTS]),
    ("audionews.pipeline", ENTRY_POINTS),
    ("audionews.polling", ENTRY_POINTS),
    ("audionews.web", ["audionews.cli", "audionews.worker"]),
    ("audionews.worker", ["audionews.cli", "audionews.web"]),
    ("audionews.cli", []),
    ("audionews.__main__", []),
]  # fmt: skip

SRC = Path(audionews.__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _within(name: str, prefixes: list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _files(layer: str) -> list[Path]:
    package = SRC / Path(*layer.split("."))
    return sorted(package.rglob("*.py")) if package.is_dir() else [package.with_suffix(".py")]


def _imports(path: Path) -> set[str]:
    """Return every audionews module `path` imports, wherever the import statement is."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from audionews import pipeline` imports a module; `from x.y import Name`, x.y
            found |= {f"{base}.{alias.name}" for alias in node.names} | {base}
    return {m for m in found if _within(m, ["audionews"])}


def _layer_modules() -> list[tuple[str, Path, list[str]]]:
    return [(layer, path, banned) for layer, banned in LAYERS for path in _files(layer)]


def test_every_module_is_in_a_layer() -> None:
    layered = {path for _, path, _ in _layer_modules()} | {SRC / "audionews" / "__init__.py"}
    loose = [str(p.relative_to(SRC)) for p in (SRC / "audionews").rglob("*.py")]
    assert [p for p in loose if SRC / p not in layered] == [], "add them to LAYERS"


@pytest.mark.parametrize(
    ("layer", "path", "banned"),
    _layer_modules(),
    ids=[str(p.relative_to(SRC)) for _, p, _ in _layer_modules()],
)
def test_no_import_statement_reaches_up(layer: str, path: Path, banned: list[str]) -> None:
    upward = sorted(m for m in _imports(path) if _within(m, banned))
    assert upward == [], f"{_module_name(path)} ({layer}) imports {upward}"


def _importable(layer: str) -> list[str]:
    return [
        _module_name(p)
        for p in _files(layer)
        if "migrations" not in p.parts  # Alembic runs those, inside its own context
    ]


@pytest.mark.parametrize(
    ("module", "banned"),
    [(m, banned) for layer, banned in LAYERS if banned for m in _importable(layer)],
)
def test_importing_a_module_loads_nothing_above_it(module: str, banned: list[str]) -> None:
    code = (
        f"import sys, {module}; "
        f"print(','.join(m for m in sys.modules if m.startswith(tuple({banned!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    loaded = sorted(m for m in out.split(",") if m and _within(m, banned))
    assert loaded == [], f"{module} pulls in {loaded}"
