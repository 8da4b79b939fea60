"""The preview's builds: generations in a temporary folder, never ``site/``.

Each successful rebuild is written into a new generation folder and then published by
swapping one reference, so a request always gets one complete build — never a missing or
half-written file. Files that did not change are hard-linked from the previous generation
instead of being written again, and the build cache makes the rebuild itself redo only
what the edit affects. A failed rebuild keeps the last good generation published and
records its problems, for the browser to show.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from zhuanlan.errors import ContentError, Problem
from zhuanlan.model import BuildOptions, Site
from zhuanlan.output import OutputFile
from zhuanlan.pipeline import BuildCache, render_project
from zhuanlan.render import RenderCache


@dataclass(frozen=True)
class Snapshot:
    """What the preview serves at one moment."""

    folder: Path | None
    """The last good build, or None when no build has succeeded yet."""
    generation: int
    """Number of the last good build; pages carry it, to know when they are outdated."""
    problems: tuple[Problem, ...]
    """Problems of the last build attempt; empty when it succeeded."""
    version: int
    """Counts build attempts: a new value means something happened."""


@dataclass(frozen=True)
class Outcome:
    """How one rebuild went, for the log line."""

    site: Site | None
    """The site that was built; None when the build failed."""
    seconds: float
    pages_rendered: int
    """Pages rendered again (the others were unchanged)."""
    problems: tuple[Problem, ...]


class Preview:
    """Builds the project into generation folders and publishes the latest good one."""

    def __init__(self, root: Path, options: BuildOptions) -> None:
        self.root = root
        self.options = options
        self.cache = BuildCache()
        self.workdir = Path(tempfile.mkdtemp(prefix="zhuanlan-preview-"))
        self._snapshot = Snapshot(None, 0, (), 0)
        self._changed = threading.Condition()
        self._closed = False
        self._sources: dict[str, tuple[int, int, int]] = {}

    @property
    def snapshot(self) -> Snapshot:
        """What to serve now."""
        return self._snapshot

    def rebuild(self) -> Outcome:
        """Build again; publish the result if it succeeded, else record the problems."""
        started = time.perf_counter()
        previous = self._snapshot
        folder = self.workdir / str(previous.generation + 1)
        try:
            site, outputs = render_project(self.root, self.options, self.cache)
            self._write(outputs, folder, previous.folder)
        except (ContentError, OSError) as error:
            if isinstance(error, OSError):
                # What was rendered never got published: nothing of it may be reused.
                self.cache.rendered = RenderCache()
                shutil.rmtree(folder, ignore_errors=True)
                error = ContentError(
                    [Problem(str(folder), None, None, f"写入预览目录失败：{error}")]
                )
            self._publish(
                Snapshot(previous.folder, previous.generation, tuple(error), previous.version + 1)
            )
            return Outcome(None, time.perf_counter() - started, 0, tuple(error))
        self._publish(Snapshot(folder, previous.generation + 1, (), previous.version + 1))
        seconds = time.perf_counter() - started
        # The generation before the previous one can go: requests in flight a moment ago
        # may still be reading the previous one. Deleting a large site takes a second or
        # more, which the browser, reloading already, need not wait for.
        keep = (folder.name, previous.folder.name if previous.folder else "")
        old = [path for path in self.workdir.iterdir() if path.name not in keep]
        if old:
            threading.Thread(target=_remove_all, args=(old,), daemon=True).start()
        return Outcome(site, seconds, self.cache.rendered.rendered, ())

    def wait_for_change(self, seen: Snapshot | None, timeout: float) -> Snapshot:
        """Block until the snapshot differs from `seen`, the preview closes, or time is up."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or self._snapshot is not seen, timeout=timeout
            )
            return self._snapshot

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    def close(self) -> None:
        """Wake every waiting client and remove the temporary folder."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _publish(self, snapshot: Snapshot) -> None:
        with self._changed:
            self._snapshot = snapshot
            self._changed.notify_all()

    def _write(self, outputs: list[OutputFile], folder: Path, previous: Path | None) -> None:
        sources: dict[str, tuple[int, int, int]] = {}
        made: set[Path] = set()
        for item in outputs:
            destination = folder / item.path
            if destination.parent not in made:
                destination.parent.mkdir(parents=True, exist_ok=True)
                made.add(destination.parent)
            if item.unchanged and previous is not None:
                os.link(previous / item.path, destination)
            elif item.content is not None:
                destination.write_bytes(item.content)
            elif item.source is not None:
                status = item.source.stat()
                key = (status.st_mtime_ns, status.st_size, status.st_ino)
                sources[str(item.source)] = key
                if previous is not None and self._sources.get(str(item.source)) == key:
                    os.link(previous / item.path, destination)
                else:
                    shutil.copyfile(item.source, destination)
        self._sources = sources


def _remove_all(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
