"""URL slugs: ASCII, lower-case, hyphen-separated; Chinese becomes pinyin.

Rules (documented in README.md): an explicit ``slug`` wins; otherwise the file or folder
name is used as it is when it is already a valid slug; a name with Chinese characters is
spelled in pinyin, keeping digits and Latin letters (发挥5项职能 → fa-hui-5-xiang-zhi-neng).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
"""What a finished slug looks like; also what an explicit ``slug`` must match."""

_NON_SLUG_RUN = re.compile(r"[^a-z0-9]+")


def is_valid_slug(text: str) -> bool:
    """Whether `text` can be used in a URL as it is."""
    return bool(SLUG_RE.match(text))


@lru_cache(maxsize=16384)
def slugify(text: str) -> str:
    """Turn any title or file name into a slug; empty when nothing usable remains.

    Full-width letters and digits are folded first (ＡＢ１ → ab1), each Han character
    becomes its toneless pinyin syllable, every other run of characters a hyphen.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    if folded.isascii():
        syllables = [folded]
    else:
        # Imported on first use: its dictionaries take a fifth of a second to load, and
        # a build whose names are all ASCII (or a no-op build) never needs them.
        from pypinyin import Style, lazy_pinyin

        syllables = lazy_pinyin(folded, style=Style.NORMAL, errors="default")
    parts = (_NON_SLUG_RUN.sub("-", part).strip("-") for part in syllables)
    return "-".join(part for part in parts if part)


def slug_from_name(name: str) -> str:
    """The slug for a file or folder name: kept when already valid, else spelled out."""
    return name if is_valid_slug(name) else slugify(name)
