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
from zhuanlan.indexing import SearchGuess, SearchStage, index_identity
from zhuanlan.load import CONTENT_DIR, ProjectSources, ReadBefore, load_project
from zhuanlan.mirror import wait_for
from zhuanlan.model import BuildOptions, SiteSummary
from zhuanlan.output import mark_unchanged
from zhuanlan.parallel import (
    Standby,
    fewer_collections,
    release_free_memory,
)
from zhuanlan.theme import template_dirs, theme_fingerprint
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
    guess: SearchGuess | None = None
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
        # There is work. The search index after an edit is guessed by a helper forked
        # now, which loads the last index meanwhile (not before: a build with nothing
        # to do would wait for it to stop).
        guess = SearchGuess(store, root, last if carried else None)
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
                # Files unchanged since the last build are linked from the current site
                # (or carried over already).
                previous = last.written if last else {}
                current_site = None if carried else output
                structure = input_fingerprint(root, sources, options, store.engine, texts=False)
                with SearchStage(store, new, previous, current_site) as search:
                    if carried:
                        search.guess(guess, sources, output)
                    # There is work: only now import what does it (Markdown, Jinja2,
                    # NumPy), which takes longer than everything above.
                    from zhuanlan.patch import skeleton_of
                    from zhuanlan.pipeline import model_site, plan_pages, render_pages_into
                    from zhuanlan.slugs import remembered_slugs

                    # Only bodies edited: their pages, feeds and search entries are all
                    # that changed, made without the site model.
                    made = (
                        _patch_bodies(
                            last, store, structure, sources, options, root, output, new, search
                        )
                        if last is not None and carried and not problems
                        else None
                    )
                    if made is None:
                        site = model_site(sources, options, problems, store)
                        search.plan(site)
                        renderer, keys = plan_pages(site, root, sources, frame)
                        # The texts and their parses (70 MB at 10,000 articles) have
                        # served: let them go before the render workers are forked, and
                        # make room for the search index.
                        del sources
                        release_free_memory()
                        # Pages whose inputs are as they were: carried over already.
                        before = last.pages if last is not None and carried else {}
                        to_render = [
                            i
                            for i, page in enumerate(renderer.pages)
                            if before.get(page[0]) != keys.pages[page[0]]
                        ]
                        # Render and write them on every core, each page straight to its
                        # file, so no process holds the whole site in memory.
                        render_pages_into(new, renderer, to_render)
                        release_free_memory()  # before the search index's workers fork
                        # Feeds, sitemap, static files and assets, then the search index.
                        written: dict[str, str] = {}
                        others = renderer.files_besides_search()
                        files = write_files(
                            new, mark_unchanged(others, previous, written), current_site
                        )
                        store.save_skeleton(
                            skeleton_of(
                                renderer,
                                inputs,
                                structure,
                                keys.columns,
                                list(written),
                                remembered_slugs(),
                            )
                        )
                        made = Made(
                            SiteSummary.of(site),
                            keys.pages,
                            [renderer.pages[index][0] for index in to_render],
                            files,
                            written,
                            inputs,
                        )
                        # The model and every page's context have served too: only the
                        # search index's documents are left to make it from.
                        del site, renderer, keys
                        release_free_memory()
                    indexed = search.finish()
                    if indexed is not None:
                        made.files.extend(indexed.paths)
                        made.written.update(indexed.hashes)
                        made = replace(made, search=index_identity(indexed.keys))
                        store.problem = store.problem or indexed.note
            pages, files, written = made.pages, made.files, made.written
            gone = tuple(set(last.paths()).difference(pages, files)) if last else ()
            if carried:
                settle(new, folder, gone)
            state = files_state(folder, [MARKER, *pages, *files])
    finally:
        linker.close()
        if guess is not None:
            guess.close()
    count = len(pages) + len(files)
    # What the next build needs to bring the spare up to this site: what this build
    # changed in the site it replaced; nothing when it had none and the spare is made
    # from this site instead, in the background, after the build.
    spare_state = last.output_state if last is not None else ""
    fresh = list(made.rendered)
    fresh += [path for path in files if path not in written or previous.get(path) != written[path]]
    if not spare_usable(store.spare, output) and mirror_as_spare(output, store.spare):
        spare_state, fresh, gone = state, [], ()
    store.save_last_build(
        LastBuild(
            inputs,
            str(output.resolve()),
            state,
            made.summary,
            count,
            pages,
            written,
            frame,
            record,
            tuple(files),
            tuple(fresh),
            gone,
            spare_state,
            made.skeleton,
            made.search,
        )
    )
    return BuildResult(
        made.summary,
        count,
        cache_note=store.problem,
        pages=len(pages),
        rendered=len(made.rendered),
    )


@dataclass(frozen=True)
class Made:
    """What a build made of the site, written into its folder."""

    summary: SiteSummary
    pages: dict[str, str]
    """Every page's key (see `pipeline.page_dependencies`), by URL."""
    rendered: list[str]
    """The pages rendered; the others were carried over from the last build."""
    files: list[str]
    """Every other file's path."""
    written: dict[str, str]
    """A hash of each of those that was rendered (feeds, sitemap, search index)."""
    skeleton: str
    """`Skeleton.made_by` of the skeleton of the site (see `zhuanlan.patch`)."""
    search: str = ""
    """`index_identity` of its search index, once made (empty: none)."""


def _patch_bodies(
    last: LastBuild,
    store: BuildCacheStore,
    structure: str,
    sources: ProjectSources,
    options: BuildOptions,
    root: Path,
    output: Path,
    new: Path,
    search: SearchStage,
) -> Made | None:
    """The last build's site with the pages, feeds and search entries of the articles
    whose bodies alone were edited made again (see `zhuanlan.patch`); None, having
    written nothing, when anything else may have changed."""
    from zhuanlan.patch import patch_bodies
    from zhuanlan.render import copied_files

    skeleton = store.load_skeleton() if last.skeleton else None
    if skeleton is None or (skeleton.made_by, skeleton.structure) != (last.skeleton, structure):
        return None
    recorded = last.sources.files
    edited = [
        source
        for column in sources.columns
        for source in column.articles
        if source.path not in recorded or recorded[source.path][1] != source.digest
    ]
    patch = patch_bodies(skeleton, edited, options, root, output, last.written)
    # The search index: the one guessed from the texts alone is right.
    if patch is None or (skeleton.config.search and not search.take_guess()):
        return None
    store.add_parsed(patch.parsed)
    write_files(new, [page for page, _ in patch.pages.values()])
    written = {path: last.written[path] for path in skeleton.machine_readable}
    write_files(new, mark_unchanged(patch.feeds, {}, written))
    files = list(skeleton.machine_readable)
    files += write_files(new, copied_files(template_dirs(root), root, skeleton.assets))
    pages = dict(last.pages)
    pages.update((url, key) for url, (_, key) in patch.pages.items())
    return Made(last.summary, pages, list(patch.pages), files, written, skeleton.made_by)


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
    root: Path, sources: ProjectSources, options: BuildOptions, engine: str, *, texts: bool = True
) -> str:
    """A hash of everything a build reads: texts, assets, templates, options, engine.

    Without `texts`, of everything but the articles' texts (their files are in).
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{engine}\0{options!r}\n".encode())
    files = [sources.site_file] if sources.site_file else []
    for column in sources.columns:
        files += [column.column_file] if column.column_file else []
        for asset in column.assets:
            status = (root / CONTENT_DIR / column.folder / asset).stat()
            digest.update(
                f"{column.folder}/{asset}\0{status.st_size}\0{status.st_mtime_ns}\n".encode()
            )
        for article in column.articles:
            digest.update(f"{article.path}\0{article.digest if texts else ''}\n".encode())
    for source in files:
        digest.update(f"{source.path}\0{source.digest}\n".encode())
    digest.update(repr(theme_fingerprint(root)).encode())
    return digest.hexdigest()
