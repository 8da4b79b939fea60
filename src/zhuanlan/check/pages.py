"""Reading a built HTML page: the links it makes and the anchors it offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Attributes by which a page loads or leads to another file.
_LINK_ATTRIBUTES = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "form": ("action",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
}


@dataclass(frozen=True)
class Link:
    """One URL in a page, as written there (entities decoded)."""

    tag: str
    attribute: str
    url: str
    alt: str | None = None
    """For ``<img>``: its ``alt`` (None when it has none)."""


@dataclass
class Page:
    """What the check needs of one page."""

    links: list[Link] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    """Every ``id`` (and ``<a name>``): what a ``#fragment`` can point at."""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.page.ids.add(values["name"])
        alt = values.get("alt") if tag == "img" else None
        for attribute in _LINK_ATTRIBUTES.get(tag, ()):
            value = values.get(attribute)
            if value is None:
                continue
            urls = _srcset(value) if attribute == "srcset" else [value.strip()]
            self.page.links.extend(Link(tag, attribute, url, alt) for url in urls)


def _srcset(value: str) -> list[str]:
    """The URLs of ``srcset="a.png 1x, b.png 2x"``."""
    return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]


def read_page(html: str) -> Page:
    """The links and anchors of an HTML page or fragment."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page
