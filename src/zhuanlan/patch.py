"""A rebuild after edits to article bodies alone, made without the site model.

An article's body shows on its own page, in the feeds that carry it and in the search
index, and nowhere else: every list is given cards, never bodies (see `Column.listed`).
So when the only articles that changed are changed in their bodies alone — every other
field as it was, no file added or removed, nothing else edited — every other page is
the last build's, and those outputs are all there is to make.

What that needs of the site is kept by each full build as its `Skeleton`: the site
settings, the header, each column as lists show it, every published article's fields
but its body, and where links to article files go. Loading it takes a fraction of the
time loading the parse cache and assembling 10,000 articles does. Anything the patch
cannot vouch for (a problem in the file, a field that changed, a feed not as recorded)
sends the build the long way, which then does everything as usual.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from zhuanlan.assemble import LinkTargets, MarkdownLinks, assemble_article, is_published
from zhuanlan.errors import ContentError, Problems
from zhuanlan.feeds import FEED_URL, replace_entry
from zhuanlan.load import SourceFile
from zhuanlan.model import Article, ArticleCard, BuildOptions, Column, SiteConfig
from zhuanlan.output import OutputFile, content_digest
from zhuanlan.parse import ParseCache
from zhuanlan.pipeline import article_key
from zhuanlan.render import (
    Assets,
    NavLink,
    PageFrame,
    Renderer,
    article_page,
    column_assets,
    load_templates,
)
from zhuanlan.slugs import remember_slugs

_OUTWARD = tuple(
    field.name for field in fields(Article) if field.name not in ("body", "source_digest")
)
"""The fields of an article that other pages (or the structure of the site) can show:
all but its body and the hash of its text."""


def outward(article: Article) -> tuple[object, ...]:
    """What of `article` the site shows outside its own page, feeds and search entry."""
    return tuple(getattr(article, name) for name in _OUTWARD)


@dataclass(frozen=True)
class ColumnSkeleton:
    """One column of a `Skeleton`."""

    listing: Column[ArticleCard]
    """The column as the pages that list it see it."""
    key: str
    """The key of its pages (see `pipeline.page_dependencies`)."""
    articles: dict[str, tuple[object, ...]]
    """Each published article's `outward` fields, by source file."""


@dataclass(frozen=True)
class Skeleton:
    """The site model of a full build less its articles' bodies: what a rebuild after
    edits to bodies alone needs (see `patch_bodies`)."""

    made_by: str
    """The inputs fingerprint of the build that made it; its record names it too."""
    structure: str
    """A hash of every input but the articles' texts (`build.input_fingerprint`): where
    it differs, so may anything."""
    config: SiteConfig
    nav: tuple[NavLink, ...]
    columns: dict[str, bytes]
    """Each column's `ColumnSkeleton`, pickled on its own, by its folder under
    ``content/``: a patch loads those of the edited files only (at 10,000 articles,
    all of them took longer than the rest of the patch)."""
    links: LinkTargets
    spelled: dict[str, str]
    """Names spelled in pinyin (`slugs.remember_slugs`): a patch never loads pypinyin."""
    assets: Assets
    """The columns' asset files, copied again (with the static files of the templates)."""
    machine_readable: tuple[str, ...]
    """The paths of the feeds, the sitemap and robots.txt."""

    def column(self, folder: str) -> ColumnSkeleton | None:
        """The column whose folder is `folder`, if the site has it."""
        kept = self.columns.get(folder)
        if kept is None:
            return None
        try:
            column = pickle.loads(kept)
        except Exception:  # damaged: as if not kept
            return None
        return column if isinstance(column, ColumnSkeleton) else None


def skeleton_of(
    renderer: Renderer,
    made_by: str,
    structure: str,
    column_keys: dict[str, str],
    machine_readable: list[str],
    spelled: Mapping[str, str],
) -> Skeleton:
    """The skeleton of the site `renderer` renders."""
    site = renderer.site
    columns = {
        column.source_folder: pickle.dumps(
            ColumnSkeleton(
                renderer.listings[column.slug],
                column_keys[column.slug],
                {article.path: outward(article) for article in column.articles},
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        for column in site.columns
    }
    return Skeleton(
        made_by,
        structure,
        site.config,
        renderer.nav,
        columns,
        MarkdownLinks.of(list(site.columns), Problems()).targets,
        dict(spelled),
        column_assets(site),
        tuple(machine_readable),
    )


@dataclass(frozen=True)
class Patch:
    """The outputs that edits to article bodies changed."""

    pages: dict[str, tuple[OutputFile, str]]
    """Each changed article's page, with its key, by URL."""
    feeds: list[OutputFile]
    """The feeds that carry one of them, made again."""
    parsed: ParseCache
    """The parses of the edited files, for the cache."""


def patch_bodies(
    skeleton: Skeleton,
    edited: list[SourceFile],
    options: BuildOptions,
    root: Path,
    site: Path,
    written: Mapping[str, str],
) -> Patch | None:
    """The pages and feeds that change with the `edited` articles, or None when they
    changed in more than their bodies (or anything else is in doubt).

    `site` is the current site, whose files hash as in `written` (feeds that do not are
    doubted). Raises `ContentError` with every template error, as rendering would.
    """
    # File names, tags and branches in pinyin, for slugs and links to term pages.
    remember_slugs(skeleton.spelled)
    problems = Problems()
    links = MarkdownLinks(skeleton.links, problems)
    edits: list[tuple[Article, ColumnSkeleton]] = []
    cache = ParseCache()
    for source in edited:
        column = skeleton.column(source.path.split("/")[1])
        before = column.articles.get(source.path) if column is not None else None
        if column is None or before is None:  # not published by the last build
            return None
        parsed = cache.parse_article(source, problems)
        if parsed is None or problems or not is_published(parsed, options):
            return None
        keys = [part.key for part in column.listing.mechanism]
        slug = column.listing.slug
        article = links.article(assemble_article(parsed, slug, keys, problems))
        if problems or outward(article) != before:
            return None
        edits.append((article, column))
    feeds = _patched_feeds(skeleton, [article for article, _ in edits], site, written)
    if feeds is None:
        return None
    environment, dirs = load_templates(root)
    frame = PageFrame(environment, dirs, root, skeleton.config, skeleton.nav)
    pages = {}
    for article, column in edits:
        try:
            page = frame.render(*article_page(column.listing, article))
        except ContentError as error:
            problems.extend(error)
            continue
        pages[page.path] = page, article_key(column.key, article.source_digest)
    problems.raise_if_any()
    return Patch(pages, feeds, cache)


def _patched_feeds(
    skeleton: Skeleton, articles: list[Article], site: Path, written: Mapping[str, str]
) -> list[OutputFile] | None:
    """The feeds carrying one of `articles`, with their entries made again; None when
    one of them is not as the last build wrote it."""
    base = skeleton.config.base_url
    if base is None:
        return []
    feeds: dict[str, bytes] = {}
    for article in articles:
        for path in (FEED_URL, f"{article.column_slug}/{FEED_URL}"):
            if path not in feeds:
                try:
                    feeds[path] = (site / path).read_bytes()
                except OSError:
                    return None
                if content_digest(feeds[path]) != written.get(path):
                    return None
            replaced = replace_entry(feeds[path], base, article)
            if replaced is not None:
                feeds[path] = replaced
    return [
        OutputFile(path, content)
        for path, content in feeds.items()
        if content_digest(content) != written.get(path)
    ]
