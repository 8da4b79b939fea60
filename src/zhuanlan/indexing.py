"""The search index's part of a build, made as early as it can be.

At 10,000 articles the index takes seconds to make from scratch, and a few tenths of
a second after an edit, which re-indexes one chunk and remakes the shards of its group.
So, by what the last build left (see `SearchStage`):

- after an edit, it is made before the site model, in a child, on the guess that only
  texts changed (`guess_search_index`); the guess is checked against the model, and
  used if it was right;
- else, when one chunk changed, it is made in a child while the pages are rendered;
- else it is made after rendering, on every core, so that rendering and indexing
  workers never hold memory at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from zhuanlan.cache import BuildCacheStore, LastBuild
from zhuanlan.errors import Problems
from zhuanlan.load import ProjectSources, RecordedSourceFile, SourceFile
from zhuanlan.model import Site
from zhuanlan.output import mark_unchanged
from zhuanlan.parallel import Background, Standby
from zhuanlan.write import settle, side_folder, write_files

# What makes the index (NumPy, and Markdown to parse texts again) is imported where it
# is used: a build forks the guess's child first, and both then import at once.
if TYPE_CHECKING:
    from zhuanlan.search.index import SearchCache, SearchPlan


class SearchStage:
    """The search index of one build: `guess` (optional) as soon as the texts are read,
    `plan` once the site model is made, `finish` after the pages are rendered.

    A context manager: leaving it stops the children it started and removes what a
    guess wrote aside.
    """

    def __init__(
        self,
        store: BuildCacheStore,
        folder: Path,
        previous: Mapping[str, str],
        current_site: Path | None,
    ) -> None:
        """Write into `folder`; files hashing as in `previous` are carried over from
        `current_site` (or, without it, are there already: see `write_files`)."""
        self._store, self._folder = store, folder
        self._previous, self._current_site = previous, current_site
        self._exits = ExitStack()
        self._plan: SearchPlan | None = None
        self._guess: tuple[Path, SearchGuess] | None = None
        self._alongside: Background[SearchWritten] | None = None
        self._done: SearchWritten | None = None

    def __enter__(self) -> SearchStage:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._exits.__exit__(kind, error, traceback)

    def guess(self, guess: SearchGuess, sources: ProjectSources, output: Path) -> None:
        """Have `guess` make the index the current one would be with the texts of
        `sources`, aside (beside `output`). Only for a build that carries the last
        build's files over (`current_site` is None)."""
        assert self._current_site is None
        aside = self._exits.enter_context(side_folder(output))
        guess.start(sources, aside)
        self._exits.callback(guess.close)
        self._guess = aside, guess

    def plan(self, site: Site) -> None:
        """The model is made: use the guess if it was right, or else start the index in
        a child if one chunk changed (`finish` makes it otherwise)."""
        guess, self._guess = self._guess, None
        # Not made again here if it failed; waited for even if unused, since it keeps
        # its chunks in the cache.
        guessed = guess[1].answer(needed=False) if guess is not None else None
        if not site.config.search:
            return
        from zhuanlan.search.index import SearchPlan

        plan = self._plan = SearchPlan.of(site)
        if guess is not None and guessed is not None and guessed.keys == plan.keys:
            settle(guess[0], self._folder, ())
            self._done = guessed
            return
        if self._current_site is None and plan.unindexed(self._store.search_keys()) <= 1:
            self._alongside = self._exits.enter_context(Background(self._write))

    def take_guess(self) -> bool:
        """Use the guess without a site model: for a build that knows that articles
        changed in their bodies alone (see `zhuanlan.patch`), for which the guess is
        right. False when there was no guess or it failed: the build then makes the
        model and calls `plan`."""
        guess, self._guess = self._guess, None
        # Made here if there was no child (or it failed): the patch needs it.
        guessed = guess[1].answer(needed=True) if guess is not None else None
        if guess is None or guessed is None:
            return False
        settle(guess[0], self._folder, ())
        self._done = guessed
        return True

    def finish(self) -> SearchWritten | None:
        """The index written (None: the site has none, and its cache is dropped)."""
        if self._done is not None:
            return self._done
        if self._plan is None:
            self._store.save_search(None)  # tens of megabytes, for nothing now
            return None
        if self._alongside is not None:
            # If the child failed, the files it wrote are replaced.
            return self._alongside.result(partial(self._write, replace=True))
        return self._write()

    def _write(self, *, replace: bool = False) -> SearchWritten:
        assert self._plan is not None
        return write_search_index(
            self._plan,
            self._store,
            self._folder,
            self._previous,
            self._current_site,
            replace=replace,
        )


@dataclass(frozen=True)
class SearchWritten:
    """A search index written into a folder."""

    keys: list[bytes]
    """Its chunks' keys (`SearchPlan.keys`): which index it is."""
    paths: list[str]
    """Its files."""
    hashes: dict[str, str]
    """Each file's hash, by path."""
    note: str | None
    """Why a cache file was ignored, if one was (for the user's note)."""


def write_search_index(
    plan: SearchPlan,
    store: BuildCacheStore,
    folder: Path,
    previous: Mapping[str, str],
    current_site: Path | None,
    *,
    replace: bool = False,
    cache: SearchCache | None = None,
) -> SearchWritten:
    """Write the search index into `folder` and keep its chunks in the cache.

    Files that hash as in `previous` are carried over from `current_site` (or are there
    already, see `write_files`, which `replace` is passed to). `cache`: the search cache,
    if it is loaded already.
    """
    from zhuanlan.search.index import index_files

    cache = cache if cache is not None else store.load_search()
    hashes: dict[str, str] = {}
    files = mark_unchanged(index_files(plan, cache, previous), previous, hashes)
    paths = write_files(folder, files, current_site, replace=replace)
    # Chunks are named by what they hold: keeping them is right even if this build
    # fails later on.
    store.save_search(cache, plan)
    return SearchWritten(plan.keys, paths, hashes, store.problem)


class SearchGuess:
    """The guess of `guess_search_index`, made by a helper forked as the build starts
    (`parallel.Standby`): while the texts are read, it imports what indexing needs and
    loads the last index's plan and chunks (a third of a second at 10,000 articles, off
    the build's path). Where there is no helper, it is made here when asked for."""

    def __init__(self, store: BuildCacheStore, root: Path, last: LastBuild | None) -> None:
        """`last`: the last build's record, which the guess starts from (None: none)."""
        self._store, self._root = store, root
        self._recorded = last.sources.files if last is not None else {}
        self._previous = last.written if last is not None else {}
        self._current = last.search if last is not None else ""
        self._loaded: tuple[SearchPlan | None, SearchCache | None] | None = None
        needed = bool(self._current) and store.has_search_plan()
        self._helper = Standby(self._make, needed=needed, prepare=self._load)

    def start(self, sources: ProjectSources, folder: Path) -> None:
        """Make the index the last one would be with the texts of `sources`, into
        `folder`. The helper is sent only what changed since the last build."""
        current = {source.path for column in sources.columns for source in column.articles}
        changed = {
            source.path: source.digest
            for column in sources.columns
            for source in column.articles
            if self._recorded.get(source.path, ((), ""))[1] != source.digest
        }
        gone = [path for path in self._recorded if path not in current]
        self._helper.start(changed, gone, folder)

    def answer(self, *, needed: bool) -> SearchWritten | None:
        """The index guessed (None: there was none to make). Where the helper failed, or
        there was none, it is made here if `needed`, over what the helper left."""
        otherwise = partial(self._make, again=True) if needed else lambda *_: None
        return self._helper.answer(otherwise)

    def close(self) -> None:
        """Stop the helper if its answer was not asked for."""
        self._helper.close()

    def _load(self) -> None:
        last = self._store.load_search_plan()
        self._loaded = last, self._store.load_search() if last is not None else None

    def _make(
        self, changed: Mapping[str, str], gone: list[str], folder: Path, *, again: bool = False
    ) -> SearchWritten | None:
        if self._loaded is None:
            self._load()
        assert self._loaded is not None
        last, cache = self._loaded
        # Only from the index of the current site: a build that failed may have kept
        # the plan of another.
        if last is None or cache is None or index_identity(last.keys) != self._current:
            return None
        digests = {path: digest for path, (_, digest) in self._recorded.items()}
        digests.update(changed)
        for path in gone:
            del digests[path]
        return guess_search_index(
            last, cache, digests, self._root, self._store, folder, self._previous, again=again
        )


def index_identity(keys: list[bytes]) -> str:
    """What tells one search index from another: a hash of its chunks' keys, which hash
    everything it shows (see `SearchPlan`)."""
    return hashlib.blake2b(b"".join(keys), digest_size=16).hexdigest()


def guess_search_index(
    last: SearchPlan,
    cache: SearchCache,
    digests: Mapping[str, str],
    root: Path,
    store: BuildCacheStore,
    folder: Path,
    previous: Mapping[str, str],
    *,
    again: bool = False,
) -> SearchWritten | None:
    """The search index written into `folder` before the site model is made, on the guess
    that only the texts of articles changed since the `last` index (an edit): its
    documents, each with the current text of its article (their `digests`, by path;
    `cache` holds the chunks indexed before). None when there is no guess to make, or
    it changes more than one chunk (then it is not worth making early).

    Whether the guess was right is for the caller to check: the index it made is the one
    the site needs exactly when the keys are the same (see `_chunk_key`). `again`: made
    over what a helper that failed may have written into `folder`.
    """
    from zhuanlan.search.index import SearchPlan
    from zhuanlan.search.postings import CHUNK_DOCUMENTS

    if any(document.path not in digests for document in last.documents):
        return None
    documents = [
        document
        if document.version == digests[document.path]
        else replace(document, version=digests[document.path])
        for document in last.documents
    ]
    plan = SearchPlan.of_documents(documents)
    # The chunks that load, not those whose files are there: one that does not load is
    # indexed again, and needs its texts.
    starts = plan.chunk_starts(cache.chunks.keys())
    if len(starts) > 1:
        return None
    # The chunk to index needs its documents' texts: those kept when it was indexed
    # last, and the others' articles parsed again, as the parse stage does (links
    # resolved later change attributes only, never the text).
    for start in starts:
        chunk = start // CHUNK_DOCUMENTS
        kept = store.load_search_texts(last.keys[chunk]) if chunk < len(last.keys) else {}
        for number in range(start, min(start + CHUNK_DOCUMENTS, len(documents))):
            document = documents[number]
            if document.version in kept:
                documents[number] = replace(document, text=kept[document.version])
                continue
            # Imported only now: Markdown takes a tenth of a second to import, and
            # the texts of unchanged articles are kept.
            from zhuanlan.parse import parse_article

            source = RecordedSourceFile(document.path, document.version, str(root / document.path))
            parsed = parse_article(source, Problems()) if _as_recorded(source) else None
            # A title or date changed: the guess is wrong, no need to make it.
            if parsed is None or (parsed.meta.title, parsed.meta.date) != (
                document.title,
                document.date,
            ):
                return None
            documents[number] = replace(document, body=parsed.body)
    return write_search_index(
        SearchPlan(documents, plan.keys), store, folder, previous, None, replace=again, cache=cache
    )


def _as_recorded(source: SourceFile) -> bool:
    """Whether the text of `source` is the one its digest was taken from: the file is
    read now, and may have been saved again since the build read it (or its status)."""
    try:
        return SourceFile(source.path, source.text).digest == source.digest
    except OSError:  # gone or unreadable since
        return False
