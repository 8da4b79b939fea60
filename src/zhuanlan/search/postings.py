"""Where every character pair occurs, and how often every character occurs, per chunk.

The archive's documents are cut into chunks of `CHUNK_DOCUMENTS` consecutive documents,
each indexed on its own (on every core) and encoded at once, so an edit re-encodes one
chunk and memory never holds more than one chunk's positions.

For every pair of non-space characters (a bigram) a chunk lists each position where it
starts, counted from the chunk's first character: with a pair's positions, a query of
any length is matched exactly, pair by pair. For every non-space character a chunk lists
the documents holding it, with the count of occurrences and whether the title has one:
that answers one-character queries. Each key's list in one chunk is a *segment*:

    bigram segment:  chunk, count - 1, k, then count positions as gaps (order k)
    unigram segment: chunk, count - 1, k1, k2, then count document gaps (order k1),
                     then count values 2 * (occurrences - 1) + in_title (order k2)

Header numbers are order-0 codes; a gap is the distance to the previous entry minus one
(the first entry is itself). Segments are padded to whole bytes, so that a key's record
is its segments, one chunk after the other, joined as bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zhuanlan.search.codec import Ints, best_orders, encode_segments
from zhuanlan.search.plaintext import fold

CHUNK_DOCUMENTS = 128
"""Documents per chunk. Indexing a chunk takes arrays of eight bytes per character of
its text, a few at a time: 128 articles of 5 KB hold that to about 15 MB a process,
part of a large build's peak memory; an edit re-indexes this many."""
DOCUMENT_SEPARATOR = "\n"
"""Between two documents of a chunk's text: whitespace, so no match spans two."""
PLANES = 0x110000
"""Bigram keys are first * PLANES + second, in code points."""


@dataclass(frozen=True)
class Segments:
    """One chunk's segments, in increasing key order."""

    keys: Ints
    """The key of each segment: a code point, or a bigram's two code points."""
    data: bytes
    """All segments' bytes, one after the other."""
    ends: Ints
    """Where each segment's bytes end in `data`."""


@dataclass(frozen=True)
class ChunkIndex:
    """Everything indexed in one chunk."""

    bigrams: Segments
    unigrams: Segments
    characters: dict[str, int]
    """How often each (unfolded) character occurs, for the text code."""


EMPTY = Segments(np.zeros(0, dtype=np.int64), b"", np.zeros(0, dtype=np.int64))
"""A chunk with nothing to index."""


def chunk_postings(chunk: int, texts: list[str]) -> ChunkIndex:
    """The segments of the chunk numbered `chunk`, whose documents' texts are `texts`.

    The texts are folded here (`fold`), so keys are folded characters.
    """
    # Arrays of the chunk's length are let go as soon as they have served (here and in
    # the functions below): kept all along, they added up to 37 MB, in every process.
    text = DOCUMENT_SEPARATOR.join(texts) + DOCUMENT_SEPARATOR
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    del text
    # Counting, not sorting: code points are below 0x110000.
    occurrences = np.bincount(points)
    distinct = np.flatnonzero(occurrences)
    characters = dict(zip(map(chr, distinct.tolist()), occurrences[distinct].tolist(), strict=True))
    # Work on ranks of the chunk's distinct folded characters: small dense numbers.
    folded = np.array([ord(fold(chr(point))) for point in distinct.tolist()], dtype=np.int64)
    alphabet = np.unique(folded)
    rank_of_point = np.zeros(len(occurrences), dtype=np.int64)
    rank_of_point[distinct] = np.searchsorted(alphabet, folded)
    ranks = rank_of_point[points]
    del points, rank_of_point
    space = np.array([chr(point).isspace() for point in alphabet.tolist()])[ranks]
    lengths = np.array([len(document) + 1 for document in texts], dtype=np.int64)
    characters[DOCUMENT_SEPARATOR] -= len(texts)  # the separators are not text
    return ChunkIndex(
        _bigrams(chunk, alphabet, ranks, space),
        _unigrams(chunk, alphabet, ranks, space, lengths),
        {char: count for char, count in characters.items() if count},
    )


def _bigrams(chunk: int, alphabet: Ints, ranks: Ints, space: np.ndarray) -> Segments:
    indexed = np.flatnonzero(~space[:-1] & ~space[1:])
    if not len(indexed):
        return EMPTY
    first, second = ranks[indexed], ranks[indexed + 1]
    # Group positions by pair, keeping them increasing within a pair: two stable sorts
    # (radix sorts when ranks fit in 16 bits), by second character then by first.
    small = np.uint16 if len(alphabet) <= 0x10000 else np.int64
    order = np.argsort(second.astype(small), kind="stable")
    order = order[np.argsort(first[order].astype(small), kind="stable")]
    pairs = first[order] * len(alphabet) + second[order]
    positions = indexed[order]
    del indexed, first, second, order
    starts = _run_starts(pairs)
    gaps = _gaps(positions, starts)
    del positions
    pair_starts = pairs[starts]
    counts = np.diff(np.r_[starts, len(pairs)])
    del pairs
    orders = best_orders(gaps, starts)
    headers = np.column_stack([np.full(len(starts), chunk), counts - 1, orders])
    keys = alphabet[pair_starts // len(alphabet)] * PLANES + alphabet[pair_starts % len(alphabet)]
    return _encode(keys, headers, [(gaps, orders)], starts, counts)


def _unigrams(
    chunk: int, alphabet: Ints, ranks: Ints, space: np.ndarray, lengths: Ints
) -> Segments:
    document = np.repeat(np.arange(len(lengths)), lengths)
    offset = np.arange(len(ranks)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    title_end = np.repeat(_title_lengths(ranks, alphabet, lengths), lengths)
    indexed = ~space
    # Occurrences of each (character, document): one counting pass, no sort.
    pairs = ranks[indexed] * CHUNK_DOCUMENTS + document[indexed]
    bins = len(alphabet) * CHUNK_DOCUMENTS
    occurrences_of = np.bincount(pairs, minlength=bins)
    in_title_of = np.bincount(pairs[(offset < title_end)[indexed]], minlength=bins) > 0
    del document, offset, title_end, indexed, pairs
    keys = np.flatnonzero(occurrences_of)
    if not len(keys):
        return EMPTY
    occurrences, in_title = occurrences_of[keys], in_title_of[keys]
    characters = keys // CHUNK_DOCUMENTS
    starts = _run_starts(characters)
    document_gaps = _gaps(keys % CHUNK_DOCUMENTS, starts)
    values = 2 * (occurrences - 1) + in_title
    gap_orders, value_orders = best_orders(document_gaps, starts), best_orders(values, starts)
    counts = np.diff(np.r_[starts, len(keys)])
    headers = np.column_stack([np.full(len(starts), chunk), counts - 1, gap_orders, value_orders])
    parts = [(document_gaps, gap_orders), (values, value_orders)]
    return _encode(alphabet[characters[starts]], headers, parts, starts, counts)


def _title_lengths(ranks: Ints, alphabet: Ints, lengths: Ints) -> Ints:
    """Where each document's title ends: its first line break."""
    breaks = np.flatnonzero(ranks == np.searchsorted(alphabet, ord("\n")))
    document_starts = np.cumsum(lengths) - lengths
    # The first break at or after each document's start is its title's end.
    return breaks[np.searchsorted(breaks, document_starts)] - document_starts


def _run_starts(sorted_keys: Ints) -> Ints:
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _gaps(values: Ints, starts: Ints) -> Ints:
    """Each value minus the previous one, minus one; a segment's first value as it is."""
    gaps = np.diff(values, prepend=0) - 1
    gaps[starts] = values[starts]
    return gaps


def _encode(
    keys: Ints, headers: Ints, parts: list[tuple[Ints, Ints]], starts: Ints, counts: Ints
) -> Segments:
    """Lay out each segment as its header, then each part's values; encode them all."""
    width = headers.shape[1]
    size = width + len(parts) * counts  # values per segment
    first = np.cumsum(size) - size
    values = np.empty(int(size.sum()), dtype=np.int64)
    orders = np.zeros(len(values), dtype=np.int64)
    for column in range(width):
        values[first + column] = headers[:, column]
    # Entry j of a segment (j counted from the segment's start in the part's array).
    within = np.arange(len(parts[0][0])) - np.repeat(starts, counts)
    segment_first = np.repeat(first + width, counts)
    part_counts = np.repeat(counts, counts)
    for number, (part, part_orders) in enumerate(parts):
        destination = segment_first + number * part_counts + within
        values[destination] = part
        orders[destination] = np.repeat(part_orders, counts)
    del within, segment_first, part_counts, destination
    data, ends = encode_segments(values, orders, first)
    return Segments(keys, data, ends)


@dataclass(frozen=True)
class Merged:
    """Several chunks' segments merged: every key once, in increasing order, with its
    record (its segments in chunk order).

    A record is joined only when asked for (`record`), so that the index's shards can be
    written one after the other without all records in memory at once (25 MB at 10,000
    articles, and as much again in bookkeeping when they were joined up front).
    """

    keys: list[int]
    """Every key once, in increasing order."""
    sizes: list[int]
    """The size of each key's record, in bytes."""
    bounds: list[int]
    """Where each key's segments begin in the lists below (and where the last ends)."""
    chunk: list[int]
    """Of each segment, in key order then chunk order: its chunk's number in `data`..."""
    begin: list[int]
    """...where its bytes begin in that chunk's data..."""
    end: list[int]
    """...and where they end."""
    data: list[bytes]
    """Each chunk's segment bytes."""

    def record(self, number: int) -> bytes:
        """The record of key number `number`: its segments, joined."""
        return self._segments(self.bounds[number], self.bounds[number + 1])

    def records(self, numbers: list[int]) -> bytes:
        """The records of these keys, one after the other."""
        # Keys of a shard are mostly consecutive numbers: their segments are too, and
        # joined at once (a join per record took a third of the time of an edit's index).
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return self._segments(self.bounds[numbers[0]], self.bounds[numbers[-1] + 1])
        return b"".join(map(self.record, numbers))

    def _segments(self, first: int, last: int) -> bytes:
        data = self.data
        return b"".join(
            [
                data[chunk][begin:end]
                for chunk, begin, end in zip(
                    self.chunk[first:last],
                    self.begin[first:last],
                    self.end[first:last],
                    strict=True,
                )
            ]
        )


def merge_chunks(chunks: list[Segments]) -> Merged:
    """Merge chunks' segments by key, in chunk order within a key."""
    if not chunks or not any(len(segments.keys) for segments in chunks):
        return Merged([], [], [0], [], [], [], [])
    keys = np.concatenate([segments.keys for segments in chunks])
    ends = np.concatenate([segments.ends for segments in chunks])
    begins = ends - np.concatenate([np.diff(segments.ends, prepend=0) for segments in chunks])
    which = np.repeat(np.arange(len(chunks)), [len(segments.keys) for segments in chunks])
    # Stable: a key's segments stay in chunk order.
    order = np.argsort(keys, kind="stable")
    keys, ends, begins, which = keys[order], ends[order], begins[order], which[order]
    starts = _run_starts(keys)
    sizes = np.add.reduceat(ends - begins, starts)
    return Merged(
        keys[starts].tolist(),
        sizes.tolist(),
        [*starts.tolist(), len(keys)],
        which.tolist(),
        begins.tolist(),
        ends.tolist(),
        [segments.data for segments in chunks],
    )
