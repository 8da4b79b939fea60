"""Markdown to HTML, done right for Chinese, sanitized, and safe against hostile input.

On top of Python-Markdown (tables, fenced code, footnotes, sane lists) this module:
- joins lines broken between two Chinese characters, so no stray space appears;
- gives headings ids made of their own Chinese text, unique within the page with ``-2``,
  ``-3`` suffixes (never Python-Markdown's ``_1``), and returns them for the table of
  contents; body headings are shifted down when the body uses ``#``, because the article
  title is the page's only ``h1``;
- makes relative links and image sources relative to the page the HTML ends up on;
- sanitizes the result with an allow-list (no script, no event attributes, no
  ``javascript:`` URLs), because raw HTML in Markdown is passed through otherwise;
- refuses input that would make Python-Markdown recurse without end or run for minutes
  (a 500-deep nested list, 20,000 ``[``), naming the problem instead of hanging.
"""

from __future__ import annotations

import posixpath
import re
import signal
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from zhuanlan.inline import install_fast_inline
from zhuanlan.model import Heading, RenderedMarkdown
from zhuanlan.text import join_wide_lines, reading_units

RESERVED_IDS = frozenset(
    {"main", "content", "toc", "top", "header", "footer", "search", "section-nav", "article"}
)
"""Ids the templates use; a heading never takes one of them."""

MAX_BRACKETS_PER_BLOCK = 2000
"""Python-Markdown's link matching is quadratic in the number of ``[`` in a paragraph."""

MAX_NESTING = 40
"""Deeper lists or quotes than this are refused: they only come from broken input."""

TIME_LIMIT_SECONDS = 10.0
"""A backstop for any other slow input: no single file may take longer than this."""

_PUNCTUATION = re.compile(r"[^\w\s\-]+")
_SPACES = re.compile(r"\s+")
_SKIP_JOIN = frozenset({"pre", "code"})
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption", "mark", "ins", "del", "sup", "sub"}
_ALLOWED_ATTRIBUTES = {name: set(values) for name, values in nh3.ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRIBUTES.setdefault("*", set()).update({"id", "class", "lang", "title"})
_ALLOWED_ATTRIBUTES.setdefault("div", set()).update({"role", "tabindex", "aria-label"})
for _cell in ("th", "td"):
    _ALLOWED_ATTRIBUTES.setdefault(_cell, set()).update({"style", "colspan", "rowspan"})


class MarkdownRefused(Exception):
    """The input was refused as pathological; the message says why, in Chinese."""


def render_markdown(
    text: str, link_prefix: str = "", *, fast_inline: bool = True
) -> RenderedMarkdown:
    """Render Markdown to sanitized HTML; raise `MarkdownRefused` for hostile input.

    `link_prefix` is prepended to relative URLs: ``"../"`` for an article, whose page
    sits one folder below its source file. `fast_inline=False` renders with Python-Markdown's
    stock inline stage, which the default one must match byte for byte (see `zhuanlan.inline`).
    """
    _refuse_pathological(text)
    converter = _converter(fast_inline)
    collector = converter.treeprocessors["zhuanlan"]
    assert isinstance(collector, _ChineseTreeprocessor)
    # Python-Markdown skips tree processors for a blank text: clear the last document's.
    collector.reset()
    try:
        with _time_limit(TIME_LIMIT_SECONDS):
            html = converter.reset().convert(text)
    except RecursionError:
        raise MarkdownRefused(f"Markdown 嵌套过深（超过 {MAX_NESTING} 层），无法渲染") from None
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        filter_style_properties={"text-align"},
        link_rel=None,
        # Here, not in the tree: raw HTML (<img src>, <a href>) is not in the tree.
        attribute_filter=_prefixer(link_prefix) if link_prefix else None,
    )
    return RenderedMarkdown(clean, tuple(collector.headings), collector.reading_units)


def _prefixer(link_prefix: str) -> Callable[[str, str, str], str]:
    """An nh3 attribute filter putting `link_prefix` before relative href and src URLs."""

    def prefix(tag: str, attribute: str, value: str) -> str:
        if attribute in ("href", "src") and value and _is_relative(value):
            return _join_url(link_prefix, value)
        return value

    return prefix


# A line indented deeper than MAX_NESTING levels, or quoting deeper (after its indent).
_TOO_DEEP = re.compile(
    rf"^(?:[ \t]{{{4 * MAX_NESTING + 1}}}|[ \t]*>[> \t]{{{MAX_NESTING}}})", re.MULTILINE
)


def _refuse_pathological(text: str) -> None:
    if text.count("[") > MAX_BRACKETS_PER_BLOCK:
        for block in text.split("\n\n"):
            if block.count("[") > MAX_BRACKETS_PER_BLOCK:
                raise MarkdownRefused(
                    f"一个段落中有超过 {MAX_BRACKETS_PER_BLOCK} 个“[”，渲染会极其缓慢",
                )
    if _TOO_DEEP.search(text):
        raise MarkdownRefused(f"Markdown 嵌套过深（超过 {MAX_NESTING} 层），无法渲染")


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (main thread on POSIX only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise MarkdownRefused(f"渲染超过 {seconds:g} 秒仍未完成，内容结构可能异常") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_local = threading.local()


def _converter(fast_inline: bool = True) -> markdown.Markdown:
    # Building a Markdown instance costs more than converting a short article: reuse one
    # per thread (or per worker process) and kind, reset between documents.
    converters: dict[bool, markdown.Markdown] | None = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = {}
    converter = converters.get(fast_inline)
    if converter is None:
        converter = _Markdown(
            extensions=["tables", "fenced_code", "footnotes", "sane_lists", _ChineseExtension()],
            extension_configs={"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处注释"}},
            output_format="html",
        )
        if fast_inline:
            install_fast_inline(converter)  # after the extensions: it lists their patterns
        converters[fast_inline] = converter
    return converter


class _Markdown(markdown.Markdown):
    """Python-Markdown, answering "is this tag block-level?" from a table.

    It asks about 90 times a document, and its own answer lowers the tag and searches a
    list of 50 names: 5 % of the time it takes to convert an article.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Filled as tags come: the extensions have all added theirs to the list by now.
        self._block_level: dict[object, bool] = {}

    def is_block_level(self, tag: object) -> bool:
        """Whether `tag` is a block-level element's (Python-Markdown's answer, kept)."""
        answer = self._block_level.get(tag)
        if answer is None:
            answer = self._block_level[tag] = super().is_block_level(tag)
        return answer


class _ChineseExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # Priority 15: after inline patterns (20) have turned text into elements, and
        # before the line breaks that lay out the HTML (10) are added between blocks.
        md.treeprocessors.register(_ChineseTreeprocessor(md), "zhuanlan", 15)


class _ChineseTreeprocessor(Treeprocessor):
    """Joins Chinese line breaks, names headings, fixes relative URLs, counts text."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.headings: list[Heading] = []
        self.reading_units = 0

    def reset(self) -> None:
        """Forget the previous document."""
        self.headings = []
        self.reading_units = 0

    def run(self, root: ET.Element) -> None:
        self.headings = []
        self._join_lines(root)
        self._name_headings(root)
        self._wrap_tables(root)
        self.reading_units = reading_units("".join(root.itertext()))

    def _join_lines(self, element: ET.Element) -> None:
        if element.tag in _SKIP_JOIN:
            return
        children = list(element)
        # A break can fall between text and an inline element (中文\n**加粗**), so a
        # piece of text with a break is joined together with its neighbouring characters.
        if element.text and "\n" in element.text:
            after = _first_char(children[0]) if children else ""
            element.text = _join_between("", element.text, after)
        for index, child in enumerate(children):
            self._join_lines(child)
            if child.tail and "\n" in child.tail:
                after = _first_char(children[index + 1]) if index + 1 < len(children) else ""
                child.tail = _join_between(_last_char(child), child.tail, after)

    def _name_headings(self, root: ET.Element) -> None:
        headings = [element for element in root.iter() if element.tag in _HEADING_TAGS]
        shift = 1 if any(element.tag == "h1" for element in headings) else 0
        used = set(RESERVED_IDS)
        for element in headings:
            level = min(int(element.tag[1]) + shift, 6)
            element.tag = f"h{level}"
            text = _SPACES.sub(" ", "".join(element.itertext())).strip()
            anchor = element.get("id") or _unique(_anchor(text), used)
            used.add(anchor)
            element.set("id", anchor)
            self.headings.append(Heading(level, anchor, text))

    def _wrap_tables(self, root: ET.Element) -> None:
        # A wide table scrolls inside its own box instead of widening the page at 320 px.
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    wrapper = ET.Element(
                        "div",
                        {
                            "class": "table-wrap",
                            "role": "region",
                            "tabindex": "0",
                            "aria-label": "表格",
                        },
                    )
                    wrapper.tail, child.tail = child.tail, None
                    parent.remove(child)
                    wrapper.append(child)
                    parent.insert(index, wrapper)


def _first_char(element: ET.Element) -> str:
    text = "".join(element.itertext())
    return text[0] if text else ""


def _last_char(element: ET.Element) -> str:
    text = "".join(element.itertext())
    return text[-1] if text else ""


def _join_between(before: str, text: str, after: str) -> str:
    """Join wide line breaks in `text`, looking at the characters just outside it."""
    joined = join_wide_lines(before + text + after)
    return joined[len(before) : len(joined) - len(after)]


def _anchor(text: str) -> str:
    """The id for a heading: its text without punctuation, spaces as hyphens."""
    anchor = _SPACES.sub("-", _PUNCTUATION.sub("", text).strip()).lower()
    if anchor.startswith("zl-"):  # the templates' own ids all start so
        anchor = "h-" + anchor
    return anchor or "section"


def _unique(anchor: str, used: set[str]) -> str:
    candidate, number = anchor, 1
    while candidate in used:
        number += 1
        candidate = f"{anchor}-{number}"
    return candidate


def _join_url(prefix: str, url: str) -> str:
    """``../`` + ``sub/../img.png`` → ``../img.png``: the path normalised, the rest kept."""
    parts = urlsplit(url)
    path = posixpath.normpath(prefix + parts.path) if parts.path else prefix + parts.path
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def _is_relative(url: str) -> bool:
    return not (
        url.startswith(("#", "/", "?", "\\")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)
    )
