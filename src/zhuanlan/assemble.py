"""Assembling the site model from parsed files: slugs, sections, order, collisions.

This is where files meet: an article's ``section`` must name a part of its column's
mechanism, two files must not claim one URL, and articles are put in reading order.
"""

from __future__ import annotations

import difflib
import math
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from zhuanlan.errors import Problems
from zhuanlan.feeds import FEED_URL
from zhuanlan.links import resolve_markdown_links
from zhuanlan.load import CONTENT_DIR
from zhuanlan.model import (
    HOME_URL,
    PAGE_FOLDER,
    RESERVED_TOP_LEVEL,
    Article,
    BuildOptions,
    Column,
    Site,
    SiteConfig,
    Term,
    list_page_url,
)
from zhuanlan.parse import ParsedArticle, ParsedColumn, ParsedProject
from zhuanlan.slugs import slug_from_name, slugify


def assemble_site(parsed: ParsedProject, options: BuildOptions, problems: Problems) -> Site:
    """Build the frozen site model; record problems that involve several files."""
    articles = [article for column in parsed.columns for article in column.articles]
    drafts = sum(article.meta.draft for article in articles)
    future = sum(
        not article.meta.draft and article.meta.date > options.today for article in articles
    )
    assembled = [_assemble_column(column, options, problems) for column in parsed.columns]
    # An empty column is a failure on a public site: leave it out, and say so.
    columns = [column for column in assembled if column.articles]
    empty = tuple(column.path for column in assembled if not column.articles)
    _report_collisions(
        ((column.slug, column.path) for column in columns),
        "两个专栏使用了同一个网址 {slug}/：{first} 与 {second}",
        "给其中一个专栏的 _index.md 设置不同的 slug",
        problems,
    )
    for column in columns:
        if column.slug in RESERVED_TOP_LEVEL:
            problems.add(
                column.path,
                None,
                "slug",
                f"专栏网址 {column.slug} 与站点保留目录冲突",
                "换一个 slug 或文件夹名",
            )
    ordered = _link_articles(
        sorted(columns, key=lambda column: (-column.year, column.title, column.slug)), problems
    )
    for column in ordered:
        _report_files_in_the_way(column, parsed.config, problems)
    published = [article for column in ordered for article in column.articles]
    return Site(
        parsed.config,
        tuple(ordered),
        tags=_terms("tags", published, lambda article: article.tags, problems),
        branches=_terms(
            "branch",
            published,
            lambda article: (article.branch,) if article.branch else (),
            problems,
        ),
        drafts_left_out=0 if options.drafts else drafts,
        future_left_out=0 if options.future else future,
        empty_columns=empty,
    )


def _terms(
    taxonomy: str,
    articles: list[Article],
    terms_of: Callable[[Article], tuple[str, ...]],
    problems: Problems,
) -> tuple[Term, ...]:
    """Group articles by tag or branch; two terms with one URL are an error."""
    grouped: dict[str, list[Article]] = {}
    for article in articles:
        for name in terms_of(article):
            grouped.setdefault(name, []).append(article)
    terms: list[Term] = []
    owners: dict[str, str] = {}
    for name in sorted(grouped):
        members = grouped[name]
        slug = slugify(name)
        if not slug:
            problems.add(
                members[0].path,
                None,
                taxonomy,
                f"无法为“{name}”生成网址",
                "换一个含有汉字、字母或数字的名称",
            )
            continue
        if slug in owners:
            problems.add(
                members[0].path,
                None,
                taxonomy,
                f"“{owners[slug]}”与“{name}”的网址相同（{slug}）",
                "两个名称只差标点或大小写时，请统一写法",
            )
            continue
        owners[slug] = name
        newest_first = sorted(members, key=lambda article: (-article.date.toordinal(), article.url))
        terms.append(Term(taxonomy, name, slug, tuple(article.card for article in newest_first)))
    return tuple(terms)


def _link_articles(columns: list[Column[Article]], problems: Problems) -> list[Column[Article]]:
    """Point links to Markdown files at the pages built from them (all URLs are known now)."""
    links = MarkdownLinks.of(columns, problems)
    linked = []
    for column in columns:
        articles = tuple(links.article(article) for article in column.articles)
        linked.append(
            replace(
                column,
                articles=articles,
                intro_html=links.resolve(column.intro_html, column.url, column.path),
                intro_html_from_home=links.resolve(
                    column.intro_html_from_home, HOME_URL, column.path
                ),
            )
        )
    return linked


@dataclass(frozen=True)
class LinkTargets:
    """Where links to Markdown files go: every article file's page, by site path
    (``<column slug>/<file within the column folder>``), and each column's folder."""

    pages: dict[str, str]
    folders: dict[str, str]


class MarkdownLinks:
    """Points links to Markdown files at the pages built from them; a link to a file
    that is no published article is a problem."""

    def __init__(self, targets: LinkTargets, problems: Problems) -> None:
        self.targets = targets
        self._problems = problems

    @classmethod
    def of(cls, columns: list[Column[Article]], problems: Problems) -> MarkdownLinks:
        """The links of these columns' articles."""
        pages = {
            f"{column.slug}/{_within(article.path, column.source_folder)}": article.url
            for column in columns
            for article in column.articles
        }
        folders = {column.slug: column.source_folder for column in columns}
        return cls(LinkTargets(pages, folders), problems)

    def resolve(self, html: str, page_url: str, source: str) -> str:
        """`html` of the page at `page_url`, from the file `source`, with its links to
        Markdown files pointed at their pages."""

        def missing(target: str) -> None:
            slug, _, rest = target.partition("/")
            self._problems.add(
                source,
                None,
                None,
                f"链接指向的文章不存在：{CONTENT_DIR}/{self.targets.folders.get(slug, slug)}/{rest}",
                "检查文件名；草稿（draft: true）不会发布，也不能被链接",
            )

        return resolve_markdown_links(html, page_url, self.targets.pages, missing)

    def article(self, article: Article) -> Article:
        """`article` with its body's links resolved."""
        # Most bodies link no Markdown file: keep those articles as they are (their
        # HTML is not even decoded, see `RenderedMarkdown`).
        if not (article.body.mentions(".md") or article.body.mentions(".markdown")):
            return article
        html = article.body_html
        resolved = self.resolve(html, article.url, article.path)
        return (
            article if resolved is html else replace(article, body=article.body.with_html(resolved))
        )


def _report_files_in_the_way(
    column: Column[Article], config: SiteConfig, problems: Problems
) -> None:
    """A file of the column folder published where a page or feed of the column goes
    (``index.html``, ``feed.xml``, a file named like an article's folder) would
    overwrite it, or be overwritten: an error, never a silent loss."""
    pages = math.ceil(len(column.articles) / config.page_size)
    generated = {
        column.url,
        *(list_page_url(column.url, number) for number in range(2, pages + 1)),
        *(article.url for article in column.articles),
    }
    if config.base_url:
        generated.add(f"{column.slug}/{FEED_URL}")
    folders = {posixpath.dirname(path) for path in generated}
    for asset in column.assets:
        path = f"{column.slug}/{asset}"
        if path in generated or path in folders:
            shown = path if path in generated else path + "/"
            problems.add(
                f"{CONTENT_DIR}/{column.source_folder}/{asset}",
                None,
                None,
                f"与生成的网页或订阅源同名（{shown}），发布时会互相覆盖",
                "给这个文件换个名字，或把它放进子文件夹",
            )


def _within(path: str, folder: str) -> str:
    """`path` (``content/<folder>/…``, as the load stage writes it) within `folder`."""
    prefix = f"{CONTENT_DIR}/{folder}/"
    return path[len(prefix) :] if path.startswith(prefix) else posixpath.relpath(path, prefix)


def is_published(article: ParsedArticle, options: BuildOptions) -> bool:
    """Drafts and articles dated in the future wait, unless the build asks for them."""
    if article.meta.draft and not options.drafts:
        return False
    return options.future or article.meta.date <= options.today


def _assemble_column(
    parsed: ParsedColumn, options: BuildOptions, problems: Problems
) -> Column[Article]:
    slug = parsed.meta.slug or slug_from_name(parsed.folder)
    if not slug:
        problems.add(
            parsed.path,
            None,
            "slug",
            f"无法从文件夹名 {parsed.folder} 生成网址",
            "在 _index.md 中设置 slug，例如 slug: dajuan-2023",
        )
    keys = [part.key for part in parsed.meta.mechanism]
    articles = [
        assemble_article(article, slug, keys, problems)
        for article in parsed.articles
        if is_published(article, options)
    ]
    _report_collisions(
        ((article.slug, article.path) for article in articles),
        "两篇文章使用了同一个网址 {slug}：{first} 与 {second}",
        "给其中一篇设置不同的 slug，或改文件名",
        problems,
    )
    position = {key: index for index, key in enumerate(keys)}

    def reading_order(article: Article) -> tuple[int, float, int, str]:
        if not keys:  # a plain column reads like news: newest first
            return 0, 0, -article.date.toordinal(), article.slug
        part = position.get(article.section, -1) if article.section else -1
        order = math.inf if article.order is None else article.order
        return part, order, article.date.toordinal(), article.slug

    return Column(
        path=parsed.path,
        slug=slug,
        title=parsed.meta.title,
        year=parsed.meta.year,
        subtitle=parsed.meta.subtitle,
        status=parsed.meta.status,
        mechanism=parsed.meta.mechanism,
        intro_html=parsed.intro.html,
        intro_html_from_home=parsed.intro_from_home.html,
        articles=tuple(sorted(articles, key=reading_order)),
        source_folder=parsed.folder,
        assets=parsed.assets,
    )


def assemble_article(
    parsed: ParsedArticle, column_slug: str, keys: list[str], problems: Problems
) -> Article:
    """The article of a parsed file in the column `column_slug`, whose mechanism has
    these part `keys`; its links to Markdown files are not resolved yet."""
    meta = parsed.meta
    slug = meta.slug or slug_from_name(parsed.stem)
    if slug == PAGE_FOLDER:
        problems.add(
            parsed.path,
            parsed.field_lines.get("slug"),
            "slug",
            f"文章网址不能是 {PAGE_FOLDER}：它用于文章列表的分页",
            "换一个 slug 或文件名",
        )
    if not slug:
        problems.add(
            parsed.path,
            None,
            "slug",
            f"无法从文件名 {parsed.stem} 生成网址",
            "在 front matter 中设置 slug，例如 slug: wen-zhang",
        )
    section = meta.section
    if section is not None and section not in keys:
        line = parsed.field_lines.get("section")
        if keys:
            close = difflib.get_close_matches(section, keys, n=1)
            guess = f"是不是想写 {close[0]}？" if close else ""
            hint = f"{guess}本专栏机制的 key 有：{'、'.join(keys)}"
        else:
            hint = "本专栏没有定义 mechanism；删除 section，或在 _index.md 中定义机制"
        problems.add(parsed.path, line, "section", f"专栏机制中没有 {section} 这一部分", hint)
        section = None
    return Article(
        path=parsed.path,
        column_slug=column_slug,
        slug=slug,
        title=meta.title,
        date=meta.date,
        time=meta.time,
        section=section,
        order=meta.order,
        summary=meta.summary,
        author=meta.author,
        source=meta.source,
        editor=meta.editor,
        tags=meta.tags,
        branch=meta.branch,
        draft=meta.draft,
        body=parsed.body,
        source_digest=parsed.digest,
    )


def _report_collisions(
    claims: Iterable[tuple[str, str]], message: str, hint: str, problems: Problems
) -> None:
    owners: dict[str, str] = {}
    for slug, path in claims:
        if not slug:
            continue
        if slug in owners:
            first, second = sorted((owners[slug], path))
            problems.add(
                second, None, "slug", message.format(slug=slug, first=first, second=second), hint
            )
        else:
            owners[slug] = path
