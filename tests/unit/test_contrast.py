"""The style sheet's colours meet WCAG 2.1 contrast: 4.5:1 for text, 3:1 for focus rings,
field borders and state outlines (computed with the WCAG relative-luminance formula)."""
import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "webui" / "static" / "app.css"

TEXT, NON_TEXT = 4.5, 3.0

# (foreground, background, minimum, where it is used); names are CSS custom properties
PAIRS = [
    ("ink", "bg", TEXT, "body text"),
    ("ink", "card", TEXT, "text in cards"),
    ("muted", "bg", TEXT, "secondary text"),
    ("muted", "card", TEXT, "secondary text in cards"),
    ("muted", "#fafbfc", TEXT, "table headings"),
    ("brand", "bg", TEXT, "links"),
    ("brand", "card", TEXT, "links in cards"),
    ("brand", "#fff5f5", TEXT, "links in overdue rows"),
    ("danger", "card", TEXT, "field error text"),
    ("danger", "danger-bg", TEXT, "error flash text"),
    ("ok", "ok-bg", TEXT, "green badges"),
    ("ok", "card", TEXT, "green text"),
    ("warn", "warn-bg", TEXT, "waiting badges"),
    ("brand", "#e7f1fb", TEXT, "info badges"),
    ("#ffffff", "danger", TEXT, "overdue badges"),
    ("#ffffff", "warn", TEXT, "guarantee badges"),
    ("#ffffff", "brand", TEXT, "buttons and top bar"),
    ("#ffffff", "brand-dark", TEXT, "hovered buttons, current menu item"),
    ("#ffffff", "current", TEXT, "diagram mark for a current task"),
    ("#ffffff", "ok", TEXT, "diagram mark for a done task"),
    ("#6b4e00", "warn-bg", TEXT, "warning tags"),
    ("focus", "bg", NON_TEXT, "focus ring on the page"),
    ("focus", "card", NON_TEXT, "focus ring in cards"),
    ("focus", "danger-bg", NON_TEXT, "focus ring in error flashes"),
    ("focus", "warn-bg", NON_TEXT, "focus ring in warnings"),
    ("focus", "ok-bg", NON_TEXT, "focus ring in success flashes"),
    ("focus", "#fff5f5", NON_TEXT, "focus ring in overdue rows"),
    ("topbar-focus", "brand", NON_TEXT, "focus ring in the top bar"),
    ("topbar-focus", "brand-dark", NON_TEXT, "focus ring on the current menu item"),
    ("field-border", "card", NON_TEXT, "input borders"),
    ("field-border", "bg", NON_TEXT, "input borders on the page"),
    ("danger", "card", NON_TEXT, "borders of fields with errors"),
    ("current", "current-bg", NON_TEXT, "outline of a current task in the diagram"),
    ("current", "card", NON_TEXT, "outline of a current task against the canvas"),
    ("ok", "ok-bg", NON_TEXT, "outline of a done task in the diagram"),
    ("ok", "card", NON_TEXT, "outline of a done task against the canvas"),
]


def palette(css: str) -> dict[str, str]:
    """Custom properties of every :root block (later ones win) plus the top bar's focus colour."""
    colours = {}
    for block in re.findall(r":root\s*\{([^}]*)\}", css):
        colours.update(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", block))
    topbar = re.findall(r"\.topbar\s*\{[^}]*--focus\s*:\s*(#[0-9a-fA-F]{3,6})", css)
    if topbar:
        colours["topbar-focus"] = topbar[-1]
    return colours


def luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    """Contrast ratio between two colours (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_formula_matches_known_values():
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert ratio("#1b7f4b", "#e3f5ea") == pytest.approx(4.43, abs=0.01)  # the old green badge


@pytest.mark.parametrize("fg, bg, minimum, where", PAIRS, ids=[p[3] for p in PAIRS])
def test_colour_pair_has_enough_contrast(fg, bg, minimum, where):
    colours = palette(CSS.read_text(encoding="utf-8"))
    fg_hex, bg_hex = colours.get(fg, fg), colours.get(bg, bg)
    assert fg_hex.startswith("#") and bg_hex.startswith("#"), (fg, bg, "not defined in app.css")
    measured = ratio(fg_hex, bg_hex)
    assert measured >= minimum, f"{where}: {fg_hex} on {bg_hex} is {measured:.2f}:1, needs {minimum}:1"
