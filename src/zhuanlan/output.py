"""The unit of output: one file of the built site, as the render stage hands it on."""

from __future__ import annotations

from dataclasses import dataclass
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
