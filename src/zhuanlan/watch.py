"""Watching the project for edits, by polling.

Polling needs no dependency and works everywhere editors keep files: local disks, network
shares, containers and virtual machines, where change notifications are often missing.
A burst of saves (an editor writing a backup, a temporary file, then renaming it over
the original) is coalesced: changes are reported only once the folders have been quiet
for a moment, and editor clutter (``.swp``, ``~``, ``4913``) is never looked at.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zhuanlan.load import is_ignored

State = dict[str, tuple[int, int]]
"""Path → (modification time in ns, size) of every watched file."""


@dataclass(frozen=True)
class Change:
    """One file that was added, modified or deleted."""

    kind: str
    """``added``, ``modified`` or ``deleted``."""
    path: str
    """The file, relative to the project root when inside it."""


class Watcher:
    """Reports what changed in some folders since the last report."""

    def __init__(
        self, root: Path, folders: Iterable[Path], interval: float = 0.2, quiet: float = 0.1
    ) -> None:
        self.root = root
        self.folders = list(folders)
        self.interval = interval
        self.quiet = quiet
        self.state = self.scan()

    def scan(self) -> State:
        """The current state of every watched file."""
        state: State = {}
        for folder in self.folders:
            _scan(folder, state)
        return state

    def wait(self, stop: threading.Event) -> list[Change]:
        """Block until something changed and then settled; empty when `stop` was set."""
        while not stop.wait(self.interval):
            current = self.scan()
            if current == self.state:
                continue
            # Let a burst of saves finish before reporting it as one change.
            while not stop.wait(self.quiet):
                settled = self.scan()
                if settled == current:
                    break
                current = settled
            changes = self._difference(self.state, current)
            self.state = current
            if changes:
                return changes
        return []

    def _difference(self, before: State, after: State) -> list[Change]:
        changes = [Change("deleted", path) for path in before.keys() - after.keys()]
        changes += [Change("added", path) for path in after.keys() - before.keys()]
        changes += [
            Change("modified", path)
            for path in before.keys() & after.keys()
            if before[path] != after[path]
        ]
        return sorted((Change(c.kind, self._display(c.path)) for c in changes), key=_order)

    def _display(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return path


def _order(change: Change) -> tuple[str, str]:
    return change.path, change.kind


def _scan(folder: Path, state: State) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:  # deleted or unreadable while we looked: its files count as gone
        return
    for entry in entries:
        if is_ignored(entry.name):
            continue
        try:
            if entry.is_dir():
                _scan(Path(entry.path), state)
            elif entry.is_file():
                status = entry.stat()
                state[entry.path] = (status.st_mtime_ns, status.st_size)
        except OSError:
            continue


def describe(changes: list[Change]) -> str:
    """``content/a.md 已修改`` or ``content/a.md 等 3 个文件已修改``, for the log line."""
    words = {"added": "已新增", "modified": "已修改", "deleted": "已删除"}
    first = changes[0]
    if len(changes) == 1:
        return f"{first.path} {words[first.kind]}"
    kinds = {change.kind for change in changes}
    verb = words[first.kind] if len(kinds) == 1 else "有改动"
    return f"{first.path} 等 {len(changes)} 个文件{verb}"
