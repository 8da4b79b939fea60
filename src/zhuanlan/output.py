"""The unit of output: one file of the built site, as the render stage hands it on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site: rendered bytes, a file to copy, or last build's file."""

    path: str
    """Relative to the site root, POSIX form."""
    content: bytes | None = None
    """The bytes to write, for rendered pages."""
    source: Path | None = None
    """The file to copy, for static files and assets."""
    unchanged: bool = False
    """Identical to the file at this path in the previous build (with a `RenderCache`)."""
    digest: str | None = None
    """`content_digest` of the content, when worked out already (files kept in a cache)."""

    def with_digest(self) -> OutputFile:
        """The same file, its content's digest worked out."""
        assert self.content is not None
        return replace(self, digest=content_digest(self.content))


def content_digest(content: bytes) -> str:
    """The hash a build records of each file it renders, to tell whether it changed."""
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def mark_unchanged(
    outputs: Iterable[OutputFile], previous: Mapping[str, str], written: dict[str, str]
) -> Iterator[OutputFile]:
    """The outputs, with those whose bytes hash as in `previous` marked unchanged (to be
    linked from the last build, not written again); each one's hash put in `written`.

    A file may come listed unchanged already, with its digest, by a maker that was
    given the same `previous` and checked it (`search.index.index_files`)."""
    for item in outputs:
        if item.unchanged and item.digest is not None:
            written[item.path] = item.digest
        elif item.content is not None:
            digest = item.digest or content_digest(item.content)
            written[item.path] = digest
            if previous.get(item.path) == digest:
                item = OutputFile(item.path, unchanged=True)
        yield item
