"""The stages of a build that do the work: parse, assemble, render.

`build.py` decides whether there is work at all (and writes the result); what it calls
once there is lives here, with everything heavy these stages import (Python-Markdown,
Jinja2, NumPy): a build with nothing to do never imports this module.
"""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from zhuanlan.assemble import assemble_site
from zhuanlan.cache import BuildCacheStore
from zhuanlan.errors import ContentError, Problem, Problems
from zhuanlan.load import ProjectSources, ReadBefore, load_project
from zhuanlan.model import ArticleCard, BuildOptions, Site
from zhuanlan.output import OutputFile
from zhuanlan.parallel import MINIMUM_BATCH, map_parallel, usable_cores
from zhuanlan.parse import ParseCache, parse_project
from zhuanlan.render import (
    EVERYTHING,
    Dependency,
    RenderCache,
    Renderer,
    article_dependency,
    render_site,
)
from zhuanlan.write import write_files


@dataclass
class BuildCache:
    """Work kept between builds in one process, so that a rebuild redoes only what changed."""

    read: ReadBefore = field(default_factory=ReadBefore)
    parsed: ParseCache = field(default_factory=ParseCache)
    rendered: RenderCache = field(default_factory=RenderCache)


def model_site(
    sources: ProjectSources, options: BuildOptions, problems: Problems, store: BuildCacheStore
) -> Site:
    """The site model of ``zhuanlan build``: parses are taken from, and saved to, the
    cache on disk; raises `ContentError` with every problem."""
    parse_cache = store.load_parsed()
    # Hundreds of thousands of objects, kept until the model is made: spare the garbage
    # collector walking them again and again meanwhile.
    gc.freeze()
    try:
        site = model_sources(sources, options, problems, parse_cache)
    finally:
        gc.unfreeze()
    store.save_parsed(parse_cache)
    return site


@dataclass(frozen=True)
class PageKeys:
    """Every page's key: a hash of everything it shows (see `page_dependencies`)."""

    pages: dict[str, str]
    """By page URL."""
    columns: dict[str, str]
    """The key of each column's pages, by slug (its articles' pages add their text's)."""


def plan_pages(
    site: Site, root: Path, sources: ProjectSources, frame: str
) -> tuple[Renderer, PageKeys]:
    """The renderer of `site` and every page's key (`page_dependencies`)."""
    renderer = Renderer(site, root)
    return renderer, page_dependencies(sources, site, renderer, frame)


def page_dependencies(
    sources: ProjectSources, site: Site, renderer: Renderer, frame: str
) -> PageKeys:
    """For every page, a hash of everything it shows.

    Every page depends on the frame (templates, options, engine), the site settings,
    the navigation and where every article file's page is (links between files resolve
    to them). Besides: a column's pages on that column with its article cards (what
    lists show: title, date, summary, part; no body); an article's page on those and on
    its own file; home and year pages on every column's cards; a tag's or branch's pages
    on the cards of its articles and the column titles; a taxonomy's index on its terms
    and their counts. What a page is given is all it can show (`Renderer.listings`), so
    these are exact.
    """
    pages_of_files = sorted(
        f"{article.path}>{article.url}" for column in site.columns for article in column.articles
    )
    shared = _digest(frame, repr(site.config), repr(renderer.nav), *pages_of_files)
    keys: dict[Dependency, str] = {None: shared}
    shown = _CardTexts()
    for slug, listed in renderer.listings.items():
        keys[slug] = _digest(shared, repr(replace(listed, articles=())), shown(listed.articles))
    keys[EVERYTHING] = _digest(shared, *(keys[column.slug] for column in site.columns))
    digests = {
        source.path: source.digest for column in sources.columns for source in column.articles
    }
    for column in site.columns:
        for article in column.articles:
            keys[article_dependency(article)] = article_key(
                keys[column.slug], digests[article.path]
            )
    titles = repr(sorted((column.slug, column.title) for column in site.columns))
    for taxonomy, terms in (("tags", site.tags), ("branch", site.branches)):
        counts = [f"{term.name}:{len(term.articles)}" for term in terms]
        keys["terms", taxonomy] = _digest(shared, *counts)
        for term in terms:
            keys["term", taxonomy, term.name] = _digest(shared, titles, shown(term.articles))
    return PageKeys(
        {url: keys[depends_on] for url, _, depends_on, _ in renderer.pages},
        {column.slug: keys[column.slug] for column in site.columns},
    )


def article_key(column_key: str, digest: str) -> str:
    """The key of an article's page: its column's pages' key and its text's digest."""
    return _digest(column_key, digest)


class _CardTexts:
    """The text of article cards, each made once: a card is listed by its column and
    again by each of its terms (30,000 times at 10,000 articles, 0.1 s of `repr`)."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}
        self._cards: list[ArticleCard] = []  # alive while their ids are keys

    def __call__(self, cards: tuple[ArticleCard, ...]) -> str:
        texts = []
        for card in cards:
            text = self._texts.get(id(card))
            if text is None:
                text = self._texts[id(card)] = repr(card)
                self._cards.append(card)
            texts.append(text)
        return "\n".join(texts)


def _digest(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def model_project(root: Path, options: BuildOptions, cache: BuildCache | None = None) -> Site:
    """Read, parse and assemble: the site model, or `ContentError` with every problem."""
    problems = Problems()
    sources = load_project(root, problems, cache.read if cache else None)
    return model_sources(sources, options, problems, cache.parsed if cache else None)


def model_sources(
    sources: ProjectSources,
    options: BuildOptions,
    problems: Problems,
    parse_cache: ParseCache | None = None,
) -> Site:
    """Parse and assemble what was read; raise `ContentError` with every problem."""
    # Parse each file on its own: front matter against the schema, Markdown to HTML.
    parsed = parse_project(sources, problems, parse_cache)
    # Relate files to each other: sections, slugs, reading order, URL collisions.
    site = assemble_site(parsed, options, problems)
    problems.raise_if_any()
    return site


def render_project(
    root: Path, options: BuildOptions, cache: BuildCache | None = None
) -> tuple[Site, list[OutputFile]]:
    """The site model and every output file, in memory (the preview's way)."""
    site = model_project(root, options, cache)
    return site, render_site(site, root, cache.rendered if cache else None)


# What forked workers render: set just before the workers start, inherited by them.
_job: tuple[Renderer, Path] | None = None


def render_pages_into(folder: Path, renderer: Renderer, pages: list[int]) -> None:
    """Render the pages with these numbers into `folder`; `ContentError` on template errors."""
    global _job
    _job = (renderer, folder)
    step = max(1, min(200, len(pages) // (usable_cores() * 4) or 1))
    batches = [pages[start : start + step] for start in range(0, len(pages), step)]
    try:
        # A batch is `step` pages: worth a worker when it holds enough of them.
        results = map_parallel(_render_batch, batches, minimum_batch=max(1, MINIMUM_BATCH // step))
    finally:
        _job = None
    problems = [problem for found in results for problem in found]
    if problems:
        raise ContentError(problems)


def _render_batch(pages: list[int]) -> list[Problem]:
    """Render some pages and write each at once (runs in a worker)."""
    assert _job is not None
    renderer, folder = _job
    problems: list[Problem] = []
    for index in pages:
        try:
            write_files(folder, [renderer.render(index)])
        except ContentError as error:
            problems.extend(error)
    return problems
