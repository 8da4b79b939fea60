"""Preparing the spare site after a build that leaves none, without making it wait.

A rebuild works in the spare site, the site the last build replaced, bringing it up to
date (see `write.carry_over`). A build that replaced no site (the first, or one whose
cache was unusable) leaves no spare, and the next build would link every file of the
site into a fresh folder: at 10,000 articles, 26,000 system calls, a second. So such a
build makes the spare folder, marks and locks it, and a detached process links the new
site's files into it, then exits, which releases the lock. A build about to work in the
spare waits for the lock first (`wait_for`); one with nothing to do never touches it.

The spare stays part of the cache, never trusted: one left half-made by a killed
process fails the next build's check (see `write.carry_over`). Standard library only:
the detached process should start in milliseconds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path

from zhuanlan.discard import MARKER, run_locked_in_background


def mirror_in_background(site: Path, folder: Path) -> bool:
    """Link every file of `site` into `folder` (new, holding only its marker) in a
    detached process; False if none could be started."""
    return run_locked_in_background(folder, "zhuanlan.mirror", str(site))


def wait_for(folder: Path) -> None:
    """Return once no process is making `folder` (at once if none is)."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return  # no such folder
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    finally:
        os.close(handle)


def mirror(site: Path, folder: Path) -> None:
    """Link every file of `site` into `folder`, making its folders; copy (keeping the
    modification time) where a link cannot be made. The marker is replaced in one step,
    so that `folder` is always recognisably ours."""
    for directory, folders, files in os.walk(site, onerror=_raise):
        relative = Path(directory).relative_to(site)
        target = folder / relative
        for name in folders:
            (target / name).mkdir()
        for name in files:
            source = Path(directory) / name
            if target == folder and name == MARKER:
                fresh = folder / f".{MARKER}.new"
                _link_or_copy(source, fresh)
                fresh.replace(folder / MARKER)
            else:
                _link_or_copy(source, target / name)


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _raise(error: OSError) -> None:
    raise error


def main(argv: list[str]) -> int:
    """``python -m zhuanlan.mirror FD FOLDER SITE``: mirror SITE into FOLDER, whose lock
    is held on FD."""
    handle, folder, site = int(argv[0]), Path(argv[1]), Path(argv[2])
    try:
        mirror(site, folder)
    except OSError:
        return 1  # the next build finds the spare incomplete, and does without it
    finally:
        os.close(handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
