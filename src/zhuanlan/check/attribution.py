"""Which Markdown wrote a link found in the built site, and where in the file.

A page shows pieces of Markdown rendered to HTML: an article's body, a column's
introduction. A link of the page that also appears in such a piece came from that
source file; its line is found by resolving every link the source writes (see
`references`) the way the build does and keeping those that lead to the same place.
"""

from __future__ import annotations

import html
import posixpath
from functools import cached_property
from urllib.parse import unquote, urlsplit

from zhuanlan.check.pages import Link, read_page
from zhuanlan.check.references import Reference, find_references
from zhuanlan.check.sources import Document, split
from zhuanlan.load import SourceFile

Key = tuple[str, str]
"""Where a link leads: (site path, "" for the same page or outside the site; fragment)."""

_MARKDOWN = (".md", ".markdown")


class Owner:
    """A piece of Markdown shown on a page: an article's body or a column's introduction."""

    def __init__(
        self, source: SourceFile, base: str, fragment_html: str, by_file: dict[str, str]
    ) -> None:
        self.source = source
        self.base = base
        """The site folder its relative links start from."""
        self.by_file = by_file
        self.fragment_html = fragment_html

    @cached_property
    def links(self) -> set[tuple[str, str, str]]:
        """What the piece links to (read only when a page it is on has a problem)."""
        return {
            (link.tag, link.attribute, link.url) for link in read_page(self.fragment_html).links
        }

    @cached_property
    def document(self) -> Document | None:
        return split(self.source)

    @cached_property
    def references(self) -> list[Reference]:
        document = self.document
        return find_references(document.body, document.body_line) if document else []

    def key(self, reference: Reference) -> Key | None:
        """Where a reference leads, as the build resolves it (relative to the source file)."""
        written = html.unescape(reference.destination)
        parts = urlsplit(written)
        if parts.scheme or parts.netloc or written.startswith(("/", "\\")):
            return None
        fragment = unquote(parts.fragment)
        if not parts.path:
            return "", fragment
        path = posixpath.normpath(posixpath.join(self.base, unquote(parts.path)))
        if path == ".." or path.startswith("../"):
            return "", fragment  # outside the site
        if path.endswith(_MARKDOWN):
            path = self.by_file.get(path, path)
        return path, fragment

    def locate(
        self, link: Link, key: Key | None, *, without_alt: bool = False
    ) -> list[Reference | None]:
        """The places in the source that wrote this link (None: not found).

        `key` is where the link leads; None for a link to another site, which is
        matched as written.
        """
        matching = [
            ref
            for ref in self.references
            if (self.key(ref) == key if key else html.unescape(ref.destination) == link.url)
        ]
        if without_alt:
            images = [ref for ref in matching if ref.alt is not None and not ref.alt.strip()]
            matching = images or matching
        if matching:
            return list(matching)
        return [self._search(link)]

    def _search(self, link: Link) -> Reference | None:
        """Fallback: the first place the link's file name (or anchor) is written."""
        document = self.document
        if document is None:
            return None
        parts = urlsplit(link.url)
        needle = posixpath.basename(unquote(parts.path)) or unquote(parts.fragment)
        offset = document.body.find(needle) if needle else -1
        if offset < 0:
            return None
        line = document.body.count("\n", 0, offset)
        column = offset - (document.body.rfind("\n", 0, offset) + 1) + 1
        return Reference(document.body_line + line, column, link.url, "link")
