"""What search reads of an article: its title and body as plain text, and case folding.

Search treats a character and its compatibility form alike (full-width ``Ａ１`` and
``A1``) and ignores Latin case. Folding maps one character to one character, so that a
position in the folded text is the same position in the original, which the page
shows: a character whose folded form is longer (``㈠`` → ``(一)``) is kept as it is.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

TITLE_SEPARATOR = "\n"
"""Between the title and the body: whitespace, so no match spans the two."""

# The body is sanitized HTML; quoted attribute values may still hold a ">".
_TAG = re.compile(r"""<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
# Elements after which text is read as a new line, not run into the next word.
_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|li|dt|dd|tr|th|td|blockquote|pre|figcaption|caption)>|<br\b[^>]*>",
    re.IGNORECASE,
)


def plain_text(body_html: str) -> str:
    """The text a reader sees in `body_html`, one line per block, spaces collapsed: a run
    of whitespace holding a line break is one line break, any other run one space."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", body_html))
    if "&" in text:
        text = html.unescape(text)
    # Line by line with str.split, not regular expressions of whitespace: those test
    # every character of the (mostly Chinese) text, at twice the cost of all the rest.
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def document_text(title: str, body_html: str) -> str:
    """What one article is searched in: its title, a line break, its body."""
    return f"{' '.join(title.split())}{TITLE_SEPARATOR}{plain_text(body_html)}"


@cache
def fold(char: str) -> str:
    """The form of one character that search compares: NFKC, lower case, if one character."""
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


def fold_table(chars: Iterable[str]) -> dict[int, str]:
    """A `str.translate` table folding these characters (those that change)."""
    return {ord(char): folded for char in chars if (folded := fold(char)) != char}
