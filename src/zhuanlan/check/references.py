"""Where a Markdown source writes its links and images, by line and column.

The check finds broken links in the built HTML; this finds the place in the source an
editor must change. A light scanner, not a Markdown parser: inline links and images
(``[文字](目标)``, ``![说明](图片)``), reference definitions (``[名]: 目标``) and
reference-style images, and the ``href``/``src`` of raw HTML tags. Fenced code and code
spans are skipped, so an example in code is never taken for a link.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

Kind = Literal["link", "image", "definition", "html"]


@dataclass(frozen=True)
class Reference:
    """One link target as written in the source."""

    line: int
    """File line of the target (of the ``!`` for a reference-style image)."""
    column: int
    """1-based column, in code points."""
    destination: str
    """The target as written (without ``<>``)."""
    kind: Kind
    """``html`` for an attribute of a raw HTML tag."""
    alt: str | None = None
    """For images (Markdown or ``<img>``): the alternative text, ``""`` when missing."""


_TEXT = r"(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*"
_DESTINATION = r"<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))+"
_INLINE = re.compile(
    rf"(?P<bang>!?)\[(?P<text>{_TEXT})\]\([ \t]*\n?[ \t]*(?P<destination>{_DESTINATION})?"
)
_DEFINITION = re.compile(
    r"^ {0,3}\[(?P<label>[^\[\]\n]+)\]:[ \t]*\n?[ \t]*(?P<destination><[^<>\n]*>|\S+)",
    re.MULTILINE,
)
_REFERENCE_IMAGE = re.compile(rf"!\[(?P<text>{_TEXT})\](?:\[(?P<label>[^\[\]\n]*)\]|(?![(\[:]))")
_TAG = re.compile(r"<(?P<name>[A-Za-z][A-Za-z0-9]*)\b(?P<attributes>[^<>]*)>")
_ATTRIBUTE = re.compile(
    r"""(?<![\w-])(?P<name>href|src|alt)\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'<>]+))""",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)[\s\S]*?(?<!`)\1(?!`)")


def find_references(body: str, first_line: int = 1) -> list[Reference]:
    """Every link, image and raw HTML target in a Markdown `body`, in reading order.

    `first_line` is the file line of the body's first line.
    """
    text = _mask_code(body)
    starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def place(offset: int) -> tuple[int, int]:
        row = bisect_right(starts, offset) - 1
        return row + first_line, offset - starts[row] + 1

    found: list[tuple[int, Reference]] = []

    def add(offset: int, destination: str, kind: Kind, alt: str | None = None) -> None:
        destination = destination.strip()
        if destination.startswith("<") and destination.endswith(">"):
            destination, offset = destination[1:-1], offset + 1
        found.append((offset, Reference(*place(offset), destination, kind, alt)))

    definitions: dict[str, str] = {}
    for match in _DEFINITION.finditer(text):
        add(match.start("destination"), match["destination"], "definition")
        definitions.setdefault(_label(match["label"]), match["destination"].strip("<>"))
    for match in _INLINE.finditer(text):
        if match["destination"] is None:  # ``[text]()``: an empty link
            continue
        image = bool(match["bang"])
        alt = match["text"] if image else None
        add(match.start("destination"), match["destination"], "image" if image else "link", alt)
    for match in _REFERENCE_IMAGE.finditer(text):
        label = _label(match["label"] or match["text"])
        if label in definitions:
            found.append(
                (
                    match.start(),
                    Reference(*place(match.start()), definitions[label], "image", match["text"]),
                )
            )
    for tag in _TAG.finditer(text):
        attributes = {
            attribute["name"].lower(): attribute
            for attribute in _ATTRIBUTE.finditer(tag["attributes"])
        }
        is_image = tag["name"].lower() == "img"
        alt_match = attributes.get("alt")
        alt = _value(alt_match) if alt_match else ""
        for name in ("href", "src"):
            attribute = attributes.get(name)
            if attribute is not None:
                group = next(g for g in ("double", "single", "bare") if attribute[g] is not None)
                offset = tag.start("attributes") + attribute.start(group)
                add(offset, attribute[group], "html", alt if is_image else None)
    return [reference for _, reference in sorted(found, key=lambda item: item[0])]


def _value(attribute: re.Match[str]) -> str:
    return attribute["double"] or attribute["single"] or attribute["bare"] or ""


def _label(label: str) -> str:
    """Reference labels match case-insensitively, with runs of spaces as one."""
    return " ".join(label.split()).casefold()


def _mask_code(body: str) -> str:
    """`body` with fenced code blocks and code spans blanked (offsets unchanged)."""
    lines = body.split("\n")
    fence = ""
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = ""
            lines[index] = " " * len(line)
        elif opening:
            fence = opening[1]
            lines[index] = " " * len(line)
    return _CODE_SPAN.sub(lambda match: re.sub(r"[^\n]", " ", match[0]), "\n".join(lines))
