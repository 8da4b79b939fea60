"""The build, start to finish: content/ → load → parse → assemble → render → write → site/.

Each stage collects every problem it finds before the build stops, so the user sees all
of them at once; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from zhuanlan.cache import BuildCacheStore, LastBuild, folder_state
from zhuanlan.errors import Problems, UsageError
from zhuanlan.load import CONTENT_DIR, ProjectSources, load_project
from zhuanlan.model import BuildOptions, SiteSummary
from zhuanlan.output import mark_unchanged
from zhuanlan.parallel import alongside, release_free_memory, return_large_blocks_at_once
from zhuanlan.theme import theme_fingerprint
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
    return_large_blocks_at_once()
    # There is work: only now import what does it (Markdown, Jinja2, NumPy), which takes
    # longer than everything above.
    from zhuanlan.pipeline import model_sources, page_dependencies, render_pages_into
    from zhuanlan.render import Renderer

    parse_cache = store.load_parsed()
    site = model_sources(sources, options, problems, parse_cache)
    store.save_parsed(parse_cache)
    renderer = Renderer(site, root)
    dependencies = page_dependencies(
        sources, site, renderer, inputs_frame(options, store.engine, root)
    )
    # The texts and their parses (70 MB at 10,000 articles) have served: let them go
    # before the render workers are forked, and make room for the search index.
    del sources, parse_cache
    release_free_memory()
    # Pages whose inputs are as they were for the output folder we left last time.
    reusable = set()
    if last and output_untouched:
        reusable = {url for url, digest in dependencies.items() if last.pages.get(url) == digest}
    # Write into a staging folder that replaces the old site only if everything succeeds.
    with staging_folder(output) as folder:
        to_render = [i for i, page in enumerate(renderer.pages) if page[0] not in reusable]
        # Unchanged pages are linked over by another process meanwhile: 14,000 links
        # and 12,000 folders at 10,000 articles are system calls, not computation.
        with alongside(partial(link_files, output, folder, sorted(reusable))):
            # Render and write the other pages on every core, each page straight to
            # its file, so no process holds the whole site in memory.
            render_pages_into(folder, renderer, to_render)
            release_free_memory()  # before the search index's workers fork
            # Loaded only now, after the render workers are gone: the chunks of a
            # large archive take tens of megabytes.
            search = store.load_search() if site.config.search else None
            written: dict[str, str] = {}
            others = renderer.other_files(search)
            previous = last.written if last and output_untouched else {}
            files = write_files(folder, mark_unchanged(others, previous, written), output)
    if search is not None:
        store.save_search(search)
    summary = SiteSummary.of(site)
    pages = len(renderer.pages)
    state = LastBuild(
        inputs,
        str(output.resolve()),
        folder_state(output),
        summary,
        pages + files,
        dependencies,
        written,
    )
    store.save_last_build(state)
    return BuildResult(
        summary, pages + files, cache_note=store.problem, pages=pages, rendered=len(to_render)
    )


def inputs_frame(options: BuildOptions, engine: str, root: Path) -> str:
    """What every page depends on besides its own content: options, engine, templates."""
    return f"{engine}\0{options!r}\0{theme_fingerprint(root)!r}"


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
