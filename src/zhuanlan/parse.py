"""Parsing: decoded text in, checked front matter and rendered Markdown out.

Each file is parsed on its own, with no knowledge of the others, so that the work can be
spread over processes; relations between files (sections, slugs, order) are the assemble
stage's business. Problems are recorded, never raised, so every file is looked at.
"""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from zhuanlan.errors import Problem, Problems
from zhuanlan.frontmatter import (
    FrontMatterSyntaxError,
    UnclosedFrontMatter,
    YamlMapping,
    load_yaml,
    split_front_matter,
)
from zhuanlan.load import CONTENT_DIR, ColumnSources, ProjectSources, SourceFile
from zhuanlan.markup import MarkdownRefused, render_markdown
from zhuanlan.model import RenderedMarkdown, SiteConfig
from zhuanlan.parallel import MINIMUM_BATCH, Standby, in_child, map_parallel
from zhuanlan.schema import (
    ArticleFrontMatter,
    ColumnFrontMatter,
    check_article,
    check_column,
    check_site,
)
from zhuanlan.slugs import (
    needs_pinyin,
    prepare_pinyin,
    remember_slugs,
    slug_from_name,
    slugify,
    spell_names,
)

T = TypeVar("T")


@dataclass(frozen=True)
class ParsedArticle:
    """An article whose front matter passed the schema and whose body rendered."""

    path: str
    """Source file, relative to the project root."""
    stem: str
    """File name without extension: the default slug."""
    meta: ArticleFrontMatter
    """Checked front matter."""
    body: RenderedMarkdown
    """Rendered body, relative links already pointing from the article's page."""
    digest: str
    """The source file's digest (`SourceFile.digest`)."""
    field_lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each front-matter field, for problems found later."""


@dataclass(frozen=True)
class ParsedColumn:
    """A column file and its articles, parsed."""

    path: str
    """The column file, relative to the project root."""
    folder: str
    """The column's folder name under ``content/``."""
    meta: ColumnFrontMatter
    """Checked front matter."""
    intro: RenderedMarkdown
    """The introduction as it appears on the column's own page."""
    intro_from_home: RenderedMarkdown
    """The same introduction with relative links pointing from the home page."""
    articles: tuple[ParsedArticle, ...]
    """Articles that parsed cleanly."""
    assets: tuple[str, ...]
    """Files to copy, relative to the column folder."""
    field_lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each front-matter field."""


@dataclass(frozen=True)
class ParsedProject:
    """The output of the parse stage."""

    config: SiteConfig
    columns: tuple[ParsedColumn, ...]


class ParseCache:
    """Parsed files kept between builds of one process (the preview server).

    A file is parsed again only when its text changes: the key holds a hash of the text,
    and everything a file's parse depends on besides its text is in the key too. The
    problems a file had are kept with it, so a cached file reports them again. Between
    runs of ``zhuanlan build`` it is kept on disk (see `cache.py`).
    """

    def __init__(self) -> None:
        self._results: dict[tuple[str, ...], tuple[Any, tuple[Problem, ...]]] = {}
        self._used: set[tuple[str, ...]] = set()
        self.hits = 0
        """Files taken from the cache in the last build."""
        self.changed = False
        """Whether the last build added or dropped entries (worth saving again)."""

    def parse(self, key: tuple[str, ...], problems: Problems, parse: Callable[[Problems], T]) -> T:
        """The result of `parse` for this key, computed once; its problems recorded again."""
        entry = self._results.get(key)
        if entry is None:
            found = Problems()
            entry = (parse(found), tuple(found))
            self._results[key] = entry
            self.changed = True
        else:
            self.hits += 1
        self._used.add(key)
        problems.extend(entry[1])
        result: T = entry[0]
        return result

    def parse_article(self, source: SourceFile, problems: Problems) -> ParsedArticle | None:
        """`parse_article` of `source`, kept under the key of its text."""
        return self.parse(_article_key(source), problems, partial(parse_article, source))

    def __contains__(self, key: tuple[str, ...]) -> bool:
        return key in self._results

    def store(self, key: tuple[str, ...], result: Any, problems: tuple[Problem, ...]) -> None:
        """Keep a result computed elsewhere (in a worker process)."""
        self._results[key] = (result, problems)
        self.changed = True

    def start_build(self) -> None:
        """Drop what the previous build did not use (deleted or edited files)."""
        if self._used:
            self._results = {key: self._results[key] for key in self._used}
        self._used = set()
        self.hits = 0
        self.changed = False

    def finish_build(self) -> None:
        """Forget entries this build did not use, so the cache does not grow forever."""
        if len(self._used) != len(self._results):
            self._results = {key: self._results[key] for key in self._used}
            self.changed = True

    def entries(self) -> dict[tuple[str, ...], tuple[Any, tuple[Problem, ...]]]:
        """Everything kept, for saving."""
        return self._results

    @classmethod
    def from_entries(
        cls, entries: dict[tuple[str, ...], tuple[Any, tuple[Problem, ...]]]
    ) -> ParseCache:
        """A cache holding saved entries."""
        cache = cls()
        cache._results = entries
        return cache


def _article_key(source: SourceFile) -> tuple[str, ...]:
    return ("article", source.path, source.digest)


def _parse_alone(source: SourceFile) -> tuple[ParsedArticle | None, tuple[Problem, ...]]:
    """Parse one article with problems of its own (what a worker process does)."""
    problems = Problems()
    return parse_article(source, problems), tuple(problems)


def parse_project(
    sources: ProjectSources, problems: Problems, cache: ParseCache | None = None
) -> ParsedProject:
    """Parse site settings, column files and articles; record every problem.

    Articles not in the cache are parsed first, all together, over every core.
    """
    cache = cache if cache is not None else ParseCache()
    cache.start_build()
    missing = [
        source
        for column in sources.columns
        for source in column.articles
        if _article_key(source) not in cache
    ]
    # Names are spelled in pinyin once the files are parsed, in a child (see
    # `_spell_names`): when many are parsed, it is forked now and imports pypinyin
    # meanwhile, which took a quarter of a second after them.
    speller = Standby(
        spell_names,
        needed=len(missing) >= MINIMUM_BATCH and "pypinyin" not in sys.modules,
        prepare=prepare_pinyin,
    )
    try:
        for source, (result, found) in zip(
            missing, map_parallel(_parse_alone, missing), strict=True
        ):
            cache.store(_article_key(source), result, found)
        config = _parse_site(sources.site_file, problems)
        columns = []
        for column in sources.columns:
            parsed = _parse_column(column, problems, cache)
            if parsed is not None:
                columns.append(parsed)
        _spell_names(columns, cache, speller)
    finally:
        speller.close()
    cache.finish_build()
    return ParsedProject(config, tuple(columns))


def _spell_names(
    columns: list[ParsedColumn], cache: ParseCache, speller: Standby[list[str]]
) -> None:
    """Spell the Chinese tags, branches and file names in pinyin for their URLs.

    In a child process, the `speller` if it has one (see `slugs.remember_slugs`:
    pypinyin takes 55 MB), and kept in the cache, so that a rebuild spells only new
    names.
    """
    names = sorted(
        {
            name
            for column in columns
            for article in column.articles
            for name in (*article.meta.tags, article.meta.branch or "", article.stem)
            if needs_pinyin(name)
        }
    )
    missing = [name for name in names if ("pinyin", name) not in cache]
    if missing and "pypinyin" not in sys.modules:
        spelled = speller.call(missing, otherwise=partial(in_child, spell_names))
        for name, slug in zip(missing, spelled, strict=True):
            cache.store(("pinyin", name), slug, ())
    remember_slugs(
        {
            name: cache.parse(("pinyin", name), Problems(), partial(_spell_here, name))
            for name in names
        }
    )


def _spell_here(name: str, problems: Problems) -> str:
    return slugify(name)


def _parse_site(source: SourceFile | None, problems: Problems) -> SiteConfig:
    path = f"{CONTENT_DIR}/site.yml"
    if source is None:
        problems.add(
            path,
            None,
            None,
            "缺少站点配置文件",
            "新建 content/site.yml，至少写一行 title: 站点名称",
        )
        return SiteConfig(title="")
    try:
        data = load_yaml(source.text)
    except FrontMatterSyntaxError as error:
        problems.add(path, error.line, error.field, error.message, error.hint)
        return SiteConfig(title="")
    if not isinstance(data, YamlMapping):
        problems.add(path, 1, None, "site.yml 应为“字段: 值”形式的键值对", "例如 title: 党建专栏")
        return SiteConfig(title="")
    return check_site(data, path, problems)


def _parse_column(
    sources: ColumnSources, problems: Problems, cache: ParseCache
) -> ParsedColumn | None:
    articles = tuple(
        article
        for source in sources.articles
        if (article := cache.parse_article(source, problems)) is not None
    )
    if sources.column_file is None:
        return None
    source = sources.column_file
    column_file = cache.parse(
        ("column", source.path, source.digest, sources.folder),
        problems,
        partial(_parse_column_file, source, sources.folder),
    )
    if column_file is None:
        return None
    meta, intro, intro_from_home, lines = column_file
    return ParsedColumn(
        source.path,
        sources.folder,
        meta,
        intro,
        intro_from_home,
        articles,
        sources.assets,
        lines,
    )


def _parse_column_file(
    source: SourceFile, folder: str, problems: Problems
) -> tuple[ColumnFrontMatter, RenderedMarkdown, RenderedMarkdown, Mapping[str, int]] | None:
    front = _front_matter(source, problems)
    if front is None:
        return None
    data, line, body = front
    meta = check_column(data, source.path, line, problems)
    try:
        intro = render_markdown(body)
        slug = meta.slug or slug_from_name(folder)
        intro_from_home = render_markdown(body, link_prefix=f"{slug}/")
    except MarkdownRefused as refused:
        problems.add(source.path, None, None, str(refused), "检查该文件中异常的括号或缩进")
        return None
    return meta, intro, intro_from_home, data.lines


def parse_article(source: SourceFile, problems: Problems) -> ParsedArticle | None:
    """Parse one article; None (with problems recorded) when it cannot be used."""
    front = _front_matter(source, problems)
    if front is None:
        return None
    data, line, body = front
    meta = check_article(data, source.path, line, problems)
    # The page sits in a folder of its own next to the source file: one level deeper.
    folder = posixpath.dirname(source.path).split("/", 2)[2:]
    prefix = "../" + (folder[0] + "/" if folder else "")
    try:
        rendered = render_markdown(body, link_prefix=prefix)
    except MarkdownRefused as refused:
        problems.add(source.path, None, None, str(refused), "检查该文件中异常的括号或缩进")
        return None
    if meta is None:
        return None
    stem = posixpath.splitext(posixpath.basename(source.path))[0]
    return ParsedArticle(source.path, stem, meta, rendered, source.digest, data.lines)


def _front_matter(source: SourceFile, problems: Problems) -> tuple[YamlMapping, int, str] | None:
    """The front matter mapping, the line its fields are reported at, and the body."""
    try:
        document = split_front_matter(source.text)
    except UnclosedFrontMatter:
        problems.add(source.path, 1, None, "front matter 没有结束标记", "在字段之后另起一行写 ---")
        return None
    if document.front_matter is None:
        problems.add(
            source.path,
            1,
            None,
            "缺少 front matter",
            "文件开头写 ---，下面逐行写 title: 标题 和 date: 2024-01-15，再写一行 ---",
        )
        return None
    try:
        data = load_yaml(document.front_matter, first_line=document.front_matter_line)
    except FrontMatterSyntaxError as error:
        problems.add(source.path, error.line, error.field, error.message, error.hint)
        return None
    if data is None:
        data = YamlMapping()
    if not isinstance(data, YamlMapping):
        problems.add(
            source.path, 2, None, "front matter 应为“字段: 值”形式的键值对", "例如 title: 标题"
        )
        return None
    return data, document.front_matter_line, document.body
