"""The build, start to finish: content/ → load → parse → assemble → render → write → site/.

Each stage collects every problem it finds before the build stops, so the user sees all
of them at once; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from zhuanlan.assemble import assemble_site
from zhuanlan.cache import BuildCacheStore, LastBuild, folder_state
from zhuanlan.errors import ContentError, Problem, Problems, UsageError
from zhuanlan.load import CONTENT_DIR, ProjectSources, load_project
from zhuanlan.model import BuildOptions, Site, SiteSummary
from zhuanlan.output import OutputFile
from zhuanlan.parallel import MINIMUM_BATCH, map_parallel, usable_cores
from zhuanlan.parse import ParseCache, parse_project
from zhuanlan.render import (
    EVERYTHING,
    Dependency,
    RenderCache,
    Renderer,
    render_site,
    theme_fingerprint,
)
from zhuanlan.write import link_files, prepare_output_dir, staging_folder, write_files


@dataclass(frozen=True)
class BuildResult:
    """What a successful build produced."""

    summary: SiteSummary
    """Columns and articles published, and what was left out."""
    files: int
    """How many files the output holds."""
    up_to_date: bool = False
    """Nothing had changed since the last build: the output was left as it was."""
    cache_note: str | None = None
    """Why the build cache was ignored, if it was."""
    pages: int = 0
    """How many of the files are pages."""
    rendered: int = 0
    """Pages rendered (the others were unchanged and kept from the previous build)."""


@dataclass
class BuildCache:
    """Work kept between builds in one process, so that a rebuild redoes only what changed."""

    parsed: ParseCache = field(default_factory=ParseCache)
    rendered: RenderCache = field(default_factory=RenderCache)


def default_options() -> BuildOptions:
    """A normal build: no drafts, nothing dated after today."""
    return BuildOptions(today=dt.date.today())


def check_project(root: Path) -> Path:
    """The project folder, resolved; a usage error when it has no ``content/``."""
    root = root.resolve()
    if not (root / CONTENT_DIR).is_dir():
        raise UsageError(
            f"{root} 下没有 {CONTENT_DIR}/ 目录", "在项目目录中运行，或用 --project 指定项目目录"
        )
    return root


def build(root: Path, output: Path, options: BuildOptions | None = None) -> BuildResult:
    """Build the project at `root` into `output`; raise `ContentError` or `UsageError`."""
    root = check_project(root)
    options = options or default_options()
    # Refuse a dangerous output folder before doing any work.
    prepare_output_dir(output, root)
    store = BuildCacheStore(root)
    problems = Problems()
    # Read everything first, so an unreadable file is reported with all other problems.
    sources = load_project(root, problems)
    # Nothing changed since the last build, and its output is untouched: done.
    inputs = input_fingerprint(root, sources, options, store.engine)
    last = store.load_last_build()
    # Whether the output folder is exactly as the last build left it (hashed once: on a
    # large site this walks every file).
    output_untouched = last is not None and _output_untouched(last, output)
    if last and output_untouched and not problems and last.inputs == inputs:
        return BuildResult(last.summary, last.files, up_to_date=True)
    parse_cache = store.load_parsed()
    site = model_sources(sources, options, problems, parse_cache)
    store.save_parsed(parse_cache)
    renderer = Renderer(site, root)
    dependencies = page_dependencies(
        sources, site, renderer, inputs_frame(options, store.engine, root)
    )
    # Pages whose inputs are as they were for the output folder we left last time.
    reusable = set()
    if last and output_untouched:
        reusable = {url for url, digest in dependencies.items() if last.pages.get(url) == digest}
    # Write into a staging folder that replaces the old site only if everything succeeds.
    with staging_folder(output) as folder:
        to_render = [i for i, page in enumerate(renderer.pages) if page[0] not in reusable]
        link_files(output, folder, sorted(reusable))
        # Render and write the other pages on every core, each page straight to its
        # file, so no process holds the whole site in memory.
        render_pages_into(folder, renderer, to_render)
        # Loaded only now, after the render workers are gone: the chunks of a large
        # archive take tens of megabytes.
        search = store.load_search() if site.config.search else None
        files = write_files(folder, renderer.other_files(search))
    if search is not None:
        store.save_search(search)
    summary = SiteSummary.of(site)
    pages = len(renderer.pages)
    state = LastBuild(
        inputs, str(output.resolve()), folder_state(output), summary, pages + files, dependencies
    )
    store.save_last_build(state)
    return BuildResult(
        summary, pages + files, cache_note=store.problem, pages=pages, rendered=len(to_render)
    )


def inputs_frame(options: BuildOptions, engine: str, root: Path) -> str:
    """What every page depends on besides its own content: options, engine, templates."""
    return f"{engine}\0{options!r}\0{theme_fingerprint(root)!r}"


def page_dependencies(
    sources: ProjectSources, site: Site, renderer: Renderer, frame: str
) -> dict[str, str]:
    """For every page, a hash of everything it shows.

    Every page depends on the frame (templates, options, engine), the site settings,
    the navigation and the URLs of all articles (links between files resolve to them).
    Besides: a column's pages on that column's files; home and year pages on all files;
    a tag's or branch's pages on the cards of its articles (title, date, summary: no
    body) and the column titles; a taxonomy's index on its terms and their counts.
    """
    urls = sorted(article.url for column in site.columns for article in column.articles)
    shared = _digest(frame, repr(site.config), repr(renderer.nav), *urls)
    by_column: dict[str, str] = {}
    slug_of_folder = {column.source_folder: column.slug for column in site.columns}
    for column in sources.columns:
        slug = slug_of_folder.get(column.folder)
        if slug is None:
            continue
        files = [column.column_file, *column.articles] if column.column_file else column.articles
        by_column[slug] = _digest(shared, *(f"{f.path}:{f.digest}" for f in files), *column.assets)
    everything = _digest(shared, *sorted(by_column.values()))
    keys: dict[Dependency, str] = {EVERYTHING: everything, None: shared}
    keys.update(by_column)
    titles = repr(sorted((column.slug, column.title) for column in site.columns))
    for taxonomy, terms in (("tags", site.tags), ("branch", site.branches)):
        counts = [f"{term.name}:{len(term.articles)}" for term in terms]
        keys["terms", taxonomy] = _digest(shared, *counts)
        for term in terms:
            keys["term", taxonomy, term.name] = _digest(shared, titles, repr(term.articles))
    return {url: keys[depends_on] for url, _, depends_on, _ in renderer.pages}


def _digest(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _output_untouched(last: LastBuild, output: Path) -> bool:
    return last.output == str(output.resolve()) and last.output_state == folder_state(output)


def input_fingerprint(
    root: Path, sources: ProjectSources, options: BuildOptions, engine: str
) -> str:
    """A hash of everything a build reads: texts, assets, templates, options, engine."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{engine}\0{options!r}\n".encode())
    files = [sources.site_file] if sources.site_file else []
    for column in sources.columns:
        files += [column.column_file] if column.column_file else []
        files += column.articles
        for asset in column.assets:
            status = (root / CONTENT_DIR / column.folder / asset).stat()
            digest.update(
                f"{column.folder}/{asset}\0{status.st_size}\0{status.st_mtime_ns}\n".encode()
            )
    for source in files:
        digest.update(f"{source.path}\0{source.digest}\n".encode())
    digest.update(repr(theme_fingerprint(root)).encode())
    return digest.hexdigest()


def model_project(root: Path, options: BuildOptions, cache: BuildCache | None = None) -> Site:
    """Read, parse and assemble: the site model, or `ContentError` with every problem."""
    problems = Problems()
    sources = load_project(root, problems)
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
