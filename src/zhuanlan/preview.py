"""The preview's builds: generations in a temporary folder, never ``site/``.

Each successful rebuild is written into a new generation folder and then published by
swapping one reference, so a request always gets one complete build — never a missing or
half-written file. Files that did not change are hard-linked from the previous generation
instead of being written again, and the build cache makes the rebuild itself redo only
what the edit affects. A failed rebuild keeps the last good generation published and
records its problems, for the browser to show.
"""

from __future__ import annotations

import gc
import os
import posixpath
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
from zhuanlan.write import remove_empty_folders


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
        self._sources: dict[str, tuple[str, int, int, int]] = {}
        """Each copied file's address in the published generation: its source, status."""
        self._spare: _Spare | None = None

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
            present = self._take_spare(folder)
            self._write(outputs, folder, previous.folder, present)
        except (ContentError, OSError) as error:
            if isinstance(error, OSError):
                # What was rendered never got published: nothing of it may be reused,
                # and the copy being prepared may be writing into this very folder.
                self.cache.rendered = RenderCache()
                self._sources = {}
                self._drop_spare()
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
        # What this process holds now (the site, the caches: millions of objects for a
        # large archive) stays until the next rebuild replaces it. Frozen, the garbage
        # collector's full passes (one or two a rebuild, 0.2 s each at 10,000 articles)
        # stop walking it; once replaced, it is freed by reference counting all the same.
        # Before that, one pass over what this rebuild made (0.05 s: the rest is frozen)
        # frees the reference cycles it left, which frozen would never be freed.
        gc.collect()
        gc.freeze()
        # Copying the new generation for the next rebuild (a hard link per file, a folder
        # per page: seconds for a large site) starts now, while the author reads.
        self._spare = _Spare(folder, self.workdir / str(previous.generation + 2))
        # The generation before the previous one can go: requests in flight a moment ago
        # may still be reading the previous one. Deleting a large site takes a second or
        # more, which the browser, reloading already, need not wait for.
        keep = (
            folder.name,
            self._spare.folder.name,
            previous.folder.name if previous.folder else "",
        )
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
        self._drop_spare()  # before removing the folder it writes into
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _publish(self, snapshot: Snapshot) -> None:
        with self._changed:
            self._snapshot = snapshot
            self._changed.notify_all()

    def _take_spare(self, folder: Path) -> set[str]:
        """The files already in `folder`: the copy of the published generation prepared
        since the last rebuild, when there is one for this folder (else none)."""
        spare = self._spare
        if spare is None or spare.folder != folder:
            self._drop_spare()
            shutil.rmtree(folder, ignore_errors=True)
            return set()
        # Still referenced while waiting: if Ctrl-C lands now, close() cancels it.
        present = spare.finish()
        self._spare = None
        return present

    def _drop_spare(self) -> None:
        if self._spare is not None:
            self._spare.cancel()
            self._spare = None

    def _write(
        self, outputs: list[OutputFile], folder: Path, previous: Path | None, present: set[str]
    ) -> None:
        """Make `folder` hold exactly `outputs`. Files in `present` are already there,
        linked to `previous`'s: unchanged ones are left, others replaced or removed."""
        sources: dict[str, tuple[str, int, int, int]] = {}
        made: set[str] = set()
        wanted: set[str] = set()
        for item in outputs:
            wanted.add(item.path)
            unchanged = item.unchanged
            if item.source is not None:
                # The same file at the same address: a column that moved (a new slug)
                # takes its unchanged assets to an address the last generation lacks.
                status = item.source.stat()
                key = (str(item.source), status.st_mtime_ns, status.st_size, status.st_ino)
                sources[item.path] = key
                unchanged = self._sources.get(item.path) == key
            if unchanged and previous is not None and item.path in present:
                continue  # most files of a rebuild: nothing to do
            destination = folder / item.path
            parent = posixpath.dirname(item.path)
            if item.path not in present and parent not in made:
                destination.parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            if unchanged and previous is not None:
                os.link(previous / item.path, destination)
                continue
            # Never write into a present file: it is a link to the published one.
            if item.path in present:
                destination.unlink()
            if item.content is not None:
                destination.write_bytes(item.content)
            elif item.source is not None:
                shutil.copyfile(item.source, destination)
        for path in present - wanted:
            (folder / path).unlink()
            remove_empty_folders((folder / path).parent, folder)
        self._sources = sources


class _Spare:
    """A copy of a generation, hard-linked file by file in a background thread: the
    folder the next rebuild updates instead of linking the whole site again."""

    def __init__(self, source: Path, folder: Path) -> None:
        """Begin copying `source` into `folder` (which must not exist)."""
        self.folder = folder
        self._files: set[str] = set()
        self._failed = False
        self._thread = threading.Thread(target=self._copy, args=(source,), daemon=True)
        self._thread.start()

    def finish(self) -> set[str]:
        """Wait for the copy; the files it holds (none when it failed)."""
        self._thread.join()
        if self._failed:
            shutil.rmtree(self.folder, ignore_errors=True)
            return set()
        return self._files

    def cancel(self) -> None:
        """Stop copying (soon) and wait until the thread has stopped."""
        self._failed = True
        self._thread.join()

    def _copy(self, source: Path) -> None:
        try:
            for directory, _, names in os.walk(source):
                if self._failed:  # cancelled
                    return
                relative = Path(directory).relative_to(source).as_posix()
                target = self.folder / relative
                target.mkdir(parents=True, exist_ok=True)
                for name in names:
                    if self._failed:  # cancelled
                        return
                    os.link(Path(directory) / name, target / name)
                    self._files.add(name if relative == "." else f"{relative}/{name}")
        except OSError:
            self._failed = True


def _remove_all(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
