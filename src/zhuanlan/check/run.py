"""The check, start to finish: read, build into a temporary folder, look at everything.

The build is the real one (the same parse, assemble and render stages, the same
parallel rendering) but in memory and into a private temporary folder: ``site/`` and
the build cache ``.zhuanlan-cache/`` are never read or written, so a check can neither
change the published site nor make the next ``zhuanlan build`` trust stale work. The
temporary folder is removed however the check ends (an error, Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from zhuanlan.build import check_project
from zhuanlan.check.fix import Fix, fix_file
from zhuanlan.check.links import check_site
from zhuanlan.check.problem import CheckProblem, ordered
from zhuanlan.check.sources import documents, source_problems
from zhuanlan.errors import ContentError, Problem, Problems, UsageError
from zhuanlan.load import load_project
from zhuanlan.model import BuildOptions, Site, SiteSummary
from zhuanlan.pipeline import model_sources
from zhuanlan.render import Renderer
from zhuanlan.write import write_files

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

TEMPORARY_PREFIX = "zhuanlan-check-"


@dataclass(frozen=True)
class CheckResult:
    """Everything the check found."""

    problems: tuple[CheckProblem, ...]
    """In reading order: by file, then line."""
    summary: SiteSummary | None
    """What the site holds; None when it could not be built."""
    pages: int = 0
    """How many pages the built site has (0 when it could not be built)."""

    @property
    def errors(self) -> int:
        return sum(problem.severity == "error" for problem in self.problems)

    @property
    def warnings(self) -> int:
        return sum(problem.severity == "warning" for problem in self.problems)


def run_check(root: Path, options: BuildOptions) -> CheckResult:
    """Check the project at `root`; `UsageError` when there is no project to check."""
    root = check_project(root)
    problems = Problems()
    sources = load_project(root, problems)
    found: list[CheckProblem] = []
    site: Site | None = None
    try:
        site = model_sources(sources, options, problems)
    except ContentError as error:
        found += [CheckProblem.from_build(problem) for problem in error]
    published = (
        {article.path for column in site.columns for article in column.articles}
        if site is not None
        else None
    )
    found += source_problems(sources, options, published)
    pages = 0
    if site is not None:
        found += _empty_columns(site)
        try:
            with _interruptible(), _temporary_folder() as folder:
                renderer = Renderer(site, root)
                pages = len(renderer.pages)
                _write_site(folder, renderer)
                found += check_site(site, folder, sources)
        except ContentError as error:  # a template error
            found += [CheckProblem.from_build(problem) for problem in error]
            site, pages = None, 0
        except OSError as error:
            raise UsageError(
                f"无法在临时目录中构建网站：{error}",
                "检查磁盘空间，以及临时目录（环境变量 TMPDIR）是否可写",
            ) from None
    summary = SiteSummary.of(site) if site is not None else None
    return CheckResult(tuple(ordered(found)), summary, pages)


def _write_site(folder: Path, renderer: Renderer) -> None:
    """Render every page into `folder` and copy the other files, as the build does.

    In this process, one page after another: no worker processes while the temporary
    folder exists, because interrupting a process that is starting or stopping workers
    can leave them behind (see `_interruptible`).
    """
    problems: list[Problem] = []
    for index in range(len(renderer.pages)):
        try:
            write_files(folder, [renderer.render(index)])
        except ContentError as error:  # a template error: report every page's
            problems.extend(error)
    if problems:
        raise ContentError(problems)
    write_files(folder, renderer.other_files())


def fix_project(root: Path, options: BuildOptions) -> list[Fix]:
    """Apply the punctuation fixes to every body the check looks at."""
    root = check_project(root)
    sources = load_project(root, Problems())
    fixes: list[Fix] = []
    for document in documents(sources, options):
        try:
            fixes += fix_file(root, document.path)
        except OSError as error:
            raise UsageError(
                f"无法写入 {document.path}：{error.strerror or error}",
                "检查文件是否被其他程序占用，以及是否有写入权限",
            ) from None
    return fixes


def _empty_columns(site: Site) -> list[CheckProblem]:
    """Columns the build leaves out because nothing in them is published (it warns too)."""
    return [
        CheckProblem(
            path,
            None,
            None,
            "warning",
            "empty-column",
            None,
            "专栏没有已发布的文章，不会出现在网站上",
            "至少发布一篇文章（不是草稿、发布日期不晚于今天）；用 --drafts、--future 可检查草稿和未来的文章",
        )
        for path in site.empty_columns
    ]


@contextmanager
def _temporary_folder() -> Iterator[Path]:
    """A new private folder, removed afterwards even if Ctrl-C or SIGTERM comes in between."""
    folder: Path | None = None
    try:
        # Not interrupted between creating the folder and taking charge of it: a signal
        # waits until `folder` is set, and then the `finally` removes it.
        with _signals_held():
            folder = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX))
        yield folder
    finally:
        if folder is not None:
            with _signals_held():  # a second Ctrl-C must not cut the removal short
                shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM during the block; they arrive when it ends."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _interruptible() -> Iterator[None]:
    """Let SIGTERM end the check as Ctrl-C does, by raising `KeyboardInterrupt`, so the
    temporary folder is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    interrupted: list[int] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        interrupted.append(signum)
        raise KeyboardInterrupt

    def unraisable(report: UnraisableHookArgs) -> None:
        # Python drops an exception raised where it cannot propagate (in a __del__
        # method, say) and prints it; this one is raised again below.
        if not (interrupted and isinstance(report.exc_value, KeyboardInterrupt)):
            previous_hook(report)

    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, interrupt) for number in signals}
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for number, handler in previous.items():
            signal.signal(number, handler)
    if interrupted:
        raise KeyboardInterrupt
