"""Checks of the source files themselves: YAML values cut by a comment, typography.

These need no built site, so they run even when the build fails. Articles the build
would leave out (drafts, future dates) are checked only with ``--drafts`` / ``--future``,
like everything else the check does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Set
from dataclasses import dataclass

from zhuanlan.check.problem import CheckProblem
from zhuanlan.check.yamlcomments import Truncation, truncated_values
from zhuanlan.frontmatter import (
    FrontMatterSyntaxError,
    UnclosedFrontMatter,
    YamlMapping,
    load_yaml,
    split_front_matter,
)
from zhuanlan.load import ProjectSources, SourceFile
from zhuanlan.model import BuildOptions
from zhuanlan.typography import lint_typography

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\b")
"""A date, possibly followed by a time (``2024-01-15 09:30``)."""


@dataclass(frozen=True)
class Document:
    """A Markdown file split into front matter and body (decoded, line endings LF)."""

    source: SourceFile
    front_matter: str | None
    """The YAML text, or None when the file has none."""
    front_matter_line: int
    body: str
    body_line: int
    """File line of the body's first line."""

    @property
    def path(self) -> str:
        return self.source.path


def documents(
    sources: ProjectSources, options: BuildOptions, published: Set[str] | None = None
) -> Iterator[Document]:
    """Every column file and every article the build would publish with `options`.

    `published` holds the source paths of the articles the build published, when it got
    that far; otherwise each article's front matter is read for draft and date. A file
    whose front matter never ends has no body to check (the build reports it).
    """
    for column in sources.columns:
        files = [column.column_file] if column.column_file else []
        for source in [*files, *column.articles]:
            document = split(source)
            if document is None:
                continue
            if source is column.column_file:
                yield document
            elif published is not None:
                if source.path in published:
                    yield document
            elif _published(document, options):
                yield document


def split(source: SourceFile) -> Document | None:
    """The file's front matter and body; None when the front matter never ends."""
    try:
        parts = split_front_matter(source.text)
    except UnclosedFrontMatter:
        return None
    return Document(
        source, parts.front_matter, parts.front_matter_line, parts.body, parts.body_line
    )


def _published(document: Document, options: BuildOptions) -> bool:
    """Whether the build would publish the article, as far as its front matter says."""
    if document.front_matter is None:
        return True
    try:
        data = load_yaml(document.front_matter, document.front_matter_line)
    except FrontMatterSyntaxError:
        return True
    if not isinstance(data, YamlMapping):
        return True
    if data.get("draft") is True and not options.drafts:
        return False
    date = data.get("date")
    if options.future or not (isinstance(date, str) and _DATE.match(date)):
        return True
    return date[:10] <= options.today.isoformat()  # ISO dates compare as strings


def source_problems(
    sources: ProjectSources, options: BuildOptions, published: Set[str] | None = None
) -> list[CheckProblem]:
    """Warnings about the sources: truncated YAML values and Chinese typography.

    `published`: the articles the build published, if it did (see `documents`).
    """
    found: list[CheckProblem] = []
    if sources.site_file is not None:
        site = sources.site_file
        found += [_truncated(site.path, cut) for cut in truncated_values(site.text)]
    for document in documents(sources, options, published):
        if document.front_matter is not None:
            found += [
                _truncated(document.path, cut)
                for cut in truncated_values(document.front_matter, document.front_matter_line)
            ]
        for finding in lint_typography(document.body, document.body_line):
            hint = finding.hint
            if finding.fixable:
                hint += "；运行 zhuanlan check --fix 可自动修正"
            found.append(
                CheckProblem(
                    document.path,
                    finding.line,
                    finding.column,
                    "warning",
                    finding.kind,
                    None,
                    finding.message,
                    hint,
                )
            )
    return found


def _truncated(path: str, cut: Truncation) -> CheckProblem:
    quote = f"如果“{cut.cut}”是值的一部分，请给整个值加引号"
    quote += f"：{cut.example}" if cut.example else ""
    return CheckProblem(
        path,
        cut.line,
        cut.column,
        "warning",
        "yaml-comment",
        cut.field,
        f"值被“#”截断：读到的是“{cut.value}”，“{cut.cut}”被当作注释忽略了",
        f"{quote}；如果它确实是注释，请把它移到单独一行",
    )
