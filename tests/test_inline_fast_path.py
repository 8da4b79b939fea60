"""The gated inline stage (`zhuanlan.inline`) renders exactly what stock Python-Markdown does."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor

from zhuanlan import markup
from zhuanlan.frontmatter import split_front_matter
from zhuanlan.inline import (
    GATES,
    GatedInlineProcessor,
    gate_for,
    install_fast_inline,
    internals_present,
)
from zhuanlan.markup import MarkdownRefused, render_markdown
from zhuanlan.model import RenderedMarkdown

REPO = Path(__file__).resolve().parents[1]

PLACEHOLDER = "\x02klzzwxh:0001\x03"
"""What Python-Markdown leaves in a text for an element an earlier pattern made."""

CHARACTERS = list("`*_[]()!<>&\\#-|^:;@/.=\"' \t\n0123456789abcxyzABC中文党建，。“”")
"""Markdown syntax and the text around it, one character at a time."""

SNIPPETS = [
    "  \n",
    "\n\n",
    "\n    ",
    "**",
    "__",
    "``",
    "***强调***",
    "*斜*",
    "_x_",
    "`代码`",
    "``a`b``",
    "\\*",
    "\\`",
    "\\\\`",
    "[^1]",
    "[^1]: 注释内容\n",
    "[^note]",
    "[链接](http://example.com)",
    '[链接](files/a.pdf "标题")',
    "[引用][ref]",
    "[ref]",
    "[ref]: http://example.com/x\n",
    "![图](img/a.png)",
    "![图][ref]",
    "![ref]",
    "<https://example.com/a?b=1>",
    "<me@example.com>",
    "<b>",
    "</b>",
    "<br/>",
    '<span class="x">',
    "<!-- 注释 -->",
    "<?php ?>",
    "<![CDATA[x]]>",
    "&amp;",
    "&#38;",
    "&#x26;",
    "&nbsp",
    "# ",
    "## 标题\n",
    "- 项\n",
    "* 项\n",
    "1. 项\n",
    "> 引用\n",
    "| 甲 | 乙 |\n|:--|--:|\n| *1* | `2` |\n",
    "```\n代码 *不* 强调\n```\n",
    "---\n",
    "中文段落",
    "Party work",
    "2023",
    PLACEHOLDER,
]

markdown_text = st.lists(
    st.one_of(st.sampled_from(SNIPPETS), st.text(alphabet=CHARACTERS, max_size=6)),
    max_size=40,
).map("".join)


def render_both_ways(text: str, link_prefix: str = "") -> tuple[object, object]:
    """What `render_markdown` gives, or the refusal it raises, with and without the gate."""
    results: list[RenderedMarkdown | str] = []
    for fast in (True, False):
        try:
            results.append(render_markdown(text, link_prefix, fast_inline=fast))
        except MarkdownRefused as refused:
            results.append(f"refused: {refused}")
    return results[0], results[1]


def raw_html_both_ways(text: str) -> tuple[str, str]:
    """The HTML Python-Markdown makes, before sanitizing, with and without the gate."""
    fast, stock = markup._converter(True), markup._converter(False)
    return fast.reset().convert(text), stock.reset().convert(text)


@settings(max_examples=600, deadline=None)
@given(markdown_text, st.sampled_from(["", "../"]))
def test_gated_rendering_equals_stock_rendering(text: str, link_prefix: str) -> None:
    fast, stock = render_both_ways(text, link_prefix)
    assert fast == stock
    # Sanitizing could hide a difference: the raw HTML must be identical too.
    if not isinstance(stock, str):
        raw_fast, raw_stock = raw_html_both_ways(text)
        assert raw_fast == raw_stock


def without(text: str, triggers: tuple[str, ...]) -> str:
    """`text` with every occurrence of the triggers removed, even ones removal creates."""
    while any(trigger in text for trigger in triggers):
        for trigger in triggers:
            text = text.replace(trigger, "")
    return text


@pytest.mark.parametrize("key", list(GATES), ids=[name for name, _, _ in GATES])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_text_without_triggers_never_matches(
    key: tuple[str, str, int], data: st.DataObject
) -> None:
    _, source, flags = key
    triggers = GATES[key]
    regex = re.compile(source, flags)
    pieces = st.one_of(st.sampled_from(SNIPPETS), st.text(alphabet=CHARACTERS, max_size=6))
    text = without("".join(data.draw(st.lists(pieces, max_size=20))), triggers)
    # __applyPattern searches from a start index; every start must find nothing.
    assert all(regex.search(text, start) is None for start in range(len(text) + 1))


@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("backtick", "a `b` c"),
        ("escape", "\\*"),
        ("footnote", "正文[^1]"),
        ("reference", "[a][b]"),
        ("link", "[a](b)"),
        ("image_link", "![a](b)"),
        ("image_reference", "![a][b]"),
        ("short_reference", "[a]"),
        ("short_image_ref", "![a]"),
        ("autolink", "<https://example.com>"),
        ("automail", "<me@example.com>"),
        ("linebreak", "行  \n行"),
        ("html", "<b>"),
        ("entity", "&amp;"),
        ("em_strong", "_a_"),
    ],
)
def test_each_gate_is_for_a_regex_that_matches_its_triggers(name: str, example: str) -> None:
    # The property above is only worth something if the regexes can match at all.
    [(key, triggers)] = [(key, triggers) for key, triggers in GATES.items() if key[0] == name]
    assert re.compile(key[1], key[2]).search(example)
    assert any(trigger in example for trigger in triggers)


@pytest.fixture(scope="module")
def bench_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A few hundred generated bench articles, as in ``bench/generate.py``."""
    out = tmp_path_factory.mktemp("inline-corpus") / "project"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate.py"), str(out), "--articles", "300"],
        check=True,
        capture_output=True,
    )
    return sorted((out / "content").rglob("*.md"))


def test_sample_content_renders_identically() -> None:
    files = sorted((REPO / "content").rglob("*.md"))
    assert files
    for path in files:
        body = split_front_matter(path.read_text(encoding="utf-8")).body
        fast, stock = render_both_ways(body, "../")
        assert fast == stock, path
        assert raw_html_both_ways(body)[0] == raw_html_both_ways(body)[1], path


def test_bench_corpus_renders_identically(bench_corpus: list[Path]) -> None:
    assert len(bench_corpus) >= 300
    for path in bench_corpus:
        body = split_front_matter(path.read_text(encoding="utf-8")).body
        fast, stock = render_both_ways(body, "../")
        assert fast == stock, path


def test_the_converter_uses_the_gate_for_every_stock_pattern() -> None:
    assert internals_present(), "Python-Markdown changed: the inline gate is not in use"
    converter = markup._converter()
    processor = converter.treeprocessors["inline"]
    assert type(processor) is GatedInlineProcessor
    assert type(markup._converter(fast_inline=False).treeprocessors["inline"]) is InlineProcessor
    # Every pattern of this Python-Markdown has a gate, and every gate is in use: a failure
    # here after an upgrade means a regex changed and its gate has to be worked out again.
    gates = [gate for _, gate in processor.gated_patterns]
    assert all(gate is not None for gate in gates)
    assert len(gates) == len(GATES)


def test_patterns_are_served_in_the_registrys_order() -> None:
    converter = markup._converter()
    processor = converter.treeprocessors["inline"]
    assert isinstance(processor, GatedInlineProcessor)
    registry = converter.inlinePatterns
    assert [pattern for pattern, _ in processor.gated_patterns] == [
        registry[index] for index in range(len(registry))
    ]


def test_a_pattern_with_a_known_name_but_another_regex_has_no_gate() -> None:
    assert gate_for("em_strong", SimpleTagInlineProcessor(r"()~~(.+?)~~", "del")) is None
    assert gate_for("strike", SimpleTagInlineProcessor(r"\*|_", "del")) is None


def test_without_the_private_methods_the_stock_processor_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(InlineProcessor, "_InlineProcessor__applyPattern")
    converter = markdown.Markdown(extensions=["footnotes"])
    assert not internals_present()
    assert not install_fast_inline(converter)
    assert type(converter.treeprocessors["inline"]) is InlineProcessor


class _Strike(SimpleTagInlineProcessor):
    """A pattern the gate does not know, not applied inside links."""

    ANCESTOR_EXCLUDES = ("a",)


class _StrikeExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.inlinePatterns.register(_Strike(r"()~~(.+?)~~", "del"), "strike", 65)


def test_unknown_patterns_and_ancestor_excludes_work_as_before() -> None:
    extensions = ["footnotes", "sane_lists"]
    fast = markdown.Markdown(extensions=extensions)
    stock = markdown.Markdown(extensions=extensions)
    assert install_fast_inline(fast)
    # Registered after the gate was installed: the pattern list is taken again per document.
    for converter in (fast, stock):
        _StrikeExtension().extendMarkdown(converter)
    text = "~~删~~ [~~链~~](x) `~~码~~` **~~粗~~** _斜_ [^1]\n\n[^1]: ~~注~~ <b>~~b~~</b>\n"
    expected = stock.convert(text)
    assert "<del>删</del>" in expected and '<a href="x">~~链~~</a>' in expected
    assert fast.convert(text) == expected


def test_the_gate_only_changes_the_inline_processor() -> None:
    fast, stock = markup._converter(True), markup._converter(False)
    assert [type(p) for p in fast.treeprocessors] == [
        GatedInlineProcessor if type(p) is InlineProcessor else type(p)
        for p in stock.treeprocessors
    ]
