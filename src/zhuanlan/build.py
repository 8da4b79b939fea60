"""The build, start to finish: content/ → load → parse → assemble → render → write → site/.

Each stage collects every problem it finds before the build stops, so the user sees all
of them at once; the output folder is replaced only when every stage succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from zhuanlan.cache import BuildCacheStore, LastBuild, files_state, folder_state
from zhuanlan.errors import Problems, UsageError
from zhuanlan.load import CONTENT_DIR, ProjectSources, ReadBefore, load_project
from zhuanlan.mirror import wait_for
from zhuanlan.model import BuildOptions, SiteSummary
from zhuanlan.output import mark_unchanged
from zhuanlan.parallel import (
    Standby,
    fewer_collections,
    release_free_memory,
)
from zhuanlan.theme import theme_fingerprint
from zhuanlan.write import (
    MARKER,
    OutputChanged,
    SpareUpdate,
    carry_over,
    mirror_as_spare,
    prepare_output_dir,
    settle,
    side_folder,
    spare_usable,
    staging_folder,
    write_files,
)


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
    with fewer_collections():
        store = BuildCacheStore(root)
        last = store.load_last_build()
        try:
            return _build(root, output, options, store, last)
        except OutputChanged:
            # The site was edited by hand, and the spare did not come out as recorded
            # either: nothing of the last build's output can be used (its record of the
            # texts can).
            assert last is not None
            return _build(root, output, options, store, replace(last, output=""))


def _build(
    root: Path, output: Path, options: BuildOptions, store: BuildCacheStore, last: LastBuild | None
) -> BuildResult:
    """`build`, given the last build's record (None: there was none)."""
    # Article files whose status is as the last build found them are not read again.
    read = last.sources.read_before(root) if last is not None else ReadBefore()
    if last is not None and last.output != str(output.resolve()):
        last = None
    frame = inputs_frame(options, store.engine, root)
    # Same templates and options: most of the last build's files will be carried over
    # (otherwise every page changes): into the site the last build replaced, if it kept
    # it (see `carry_over`, which checks it), or else linked from the current site,
    # which must then be exactly as the last build left it (hashed once: on a large
    # site this walks every file).
    spare = _spare_update(last, frame, store, output)
    site_walked = spare is None
    if last is not None and site_walked and not _output_untouched(last, output):
        last = None
    carried = last.rendered_files() if last is not None and last.frame == frame else []
    # The helper that carries them is forked now, before the texts are read (see
    # `Standby`), and given the work later.
    linker = Standby(carry_over, needed=bool(carried))
    try:
        problems = Problems()
        # Read everything first, so an unreadable file is reported with all other problems.
        sources = load_project(root, problems, read)
        inputs = input_fingerprint(root, sources, options, store.engine)
        # For the next build: each article file's status and digest, without its text.
        record = read.record()
        del read
        # Nothing changed since the last build: done, if its output is untouched.
        if last is not None and not problems and last.inputs == inputs:
            if site_walked or _output_untouched(last, output):
                return BuildResult(last.summary, last.files, up_to_date=True)
            last, spare, carried = None, None, []
        # A spare still being made after the last build (see `zhuanlan.mirror`) is
        # finished before this build works in it, or replaces it.
        wait_for(store.spare)
        # Write into a staging folder that replaces the old site only if everything
        # succeeds. While the last build's files are carried into it, the new ones are
        # written aside (one may be where a link is about to be made) and moved in after:
        # those are thousands of system calls, which the helper makes while this process
        # computes. The site replaced is kept for the next build to build in (which
        # checks it first).
        with (
            staging_folder(
                output, store.spare, reuse=spare is not None, keep=last is not None
            ) as folder,
            side_folder(output) if carried else nullcontext(folder) as new,
        ):
            with linker.running(output, folder, carried, spare):
                # There is work: only now import what does it (Markdown, Jinja2,
                # NumPy), which takes longer than everything above.
                from zhuanlan.indexing import SearchStage
                from zhuanlan.pipeline import model_site, plan_pages, render_pages_into

                # Files unchanged since the last build are linked from the current site
                # (or carried over already).
                previous = last.written if last else {}
                current_site = None if carried else output
                with SearchStage(store, new, previous, current_site) as search:
                    if carried:
                        search.guess(sources, output)
                    site = model_site(sources, options, problems, store)
                    search.plan(site)
                    renderer, pages = plan_pages(site, root, sources, frame)
                    # The texts and their parses (70 MB at 10,000 articles) have served:
                    # let them go before the render workers are forked, and make room for
                    # the search index.
                    del sources
                    release_free_memory()
                    # Pages whose inputs are as they were: carried over already.
                    before = last.pages if last is not None and carried else {}
                    unchanged = {url for url, key in pages.items() if before.get(url) == key}
                    to_render = [
                        i for i, page in enumerate(renderer.pages) if page[0] not in unchanged
                    ]
                    # Render and write them on every core, each page straight to its
                    # file, so no process holds the whole site in memory.
                    render_pages_into(new, renderer, to_render)
                    release_free_memory()  # before the search index's workers fork
                    # Feeds, sitemap, static files and assets, then the search index.
                    written: dict[str, str] = {}
                    others = mark_unchanged(renderer.files_besides_search(), previous, written)
                    files = write_files(new, others, current_site)
                    indexed = search.finish()
                    if indexed is not None:
                        files += indexed.paths
                        written.update(indexed.hashes)
                        store.problem = store.problem or indexed.note
            gone = tuple(set(last.paths()).difference(pages, files)) if last else ()
            if carried:
                settle(new, folder, gone)
            state = files_state(folder, [MARKER, *pages, *files])
    finally:
        linker.close()
    summary = SiteSummary.of(site)
    count = len(pages) + len(files)
    # What the next build needs to bring the spare up to this site: what this build
    # changed in the site it replaced; nothing when it had none and the spare is made
    # from this site instead, in the background, after the build.
    spare_state = last.output_state if last is not None else ""
    fresh = [url for url in pages if url not in unchanged]
    fresh += [path for path in files if path not in written or previous.get(path) != written[path]]
    if not spare_usable(store.spare, output) and mirror_as_spare(output, store.spare):
        spare_state, fresh, gone = state, [], ()
    store.save_last_build(
        LastBuild(
            inputs,
            str(output.resolve()),
            state,
            summary,
            count,
            pages,
            written,
            frame,
            record,
            tuple(files),
            tuple(fresh),
            gone,
            spare_state,
        )
    )
    return BuildResult(
        summary, count, cache_note=store.problem, pages=len(pages), rendered=len(to_render)
    )


def inputs_frame(options: BuildOptions, engine: str, root: Path) -> str:
    """What every page depends on besides its own content: options, engine, templates."""
    return f"{engine}\0{options!r}\0{theme_fingerprint(root)!r}"


def _spare_update(
    last: LastBuild | None, frame: str, store: BuildCacheStore, output: Path
) -> SpareUpdate | None:
    """What brings the site the last build replaced up to the current site, if there is
    such a site and the new one is to be built from it."""
    if last is None or not last.spare_state or last.frame != frame:
        return None
    # A site deleted (or never finished) is seen here, before any work is done.
    if not (output / MARKER).is_file() or not spare_usable(store.spare, output):
        return None
    return SpareUpdate(
        last.spare_state, last.gone, last.fresh, tuple(last.paths()), last.output_state
    )


def _output_untouched(last: LastBuild, output: Path) -> bool:
    return last.output_state == folder_state(output)


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
