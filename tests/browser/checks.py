"""What the browser tests of the editor, the episode page and the embed share: viewports,
axe-core's rule set and its report, and how to hear what the player announces."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

#: WCAG 2.2 AA, as axe-core tags it.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 720}  # 1280 px at 400% zoom


def describe(violations: list[dict[str, Any]]) -> str:
    """Return axe-core's violations, one line each: rule, impact, help and the first nodes."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


def listen_to_announcer(host: Page | Frame) -> None:
    """Record every text the player's polite live region is given, in window.__said."""
    host.evaluate(
        """() => {
          const region = document.querySelector('[data-announcer]');
          window.__said = [];
          new MutationObserver(() => {
            if (region.textContent) { window.__said.push(region.textContent); }
          }).observe(region, {childList: true, characterData: true, subtree: true});
        }"""
    )


def spoken(seconds: float) -> str:
    """Return a time as the player says it ("1 minute, 5 seconds")."""
    from audionews.web.player import spoken_duration

    return spoken_duration(seconds)
