"""The build, start to finish: content/ → load → parse → assemble → render → write → site/.

Each stage collects every problem it finds before the build stops, so the user sees all
of them at once; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from zhuanlan.assemble import assemble_site
from zhuanlan.errors import Problems, UsageError
from zhuanlan.load import CONTENT_DIR, load_project
from zhuanlan.model import BuildOptions, Site
from zhuanlan.output import OutputFile
from zhuanlan.parse import ParseCache, parse_project
from zhuanlan.render import RenderCache, render_site
from zhuanlan.write import prepare_output_dir, write_site


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
    site, outputs = render_project(root, options or default_options())
    # Write into a staging folder and swap it in: the old site survives any failure.
    write_site(outputs, output)
    return BuildResult(site, len(outputs))


def render_project(
    root: Path, options: BuildOptions, cache: BuildCache | None = None
) -> tuple[Site, list[OutputFile]]:
    """Everything but the writing: the site model and every output file, in memory."""
    problems = Problems()
    # Read everything first, so an unreadable file is reported with all other problems.
    sources = load_project(root, problems)
    # Parse each file on its own: front matter against the schema, Markdown to HTML.
    parsed = parse_project(sources, problems, cache.parsed if cache else None)
    # Relate files to each other: sections, slugs, reading order, URL collisions.
    site = assemble_site(parsed, options, problems)
    problems.raise_if_any()
    # Render every page in memory; a template error stops the build before any write.
    outputs = render_site(site, root, cache.rendered if cache else None)
    return site, outputs
