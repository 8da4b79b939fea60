"""URL slugs: ASCII, lower-case, hyphen-separated; Chinese becomes pinyin.

Rules (documented in README.md): an explicit ``slug`` wins; otherwise the file or folder
name is used as it is when it is already a valid slug; a name with Chinese characters is
spelled in pinyin, keeping digits and Latin letters (发挥5项职能 → fa-hui-5-xiang-zhi-neng).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
"""What a finished slug looks like; also what an explicit ``slug`` must match."""

_NON_SLUG_RUN = re.compile(r"[^a-z0-9]+")


def is_valid_slug(text: str) -> bool:
    """Whether `text` can be used in a URL as it is."""
    return bool(SLUG_RE.match(text))


_SPELLED: dict[str, str] = {}
"""Slugs of Chinese names worked out in another process (see `remember_slugs`)."""


def remember_slugs(slugs: Mapping[str, str]) -> None:
    """Take slugs that `slugify` gave in another process.

    pypinyin's dictionaries take 55 MB and a fifth of a second to load. A build spells
    its tags, branches and file names in a short-lived child process (`spell_names`)
    and remembers the result, so that neither the build process nor the render workers
    it forks ever hold those dictionaries.
    """
    _SPELLED.update(slugs)


def remembered_slugs() -> dict[str, str]:
    """Every slug `remember_slugs` was given in this process (to keep for later runs)."""
    return dict(_SPELLED)


def needs_pinyin(name: str) -> bool:
    """Whether slugging `name` needs pypinyin (it has characters beyond ASCII)."""
    return not unicodedata.normalize("NFKC", name).isascii()


def prepare_pinyin() -> None:
    """Import pypinyin (a quarter of a second, and 55 MB): for a child about to spell."""
    importlib.import_module("pypinyin")


def spell_names(names: list[str]) -> list[str]:
    """The slug of each name (what a child process runs for `remember_slugs`)."""
    return [slugify(name) for name in names]


def slugify(text: str) -> str:
    """Turn any title or file name into a slug; empty when nothing usable remains.

    Full-width letters and digits are folded first (ＡＢ１ → ab1), each Han character
    becomes its toneless pinyin syllable, every other run of characters a hyphen.
    """
    spelled = _SPELLED.get(text)
    return spelled if spelled is not None else _slugify(text)


@lru_cache(maxsize=16384)
def _slugify(text: str) -> str:
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
