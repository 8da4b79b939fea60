"""Rendering: the site model in, the bytes of every output file out (nothing written).

Templates are Jinja2 with autoescape on and undefined variables as errors, so a typo in
a template fails the build instead of printing nothing. A project's own ``templates/``
overrides the built-in theme file by file. Every link is made relative to the page it
appears on (the ``url`` filter), so one ``site/`` works at a domain root, under any
sub-path and from ``file://``.
"""

from __future__ import annotations

import posixpath
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
from markupsafe import Markup

from zhuanlan.errors import ContentError, Problem
from zhuanlan.feeds import FEED_URL, absolute, machine_readable_outputs
from zhuanlan.load import CONTENT_DIR
from zhuanlan.model import (
    HOME_URL,
    NOT_FOUND_URL,
    SEARCH_URL,
    STATIC_DIR,
    Article,
    ArticleCard,
    Column,
    Site,
    SiteConfig,
    list_page_url,
    taxonomy_url,
    term_url,
    year_url,
)
from zhuanlan.output import OutputFile, mark_unchanged
from zhuanlan.theme import TEMPLATES_DIR, fingerprint_of, template_dirs

# The search index (and NumPy) is imported where it is made: a build that patches pages
# (see `zhuanlan.patch`) leaves it to a child.
if TYPE_CHECKING:
    from zhuanlan.search.index import SearchCache

STYLESHEET = f"{STATIC_DIR}/zhuanlan.css"
SCRIPT = f"{STATIC_DIR}/zhuanlan.js"
SEARCH_SCRIPT = f"{STATIC_DIR}/search.js"


@dataclass(frozen=True)
class NavLink:
    """One entry of the header navigation: a column."""

    title: str
    url: str
    slug: str


@dataclass
class RenderCache:
    """What the previous render saw, so that a rebuild renders only what changed.

    Templates only see what each page is given, so the rule is exact. Every page depends
    on the theme, the site settings and the header navigation; besides, a column's pages
    on that column with its article cards, an article's page on that and the article,
    the home and year pages on every column's cards, a tag's or branch's pages on its
    terms' article cards and the column titles.
    """

    theme: tuple[tuple[str, int, int], ...] = ()
    config: SiteConfig | None = None
    nav: tuple[NavLink, ...] = ()
    listings: dict[str, Column[ArticleCard]] = field(default_factory=dict)
    """Each column as the pages that list it saw it, by slug."""
    articles: dict[str, Article] = field(default_factory=dict)
    """Every article, by URL."""
    taxonomies: dict[Dependency, object] = field(default_factory=dict)
    """What each taxonomy page showed: its terms (an index) or one term's cards."""
    rendered: int = 0
    """Pages rendered by the last build (the others were unchanged)."""
    search: SearchCache = field(default_factory=lambda: _search_cache())
    """The search index's chunks, re-indexed only where articles changed."""
    environment: jinja2.Environment | None = None
    """The templates, loaded for `theme`: used again only while every template file's
    name, size and time are the same (it never checks them itself). One environment,
    not one a rebuild: each sits in reference cycles with its templates."""
    written: dict[str, str] = field(default_factory=dict)
    """A hash of each file besides pages that the last build wrote."""


class Renderer:
    """Renders the pages of one site with one set of templates, page by page.

    Pages are numbered so that a build can hand ranges of them to worker processes.
    """

    def __init__(
        self, site: Site, root: Path, environment: jinja2.Environment | None = None
    ) -> None:
        """`environment`: one made earlier for the same template files, to use again."""
        self.site = site
        self.root = root
        self.dirs = template_dirs(root)
        self.environment = environment if environment is not None else _environment(self.dirs)
        self.nav = _navigation(site)
        self.listings = {column.slug: column.listed() for column in site.columns}
        """Every column with its articles as cards, by slug: what pages that list a
        column are given."""
        self.pages = list(_pages(site, self.listings))
        """(URL, template, what it depends on, context) of every page."""

    def render(self, index: int) -> OutputFile:
        """Render page number `index`; raise `ContentError` for a template error."""
        url, template, _, context = self.pages[index]
        return self.frame.render(url, template, context)

    @cached_property
    def frame(self) -> PageFrame:
        """What every page of this site is rendered with."""
        return PageFrame(self.environment, self.dirs, self.root, self.site.config, self.nav)

    def other_files(
        self, search: SearchCache | None = None, previous: Mapping[str, str] | None = None
    ) -> Iterator[OutputFile]:
        """Feeds, sitemap, the theme's static files, the columns' assets, the search index.

        One at a time: the search index of a large archive is tens of megabytes. With
        `search`, the search index re-indexes only the chunks whose articles changed,
        and lists unchanged the shards of the others that are in `previous` (digests of
        the site being replaced, by path).
        """
        yield from self.files_besides_search()
        if self.site.config.search:
            from zhuanlan.search.index import search_index_files

            yield from search_index_files(self.site, search, previous)

    def files_besides_search(self) -> Iterator[OutputFile]:
        """`other_files` but the search index, for a build that makes it elsewhere."""
        yield from machine_readable_outputs(self.site)
        yield from self.copied_files()

    def copied_files(self) -> Iterator[OutputFile]:
        """The theme's static files and the columns' assets: files copied as they are."""
        return copied_files(self.dirs, self.root, column_assets(self.site))


Assets = tuple[tuple[str, str, tuple[str, ...]], ...]
"""Each column's slug, folder under ``content/`` and asset files (within the folder)."""


def column_assets(site: Site) -> Assets:
    """The asset files of `site`'s columns."""
    return tuple((column.slug, column.source_folder, column.assets) for column in site.columns)


def copied_files(dirs: list[Path], root: Path, assets: Assets) -> Iterator[OutputFile]:
    """The static files of the templates in `dirs` (a project's own file overrides the
    theme's), then the `assets` of the project at `root`."""
    yield from _static_files(dirs)
    for slug, folder, names in assets:
        for name in names:
            yield OutputFile(f"{slug}/{name}", source=root / CONTENT_DIR / folder / name)


@dataclass(frozen=True)
class PageFrame:
    """What every page is rendered with, besides what it shows: the templates, the site
    settings and the header navigation."""

    environment: jinja2.Environment
    dirs: list[Path]
    """The template folders, the project's first."""
    root: Path
    config: SiteConfig
    nav: tuple[NavLink, ...]

    def render(self, url: str, template: str, context: dict[str, Any]) -> OutputFile:
        """The page at `url`; raise `ContentError` for a template error."""
        try:
            html = self.environment.get_template(template).render(
                config=self.config, nav=self.nav, page_url=url, **context
            )
        except jinja2.TemplateError as error:
            raise ContentError([_template_problem(error, self.dirs, self.root)]) from None
        return OutputFile(url, html.encode("utf-8"))


def load_templates(root: Path) -> tuple[jinja2.Environment, list[Path]]:
    """The templates of the project at `root` (its own, then the theme's), and their folders."""
    dirs = template_dirs(root)
    return _environment(dirs), dirs


def article_page(listed: Column[ArticleCard], article: Article) -> tuple[str, str, dict[str, Any]]:
    """(URL, template, context) of an article's page, given its column as lists show it."""
    previous, following = listed.neighbours(article.url)
    context = {
        "current_slug": listed.slug,
        "column": listed,
        "article": article,
        "part": listed.part(article.section),
        "previous": previous,
        "next": following,
    }
    return article.url, "article.html", context


def _search_cache() -> SearchCache:
    from zhuanlan.search.index import SearchCache

    return SearchCache()


def render_site(site: Site, root: Path, cache: RenderCache | None = None) -> list[OutputFile]:
    """Render every page and list every file to copy; raise `ContentError` on template errors.

    With a `cache`, pages whose inputs did not change since the last call are listed as
    unchanged instead of being rendered again.
    """
    theme = fingerprint_of(template_dirs(root))
    same_theme = cache is not None and cache.theme == theme
    renderer = Renderer(site, root, cache.environment if cache and same_theme else None)
    listings = renderer.listings
    articles = {article.url: article for column in site.columns for article in column.articles}
    titles = tuple((column.slug, column.title) for column in site.columns)
    taxonomies: dict[Dependency, object] = {}
    for taxonomy, terms in (("tags", site.tags), ("branch", site.branches)):
        taxonomies["terms", taxonomy] = tuple((term.name, len(term.articles)) for term in terms)
        for term in terms:
            taxonomies["term", taxonomy, term.name] = (titles, term.articles)
    unchanged: set[Dependency] = set()
    if cache is not None:
        if (cache.theme, cache.config, cache.nav) == (theme, site.config, renderer.nav):
            unchanged = {
                slug for slug, listing in listings.items() if cache.listings.get(slug) == listing
            }
            unchanged.update(
                article_dependency(article)
                for url, article in articles.items()
                if article.column_slug in unchanged and cache.articles.get(url) == article
            )
            unchanged.add(None)  # pages that depend on no column: the 404 page
            if cache.listings == listings:
                unchanged.add(EVERYTHING)
            unchanged.update(
                key for key, shown in taxonomies.items() if cache.taxonomies.get(key) == shown
            )
        cache.theme, cache.config, cache.nav = theme, site.config, renderer.nav
        cache.environment = renderer.environment
        cache.listings, cache.articles, cache.taxonomies = listings, articles, taxonomies
        cache.rendered = 0
    problems: list[Problem] = []
    outputs: list[OutputFile] = []
    for index, (url, _, depends_on, _) in enumerate(renderer.pages):
        if depends_on in unchanged:
            outputs.append(OutputFile(url, unchanged=True))
            continue
        try:
            outputs.append(renderer.render(index))
        except ContentError as error:
            problems.extend(error)
            continue
        if cache is not None:
            cache.rendered += 1
    if problems:
        if cache is not None:
            cache.theme = ()  # nothing rendered with these templates may be reused
        raise ContentError(problems)
    if cache is None:
        outputs.extend(renderer.other_files())
        return outputs
    # Feeds, the sitemap and most search index files come out byte for byte as before:
    # listed as unchanged, they are linked from the previous build, not written again.
    written: dict[str, str] = {}
    others = renderer.other_files(cache.search, cache.written)
    outputs.extend(mark_unchanged(others, cache.written, written))
    cache.written = written
    return outputs


EVERYTHING = HOME_URL
"""Dependency of pages that show every column (home, years)."""

Item = TypeVar("Item")
Dependency = str | tuple[str, ...] | None
"""What a page depends on besides the frame: a column's slug (the column with its
cards), `EVERYTHING` (every column with its cards), an article (`article_dependency`), a
taxonomy (``("terms", taxonomy)``) or a term (``("term", taxonomy, name)``), or None."""


def article_dependency(article: Article) -> tuple[str, str, str]:
    """What an article's page depends on: its column with its cards, and the article."""
    return "article", article.column_slug, article.url


@dataclass(frozen=True)
class Pagination:
    """Where one page of a paginated list stands: 上一页, 下一页 and page numbers."""

    number: int
    """This page, from 1."""
    total: int
    """How many pages the list has (at least 1; never an empty last page)."""
    first_url: str
    """URL of page 1."""

    def url(self, number: int) -> str:
        """URL of another page of the same list."""
        return list_page_url(self.first_url, number)

    @property
    def previous_url(self) -> str | None:
        """上一页, if any."""
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        """下一页, if any."""
        return self.url(self.number + 1) if self.number < self.total else None


def _paginate(
    items: tuple[Item, ...], size: int, first_url: str
) -> Iterator[tuple[Pagination, tuple[Item, ...]]]:
    total = max(1, -(-len(items) // size))
    for number in range(1, total + 1):
        chunk = items[(number - 1) * size : number * size]
        yield Pagination(number, total, first_url), chunk


def _navigation(site: Site) -> tuple[NavLink, ...]:
    """The header: active columns, then the taxonomies in use."""
    links = [
        NavLink(column.title, column.url, column.slug)
        for column in site.columns
        if not column.is_archived
    ]
    if len(site.years) > 1 or any(column.is_archived for column in site.columns):
        links.append(NavLink("历年专题", year_url(site.years[0]), "years"))
    for taxonomy, terms in (("tags", site.tags), ("branch", site.branches)):
        if terms:
            links.append(NavLink(TAXONOMY_TITLES[taxonomy], taxonomy_url(taxonomy), taxonomy))
    return tuple(links)


TAXONOMY_TITLES = {"tags": "标签", "branch": "党支部"}


def _pages(
    site: Site, listings: dict[str, Column[ArticleCard]]
) -> Iterator[tuple[str, str, Dependency, dict[str, Any]]]:
    """(URL, template, what it depends on, context) for every page, in a stable order.

    The context is all a template sees (besides config, nav and page_url): pages that
    list every column get every column's cards; a column's pages only that column's;
    an article's page that and the article itself. No page sees another's body.
    """
    size = site.config.page_size
    columns = tuple(listings[column.slug] for column in site.columns)
    everything = {"columns": columns, "years": site.years}
    yield HOME_URL, "home.html", EVERYTHING, {"current_slug": None, **everything}
    for year in site.years:
        yield (
            year_url(year),
            "year.html",
            EVERYTHING,
            {
                "current_slug": "years",
                **everything,
                "year": year,
                "year_columns": tuple(column for column in columns if column.year == year),
            },
        )
    for column in site.columns:
        listed = listings[column.slug]
        base = {"current_slug": column.slug, "column": listed}
        for pagination, chunk in _paginate(listed.articles, size, column.url):
            yield (
                pagination.url(pagination.number),
                "column.html",
                column.slug,
                {**base, "pagination": pagination, "articles": chunk},
            )
        for article in column.articles:
            url, template, context = article_page(listed, article)
            yield url, template, article_dependency(article), context
    titles = {column.slug: column.title for column in site.columns}
    for taxonomy, terms in (("tags", site.tags), ("branch", site.branches)):
        if not terms:
            continue
        common = {
            "current_slug": taxonomy,
            "taxonomy": taxonomy,
            "taxonomy_title": TAXONOMY_TITLES[taxonomy],
            "column_titles": titles,
        }
        yield taxonomy_url(taxonomy), "terms.html", ("terms", taxonomy), {**common, "terms": terms}
        for term in terms:
            for pagination, cards in _paginate(term.articles, size, term.url):
                yield (
                    pagination.url(pagination.number),
                    "term.html",
                    ("term", taxonomy, term.name),
                    {**common, "term": term, "pagination": pagination, "articles": cards},
                )
    if site.config.search:
        yield SEARCH_URL, "search.html", None, {"current_slug": None}
    yield NOT_FOUND_URL, "404.html", None, {"current_slug": None}


def _environment(dirs: list[Path]) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            [str(directory) for directory in dirs], encoding="utf-8-sig"
        ),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # No stat of every template for every page: an environment is only ever used
        # again for the very same template files (see `RenderCache.environment`).
        auto_reload=False,
    )
    environment.filters["url"] = _relative_url
    environment.filters["html"] = Markup
    environment.globals["STYLESHEET"] = STYLESHEET
    environment.globals["SCRIPT"] = SCRIPT
    environment.globals["SEARCH_SCRIPT"] = SEARCH_SCRIPT
    environment.globals["SEARCH_URL"] = SEARCH_URL
    environment.globals["SEARCH_FOLDER_URL"] = posixpath.dirname(SEARCH_URL) + "/"
    environment.globals["inline_file"] = lambda name: _inline_file(dirs, name)
    environment.globals["term_url"] = term_url
    environment.globals["year_url"] = year_url
    environment.globals["FEED_URL"] = FEED_URL
    # og:url: the same absolute address as the page's entry in the sitemap and feeds.
    environment.globals["absolute_url"] = absolute
    environment.globals["TAXONOMY_URLS"] = {name: taxonomy_url(name) for name in TAXONOMY_TITLES}
    return environment


@jinja2.pass_context
def _relative_url(context: jinja2.runtime.Context, target: str) -> str:
    """A site-root-relative URL made relative to the page being rendered.

    The 404 page is served at whatever URL was missing, so relative links cannot work
    there: it uses the configured ``base_url`` when there is one.
    """
    page_url: str = context["page_url"]
    base_url = context["config"].base_url
    if page_url == NOT_FOUND_URL and base_url:
        return str(base_url) + target
    return relative_url(_folder(page_url), target)


@lru_cache(maxsize=16)
def _folder(url: str) -> str:
    # Asked for again for every link of a page (tens of them), about the same page.
    return posixpath.dirname(url)


@lru_cache(maxsize=65536)
def relative_url(folder: str, target: str) -> str:
    """`target` (relative to the site root) as seen from `folder` (``""`` is the root).

    The same as ``posixpath.relpath`` for these clean paths, several times faster: a
    site renders tens of links per page.
    """
    if not folder:
        return target
    here = folder.split("/")
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "../" * (len(here) - common) + "/".join(there[common:])


def _inline_file(dirs: list[Path], name: str) -> Markup:
    """A static file's text, for the 404 page, which cannot rely on relative links."""
    for directory in dirs:
        path = directory / name
        if path.is_file():
            return Markup(path.read_text(encoding="utf-8"))
    raise jinja2.TemplateError(f"找不到文件 {name}")


def _static_files(dirs: list[Path]) -> Iterator[OutputFile]:
    """The theme's ``static/`` folder; a project's own file overrides the theme's."""
    seen: set[str] = set()
    for directory in dirs:
        static = directory / STATIC_DIR
        for path in sorted(static.rglob("*")) if static.is_dir() else []:
            relative = f"{STATIC_DIR}/{path.relative_to(static).as_posix()}"
            if path.is_file() and not path.name.startswith(".") and relative not in seen:
                seen.add(relative)
                yield OutputFile(relative, source=path)


def _template_problem(error: jinja2.TemplateError, dirs: list[Path], root: Path) -> Problem:
    """Locate a template error in the user's template file."""
    filename: str | None = None
    line: int | None = None
    if isinstance(error, jinja2.TemplateSyntaxError):
        filename, line = error.filename, error.lineno
    else:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename.endswith(".html")
        ]
        if frames:
            filename, line = frames[-1].filename, frames[-1].lineno
    path = _display_path(filename, dirs, root) if filename else TEMPLATES_DIR
    return Problem(
        path, line, None, f"模板错误：{error.message or error}", "检查模板中的变量名与标签是否成对"
    )


def _display_path(filename: str, dirs: list[Path], root: Path) -> str:
    path = Path(filename).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
