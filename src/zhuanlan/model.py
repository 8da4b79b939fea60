"""The site model: what a built site consists of, independent of files and templates.

Everything here is frozen and does no I/O. URLs are POSIX paths relative to the site root
that always name a file (``dajuan-2023/1-goal/index.html``, never a bare folder), so that
every link can be made relative and still open its page from ``file://``. All URL rules
live in this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from zhuanlan.search.plaintext import plain_text
from zhuanlan.slugs import slugify
from zhuanlan.text import chinese_date, reading_minutes

HOME_URL = "index.html"
NOT_FOUND_URL = "404.html"
STATIC_DIR = "static"
SEARCH_URL = "search/index.html"
"""The search page; the search index lives beside it in ``search/``."""
"""Folder in the site that holds the theme's CSS, scripts and images."""


def column_url(column_slug: str) -> str:
    """Where a column's page lives."""
    return f"{column_slug}/index.html"


def article_url(column_slug: str, article_slug: str) -> str:
    """Where an article's page lives: a folder per article, so its URL reads cleanly."""
    return f"{column_slug}/{article_slug}/index.html"


PAGE_FOLDER = "page"
"""Later pages of a list live in ``<list>/page/<n>/``; no article may take this slug."""


def list_page_url(first_page_url: str, number: int) -> str:
    """Page `number` of a paginated list whose first page is `first_page_url`."""
    if number == 1:
        return first_page_url
    folder = first_page_url.removesuffix("index.html")
    return f"{folder}{PAGE_FOLDER}/{number}/index.html"


def year_url(year: int) -> str:
    """The archive page of one year."""
    return f"years/{year}/index.html"


TAXONOMY_FOLDERS = {"tags": "tags", "branch": "branches"}
"""URL folder of each taxonomy (标签, 党支部)."""

RESERVED_TOP_LEVEL = frozenset(
    {
        STATIC_DIR,
        "years",
        "search",
        *TAXONOMY_FOLDERS.values(),
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "index.html",
        "404.html",
    }
)
"""Top-level names the site itself uses; no column may take one."""


DESCRIPTION_LIMIT = 120
"""Longest description made from a text (meta tags), in characters."""

# Footnotes are not part of what a description says: neither the markers nor the notes.
_FOOTNOTE_REF = re.compile(r"<sup\b[^>]*>\s*<a\b[^>]*\bfootnote-ref\b[^>]*>.*?</a>\s*</sup>", re.S)
_FOOTNOTES = re.compile(r"<div\b[^>]*\bclass=\"footnote\"[^>]*>.*", re.S)
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)]*|\n")


def body_text(html: str) -> str:
    """The plain text of a rendered body, without footnotes; one line per block."""
    return plain_text(_FOOTNOTES.sub("", _FOOTNOTE_REF.sub("", html)))


def first_sentence(text: str) -> str:
    """Up to the first sentence-ending punctuation (。！？) or the end of the first block."""
    match = _SENTENCE_END.search(text)
    return text[: match.end()].strip() if match else text


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str | None:
    """`text` on one line, cut to at most `limit` characters (ending in …); None if empty."""
    text = " ".join(text.split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class BuildOptions:
    """What a build publishes."""

    today: dt.date
    """Articles dated after this day are not published yet."""
    drafts: bool = False
    """Publish articles marked ``draft: true`` too (for previews)."""
    future: bool = False
    """Publish articles dated after `today` too (for previews)."""


@dataclass(frozen=True)
class Institution:
    """The publishing institution's details, shown in the footer only when configured."""

    host: str | None = None
    """主办单位."""
    operator: str | None = None
    """承办单位."""
    address: str | None = None
    """联系地址."""
    phone: str | None = None
    """联系电话."""
    email: str | None = None
    """电子邮箱."""
    icp: str | None = None
    """ICP备案号, e.g. 陇ICP备12345678号; linked to the MIIT filing site."""
    police_record: str | None = None
    """公安机关备案号, e.g. 甘公网安备 62070202000001号."""
    site_code: str | None = None
    """网站标识码 of government sites."""

    @property
    def police_record_code(self) -> str | None:
        """The digits of the 公安备案号, which the national filing site's link needs."""
        if not self.police_record:
            return None
        digits = re.sub(r"\D", "", self.police_record)
        return digits or None

    @property
    def is_empty(self) -> bool:
        """Whether nothing at all is configured."""
        return not any(vars(self).values())


@dataclass(frozen=True)
class SiteConfig:
    """Site-wide settings from ``content/site.yml``."""

    title: str
    """The site's name, shown in the header and in every page title."""
    subtitle: str | None = None
    """A line under the title."""
    language: str = "zh-CN"
    """The ``lang`` of every page."""
    base_url: str | None = None
    """Absolute URL where the site is published, ending in ``/``; optional."""
    institution: Institution = field(default_factory=Institution)
    """Footer details."""
    page_size: int = 20
    """Articles per page in column, tag and branch lists."""
    search: bool = True
    """Whether the site has full-text search (the box, the page and the index)."""

    @property
    def domain(self) -> str | None:
        """The host name of `base_url` (www.example.gov.cn), for the SiteDomain meta tag."""
        return urlsplit(self.base_url).hostname if self.base_url else None


@dataclass(frozen=True)
class MechanismPart:
    """One part of a column's mechanism, e.g. 明确“1”个目标 · 铆定努力方向."""

    key: str
    """Identifier that articles use in their ``section`` field."""
    digit: str
    """The digit this part contributes to the mechanism's name ("1" of "13355")."""
    label: str
    """明确“1”个目标."""
    motto: str | None
    """铆定努力方向."""


@dataclass(frozen=True)
class Heading:
    """A heading inside an article body, for the in-page table of contents."""

    level: int
    """2 for ``##``; the article title is the page's only level-1 heading."""
    anchor: str
    """The ``id``: the heading's own Chinese text, made unique within the page."""
    text: str
    """Plain text of the heading."""


class RenderedMarkdown:
    """The result of rendering one Markdown text: HTML, headings, reading units.

    It may hold the HTML as UTF-8 bytes, decoded each time the HTML is asked for: the
    parse cache is loaded so (see `cache.py`), since a rebuild after an edit loads
    10,000 parsed bodies and shows a few of them (decoding them all took 0.1 s).
    Otherwise it is decoded when unpickled: for Chinese, a str takes two bytes a
    character, UTF-8 three.
    """

    __slots__ = ("_html", "headings", "reading_units")

    def __init__(self, html: str | bytes, headings: tuple[Heading, ...], reading_units: int):
        self._html = html
        self.headings = headings
        self.reading_units = reading_units

    @property
    def html(self) -> str:
        """The rendered, sanitized HTML."""
        html = self._html
        return html if isinstance(html, str) else html.decode("utf-8", "surrogatepass")

    def mentions(self, text: str) -> bool:
        """Whether `text` (ASCII) occurs in the HTML, without decoding it."""
        html = self._html
        if isinstance(html, str):
            return text in html
        return text.encode("ascii") in html

    def with_html(self, html: str) -> RenderedMarkdown:
        """The same headings and reading units with another HTML."""
        return RenderedMarkdown(html, self.headings, self.reading_units)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RenderedMarkdown):
            return NotImplemented
        if type(self._html) is type(other._html):
            same_html = self._html == other._html
        else:
            same_html = self._utf8() == other._utf8()
        return same_html and (self.headings, self.reading_units) == (
            other.headings,
            other.reading_units,
        )

    def __hash__(self) -> int:
        return hash((self._utf8(), self.headings, self.reading_units))

    def __repr__(self) -> str:
        return f"RenderedMarkdown({self.html!r}, {self.headings!r}, {self.reading_units!r})"

    def _utf8(self) -> bytes:
        html = self._html
        return html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html

    def __reduce__(self) -> tuple[Callable[..., RenderedMarkdown], tuple[object, ...]]:
        # Pickled with the HTML as UTF-8 bytes. Pickling a str itself makes CPython keep
        # a UTF-8 copy inside the str for as long as it lives, and these texts live in
        # the site model for the whole build: 54 MB at 10,000 articles, for nothing.
        return rendered_from_utf8, (self._utf8(), self.headings, self.reading_units)


def rendered_from_utf8(
    html: bytes, headings: tuple[Heading, ...], reading_units: int
) -> RenderedMarkdown:
    """A pickled `RenderedMarkdown`, its HTML decoded."""
    return RenderedMarkdown(html.decode("utf-8", "surrogatepass"), headings, reading_units)


@dataclass(frozen=True)
class Article:
    """One published article of a column."""

    path: str
    """Source file, relative to the project root."""
    column_slug: str
    """Slug of the column it belongs to."""
    slug: str
    """Last URL segment; unique within the column."""
    title: str
    """Title, plain text (escaped by the templates)."""
    date: dt.date
    """Publication date."""
    time: dt.time | None
    """Publication time of day, only when the front matter gives one (never made up)."""
    section: str | None
    """Key of the mechanism part it belongs to, or None for a column-level article."""
    order: int | None
    """Position within its section; articles without order follow, by date."""
    summary: str | None
    """One-sentence summary for lists."""
    author: str | None
    """作者."""
    source: str | None
    """来源: the publishing body."""
    editor: str | None
    """责任编辑."""
    tags: tuple[str, ...]
    """标签."""
    branch: str | None
    """党支部 that the article is about or written by."""
    draft: bool
    """Drafts are left out of a normal build."""
    body: RenderedMarkdown
    """The rendered, sanitized body; relative links already point from the article page."""
    source_digest: str
    """A hash of the source file's text: the body's text (not its links) follows from it."""

    @cached_property
    def url(self) -> str:
        """Where the article's page lives (asked for tens of times per article)."""
        return article_url(self.column_slug, self.slug)

    @property
    def body_html(self) -> str:
        """The body's HTML."""
        return self.body.html

    @property
    def headings(self) -> tuple[Heading, ...]:
        """Headings of the body, in order."""
        return self.body.headings

    @property
    def reading_units(self) -> int:
        """Characters (and Latin words) to read, for the reading-time estimate."""
        return self.body.reading_units

    @property
    def date_text(self) -> str:
        """发布日期 as 2024年1月15日."""
        return chinese_date(self.date)

    @property
    def date_time_text(self) -> str:
        """发布日期 as the article page shows it: 2024年1月15日, or 2024年1月15日 09:30."""
        if self.time is None:
            return self.date_text
        return f"{self.date_text} {self.time:%H:%M}"

    @property
    def datetime_value(self) -> str:
        """The ``datetime`` of the page's ``<time>``: 2024-01-15, or 2024-01-15T09:30."""
        if self.time is None:
            return self.date.isoformat()
        return f"{self.date.isoformat()}T{self.time:%H:%M}"

    @property
    def pub_date(self) -> str:
        """The PubDate meta tag: 2024-01-15 09:30, or just 2024-01-15 when no time is given."""
        if self.time is None:
            return self.date.isoformat()
        return f"{self.date.isoformat()} {self.time:%H:%M}"

    @cached_property
    def description(self) -> str | None:
        """For the Description meta tag: the summary, else the start of the body's text."""
        return self.summary or shorten(body_text(self.body_html))

    @property
    def reading_minutes(self) -> int:
        """Estimated reading time, in whole minutes."""
        return reading_minutes(self.reading_units)

    @cached_property
    def card(self) -> ArticleCard:
        """The article as lists show it (one object, shared by every list)."""
        return ArticleCard(
            self.url, self.title, self.date, self.summary, self.section, self.column_slug
        )

    @property
    def has_toc(self) -> bool:
        """An in-page table of contents is shown from three headings on."""
        return len(self.headings) >= 3


@dataclass(frozen=True)
class ArticleCard:
    """What a list shows of an article. Without the body, so that a list page (a tag's,
    a branch's) need not be rendered again when only an article's body changed."""

    url: str
    title: str
    date: dt.date
    summary: str | None
    section: str | None
    column_slug: str

    @property
    def date_text(self) -> str:
        """发布日期 as 2024年1月15日."""
        return chinese_date(self.date)


Listed = TypeVar("Listed", "Article", "ArticleCard")
"""What a column holds: its whole articles, or only their cards (`Column.listed`)."""


@dataclass(frozen=True)
class Column(Generic[Listed]):
    """A 专栏: an introduction, an optional mechanism, and its articles."""

    path: str
    """The column file, relative to the project root."""
    slug: str
    """URL segment of the column."""
    title: str
    """答卷·2023 党建篇."""
    year: int
    """The year the column reports on; the home page lists newest first."""
    subtitle: str | None
    """A line under the title."""
    status: str
    """``active`` or ``archived``."""
    mechanism: tuple[MechanismPart, ...]
    """The parts, in order; empty for a plain column."""
    intro_html: str
    """The introduction as shown on the column's page."""
    intro_html_from_home: str
    """The same, with relative links pointing from the home page."""
    articles: tuple[Listed, ...]
    """Published articles in reading order: column-level first, then part by part."""
    source_folder: str
    """The column's folder under ``content/``."""
    assets: tuple[str, ...]
    """Images and attachments, relative to the column folder; copied under the column URL."""

    @property
    def url(self) -> str:
        """Where the column's page lives."""
        return column_url(self.slug)

    @property
    def is_archived(self) -> bool:
        """An archived column no longer gets new articles; its pages say so."""
        return self.status == "archived"

    @property
    def archive_notice(self) -> str:
        """The notice shown on every page of an archived column."""
        return f"本专题为 {self.year} 年度历史专题，已停止更新"

    @cached_property
    def description(self) -> str | None:
        """For the ColumnDescription meta tag: the subtitle, else the introduction's first
        sentence (at most `DESCRIPTION_LIMIT` characters); None when there is neither."""
        if self.subtitle:
            return self.subtitle
        text = body_text(self.intro_html)
        return shorten(first_sentence(text)) if text else None

    @property
    def mechanism_name(self) -> str:
        """The digits of the mechanism, e.g. 13355."""
        return "".join(part.digit for part in self.mechanism)

    def part(self, key: str | None) -> MechanismPart | None:
        """The mechanism part with this key, if any."""
        return self._parts.get(key) if key is not None else None

    def lead_article(self, key: str) -> Listed | None:
        """The first article of a mechanism part: where the part's link goes."""
        return self._lead_articles.get(key)

    def neighbours(self, url: str) -> tuple[Listed | None, Listed | None]:
        """The articles before and after the one at `url`, in reading order across the
        whole column."""
        index = self._positions[url]
        previous = self.articles[index - 1] if index > 0 else None
        following = self.articles[index + 1] if index + 1 < len(self.articles) else None
        return previous, following

    def listed(self: Column[Article]) -> Column[ArticleCard]:
        """The column as a page that lists it sees it: every article as its card.

        Home, year, column and article pages are given this, not the articles
        themselves, so that editing one article's body re-renders only its own page:
        what a page is given is all it can show.
        """
        values: dict[str, Any] = {name.name: getattr(self, name.name) for name in fields(self)}
        values["articles"] = tuple(article.card for article in self.articles)
        return Column(**values)

    # Derived lookups, computed once: every article page asks them for every part.
    @cached_property
    def _lead_articles(self) -> dict[str, Listed]:
        leads: dict[str, Listed] = {}
        for article in self.articles:
            if article.section is not None:
                leads.setdefault(article.section, article)
        return leads

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {article.url: index for index, article in enumerate(self.articles)}

    @cached_property
    def _parts(self) -> dict[str, MechanismPart]:
        # The first part with a key, as a search in order would find (keys are unique).
        return {part.key: part for part in reversed(self.mechanism)}


@dataclass(frozen=True)
class Term:
    """One tag (标签) or party branch (党支部), with the articles that carry it."""

    taxonomy: str
    """``tags`` or ``branch``: the front-matter field it comes from."""
    name: str
    """The term as written, e.g. 队伍建设."""
    slug: str
    """Its URL segment, in pinyin."""
    articles: tuple[ArticleCard, ...]
    """Newest first."""

    @property
    def url(self) -> str:
        """The term's page."""
        return term_url(self.taxonomy, self.name)


def taxonomy_url(taxonomy: str) -> str:
    """The index page of a taxonomy, listing every term."""
    return f"{TAXONOMY_FOLDERS[taxonomy]}/index.html"


def term_url(taxonomy: str, name: str) -> str:
    """The page of one term, from its name alone (so an article page needs nothing else)."""
    return f"{TAXONOMY_FOLDERS[taxonomy]}/{slugify(name)}/index.html"


@dataclass(frozen=True)
class Site:
    """Everything that gets rendered."""

    config: SiteConfig
    """Site-wide settings."""
    columns: tuple[Column[Article], ...]
    """Columns, newest year first, then by title."""
    tags: tuple[Term, ...] = ()
    """Every tag in use, by name."""
    branches: tuple[Term, ...] = ()
    """Every party branch in use, by name."""
    drafts_left_out: int = 0
    """Articles not published because they are drafts."""
    future_left_out: int = 0
    """Articles not published yet because they are dated after the build's day."""
    empty_columns: tuple[str, ...] = ()
    """Column files of columns left out because they have no published article."""

    @property
    def years(self) -> tuple[int, ...]:
        """Years that have columns, newest first."""
        return tuple(sorted({column.year for column in self.columns}, reverse=True))

    def columns_of(self, year: int) -> tuple[Column[Article], ...]:
        """The columns of one year."""
        return tuple(column for column in self.columns if column.year == year)


@dataclass(frozen=True)
class SiteSummary:
    """The few numbers a build reports about a site (kept by the cache between runs)."""

    columns: int
    articles: int
    drafts_left_out: int
    future_left_out: int
    empty_columns: tuple[str, ...]
    has_base_url: bool

    @classmethod
    def of(cls, site: Site) -> SiteSummary:
        """Summarise a site."""
        return cls(
            columns=len(site.columns),
            articles=sum(len(column.articles) for column in site.columns),
            drafts_left_out=site.drafts_left_out,
            future_left_out=site.future_left_out,
            empty_columns=site.empty_columns,
            has_base_url=site.config.base_url is not None,
        )
