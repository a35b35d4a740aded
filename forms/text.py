"""The one rule for text entering the system from any door (forms, API, CLI, definitions).

Text is accepted when it is valid Unicode (no lone surrogates), holds no control characters
except newline and tab, and is within a length limit. A CR LF or lone CR (what browsers send
from a textarea) is read as a newline. Stored text that slipped past (older rows, direct
database edits) is shown through ``displayable`` so no page can fail on it.
"""
import re

DEFAULT_MAX_LENGTH = 4000
# C0 controls except tab (09) and newline (0A), DEL and the C1 block; surrogates D800-DFFF
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LOOSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # CR still allowed
_NEWLINES = re.compile("\r\n?")
# Raw HTML: a tag, comment, declaration or processing instruction. Markdown's autolinks
# (<https://…>) and comparisons ("score < 5") do not match.
_HTML = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|<[!?]")
_SCRIPT_URL = re.compile(r"\]\(\s*<?\s*(?:javascript|vbscript|data)\s*:", re.IGNORECASE)
REASONS = {
    "type": "must be text",
    "surrogate": "must be valid Unicode (no lone surrogates)",
    "control": "must not contain control characters (only newline and tab)",
    "length": "must be at most {max} characters",
}


class TextRefused(ValueError):
    """Text broke the rule; ``reason`` is one of REASONS' keys."""

    def __init__(self, reason: str, max_length: int = DEFAULT_MAX_LENGTH):
        super().__init__(REASONS[reason].format(max=max_length))
        self.reason = reason


def _bad_char(text: str, pattern: re.Pattern[str]) -> str | None:
    """The reason the first forbidden character breaks the rule, else None."""
    hit = pattern.search(text)
    if hit is None:
        return None
    return "surrogate" if "\ud800" <= hit.group() <= "\udfff" else "control"


def clean_text(value: object, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """The text with newlines normalised, or TextRefused when it breaks the rule."""
    if not isinstance(value, str):
        raise TextRefused("type", max_length)
    text = _NEWLINES.sub("\n", value)
    reason = _bad_char(text, _FORBIDDEN)
    if reason:
        raise TextRefused(reason, max_length)
    if len(text) > max_length:
        raise TextRefused("length", max_length)
    return text


def text_problem(value: str) -> str | None:
    """Why a raw request string breaks the character rule (CR allowed), else None."""
    return _bad_char(value, _LOOSE)


def markup_problem(text: str) -> str | None:
    """Why shown text holds markup beyond Markdown without raw HTML (what task pages render)."""
    if _HTML.search(text):
        return "raw HTML is not allowed (use Markdown: **bold**, *italic*, lists, links)"
    if _SCRIPT_URL.search(text):
        return "links must not use javascript:, vbscript: or data: addresses"
    return None


def displayable(text: str) -> str:
    """Stored text made safe to show: each forbidden character becomes U+FFFD."""
    return _FORBIDDEN.sub("\ufffd", _NEWLINES.sub("\n", text))
