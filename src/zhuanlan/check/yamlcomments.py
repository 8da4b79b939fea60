"""Values cut short by a YAML comment: ``title: 第2期 #2 专题`` loads as ``第2期``.

In YAML, `` #`` after an unquoted (plain) value starts a comment, so the rest of the line
silently disappears. Editors write ``#`` for numbers (第 #2 期) and do not expect that.
Every plain value followed by a comment on its own line is reported; a real comment can
go on a line of its own, a value containing ``#`` must be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

_COMMENT = re.compile(r"[ \t]+(#.*?)[ \t]*$")
_ANY_COMMENT = re.compile(r"\S[ \t]+#")


@dataclass(frozen=True)
class Truncation:
    """One value that a comment cut short."""

    line: int
    """File line of the comment."""
    column: int
    """1-based column of the ``#``."""
    field: str
    """Where the value sits: ``title``, ``tags[2]``, ``mechanism[1].label``."""
    value: str
    """The value as loaded."""
    cut: str
    """What was taken for a comment, ``#`` included."""
    example: str | None
    """The line rewritten with the whole value quoted, when the value is on one line."""


@dataclass
class _Frame:
    """A mapping or sequence being read, and where in it the reader is."""

    path: str
    mapping: bool
    is_key: bool = False
    """A complex key (``? [a, b]``), not a value."""
    expect_key: bool = True
    key: str = ""
    index: int = 0

    def child(self) -> str:
        if self.mapping:
            return f"{self.path}.{self.key}" if self.path else self.key
        return f"{self.path}[{self.index}]"


def truncated_values(text: str, first_line: int = 1) -> list[Truncation]:
    """Every plain value of the YAML `text` followed by a comment on the same line.

    `first_line` is the file line of the text's first line. Text that is not valid YAML
    gives nothing: the build reports it.
    """
    if not _ANY_COMMENT.search(text):
        return []  # most front matter has no comment after a value: skip the slow parse
    lines = text.split("\n")
    found = []
    try:
        for value in _values(text):
            line = lines[value.end_line]
            comment = _COMMENT.match(line, value.end_column)
            if comment is None:
                continue
            example = None
            if value.start_line == value.end_line:
                whole = f"{line[value.start_column : value.end_column]} {comment[1]}"
                quoted = f'"{whole}"' if '"' not in whole else "'" + whole.replace("'", "''") + "'"
                example = (line[: value.start_column] + quoted).strip()
            found.append(
                Truncation(
                    value.end_line + first_line,
                    comment.start(1) + 1,
                    value.field,
                    value.value,
                    comment[1],
                    example,
                )
            )
    except yaml.YAMLError:
        return []
    return found


@dataclass(frozen=True)
class _Plain:
    """A plain (unquoted) scalar value and where it is (0-based, in the YAML text)."""

    value: str
    field: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int


def _values(text: str) -> Iterator[_Plain]:
    """Every plain scalar that is a value (not a key), with its field path."""
    stack: list[_Frame] = []
    # The pure-Python parser: its marks count code points, as the reported columns do.
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if stack:
                stack[-1].expect_key = not done.is_key
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        top = stack[-1] if stack else None
        if top is not None and top.mapping and top.expect_key:
            # A key; only a scalar key can name a field.
            top.key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
            top.expect_key = False
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append(_Frame("?", isinstance(event, yaml.MappingStartEvent), True))
            continue
        if top is not None and not top.mapping:
            top.index += 1
        path = top.child() if top is not None else ""
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Frame(path, isinstance(event, yaml.MappingStartEvent)))
            continue
        if top is not None and top.mapping:
            top.expect_key = True
        if not isinstance(event, yaml.ScalarEvent) or event.style is not None or not path:
            continue
        start, end = event.start_mark, event.end_mark
        if start is not None and end is not None:
            yield _Plain(event.value, path, start.line, start.column, end.line, end.column)
