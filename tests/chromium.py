"""How the tests and the benchmarks start Debian's Chromium (never a downloaded browser).

Without the background-networking flags Chromium keeps trying to reach Google's services,
which this machine's closed network refuses.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("AUDIONEWS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
