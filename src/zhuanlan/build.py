"""The build, start to finish: content/ → load → parse → assemble → render → write → site/.

Each stage collects every problem it finds before the build stops, so the user sees all
of them at once; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from zhuanlan.assemble import assemble_site
from zhuanlan.errors import ContentError, Problem, Problems, UsageError
from zhuanlan.load import CONTENT_DIR, load_project
from zhuanlan.model import BuildOptions, Site
from zhuanlan.output import OutputFile
from zhuanlan.parallel import map_parallel, usable_cores
from zhuanlan.parse import ParseCache, parse_project
from zhuanlan.render import RenderCache, Renderer, render_site
from zhuanlan.write import prepare_output_dir, staging_folder, write_files


@dataclass(frozen=True)
class BuildResult:
    """What a successful build produced."""

    site: Site
    """The site model that was rendered."""
    files: int
    """How many files were written."""


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
    # Refuse a dangerous output folder before doing any work.
    prepare_output_dir(output, root)
    site = model_project(root, options or default_options())
    renderer = Renderer(site, root)
    # Write into a staging folder that replaces the old site only if everything succeeds.
    with staging_folder(output) as folder:
        # Render and write the pages on every core, each page straight to its file, so
        # no process holds the whole site in memory.
        pages = render_pages_into(folder, renderer)
        files = write_files(folder, renderer.other_files())
    return BuildResult(site, pages + files)


def model_project(root: Path, options: BuildOptions, cache: BuildCache | None = None) -> Site:
    """Read, parse and assemble: the site model, or `ContentError` with every problem."""
    problems = Problems()
    # Read everything first, so an unreadable file is reported with all other problems.
    sources = load_project(root, problems)
    # Parse each file on its own: front matter against the schema, Markdown to HTML.
    parsed = parse_project(sources, problems, cache.parsed if cache else None)
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


def render_pages_into(folder: Path, renderer: Renderer) -> int:
    """Render every page into `folder`; raise `ContentError` for template errors."""
    global _job
    _job = (renderer, folder)
    count = len(renderer.pages)
    step = max(1, min(200, count // (usable_cores() * 4) or 1))
    ranges = [(start, min(start + step, count)) for start in range(0, count, step)]
    try:
        results = map_parallel(_render_range, ranges)
    finally:
        _job = None
    problems = [problem for found in results for problem in found]
    if problems:
        raise ContentError(problems)
    return count


def _render_range(pages: tuple[int, int]) -> list[Problem]:
    """Render pages ``start..stop`` and write each at once (runs in a worker)."""
    assert _job is not None
    renderer, folder = _job
    problems: list[Problem] = []
    for index in range(*pages):
        try:
            write_files(folder, [renderer.render(index)])
        except ContentError as error:
            problems.extend(error)
    return problems
