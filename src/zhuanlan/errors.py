"""Problems found in the user's input, and the exceptions that carry them.

A build never stops at the first problem: every stage collects `Problem`s and the build
raises one `ContentError` holding all of them, so the user fixes everything in one pass.
Each problem knows how to present itself: path and line first, then the field, the
message in Chinese, and a hint.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    """The file, relative to the project root, in POSIX form (``content/a/b.md``)."""
    line: int | None
    """1-based line in that file, when the problem has one."""
    field: str | None
    """The front-matter or configuration field concerned, if any."""
    message: str
    """What is wrong, in Chinese."""
    hint: str | None = None
    """How to fix it, in Chinese."""

    def location(self) -> str:
        """``path:line`` (or just the path when there is no line)."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        """The problem as the CLI prints it: one headline, then an indented hint."""
        field = f" {self.field}：" if self.field else " "
        text = f"{self.location()}:{field}{self.message}"
        if self.hint:
            text += f"\n    提示：{self.hint}"
        return text


class ContentError(Exception):
    """The content could not be built; carries every problem found (exit status 1)."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s)")

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)


class UsageError(Exception):
    """The command was asked to do something it must refuse (exit status 2)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


class Problems:
    """A collector that stages append to; raises once at the end of a stage."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(
        self,
        path: str | Path,
        line: int | None,
        field: str | None,
        message: str,
        hint: str | None = None,
    ) -> None:
        """Record one problem."""
        self._items.append(Problem(str(path), line, field, message, hint))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record problems found elsewhere (for example in a worker)."""
        self._items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)

    def raise_if_any(self) -> None:
        """Stop the build if anything was recorded."""
        if self._items:
            raise ContentError(self._items)
