"""Deleting a replaced site (or a failed build's staging folder) without making the build
wait for it.

Once the new site is swapped in, the old tree is garbage, but deleting it is slow: a
site of 10,000 articles has 12,000 folders, about a second of system calls. Nothing
needs to wait for that. The build renames the old tree to a trash folder beside the
output, takes an exclusive `flock` on it and hands the locked descriptor to a detached
process (``python -m zhuanlan.discard``), which deletes the tree and exits.

The lock is what lets a later build tell the two kinds of trash apart: trash whose lock
it can take was abandoned (its deleter was killed, or could not start) and is removed
there and then; locked trash is being deleted and is left alone.

The marker file goes last, so trash is always recognisable as ours: marked, or empty.
Standard library only: the detached process should start in milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

MARKER = ".zhuanlan-site"
"""The marker file of every folder zhuanlan builds (see `write.py`)."""
_DETACH = '"$0" -P -m "$@" &'


def discard_in_background(tree: Path) -> None:
    """Delete `tree` (already renamed to its trash name) in a detached process.

    Falls back to deleting it here when no process can be started.
    """
    if not run_locked_in_background(tree, "zhuanlan.discard"):
        _delete(tree)


def run_locked_in_background(folder: Path, module: str, *arguments: str) -> bool:
    """Run ``python -m MODULE FD FOLDER ARGUMENTS...`` in a detached process, holding an
    exclusive `flock` on `folder` (open as FD) until it exits; False if it could not
    be started (then `folder` is not locked)."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        # The shell starts the process in the background and exits at once, so the
        # process is nobody's child to wait for (no zombie in a long-lived preview).
        command = [module, str(handle), str(folder), *arguments]
        subprocess.run(
            ["/bin/sh", "-c", _DETACH, sys.executable, *command],
            pass_fds=(handle,),
            start_new_session=True,  # not killed with the terminal's Ctrl-C
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return False
    finally:
        # The child holds the same open file description, so the lock stays with it.
        os.close(handle)
    return True


def remove_if_abandoned(tree: Path) -> None:
    """Delete trash that no process is deleting; leave alone trash that one is."""
    try:
        handle = os.open(tree, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return  # gone already, or not a folder
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        _delete(tree)
    finally:
        os.close(handle)


def empty(tree: Path) -> None:
    """Delete everything in `tree` but its marker; links inside are removed, never
    followed. `tree` itself must not be a link (`write.is_ours` says so)."""
    for entry in list(os.scandir(tree)):
        if entry.name == MARKER:
            continue
        with contextlib.suppress(FileNotFoundError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)  # removes links inside, never follows them
            else:
                Path(entry.path).unlink()


def _delete(tree: Path) -> None:
    """Everything in `tree` but the marker, then the marker, then the folder."""
    try:
        empty(tree)
    except FileNotFoundError:
        return
    (tree / MARKER).unlink(missing_ok=True)
    with contextlib.suppress(FileNotFoundError):
        tree.rmdir()


def main(argv: list[str]) -> int:
    """``python -m zhuanlan.discard FD PATH``: delete PATH, whose lock is held on FD."""
    handle, tree = int(argv[0]), Path(argv[1])
    try:
        _delete(tree)
    except OSError:
        return 1  # a later build removes what is left: the lock is released on exit
    finally:
        os.close(handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
