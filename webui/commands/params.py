"""Command-line text held to the one text rule of every door (forms/text.py)."""
import click

from forms.text import TextRefused, clean_text


class Text(click.ParamType):
    """A text argument: valid Unicode, no control characters but newline and tab, a length limit."""

    name = "text"

    def __init__(self, max_length: int, one_line: bool = True):
        self.max_length, self.one_line = max_length, one_line

    def convert(self, value, param, ctx):
        """The checked text, or a usage error naming the rule it broke."""
        try:
            text = clean_text(value, self.max_length)
        except TextRefused as exc:
            self.fail(str(exc), param, ctx)
        if self.one_line and "\n" in text:
            self.fail("must be one line", param, ctx)
        return text


NAME = Text(80)
FULL_NAME = Text(200)
PAYLOAD_ITEM = Text(4000, one_line=False)
