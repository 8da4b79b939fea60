"""Spreading independent work over the machine's cores.

Parsing Markdown dominates a build and every file is parsed on its own, so the work is
mapped over worker processes (threads would not help: the work is pure Python). Workers
are forked, so they start instantly with everything already imported. Small batches,
single-core machines and processes that run other threads (the preview server: forking
a threaded process is unsafe) do the work in-process instead.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from functools import partial
from multiprocessing.connection import Connection
from typing import IO, Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

MINIMUM_BATCH = 48
"""Below this many items, starting workers costs more than it saves."""


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def map_parallel(
    function: Callable[[T], R], items: Sequence[T], minimum_batch: int = MINIMUM_BATCH
) -> list[R]:
    """`[function(item) for item in items]`, over several processes when it pays.

    `minimum_batch` is how many items are worth a worker: fewer for heavier items.
    """
    workers = min(usable_cores(), max(1, len(items) // minimum_batch))
    if (
        workers < 2
        or threading.active_count() > 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [function(item) for item in items]
    # This process takes every `workers`-th item itself instead of waiting idle: one
    # process fewer, each a copy of what it touches of the site (CPython writes the
    # reference count of every object it reads, so forked memory does not stay shared).
    mine = items[workers - 1 :: workers]
    theirs = [item for index, item in enumerate(items) if index % workers != workers - 1]
    chunk = max(1, len(theirs) // (workers * 8))
    # An executor, not a `multiprocessing.Pool`: a pool whose worker is killed (by the
    # kernel when memory runs out) waits for its lost items for ever.
    with ProcessPoolExecutor(
        workers - 1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        pending = pool.map(function, theirs, chunksize=chunk)
        done_here = [function(item) for item in mine]
        try:
            done_there = list(pending)
        except BrokenProcessPool:  # a worker died: its share is done here
            done_there = [function(item) for item in theirs]
    # Back in the order of `items`.
    results: list[R] = []
    here, there = iter(done_here), iter(done_there)
    for index in range(len(items)):
        results.append(next(here) if index % workers == workers - 1 else next(there))
    return results


def in_child(function: Callable[[T], R], argument: T) -> R:
    """`function(argument)` in a forked child process, so that what it loads and
    allocates goes away with the child; in this process where forking is unsafe, or
    when the child fails or dies (so that an error is raised here, as any other)."""
    with Background(partial(function, argument)) as child:
        return child.result()


class Background(Generic[R]):
    """`function()` in a child process forked now, while this process goes on; `result`
    waits for what it returns.

    Where forking is unsafe (threads run) or fails, and when the child fails or dies,
    the function runs in this process when the result is asked for, so that its error is
    raised here as any other. Leaving the ``with`` block stops a child still running.
    The child hands its result over in a temporary file, not a pipe: it can then exit
    (and give its memory back) as soon as it is done, whatever the result's size.
    """

    def __init__(self, function: Callable[[], R]) -> None:
        self._function = function
        self._child: multiprocessing.process.BaseProcess | None = None
        self._answer: IO[bytes] | None = None
        if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        answer = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result or __exit__
        # Not a daemon: a daemonic process may not start workers of its own.
        child = multiprocessing.get_context("fork").Process(
            target=_answer_in_child, args=(function, answer, os.getpid()), daemon=False
        )
        try:
            child.start()
        except OSError:  # no process to be had (EAGAIN, ENOMEM): work here instead
            answer.close()
            return
        self._child, self._answer = child, answer

    def result(self, otherwise: Callable[[], R] | None = None) -> R:
        """What the function returned in the child; else what `otherwise` (by default the
        function itself) returns, run here."""
        child, answer = self._child, self._answer
        self._child = self._answer = None
        if child is not None and answer is not None:
            with answer:
                try:
                    child.join()
                except BaseException:  # an interrupt: the child is not waited for
                    _stop(child)
                    raise
                if child.exitcode == 0:
                    answer.seek(0)
                    with suppress(Exception):  # an answer cut short: as if it died
                        return cast(R, pickle.load(answer))
        return (otherwise or self._function)()

    def __enter__(self) -> Background[R]:
        return self

    def __exit__(self, *error: object) -> None:
        if self._child is not None:
            _stop(self._child)
        if self._answer is not None:
            self._answer.close()
        self._child = self._answer = None


def _answer_in_child(function: Callable[[], R], answer: IO[bytes], parent: int) -> None:
    _die_with_parent(parent)
    try:
        pickle.dump(function(), answer)
        answer.flush()
    except BaseException:
        os._exit(1)  # quietly: the parent runs it again and reports the error itself


class Standby(Generic[R]):
    """A helper process forked now, to run a function later alongside this process.

    For work that is mostly system calls (linking thousands of files), which would
    otherwise wait its turn behind the computation; or that needs a slow preparation
    (an import), done meanwhile. Forked early, while this process is small: a helper
    forked later keeps alive its copy of whatever this process frees in the meantime
    (at 10,000 articles, tens of megabytes of their texts). The function is fixed now;
    its arguments are sent later, pickled. Where there is no helper (threads run, so
    forking is unsafe; or it could not be forked, or has died), the function runs in
    this process when it is given them. One helper runs the function once.
    """

    def __init__(
        self,
        function: Callable[..., R],
        needed: bool = True,
        *,
        prepare: Callable[[], object] | None = None,
    ) -> None:
        """Without `needed`, no process is forked. The helper runs `prepare` at once."""
        self._function = function
        self._child: multiprocessing.process.BaseProcess | None = None
        self._sending: Connection | None = None
        self._answers: Connection | None = None
        self._started: tuple[object, ...] = ()
        self._pending: tuple[multiprocessing.process.BaseProcess, Connection] | None = None
        if (
            not needed
            or threading.active_count() > 1
            or "fork" not in multiprocessing.get_all_start_methods()
        ):
            return
        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        answers, answering = context.Pipe(duplex=False)
        child = context.Process(
            target=_stand_by,
            args=(function, prepare, receiving, sending, answering, os.getpid()),
            daemon=True,
        )
        try:
            child.start()
        except OSError:  # no process to be had (EAGAIN, ENOMEM): work here instead
            sending.close()
            answers.close()
            return
        finally:
            receiving.close()
            answering.close()  # so that a helper that dies closes the last one: EOFError
        self._child, self._sending, self._answers = child, sending, answers

    @contextmanager
    def running(self, *arguments: object) -> Iterator[None]:
        """Run the function on `arguments` in the helper while the block runs here, and
        wait for it at the end.

        A helper that fails is followed by running the function here, so that its error
        is raised as any other. If the block raises, the helper is stopped.
        """
        child, sending, answers = self._take()
        if child is not None and sending is not None:
            try:
                with sending:
                    sending.send((arguments, False))  # no answer wanted
            except OSError:  # the helper died waiting (a broken pipe)
                _stop(child)
                child = None
        try:
            if child is None:
                self._function(*arguments)
                yield
                return
            try:
                yield
                child.join()
            except BaseException:
                _stop(child)
                raise
            if child.exitcode != 0:
                self._function(*arguments)
        finally:
            if answers is not None:
                answers.close()

    def call(self, *arguments: object, otherwise: Callable[..., R] | None = None) -> R:
        """Run the function on `arguments` in the helper and return what it returns.
        If there is no helper, or it failed, `otherwise` (by default the function
        itself) runs on them here instead, so that an error is raised here."""
        self.start(*arguments)
        return self.answer(otherwise)

    def start(self, *arguments: object) -> None:
        """Have the helper run the function on `arguments` while this process goes on;
        `answer` waits for what it returns."""
        self._started = arguments
        child, sending, answers = self._take()
        if child is None or sending is None or answers is None:
            return
        try:
            with sending:
                sending.send((arguments, True))
        except OSError:  # the helper died waiting (a broken pipe)
            _stop(child)
            answers.close()
            return
        self._pending = child, answers

    def answer(self, otherwise: Callable[..., R] | None = None) -> R:
        """What the function returned on the arguments given to `start`. If there is no
        helper, or it failed, what `otherwise` (by default the function itself) returns
        on them, run here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            child, answers = pending
            try:
                answer: R = answers.recv()
                child.join()
                return answer
            except (OSError, EOFError):  # it died, or failed
                _stop(child)
            except BaseException:
                _stop(child)
                raise
            finally:
                answers.close()
        return (otherwise or self._function)(*self._started)

    def close(self) -> None:
        """Stop a helper whose answer was not asked for (it may be busy preparing, or
        working: what it does is no longer wanted)."""
        child, sending, answers = self._take()
        if self._pending is not None:
            (child, answers), self._pending = self._pending, None
        for pipe in (sending, answers):
            if pipe is not None:
                pipe.close()
        if child is not None:
            _stop(child)

    def _take(
        self,
    ) -> tuple[multiprocessing.process.BaseProcess | None, Connection | None, Connection | None]:
        """The helper and its pipes, which are used once."""
        taken = self._child, self._sending, self._answers
        self._child = self._sending = self._answers = None
        return taken


def _stop(child: multiprocessing.process.BaseProcess) -> None:
    child.terminate()
    child.join()


def _stand_by(
    function: Callable[..., object],
    prepare: Callable[[], object] | None,
    receiving: Connection,
    sending: Connection,
    answering: Connection,
    parent: int,
) -> None:
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the parent stops this helper itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sending.close()  # this copy too: the end of the pipe comes when the parent closes its own
    if prepare is not None:
        with suppress(Exception):  # what fails shows when the function runs
            prepare()
    try:
        arguments, answer_wanted = receiving.recv()
    except EOFError:
        return  # the parent is gone, or closed the pipe without a word
    try:
        result = function(*arguments)
        if answer_wanted:
            answering.send(result)
    except BaseException:
        os._exit(1)  # quietly: the parent runs it again and reports the error itself


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector run 140 times less often for a while: a build.

    A build makes millions of objects that live until it ends (texts, parses, the site
    model) and almost no reference cycles; by default the collector runs every 700
    allocations and walks the survivors again and again: 0.2-0.3 s of a 2.3 s rebuild
    at 10,000 articles (mypy raises it for the same reason). Workers forked meanwhile
    inherit it. (The preview gains nothing from it: it freezes what it keeps.)
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 30, 30)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while: loading the parse cache makes
    hundreds of thousands of objects, none of them garbage, and the collector walked
    them again and again meanwhile (0.04 s of 0.3 s at 10,000 articles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def release_free_memory() -> None:
    """Give memory this process has freed back to the system (glibc's ``malloc_trim``).

    Freed memory otherwise stays in the process; every worker forked afterwards then
    maps it too, and a large build's memory is counted in those pages. Elsewhere than
    glibc, nothing happens.
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameters (malloc.h)."""
KEPT_HEAP_BYTES = 64 * 1024 * 1024
"""Freed memory a process keeps at the top of its heap in `freed_memory_kept`: several
times what the arrays of one search chunk take at their peak (about 15 MB for 128
articles of 5 KB), so that longer articles are covered too."""
_HEAP_BLOCK_BYTES = 32 * 1024 * 1024
"""Blocks below this size come from the heap in `freed_memory_kept` (glibc's largest
threshold): NumPy's arrays for a search chunk are 1-10 MB."""
_GLIBC_DEFAULT_BYTES = 128 * 1024
"""glibc's initial trim and map thresholds."""


@contextmanager
def freed_memory_kept() -> Iterator[None]:
    """Large blocks this process (and workers forked meanwhile) frees are kept for its
    next allocations instead of given back at once, until the block ends; then they are
    (`release_free_memory`).

    For repeated work on large arrays (indexing search chunks, one after the other):
    glibc gives blocks above a threshold back when they are freed, and a process then
    faulted in fresh, zeroed pages for every array of every chunk: 15,000 page faults a
    chunk, 40 % of its time spent in the kernel. The peak is the same either way, since
    every chunk reaches it; between chunks, the memory is kept instead of given back.
    Elsewhere than glibc, nothing changes.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCK_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, KEPT_HEAP_BYTES)
    try:
        yield
    finally:
        if libc is not None:
            # Back to glibc's initial thresholds (fixed, now: setting them stops glibc
            # from raising them as it goes, which does not matter after a build's work).
            libc.mallopt(_M_MMAP_THRESHOLD, _GLIBC_DEFAULT_BYTES)
            libc.mallopt(_M_TRIM_THRESHOLD, _GLIBC_DEFAULT_BYTES)
            release_free_memory()


def _glibc() -> ctypes.CDLL | None:
    """The C library, if it is glibc (which has ``mallopt`` and ``malloc_trim``)."""
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc's own function: musl has none
    except (OSError, AttributeError):
        return None
    return libc


PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this worker end when the build process does, even when it is SIGKILLed.

    Otherwise a worker of a killed build would go on writing into the staging folder
    while the next build deletes it.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
