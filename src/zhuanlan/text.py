"""Chinese text rules shared by every stage: character classes, reading time, dates.

Pure functions on strings; no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

CHARS_PER_MINUTE = 300
"""Reading speed used for "约 N 分钟": a common figure for Chinese prose."""

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{_HAN}]")
"""One Han character (CJK unified ideographs, extensions A–G, compatibility ideographs)."""

_HAN_RUN_RE = re.compile(f"[{_HAN}]+")
_LATIN_WORD_RE = re.compile("[0-9A-Za-z]+")

# East Asian "ambiguous" punctuation that is wide in Chinese text.
_WIDE_PUNCTUATION = frozenset("“”‘’—…·•")


def is_wide(char: str) -> bool:
    """Whether a character is set full-width in Chinese text (Han, kana, full-width forms).

    Mirrors the CSS Text 3 segment-break rule: a line break between two such characters
    is removed rather than rendered as a space. Hangul is excluded, as the spec does,
    because Korean separates words with spaces.
    """
    if char in _WIDE_PUNCTUATION:
        return True
    if "\u1100" <= char <= "\u11ff" or "\uac00" <= char <= "\ud7af":
        return False
    return unicodedata.east_asian_width(char) in ("F", "W")


def join_wide_lines(text: str) -> str:
    """Remove line breaks (and the indentation after them) between two wide characters.

    Python-Markdown keeps a source line break inside a paragraph as a newline, which the
    browser renders as a space: "铆定\\n努力" would read "铆定 努力".
    """
    if "\n" not in text:
        return text
    return _BREAK_RE.sub(_join_if_wide, text)


_BREAK_RE = re.compile(r"(.)[ \t]*\n[ \t]*(?=(.))")


def _join_if_wide(match: re.Match[str]) -> str:
    before, after = match.group(1), match.group(2)
    if is_wide(before) and is_wide(after):
        return before
    return match.group(0)


def reading_units(text: str) -> int:
    """Reading effort of plain text: one per Han character, one per Latin or digit word."""
    # Runs of Han characters, not each character: ten times fewer strings to make.
    return sum(map(len, _HAN_RUN_RE.findall(text))) + len(_LATIN_WORD_RE.findall(text))


def reading_minutes(units: int) -> int:
    """Whole minutes to read `units` at 300 characters a minute; at least one."""
    return max(1, math.ceil(units / CHARS_PER_MINUTE))


def chinese_date(date: dt.date) -> str:
    """A date as Chinese readers write it: 2024年1月15日 (no zero padding)."""
    return f"{date.year}年{date.month}月{date.day}日"
