"""One problem the check found: an error (the site is wrong) or a warning (it could be
better), located in a source file as precisely as possible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from zhuanlan.errors import Problem

Severity = Literal["error", "warning"]

CONTENT = "content"
"""Kind of the problems a build reports (front matter, schema, encoding, templates)."""


@dataclass(frozen=True)
class CheckProblem:
    """One finding, ready to be printed or serialised."""

    path: str
    """The file, relative to the project root (``site/…`` for a page made by a template)."""
    line: int | None
    """1-based line in that file, when known."""
    column: int | None
    """1-based column in code points, when known."""
    severity: Severity
    kind: str
    """What sort of problem: ``broken-link``, ``missing-alt``, ``ascii-punctuation``…"""
    field: str | None
    """The front-matter field concerned, if any."""
    message: str
    """What is wrong, in Chinese."""
    hint: str | None = None
    """How to fix it, in Chinese."""

    @classmethod
    def from_build(cls, problem: Problem) -> CheckProblem:
        """A problem exactly as the build reports it, as an error."""
        return cls(
            problem.path,
            problem.line,
            None,
            "error",
            CONTENT,
            problem.field,
            problem.message,
            problem.hint,
        )

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        """By file, then place in the file (file-wide problems first), errors first."""
        return (
            self.path,
            self.line or 0,
            self.column or 0,
            0 if self.severity == "error" else 1,
            self.kind,
            self.message,
        )

    def as_json(self) -> dict[str, object]:
        """The problem as one object of ``--format json``."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "kind": self.kind,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


def ordered(problems: list[CheckProblem]) -> list[CheckProblem]:
    """In reading order, each problem once (the same link seen on two pages is one)."""
    unique: dict[tuple[object, ...], CheckProblem] = {}
    for problem in problems:
        key = (problem.path, problem.line, problem.column, problem.kind, problem.message)
        unique.setdefault(key, problem)
    return sorted(unique.values(), key=CheckProblem.sort_key)
