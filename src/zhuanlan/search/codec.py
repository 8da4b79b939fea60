"""Bit-level encodings of the search index: Exp-Golomb codes, written with NumPy.

The index stores millions of small integers (gaps between positions), so it is written
as a bitstream of order-k Exp-Golomb codes: near the entropy of the geometric-like gaps
of text, robust to the occasional large value, and decoded by a dozen lines of script.
Every value is encoded at C speed: a Python loop over 16 million positions would cost
more than the rest of the build.

Order-k Exp-Golomb of v: let x = v + 2**k and n its bit length; write n - 1 - k zero
bits, then x in n bits, most significant first. That is x written in 2n - 1 - k bits.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]

ORDERS_TRIED = 4
"""Orders tried per segment, from two below the bit length of the mean value."""


def bit_length(values: Ints) -> Ints:
    """Bit length of each non-negative value (0 for 0); exact below 2**53."""
    _, exponents = np.frexp(values.astype(np.float64))
    return exponents.astype(np.int64)


def best_orders(values: Ints, segment_starts: Ints) -> Ints:
    """For each segment (values[start:next start]), the order k giving the fewest bits.

    The best order of a geometric-like distribution sits near the bit length of its
    mean; the few orders around it are tried and the cheapest kept.
    """
    counts = np.diff(np.r_[segment_starts, len(values)])
    means = np.add.reduceat(values, segment_starts) // counts
    lowest = np.maximum(bit_length(means) - 2, 0)
    lowest_of_value = np.repeat(lowest, counts)
    costs = np.empty((ORDERS_TRIED, len(segment_starts)), dtype=np.int64)
    for step in range(ORDERS_TRIED):
        orders = lowest_of_value + step
        lengths = 2 * bit_length(values + (np.int64(1) << orders)) - 1 - orders
        costs[step] = np.add.reduceat(lengths, segment_starts)
    best: Ints = lowest + np.argmin(costs, axis=0)
    return best


def encode_segments(values: Ints, orders: Ints, segment_starts: Ints) -> tuple[bytes, Ints]:
    """Encode each value with its order; pad each segment to a whole byte.

    Returns the bytes of all segments one after the other, and where each segment's
    bytes end. Segments must be non-empty.
    """
    # Arrays of the values' length are let go as soon as they have served: a search
    # chunk has hundreds of thousands of values, and each array is megabytes.
    codes = (values + (np.int64(1) << orders)).astype(np.uint64)
    lengths = 2 * bit_length(codes.view(np.int64)) - 1 - orders
    # Pad each segment's last code with zero bits, so the next segment starts on a byte.
    last = np.r_[segment_starts[1:] - 1, len(values) - 1]
    padding = -np.diff(np.cumsum(lengths)[last], prepend=0) % 8
    lengths[last] += padding
    code_ends = np.cumsum(lengths)
    del lengths
    ends = code_ends[last]
    code_ends[last] -= padding
    # Each code is its value written in `length` bits, leading zeros included. Codes
    # are laid into 64-bit words, most significant bit first: a code lands in the word
    # holding its last bit, and its high bits may spill into the word before (at most
    # one code per word does). Codes never overlap, so combining is a bitwise or.
    total = int(ends[-1]) if len(ends) else 0
    word = (code_ends - 1) // 64
    shift = (64 * (word + 1) - code_ends).astype(np.uint64)
    del code_ends
    words = np.zeros((total + 63) // 64, dtype=np.uint64)
    starts = np.flatnonzero(np.r_[True, word[1:] != word[:-1]]) if len(word) else word
    words[word[starts]] = np.bitwise_or.reduceat(codes << shift, starts) if len(word) else 0
    del starts
    # x >> (64 - shift), written so that no shift reaches 64 (undefined in C).
    spill = (codes >> np.uint64(1)) >> (np.uint64(63) - shift)
    del codes, shift
    spilling = np.flatnonzero(spill)
    words[word[spilling] - 1] |= spill[spilling]
    return words.astype(">u8").tobytes()[: total // 8], ends // 8
