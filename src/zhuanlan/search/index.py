"""The search index: the files under ``search/`` that the search page's script reads.

Every file is a classic script that hands its data to the page
(``__zhuanlanSearch("b/0/12", {...})``), because that is what a browser loads from
``file://``, where ``fetch`` of a data file is refused. The index is split so that a
query loads only the records of the characters it contains:

- ``search/index.js``: the manifest: how many documents, their lengths and title
  lengths, the first key of every shard of every group, the folding table;
- ``search/b/<g>/<n>.js`` and ``search/u/<g>/<n>.js``: shards of bigram and unigram
  records (`postings`) of group g of `GROUP_CHUNKS` chunks, each holding consecutive
  keys in UTF-16 order (the order of JavaScript's string comparison), about
  `shard_bytes` each. A key's record is its parts in every group, in group order.
  An edit rewrites its group's shards alone (a fifth of them at 10,000 articles): a
  record holds the positions of every chunk, so when one record held all chunks',
  an edit changed nearly every shard. A query loads a shard of every group for each
  of its keys: with more groups, shards are smaller (see `shard_bytes`);
- ``search/d/<n>.js``: documents `DOCUMENTS_PER_FILE` * n and after: each one's text
  in a compact code, its URL, column and date. A query loads only the documents it
  shows. (Files are grouped because creating a file costs about as much as writing
  50 KB on some disks; a query shows 10 articles, so it loads at most 10 of them.)
- ``search/t/<n>.js``: the text code of chunk n (`TextCode`), which its documents'
  texts are written in. Each chunk has its own, made from its own text, so that an
  edit changes one chunk's document files, not every chunk's.

Documents are numbered newest first, then by URL, so that the number itself orders
results that tie on everything else.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Protocol

import numpy as np

from zhuanlan.model import RenderedMarkdown, Site
from zhuanlan.output import OutputFile
from zhuanlan.parallel import freed_memory_kept, map_parallel
from zhuanlan.search.plaintext import TITLE_SEPARATOR, document_text, fold
from zhuanlan.search.postings import (
    CHUNK_DOCUMENTS,
    PLANES,
    ChunkIndex,
    Merged,
    chunk_postings,
    merge_chunks,
)

SEARCH_FOLDER = "search"
FORMAT = 3
"""Version of the index files; the script refuses another."""
DOCUMENTS_PER_FILE = 8
"""Documents grouped in one ``d/`` file."""
assert CHUNK_DOCUMENTS % DOCUMENTS_PER_FILE == 0, "a document file never spans two chunks"
GROUP_CHUNKS = 16
"""Chunks whose records share shards (2,048 documents). An edit rewrites its group's
shards, and a query loads a shard of every group: five at 10,000 articles."""
SHARD_BYTES = 32 * 1024
"""Records are grouped into shards of at most about this many bytes (before base64)."""
KEY_BYTES = 64 * 1024
"""About how many bytes of shards a query loads for each of its keys, however many
groups there are (see `shard_bytes`)."""
CALLBACK = "__zhuanlanSearch"
"""The function every index file calls with its name and data."""
SYMBOLS = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) not in '"\\')
"""The compact text code's symbols: printable ASCII that JSON strings need not escape."""


@dataclass(frozen=True)
class Document:
    """One article as search sees it."""

    title: str
    body: RenderedMarkdown | None
    """None in a plan kept without the texts (`SearchPlan.without_texts`)."""
    version: str
    """A hash of the article's source text, which the text of its body follows from."""
    url: str
    column: str
    """The column's title."""
    date: dt.date
    date_text: str
    """The date as the page shows it."""
    path: str
    """The article's source file (what an index made before the site model is matched by,
    see `zhuanlan.indexing.guess_search_index`); not in the index."""
    text: str | None = None
    """Its text as indexed (`document_text`), when known already: then `body` is not
    needed (see `SearchCache.keep_texts`)."""


def search_index_files(
    site: Site, cache: SearchCache | None = None, previous: Mapping[str, str] | None = None
) -> Iterator[OutputFile]:
    """Every file of the search index for the published articles of `site`.

    The files come one at a time and what each was made from is let go, so that a build
    writes each before the next is made: at 10,000 articles the index is 60 MB.
    With a `cache`, chunks whose articles did not change since the last call are reused,
    and so are groups of shards found in `previous` (see `index_files`).
    """
    return index_files(SearchPlan.of(site), cache, previous)


@dataclass(frozen=True)
class SearchPlan:
    """What a site's search index is made of: its documents, in index order, and the key
    of each chunk of them (what tells whether a cache holds the chunk already)."""

    documents: list[Document]
    keys: list[bytes]

    @classmethod
    def of(cls, site: Site) -> SearchPlan:
        """The plan of the index of `site`'s published articles."""
        return cls.of_documents(_documents(site))

    @classmethod
    def of_documents(cls, documents: list[Document]) -> SearchPlan:
        """The plan of the index of these documents, in this order."""
        starts = range(0, len(documents), CHUNK_DOCUMENTS)
        return cls(
            documents,
            [_chunk_key(documents[start : start + CHUNK_DOCUMENTS], start) for start in starts],
        )

    def chunk_starts(self, known: Collection[bytes]) -> list[int]:
        """Where each chunk whose key is not among `known` starts in the documents."""
        starts = range(0, len(self.documents), CHUNK_DOCUMENTS)
        return [start for start, key in zip(starts, self.keys, strict=True) if key not in known]

    def without_texts(self) -> SearchPlan:
        """The same plan without the documents' bodies: what identifies the index."""
        return SearchPlan(
            [
                document
                if document.body is None and document.text is None
                else replace(document, body=None, text=None)
                for document in self.documents
            ],
            self.keys,
        )

    def unindexed(self, known: Collection[bytes]) -> int:
        """How many chunks are not among `known` keys: those to be indexed."""
        return len(self.chunk_starts(known))


def index_files(
    plan: SearchPlan, cache: SearchCache | None = None, previous: Mapping[str, str] | None = None
) -> Iterator[OutputFile]:
    """`search_index_files`, given the site's plan.

    `previous`: the digest of each file of the site being replaced, by path. A group of
    shards the `cache` made from the same chunks, whose every file is there, is listed
    unchanged (with its digests) instead of made again.
    """
    documents = plan.documents
    chunks = _index_chunks(plan, cache)
    characters = {char for chunk in chunks for char in chunk.postings.characters}
    groups = _groups(plan.keys, chunks, cache.groups if cache else {}, previous or {})
    manifest = {
        "format": FORMAT,
        "documents": len(documents),
        "chunk": CHUNK_DOCUMENTS,
        "group": DOCUMENTS_PER_FILE,
        "lengths": _varints(length for chunk in chunks for length in chunk.lengths),
        "titles": _varints(length for chunk in chunks for length in chunk.titles),
        "folds": {char: fold(char) for char in sorted(characters) if fold(char) != char},
        "bigrams": [list(group.first_bigrams) for _, group in groups],
        "unigrams": [list(group.first_unigrams) for _, group in groups],
    }
    yield _script("index", manifest)
    made: dict[bytes, ShardGroup] = {}
    for key, group in groups:
        if isinstance(group, ShardGroup):
            for path, digest in group.files:
                yield OutputFile(path, unchanged=True, digest=digest)
            made[key] = group
        else:
            files = []
            for file in group.files():
                assert file.digest is not None
                files.append((file.path, file.digest))
                yield file
            made[key] = ShardGroup(group.first_bigrams, group.first_unigrams, tuple(files))
    if cache is not None:
        cache.groups = made
    for start, key, chunk in zip(
        range(0, len(documents), CHUNK_DOCUMENTS), plan.keys, chunks, strict=True
    ):
        yield from _chunk_files(plan, start, key, chunk, cache)


def _groups(
    keys: list[bytes],
    chunks: list[IndexedChunk],
    known: Mapping[bytes, ShardGroup],
    previous: Mapping[str, str],
) -> list[tuple[bytes, ShardGroup | _GroupToMake]]:
    """Each group of chunks (whose `keys` are given) by its key: as `known` if all its
    files are in `previous` as written, else to be made."""
    starts = range(0, len(chunks), GROUP_CHUNKS)
    size = shard_bytes(len(starts))
    groups: list[tuple[bytes, ShardGroup | _GroupToMake]] = []
    for number, start in enumerate(starts):
        key = _group_key(number, size, keys[start : start + GROUP_CHUNKS])
        kept = known.get(key)
        if kept is not None and kept.written_in(previous):
            groups.append((key, kept))
        else:
            members = chunks[start : start + GROUP_CHUNKS]
            groups.append((key, _GroupToMake.of(number, size, members)))
    return groups


def shard_bytes(groups: int) -> int:
    """The size of the shards of an index of this many groups: `KEY_BYTES` shared out
    among the groups, so that a query does not load more as an archive grows (the cost:
    more, smaller files); `SHARD_BYTES` with up to 2 groups (4,096 documents)."""
    return min(SHARD_BYTES, KEY_BYTES // max(1, groups))


@dataclass(frozen=True)
class ShardGroup:
    """The shards of a group of chunks as they were written: what an index of the same
    chunks reuses where they are still there."""

    first_bigrams: tuple[str, ...]
    """The first key of each bigram shard (what the manifest lists)."""
    first_unigrams: tuple[str, ...]
    """The first key of each unigram shard."""
    files: tuple[tuple[str, str], ...]
    """The path and digest of each shard's file."""

    def written_in(self, digests: Mapping[str, str]) -> bool:
        """Whether every file is among `digests` (by path: a site's record) as written."""
        return all(digests.get(path) == digest for path, digest in self.files)

    def is_sound(self) -> bool:
        """Whether it has the shape of one (what a cache file read back must have)."""
        return (
            all(isinstance(key, str) for key in (*self.first_bigrams, *self.first_unigrams))
            and all(
                isinstance(file, tuple)
                and len(file) == 2
                and all(isinstance(part, str) for part in file)
                for file in self.files
            )
            and len(self.files) == len(self.first_bigrams) + len(self.first_unigrams)
        )


@dataclass(frozen=True)
class _GroupToMake:
    """The shards of a group of chunks, to be made."""

    group: int
    bigram_records: Merged
    bigram_shards: list[tuple[list[str], list[int]]]
    unigram_records: Merged
    unigram_shards: list[tuple[list[str], list[int]]]

    @classmethod
    def of(cls, group: int, size: int, chunks: list[IndexedChunk]) -> _GroupToMake:
        """Group number `group`, made of these chunks, in shards of about `size` bytes."""
        bigrams = merge_chunks([chunk.postings.bigrams for chunk in chunks])
        unigrams = merge_chunks([chunk.postings.unigrams for chunk in chunks])
        return cls(
            group,
            bigrams,
            _shards(bigrams, _bigram, size),
            unigrams,
            _shards(unigrams, chr, size),
        )

    @property
    def first_bigrams(self) -> tuple[str, ...]:
        return tuple(keys[0] for keys, _ in self.bigram_shards)

    @property
    def first_unigrams(self) -> tuple[str, ...]:
        return tuple(keys[0] for keys, _ in self.unigram_shards)

    def files(self) -> Iterator[OutputFile]:
        """Each shard's file, with its digest, made one after the other."""
        for kind, merged, shards in (
            ("b", self.bigram_records, self.bigram_shards),
            ("u", self.unigram_records, self.unigram_shards),
        ):
            for shard, (keys, members) in enumerate(shards):
                ends = list(accumulate(merged.sizes[member] for member in members))
                name = f"{kind}/{self.group}/{shard}"
                yield _shard_script(name, keys, ends, merged.records(members)).with_digest()


def _group_key(group: int, size: int, keys: list[bytes]) -> bytes:
    """What the shards of group number `group` depend on: its chunks (by their keys;
    their number is in there too, but the files' names say it), and the shards' size."""
    digest = hashlib.blake2b(f"{FORMAT}\0{size}\0{group}".encode(), digest_size=16)
    for key in keys:
        digest.update(key)
    return digest.digest()


def _chunk_files(
    plan: SearchPlan, start: int, key: bytes, chunk: IndexedChunk, cache: SearchCache | None
) -> tuple[OutputFile, ...]:
    """The files of a chunk: read back if `kept` (indexed again if that fails)."""
    if not chunk.kept:
        return chunk.files
    kept = cache.keeper.kept_chunk(key) if cache and cache.keeper else None
    if kept is not None and not kept.kept:
        return kept.files
    global _job
    _job = _Job(plan.documents, plan.keys, None)
    try:
        return _index_chunk(start).files
    finally:
        _job = None


def _documents(site: Site) -> list[Document]:
    """Published articles, newest first, then by URL."""
    documents = [
        Document(
            article.title,
            article.body,
            article.source_digest,
            article.url,
            column.title,
            article.date,
            article.date_text,
            article.path,
        )
        for column in site.columns
        for article in column.articles
    ]
    documents.sort(key=lambda document: (-document.date.toordinal(), document.url))
    return documents


@dataclass(frozen=True)
class IndexedChunk:
    """One chunk of documents, indexed: its postings and its files besides the shards."""

    postings: ChunkIndex
    lengths: tuple[int, ...]
    """The length of each document's text."""
    titles: tuple[int, ...]
    """The length of each document's title in its text."""
    files: tuple[OutputFile, ...]
    """Its text code and its documents' files (none once `kept`)."""
    kept: bool = False
    """Kept on disk as soon as it was indexed (`ChunkKeeper`), and its files let go: they
    are read back, one chunk at a time, when they are written. At 10,000 articles they
    are 26 MB, which the build process held at its peak of memory."""


class ChunkKeeper(Protocol):
    """Where chunks are kept as soon as they are indexed: the build cache on disk."""

    def keep_chunk(self, key: bytes, chunk: IndexedChunk) -> bool:
        """Keep the chunk `key`; whether it was kept."""

    def kept_chunk(self, key: bytes) -> IndexedChunk | None:
        """The chunk `key` kept, if it can be trusted."""

    def keep_texts(self, key: bytes, texts: dict[str, str]) -> None:
        """Keep the texts of the chunk `key`, each document's by its `Document.version`:
        a chunk indexed again after an edit takes its unchanged documents' texts from
        there instead of parsing their articles again."""


@dataclass
class SearchCache:
    """Chunks indexed by an earlier build, by content.

    An edit changes one chunk: the others are taken from here instead of re-indexed.
    """

    chunks: dict[bytes, IndexedChunk] = field(default_factory=dict)
    groups: dict[bytes, ShardGroup] = field(default_factory=dict)
    """The groups of shards of the last index made, by `_group_key`."""
    keeper: ChunkKeeper | None = None
    """Where each chunk indexed and its texts are kept (by the worker that indexed it:
    they never reach the build process); without it, chunks are kept here."""


@dataclass(frozen=True)
class _Job:
    """The documents being indexed: set just before the workers start, inherited by them."""

    documents: list[Document]
    keys: list[bytes]
    keeper: ChunkKeeper | None


_job: _Job | None = None


def _index_chunks(plan: SearchPlan, cache: SearchCache | None) -> list[IndexedChunk]:
    """Index every chunk, on every core."""
    global _job
    documents, keys = plan.documents, plan.keys
    starts = range(0, len(documents), CHUNK_DOCUMENTS)
    known = cache.chunks if cache else {}
    missing = [start for start, key in zip(starts, keys, strict=True) if key not in known]
    _job = _Job(documents, keys, cache.keeper if cache else None)
    try:
        # Every chunk's arrays take about as much memory (15 MB for 128 articles of 5 KB).
        with freed_memory_kept():
            indexed = map_parallel(_index_chunk, missing, minimum_batch=1)
    finally:
        _job = None
    fresh = dict(zip(missing, indexed, strict=True))
    results = [
        fresh[start] if start in fresh else known[key]
        for start, key in zip(starts, keys, strict=True)
    ]
    if cache is not None:
        cache.chunks = dict(zip(keys, results, strict=True))
    return results


def _chunk_key(documents: list[Document], start: int) -> bytes:
    """What a chunk's index and files depend on: its first document's number and what
    each of its documents shows (the body by its source's hash: hashing the archive's
    text again would take 0.1 s)."""
    digest = hashlib.blake2b(f"{FORMAT}\0{start}".encode(), digest_size=16)
    for document in documents:
        shown = (
            document.title,
            document.version,
            document.url,
            document.column,
            document.date_text,
        )
        digest.update("".join(f"\0{value}" for value in shown).encode())
    return digest.digest()


def _index_chunk(start: int) -> IndexedChunk:
    """The chunk of documents from `start` on, indexed and written (in a worker)."""
    assert _job is not None
    documents = _job.documents[start : start + CHUNK_DOCUMENTS]
    texts = [_text(document) for document in documents]
    number = start // CHUNK_DOCUMENTS
    if _job.keeper is not None:
        versions = (document.version for document in documents)
        _job.keeper.keep_texts(_job.keys[number], dict(zip(versions, texts, strict=True)))
    postings = chunk_postings(number, texts)
    code = TextCode.for_counts(Counter(postings.characters))
    files = [_script(f"t/{number}", {"one": code.one, "table": "".join(code.chars)})]
    entries = [
        [coded, document.url, document.column, document.date_text]
        for document, coded in zip(
            documents, code.encode(texts, max(postings.characters)), strict=True
        )
    ]
    # Chunks hold whole groups: CHUNK_DOCUMENTS is a multiple of DOCUMENTS_PER_FILE.
    for first in range(0, len(entries), DOCUMENTS_PER_FILE):
        group = entries[first : first + DOCUMENTS_PER_FILE]
        files.append(_script(f"d/{(start + first) // DOCUMENTS_PER_FILE}", group))
    indexed = IndexedChunk(
        postings,
        tuple(len(text) for text in texts),
        tuple(text.index(TITLE_SEPARATOR) for text in texts),
        # Hashed once: they are the same files in every build until the chunk changes.
        tuple(file.with_digest() for file in files),
    )
    if _job.keeper is not None and _job.keeper.keep_chunk(_job.keys[number], indexed):
        indexed = replace(indexed, files=(), kept=True)
    return indexed


def _text(document: Document) -> str:
    """The text of a document to index; one kept without its text is never indexed."""
    if document.text is not None:
        return document.text
    if document.body is None:
        raise ValueError(f"no text kept to index for {document.path}")
    return document_text(document.title, document.body.html)


def _bigram(key: int) -> str:
    return chr(key // PLANES) + chr(key % PLANES)


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _shards(
    merged: Merged, key_of: Callable[[int], str], limit: int
) -> list[tuple[list[str], list[int]]]:
    """Consecutive records, in the order JavaScript compares keys, about `limit` bytes
    each: each shard's keys and the numbers of its records in `merged`.

    `key_of` gives the key (a string) of each record's number.
    """
    keys = [key_of(number) for number in merged.keys]
    shards: list[tuple[list[str], list[int]]] = []
    size = limit
    for member in sorted(range(len(keys)), key=lambda member: _utf16_order(keys[member])):
        record_size = merged.sizes[member]
        if size + record_size > limit and size > 0:
            shards.append(([], []))
            size = 0
        shards[-1][0].append(keys[member])
        shards[-1][1].append(member)
        size += record_size
    return shards


def _varints(numbers: Iterable[int]) -> str:
    """Non-negative numbers as base64 of LEB128 bytes (seven bits a byte, low first)."""
    out = bytearray()
    for number in numbers:
        while number >= 0x80:
            out.append(number & 0x7F | 0x80)
            number >>= 7
        out.append(number)
    return base64.b64encode(bytes(out)).decode("ascii")


def _script(name: str, data: object) -> OutputFile:
    """The index file `name`, handing the page `data` as JSON."""
    return _script_of(name, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _script_of(name: str, payload: str) -> OutputFile:
    """The index file `name`, handing the page `payload`, a JSON text."""
    text = f'{CALLBACK}("{name}",{payload});\n'
    return OutputFile(f"{SEARCH_FOLDER}/{name}.js", text.encode("utf-8"))


def _shard_script(name: str, keys: list[str], ends: list[int], records: bytes) -> OutputFile:
    """`_script` of a shard: ``{"keys": [...], "ends": [...], "data": base64}``, made by
    hand because base64 needs no escaping, which JSON's encoder would look for in every
    byte (a third of the index's writing time)."""
    keys_json = json.dumps(keys, ensure_ascii=False, separators=(",", ":"))
    data = base64.b64encode(records).decode("ascii")
    payload = f'{{"keys":{keys_json},"ends":[{",".join(map(str, ends))}],"data":"{data}"}}'
    return _script_of(name, payload)


@dataclass(frozen=True)
class TextCode:
    """A compact code for the documents' text, which the page decodes to show excerpts.

    The site's most frequent characters take one symbol, the next ones two, the rest
    stand for themselves (never ASCII: every ASCII character present gets a code). A
    Chinese character takes three bytes in UTF-8; this code mostly one or two.
    """

    one: int
    """How many characters take one symbol; the other symbols lead two-symbol codes."""
    chars: tuple[str, ...]
    """Characters with a code, most frequent first."""

    @classmethod
    def for_counts(cls, counts: Counter[str]) -> TextCode:
        """The code that makes text with these character counts shortest."""
        ranked = sorted(counts, key=lambda char: (-counts[char], char))
        frequencies = np.array([counts[char] for char in ranked], dtype=np.int64)
        before = np.r_[0, np.cumsum(frequencies)]

        def cost(one: int) -> int:
            coded = min(len(ranked), cls.capacity(one))
            first = min(one, coded)
            return int(
                before[first]
                + 2 * (before[coded] - before[first])
                + 3 * (before[-1] - before[coded])
            )

        one = min(range(1, len(SYMBOLS)), key=cost)
        chars = ranked[: cls.capacity(one)]
        # ASCII must never stand for itself: it would read as a symbol.
        missing = [char for char in ranked[len(chars) :] if char.isascii()]
        if missing:
            chars = [char for char in chars if not char.isascii()][: len(chars) - len(missing)]
            chars = sorted([*chars, *missing], key=lambda char: (-counts[char], char))
        return cls(one, tuple(chars))

    @staticmethod
    def capacity(one: int) -> int:
        """Characters with a code when `one` of them take one symbol."""
        return one + (len(SYMBOLS) - one) * len(SYMBOLS)

    def encode(self, texts: list[str], largest: str) -> list[str]:
        """Each of `texts` (one chunk's) in this code, with array operations. `largest`
        is the largest character in them."""
        width = len(SYMBOLS)
        symbols = np.array([ord(symbol) for symbol in SYMBOLS], dtype=np.uint32)
        coded = np.array([ord(char) for char in self.chars], dtype=np.int64)
        # For every code point: its first symbol (itself when it has no code), its second.
        first_of = np.arange(ord(largest) + 1, dtype=np.uint32)
        second_of = np.zeros(len(first_of), dtype=np.uint32)
        ranks = np.arange(len(coded))
        single = ranks < self.one
        first_of[coded[single]] = symbols[ranks[single]]
        lead, rest = np.divmod(ranks[~single] - self.one, width)
        first_of[coded[~single]] = symbols[self.one + lead]
        second_of[coded[~single]] = symbols[rest]
        points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
        second = second_of[points]
        two = second > 0
        # Where each character's first symbol goes: one place later for every two-symbol
        # character before it.
        at = np.arange(len(points)) + np.cumsum(two) - two
        out = np.empty(len(points) + int(two.sum()), dtype=np.uint32)
        out[at] = first_of[points]
        out[at[two] + 1] = second[two]
        whole = out.tobytes().decode("utf-32-le")
        ends = np.cumsum([len(text) for text in texts])
        cut = (at[ends - 1] + 1 + two[ends - 1]).tolist()
        return [whole[begin:end] for begin, end in zip([0, *cut[:-1]], cut, strict=True)]
