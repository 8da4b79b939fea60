"""``zhuanlan check --fix``: half-width punctuation in Chinese text made full-width, in place.

Only Markdown bodies are touched, only by `zhuanlan.typography.fix_punctuation`, and
every other byte of the file is kept: a byte-order mark, CRLF or CR line endings,
trailing spaces, the front matter. Each fix replaces one character by one character, so
the fixes found on the decoded, LF-normalised text (what the build reads) are applied
at the same characters of the file as it is. A file is replaced atomically, never left
half-written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zhuanlan.frontmatter import UnclosedFrontMatter, split_front_matter
from zhuanlan.typography import BOM, fix_punctuation


@dataclass(frozen=True)
class Fix:
    """One character replaced."""

    path: str
    line: int
    column: int
    found: str
    replacement: str

    def describe(self) -> str:
        """``content/a/b.md:5: “,” → “，”``."""
        return f"{self.path}:{self.line}: “{self.found}” → “{self.replacement}”"


def fix_file(root: Path, path: str) -> list[Fix]:
    """Fix the punctuation of one Markdown file's body (`path` relative to `root`)."""
    file = root / path
    try:
        original = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # the check reports what cannot be read
    text, positions = _normalise(original)
    try:
        body = split_front_matter(text).body
    except UnclosedFrontMatter:
        return []
    start = len(text) - len(body)
    body_line = text.count("\n", 0, start) + 1
    fixed, findings = fix_punctuation(body)
    if fixed == body:
        return []
    chars = list(original)
    for index, (before, after) in enumerate(zip(body, fixed, strict=True)):
        if before != after:
            chars[positions(start + index)] = after
    _replace(file, "".join(chars).encode("utf-8"))
    return [
        Fix(path, body_line + f.line - 1, f.column, f.found, f.suggestion or f.found)
        for f in findings
    ]


def _normalise(original: str) -> tuple[str, _Positions]:
    """The text as the build reads it (no BOM, LF line endings), and where each of its
    characters is in `original`."""
    shift = 1 if original.startswith(BOM) else 0
    if "\r" not in original:
        return original[shift:], _Positions(shift)
    text: list[str] = []
    where: list[int] = []
    index = shift
    while index < len(original):
        char = original[index]
        where.append(index)
        if char == "\r":
            text.append("\n")
            if original.startswith("\n", index + 1):
                index += 1
        else:
            text.append(char)
        index += 1
    return "".join(text), _Positions(shift, where)


class _Positions:
    """Maps an offset in the normalised text to one in the original."""

    def __init__(self, shift: int, where: list[int] | None = None) -> None:
        self.shift = shift
        self.where = where

    def __call__(self, offset: int) -> int:
        return self.where[offset] if self.where is not None else offset + self.shift


def _replace(file: Path, data: bytes) -> None:
    """Write `data` to `file` atomically, keeping its permissions."""
    mode = file.stat().st_mode & 0o7777
    # A dot-name: if the process dies before the rename, the build ignores the leftover.
    handle, temporary = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).chmod(mode)
        Path(temporary).replace(file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
