"""Follow every link of a built site on disk, the way a browser opening file:// would."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

# Attributes that make the browser load or navigate to another resource.
LINK_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src"}


@dataclass
class Crawl:
    """What a crawl from the home page found."""

    visited: set[str] = field(default_factory=set)
    broken: list[tuple[str, str]] = field(default_factory=list)
    """(page, link) pairs whose target is missing or is a folder."""
    missing_anchors: list[tuple[str, str]] = field(default_factory=list)
    external: list[tuple[str, str]] = field(default_factory=list)
    """Links that leave the site (allowed for <a>, never for loaded resources)."""
    absolute: list[tuple[str, str]] = field(default_factory=list)
    """Links starting with / (they break under a sub-path and from file://)."""


def links(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(tag name, URL) for every link-like attribute in a page."""
    found = []
    for tag, attribute in LINK_ATTRIBUTES.items():
        for element in soup.find_all(tag):
            value = element.get(attribute)
            if isinstance(value, str):
                found.append((tag, value))
    return found


def crawl(site: Path, start: str = "index.html") -> Crawl:
    """Visit every page reachable from `start`, checking each link resolves to a file."""
    result = Crawl()
    queue = [start]
    while queue:
        page = queue.pop()
        if page in result.visited:
            continue
        result.visited.add(page)
        soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
        for tag, url in links(soup):
            parts = urlsplit(url)
            if parts.scheme == "data":  # inline, loads nothing
                continue
            if parts.scheme or url.startswith("//"):
                result.external.append((page, url))
                continue
            if url.startswith("/"):
                result.absolute.append((page, url))
                continue
            target = (
                posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
                if parts.path
                else page
            )
            path = site / target
            if target.startswith("..") or not path.is_file():
                result.broken.append((page, url))
                continue
            if parts.fragment and target.endswith(".html"):
                target_soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
                if target_soup.find(id=unquote(parts.fragment)) is None:
                    result.missing_anchors.append((page, url))
            if tag == "a" and target.endswith(".html"):
                queue.append(target)
    return result
