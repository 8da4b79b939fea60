"""Chinese typography in an article's Markdown body: find the mistakes, fix the safe ones.

Findings: half-width , ; : ? ! ( ) in Chinese text (``ascii-punctuation``, the only fixable
kind), ``full-width-alphanumeric`` (ＡＢＣ１２３), ``doubled-punctuation`` (，， or ，。 but
not ？！) and ``unpaired-quote`` (a “ or ” without its partner in the paragraph). Code,
URLs, link destinations, HTML tags and reference definitions are masked first, so Markdown
syntax is never "fixed". "Chinese" means a Han character: marks such as “” are used in
English too, so text without Han characters is never changed. Pure functions; no I/O.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from zhuanlan.text import HAN_RE

BOM = "\ufeff"


@dataclass(frozen=True)
class Finding:
    """One typographic problem, located in the file."""

    line: int
    """1-based file line (``first_line`` is the line of the body's first line)."""
    column: int
    """1-based column in code points; a leading byte-order mark is not counted."""
    kind: str
    """ascii-punctuation, full-width-alphanumeric, doubled-punctuation or unpaired-quote."""
    found: str
    """The offending text."""
    suggestion: str | None
    """What to write instead; None when there is no mechanical fix."""
    message: str
    """What is wrong, in Chinese."""
    hint: str
    """How to fix it, in Chinese."""
    fixable: bool
    """Whether `fix_punctuation` applies the suggestion (punctuation fixes only)."""


def lint_typography(text: str, first_line: int = 1) -> list[Finding]:
    """Every typographic problem in a Markdown body, in reading order."""
    return [finding for _, finding in _scan(text, first_line)]


def fix_punctuation(text: str) -> tuple[str, list[Finding]]:
    """`text` with half-width punctuation in Chinese text made full-width, and those fixes.

    Each fix replaces one character by one character, so everything else (line endings,
    trailing spaces, tabs, a byte-order mark) is kept exactly. Fixing twice changes nothing.
    """
    hits = [(offset, finding) for offset, finding in _scan(text, 1) if finding.fixable]
    chars = list(text)
    for offset, finding in hits:
        chars[offset] = finding.suggestion or chars[offset]
    return "".join(chars), [finding for _, finding in hits]


# --- What is article text ----------------------------------------------------------------

_FENCE_OPEN_RE = re.compile(r"[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}+(?![^`]*`)|~{3,}+)")
_FENCE_CLOSE_RE = re.compile(r"[ \t>]*(`{3,}+|~{3,}+)[ \t\r]*$")
_INDENTED_RE = re.compile(r" {0,3}\t| {4}")
# `[^1]: ...` is a footnote (article text), not a reference definition.
_REFERENCE_RE = re.compile(r" {0,3}\[(?!\^)[^\]\n]+\]:")
_INLINE_RE = re.compile(
    r"""
      (?P<ticks>`++)[\s\S]*?(?<!`)(?P=ticks)(?!`)   # code span
    | `++                                   # an unclosed backtick run is literal
    | <!--[\s\S]*?-->                       # HTML comment
    | <(script|style|pre|textarea)\b[\s\S]*?</(?:script|style|pre|textarea)\s*>
    | <[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>   # autolink
    | <[^\s<>@]+@[^\s<>@]+>                 # e-mail autolink
    | </?[A-Za-z][A-Za-z0-9-]*(?:\s(?:"[^"]*"|'[^']*'|[^"'<>])*)?/?>  # HTML tag
    | \]\((?:[^()\n]|\([^()\n]*\))*\)       # link destination: ](url "title")
    | !(?=\[)                               # image: ![alt](src)
    | (?P<url>(?:https?://|ftp://|www\.)[!-;=?-~]+)  # bare URL (printable ASCII but < >)
    | \\[!-/:-@\[-`{-~]                     # backslash escape: the author wants it literal
    """,
    re.VERBOSE | re.IGNORECASE,
)


def _prose(body: str) -> str:
    """`body` with all but article text blanked out, offsets unchanged: code lines become
    spaces (they separate paragraphs), inline code, URLs, tags etc. NUL (never Chinese)."""
    lines = body.split("\n")
    out: list[str] = []
    kinds = [
        "code" if code else "text" if line.strip(" \t\r") else "blank"
        for line, code in zip(lines, _code_lines(lines), strict=True)
    ]
    for kind, group in itertools.groupby(zip(kinds, lines, strict=True), lambda item: item[0]):
        chunk = [line for _, line in group]
        if kind == "code":
            out.extend(" " * len(line) for line in chunk)
        elif kind == "text":  # inline code may span the lines of a paragraph
            out.extend(_mask_inline("\n".join(chunk)).split("\n"))
        else:
            out.extend(chunk)
    return "\n".join(out)


def _code_lines(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it is code (fenced or indented) or a reference definition."""
    flags: list[bool] = []
    fence = ""
    can_indent = True  # an indented line is code only where it cannot continue a paragraph
    for line in lines:
        if fence:
            close = _FENCE_CLOSE_RE.match(line)
            if close and close[1][0] == fence[0] and len(close[1]) >= len(fence):
                fence, can_indent = "", True
            flags.append(True)
        elif not line.strip(" \t\r"):
            flags.append(False)
            can_indent = True
        elif can_indent and _INDENTED_RE.match(line):
            flags.append(True)
        elif opening := _FENCE_OPEN_RE.match(line):
            fence = opening[1]
            flags.append(True)
        else:
            flags.append(bool(_REFERENCE_RE.match(line)))
            can_indent = flags[-1]
    return flags


def _mask_inline(paragraph: str) -> str:
    pieces: list[str] = []
    last = 0
    for match in _INLINE_RE.finditer(paragraph):
        start, end = match.span()
        if match["url"]:
            end = start + _url_length(match["url"])
        pieces += [paragraph[last:start], re.sub(r"[^\n]", "\0", paragraph[start:end])]
        last = end
    pieces.append(paragraph[last:])
    return "".join(pieces)


def _url_length(url: str) -> int:
    """A bare URL's length without trailing punctuation or an unbalanced ")" (as GFM does)."""
    end = len(url)
    while end:
        last = url[end - 1]
        unbalanced = last == ")" and url.count(")", 0, end) > url.count("(", 0, end)
        if last not in "?!.,:;*_~'\"" and not unbalanced:
            break
        end -= 1
    return end


def _paragraphs(prose: str) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of each run of non-blank lines."""
    start: int | None = None
    offset = end = 0
    for line in prose.split("\n"):
        if line.strip(" \t\r"):
            start = offset if start is None else start
            end = offset + len(line)
        elif start is not None:
            yield start, end
            start = None
        offset += len(line) + 1
    if start is not None:
        yield start, end


# --- Rules ---------------------------------------------------------------------------------

_EMPHASIS = frozenset("*_~")  # delimiters between words, not punctuation
_CLOSING = frozenset("”’》〉」』】〕〗）")  # may stand between Han and what follows it
_OPENING = frozenset("“‘《〈「『【〔〖（")
_NAMES = {
    ",": "逗号",
    ";": "分号",
    ":": "冒号",
    "?": "问号",
    "!": "叹号",
    "(": "左括号",
    ")": "右括号",
}
_FULL = str.maketrans(",;:?!()", "，；：？！（）")
_FULL_WIDTH_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_DOUBLED_RE = re.compile("[，。、；：？！]{2,}")


def _han_beside(chars: Sequence[str], index: int, step: int, *, spaces: bool) -> bool:
    """Whether the nearest character before (step -1) or after (+1) `index` is Han.

    Emphasis markers, closing (before) or opening (after) quotes and brackets, and one
    line break inside the paragraph are looked through; spaces only when `spaces` is set.
    """
    skip = _CLOSING if step < 0 else _OPENING
    newlines = 0
    blank = False
    index += step
    while 0 <= index < len(chars) and newlines < 2:
        char = chars[index]
        if char == "\n":
            newlines += 1
        elif char in " \t\r":
            blank = True
        elif char not in _EMPHASIS and char not in skip:
            return (spaces or newlines == 1 or not blank) and HAN_RE.match(char) is not None
        index += step
    return False


_ASCII = "ascii-punctuation"
_Hit = tuple[int, str, str, str | None, str, str]
"""offset, kind, found, suggestion, message, hint."""


def _scan(text: str, first_line: int) -> list[tuple[int, Finding]]:
    """Every finding with its offset in `text`."""
    shift = 1 if text.startswith(BOM) else 0  # in the text, but not counted in columns
    prose = _prose(text[shift:])
    starts = [0] + [match.end() for match in re.finditer("\n", prose)]

    def locate(offset: int) -> tuple[int, int]:
        row = bisect_right(starts, offset) - 1
        return row + first_line, offset - starts[row] + 1

    hits = itertools.chain(
        _ascii_punctuation(prose, locate),
        _full_width(prose),
        _doubled(prose),
        _unpaired_quotes(prose),
    )
    found = [
        (offset + shift, Finding(*locate(offset), kind, what, fix, message, hint, kind == _ASCII))
        for offset, kind, what, fix, message, hint in hits
    ]
    return sorted(found, key=lambda item: (item[0], item[1].kind))


def _ascii_punctuation(prose: str, locate: Callable[[int], tuple[int, int]]) -> Iterator[_Hit]:
    # Judge on the text as it will be after fixing, so that fixing again finds nothing
    # new: a bracket made full-width lets the mark after it count as Chinese (（注）,中文).
    chars = list(prose)
    for start, end in _chinese_brackets(prose, chars):
        for here, there in ((start, end), (end, start)):
            name, full = _NAMES[prose[here]], prose[here].translate(_FULL)
            line, column = locate(there)
            message = f"中文括注使用了半角{name}“{prose[here]}”"
            hint = f"改为全角{name}“{full}”，与第 {line} 行第 {column} 列的“{prose[there]}”一并修改"
            yield here, _ASCII, prose[here], full, message, hint
    for index, char in enumerate(chars):
        before = char in ",;:" and _han_beside(chars, index, -1, spaces=True)
        if before and _han_beside(chars, index, 1, spaces=False):
            yield _mark(index, char, "中文之间")
    for run in re.finditer(r"[?!]+", "".join(chars)):
        if _han_beside(chars, run.start(), -1, spaces=True):
            yield from (_mark(index, prose[index], "中文后") for index in range(*run.span()))


def _mark(index: int, char: str, where: str) -> _Hit:
    name, full = _NAMES[char], char.translate(_FULL)
    message = f"{where}使用了半角{name}“{char}”"
    return index, _ASCII, char, full, message, f"改为全角{name}“{full}”"


def _chinese_brackets(prose: str, chars: list[str]) -> list[tuple[int, int]]:
    """Matching ( ) pairs around or beside Chinese; makes them full-width in `chars`."""
    pairs: list[tuple[int, int]] = []
    for start, end in _paragraphs(prose):
        opened: list[int] = []
        for index in range(start, end):
            if prose[index] == "(":
                opened.append(index)
            elif prose[index] == ")" and opened:
                pairs.append((opened.pop(), index))
    chinese: list[tuple[int, int]] = []
    while True:  # until no pair changes: one made full-width can make its neighbour Chinese
        more = [
            (start, end)
            for start, end in pairs
            if HAN_RE.search(prose, start + 1, end)
            or _han_beside(chars, start, -1, spaces=False)
            or _han_beside(chars, end, 1, spaces=False)
        ]
        if not more:
            return sorted(chinese)
        for start, end in more:
            chars[start], chars[end] = "（", "）"
            pairs.remove((start, end))
        chinese += more


def _full_width(prose: str) -> Iterator[_Hit]:
    for match in _FULL_WIDTH_RE.finditer(prose):
        found = match[0]
        half = "".join(chr(ord(char) - 0xFEE0) for char in found)
        what = "数字" if half.isdigit() else "字母" if half.isalpha() else "字母和数字"
        message, hint = f"使用了全角{what}“{found}”", f"改为半角{what}“{half}”"
        yield match.start(), "full-width-alphanumeric", found, half, message, hint


def _doubled(prose: str) -> Iterator[_Hit]:
    for match in _DOUBLED_RE.finditer(prose):
        run, first = match[0], match[0][0]
        if set(run) <= {"？", "！"}:  # ？！ and ！！ are legitimate emphasis
            continue
        if len(set(run)) == 1:
            message, hint = f"重复使用了标点“{run}”", f"只保留一个“{first}”"
        else:
            message, hint = f"连用了多个标点“{run}”", f"删去多余的标点，只保留“{first}”"
        yield match.start(), "doubled-punctuation", run, first, message, hint


_NO_CLOSE = ("左引号 “ 在本段中没有配对的右引号 ”", "补上右引号 ”，或删去多余的左引号")
_NO_OPEN = ("右引号 ” 在本段中没有配对的左引号 “", "补上左引号 “，或删去多余的右引号")
_NESTED = "补上右引号 ”；引号内再引用时，内层应改用单引号 ‘’"


def _unpaired_quotes(prose: str) -> Iterator[_Hit]:
    for start, end in _paragraphs(prose):
        opened: int | None = None
        for match in re.finditer("[“”]", prose[start:end]):
            offset = start + match.start()
            if match[0] == "”" and opened is None:
                yield (offset, "unpaired-quote", "”", None, *_NO_OPEN)
            elif match[0] == "“" and opened is not None:  # a second opening before a close
                yield opened, "unpaired-quote", "“", None, _NO_CLOSE[0], _NESTED
            opened = offset if match[0] == "“" else None
        if opened is not None:
            yield (opened, "unpaired-quote", "“", None, *_NO_CLOSE)
