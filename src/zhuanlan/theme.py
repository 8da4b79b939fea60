"""Where the templates and static files come from, and a fingerprint of them.

A project's own ``templates/`` overrides the built-in theme file by file. Kept apart
from `render` (and Jinja2) because deciding that a build has nothing to do needs the
fingerprint, and should not wait for a template engine to import.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = "templates"


def theme_dir() -> Path:
    """The built-in theme: packaged in the wheel, or the checkout's ``templates/``."""
    packaged = Path(__file__).parent / "theme"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / TEMPLATES_DIR


def template_dirs(root: Path) -> list[Path]:
    """Where templates and static files are looked up, first match wins."""
    dirs = [root / TEMPLATES_DIR, theme_dir()]
    unique: list[Path] = []
    for directory in dirs:
        if directory.is_dir() and directory.resolve() not in (d.resolve() for d in unique):
            unique.append(directory)
    return unique


def theme_fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Every template and static file a project's build uses, with its time and size."""
    return fingerprint_of(template_dirs(root))


def fingerprint_of(dirs: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every template and static file with its modification time and size."""
    entries = []
    for directory in dirs:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                status = path.stat()
                entries.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(entries)
