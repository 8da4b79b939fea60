"""The search index builder, read back by an independent decoder and compared with brute force.

These tests decode the index files the way the format is documented (Exp-Golomb codes,
segments per chunk, the compact text code) and check the decoded postings against a
plain substring scan of the same texts. The shipped query script is tested against
the same brute force in real Chromium (test_search_browser.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zhuanlan.model import BuildOptions
from zhuanlan.pipeline import model_project
from zhuanlan.search.codec import best_orders, encode_segments
from zhuanlan.search.index import SYMBOLS, SearchCache, TextCode, search_index_files
from zhuanlan.search.plaintext import document_text, plain_text
from zhuanlan.search.postings import CHUNK_DOCUMENTS, PLANES, chunk_postings, merge_chunks

from conftest import Built, run_build


class Bits:
    """Reads order-k Exp-Golomb codes, most significant bit first."""

    def __init__(self, data: bytes) -> None:
        self.bits = "".join(f"{byte:08b}" for byte in data)
        self.at = 0

    def read(self, order: int) -> int:
        zeros = 0
        while self.bits[self.at] == "0":
            zeros += 1
            self.at += 1
        width = zeros + order + 1
        value = int(self.bits[self.at : self.at + width], 2)
        self.at += width
        return value - (1 << order)

    def align(self) -> None:
        self.at = -(-self.at // 8) * 8

    def done(self) -> bool:
        return self.at >= len(self.bits)


def fold(char: str) -> str:
    """The documented folding: NFKC and lower case, when that gives one character."""
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


segments = st.lists(
    st.lists(st.integers(0, 2**40), min_size=1, max_size=30), min_size=1, max_size=8
)


@given(segments)
def test_exp_golomb_segments_decode_to_the_values(groups: list[list[int]]) -> None:
    values = np.array([value for group in groups for value in group], dtype=np.int64)
    starts = np.cumsum([0] + [len(group) for group in groups[:-1]])
    orders = best_orders(values, starts)
    data, ends = encode_segments(values, np.repeat(orders, [len(g) for g in groups]), starts)
    assert ends.tolist()[-1] == len(data)
    begin = 0
    for group, order, end in zip(groups, orders.tolist(), ends.tolist(), strict=True):
        bits = Bits(data[begin:end])
        assert [bits.read(order) for _ in group] == group
        bits.align()
        assert bits.done()
        begin = end


def test_orders_follow_the_size_of_the_values() -> None:
    small = np.zeros(100, dtype=np.int64)
    large = np.full(100, 5000, dtype=np.int64)
    orders = best_orders(np.r_[small, large], np.array([0, 100]))
    assert orders[0] == 0
    assert 11 <= orders[1] <= 13


def decode_bigrams(record: bytes) -> list[tuple[int, int]]:
    """(chunk, position in chunk) of every occurrence in a bigram record."""
    bits = Bits(record)
    found = []
    while not bits.done():
        chunk, count, order = bits.read(0), bits.read(0) + 1, bits.read(0)
        position = -1
        for _ in range(count):
            position += bits.read(order) + 1
            found.append((chunk, position))
        bits.align()
    return found


def decode_unigrams(record: bytes) -> dict[int, tuple[int, bool]]:
    """Document → (occurrences, in title) of a unigram record."""
    bits = Bits(record)
    found = {}
    while not bits.done():
        chunk, count = bits.read(0), bits.read(0) + 1
        gap_order, value_order = bits.read(0), bits.read(0)
        documents, local = [], -1
        for _ in range(count):
            local += bits.read(gap_order) + 1
            documents.append(chunk * CHUNK_DOCUMENTS + local)
        for document in documents:
            value = bits.read(value_order)
            found[document] = (value // 2 + 1, value % 2 == 1)
        bits.align()
    return found


ALPHABET = "党建工作法院一二ＡａA1１𠀀 \u3000"
texts = st.lists(
    st.tuples(st.text(ALPHABET.replace(" ", ""), max_size=5), st.text(ALPHABET, max_size=40)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(texts, st.integers(1, 3))
def test_postings_list_every_occurrence(documents: list[tuple[str, str]], per_chunk: int) -> None:
    # Few documents per chunk here, so that records span several chunks.
    full = [f"{title}\n{body}" for title, body in documents]
    chunks = [
        chunk_postings(number, full[start : start + per_chunk])
        for number, start in enumerate(range(0, len(full), per_chunk))
    ]
    bigrams = merge_chunks([chunk.bigrams for chunk in chunks])
    unigrams = merge_chunks([chunk.unigrams for chunk in chunks])
    bigram_keys, bigram_records = bigrams.keys, list(map(bigrams.record, range(len(bigrams.keys))))
    unigram_keys = unigrams.keys
    unigram_records = list(map(unigrams.record, range(len(unigrams.keys))))
    assert [len(record) for record in bigram_records] == bigrams.sizes

    expected_pairs: dict[str, list[tuple[int, int]]] = {}
    expected_chars: dict[str, dict[int, tuple[int, bool]]] = {}
    for number, text in enumerate(full):
        folded = "".join(map(fold, text))
        chunk, first = divmod(number, per_chunk)
        offset = sum(len(t) + 1 for t in full[chunk * per_chunk : number])
        title_end = folded.index("\n")
        for at, char in enumerate(folded):
            if char.isspace():
                continue
            count, in_title = expected_chars.setdefault(char, {}).get(number, (0, False))
            expected_chars[char][number] = (count + 1, in_title or at < title_end)
            if at + 1 < len(folded) and not folded[at + 1].isspace():
                pair = folded[at : at + 2]
                expected_pairs.setdefault(pair, []).append((chunk, offset + at))
        del first
    decoded_pairs = {
        chr(key // PLANES) + chr(key % PLANES): decode_bigrams(record)
        for key, record in zip(bigram_keys, bigram_records, strict=True)
    }
    assert decoded_pairs == {pair: sorted(found) for pair, found in expected_pairs.items()}
    # Unigram records count documents per chunk of CHUNK_DOCUMENTS; renumber ours.
    decoded_chars = {}
    for key, record in zip(unigram_keys, unigram_records, strict=True):
        decoded = decode_unigrams(record)
        decoded_chars[chr(key)] = {
            chunk_and_local // CHUNK_DOCUMENTS * per_chunk + chunk_and_local % CHUNK_DOCUMENTS: v
            for chunk_and_local, v in decoded.items()
        }
    assert decoded_chars == expected_chars


def decode_text(code: TextCode, coded: str) -> str:
    out, at = [], 0
    while at < len(coded):
        char = coded[at]
        if not char.isascii():
            out.append(char)
            at += 1
            continue
        symbol = SYMBOLS.index(char)
        if symbol < code.one:
            out.append(code.chars[symbol])
            at += 1
        else:
            second = SYMBOLS.index(coded[at + 1])
            out.append(code.chars[code.one + (symbol - code.one) * len(SYMBOLS) + second])
            at += 2
    return "".join(out)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=5))
def test_text_code_round_trips(texts: list[str]) -> None:
    code = TextCode.for_counts(Counter("".join(texts)))
    encoded = code.encode(texts, max("".join(texts)))
    assert [decode_text(code, text) for text in encoded] == texts
    for text in encoded:
        assert ('"' not in text and "\\" not in text) or not text.isascii()


def test_text_code_leaves_rare_characters_as_they_are() -> None:
    # More distinct characters than the code has room for.
    many = "".join(chr(0x4E00 + n) for n in range(20000)) + "abc\n"
    code = TextCode.for_counts(Counter(many))
    assert len(code.chars) < 20000
    assert {"a", "b", "c", "\n"} <= set(code.chars)  # ASCII always has a code
    (encoded,) = code.encode([many], max(many))
    assert decode_text(code, encoded) == many
    assert len(encoded.encode("utf-8")) < len(many.encode("utf-8"))


def test_plain_text_reads_blocks_as_lines() -> None:
    html = (
        '<h2 id="一">标题&amp;一</h2><p>第一段<strong>加粗</strong>文字</p>'
        '<ul><li>甲</li><li>乙</li></ul><p><a href="x" title="a>b">链接</a><br>换行</p>'
        "<table><tr><td>单元</td><td>格</td></tr></table>"
    )
    assert plain_text(html) == "标题&一\n第一段加粗文字\n甲\n乙\n链接\n换行\n单元\n格"
    assert document_text("  题目 \n 二 ", "<p>正文</p>") == "题目 二\n正文"


# Whitespace of every kind Python counts (str.isspace), line breaks among them.
_WHITESPACE = " \n\t\r\f\v\x1c\x85\xa0\u2028\u3000"


@given(st.text(alphabet=_WHITESPACE + "a中。", max_size=30))
@settings(max_examples=500, deadline=None)
def test_plain_text_collapses_whitespace_into_one_line_break_or_space(text: str) -> None:
    # The definition: a run of whitespace holding a line break becomes one line break,
    # any other run one space; none is left at either end.
    lines = re.sub(r"\s*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()
    assert plain_text(text) == lines
    assert document_text(text, "") == " ".join(text.split()) + "\n"


def test_sample_index_files_are_scripts_that_hand_over_their_data(sample: Built) -> None:
    folder: Path = sample.site / "search"
    manifest = (folder / "index.js").read_text(encoding="utf-8")
    assert manifest.startswith('__zhuanlanSearch("index",') and manifest.endswith(");\n")
    data = json.loads(manifest[len('__zhuanlanSearch("index",') : -3])
    assert data["format"] == 3 and data["documents"] == 6
    lengths = base64.b64decode(data["lengths"])
    assert len(lengths) >= 6
    assert data["group"] == 8
    assert sorted(path.name for path in folder.glob("d/*.js")) == ["0.js"]
    # Newest first: the last document is the oldest article, the overview.
    groups = [
        json.loads(
            (folder / f"d/{n}.js").read_text(encoding="utf-8")[
                len(f'__zhuanlanSearch("d/{n}",') : -3
            ]
        )
        for n in (0,)
    ]
    assert [len(group) for group in groups] == [6]
    last = groups[0][5]
    assert last[1:] == [
        "dajuan-2023/13355-mechanism/index.html",
        "答卷·2023 党建篇",
        "2024年1月15日",
    ]
    # The text is in its chunk's code, which t/0.js holds.
    script = (folder / "t/0.js").read_text(encoding="utf-8")
    table = json.loads(script[len('__zhuanlanSearch("t/0",') : -3])
    text = decode_text(TextCode(table["one"], tuple(table["table"])), last[0])
    assert text.split("\n")[0] == "创新建立“13355”党建工作新机制"
    assert text.endswith("10余项工作经验做法在省法院相关会议上作了交流。")


def test_search_can_be_switched_off(project_from: Callable[[str], Path]) -> None:
    project = project_from("valid/minimal")
    site_file = project / "content" / "site.yml"
    site_file.write_text(
        site_file.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8"
    )
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert not (built.site / "search").exists()
    assert built.page("index.html").select("form[role=search]") == []


def test_search_setting_must_be_a_boolean(project_from: Callable[[str], Path]) -> None:
    project = project_from("valid/minimal")
    site_file = project / "content" / "site.yml"
    site_file.write_text(site_file.read_text(encoding="utf-8") + "search: 是\n", encoding="utf-8")
    built = run_build(project)
    assert built.exit_code == 1
    assert "content/site.yml:" in built.output and "search：" in built.output


def test_reused_chunks_give_the_same_index_as_a_cold_build(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("valid/minimal")
    for number in range(CHUNK_DOCUMENTS * 5 // 2):  # three chunks
        (project / f"content/col/a{number:03d}.md").write_text(
            f"---\ntitle: 文章{number}\ndate: 2024-01-15\n---\n第{number}篇正文，人民法院。\n",
            encoding="utf-8",
        )
    options = BuildOptions(today=dt.date(2024, 12, 31))
    cache = SearchCache()
    list(search_index_files(model_project(project, options), cache))
    first = dict(cache.chunks)
    edited = project / f"content/col/a{CHUNK_DOCUMENTS + 10:03d}.md"  # in the second
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("人民法院", "改过"), encoding="utf-8"
    )
    site = model_project(project, options)
    reused = list(search_index_files(site, cache))
    assert reused == list(search_index_files(site))
    # Only the chunk holding the edited article was indexed again.
    assert len(set(cache.chunks) - set(first)) == 1
    # Each chunk has its own text code: the other chunks' files are as they were.
    before = {file.path: file.content for chunk in first.values() for file in chunk.files}
    after = {file.path: file.content for chunk in cache.chunks.values() for file in chunk.files}
    changed = sorted(path for path in after if after[path] != before[path])
    edited_chunk = [path for path in after if path.startswith(("search/t/1.", "search/d/"))]
    assert changed and set(changed) <= set(edited_chunk)
    assert "search/t/0.js" not in changed and "search/t/2.js" not in changed
