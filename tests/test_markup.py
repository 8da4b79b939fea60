"""Markdown rendering on plain strings: Chinese line breaks, anchors, sanitizing, limits."""

from __future__ import annotations

import pickle
import re
import sys

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from zhuanlan.markup import MarkdownRefused, render_markdown
from zhuanlan.text import HAN_RE, reading_units


def soup(markdown: str, prefix: str = "") -> BeautifulSoup:
    return BeautifulSoup(render_markdown(markdown, prefix).html, "html.parser")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("铆定\n努力方向", "铆定努力方向"),
        ("目标，\n铆定", "目标，铆定"),
        ("引号“1”\n个目标", "引号“1”个目标"),
        ("中文**加粗**\n中文", "中文加粗中文"),
        ("中文\n**加粗**", "中文加粗"),
        ("缩进\n    的续行", "缩进的续行"),
        ("English\nwords", "English\nwords"),
        ("中文\nEnglish", "中文\nEnglish"),
        ("共3302\n件", "共3302\n件"),
    ],
)
def test_line_breaks_between_wide_characters_are_removed(source: str, expected: str) -> None:
    assert soup(source).p.get_text() == expected


def test_code_keeps_its_line_breaks() -> None:
    html = soup("```\n第一行\n第二行\n```")
    assert html.pre.get_text() == "第一行\n第二行\n"


def test_heading_anchors_are_chinese_unique_and_stable() -> None:
    source = "## 工作成效\n\n## 工作成效\n\n## 明确“1”个目标，铆定努力方向\n\n## Key Figures 2023\n"
    first = render_markdown(source)
    anchors = [h.anchor for h in first.headings]
    assert anchors == ["工作成效", "工作成效-2", "明确1个目标铆定努力方向", "key-figures-2023"]
    assert render_markdown(source).headings == first.headings
    ids = [h["id"] for h in BeautifulSoup(first.html, "html.parser").find_all("h2")]
    assert ids == anchors
    assert not any(re.search(r"_\d+$", anchor) for anchor in anchors)


def test_heading_that_looks_like_a_suffixed_one_stays_unique() -> None:
    anchors = [h.anchor for h in render_markdown("## 成效-2\n\n## 成效\n\n## 成效\n").headings]
    assert anchors == ["成效-2", "成效", "成效-3"]


def test_heading_never_takes_an_id_the_templates_use() -> None:
    assert render_markdown("## Main\n").headings[0].anchor == "main-2"
    assert render_markdown("## zl title\n").headings[0].anchor == "h-zl-title"


def test_body_h1_is_shifted_so_the_title_stays_the_only_h1() -> None:
    html = soup("# 一\n\n## 二\n")
    assert html.find("h1") is None
    assert [h.name for h in html.find_all(["h2", "h3"])] == ["h2", "h3"]


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<iframe src="https://example.com"></iframe>',
        '<div onclick="alert(1)">x</div>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_sanitized(hostile: str) -> None:
    html = render_markdown(f"正文\n\n{hostile}\n").html.lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "<iframe" not in html and "<style" not in html


def test_safe_html_and_tables_survive() -> None:
    html = soup("| 指标 | 数值 |\n|:--|--:|\n| 结案率 | 95.61% |\n\n<mark>重点</mark>")
    assert html.select_one(".table-wrap table td").get_text() == "结案率"
    assert html.find("mark").get_text() == "重点"
    assert html.find("td", string="95.61%")["style"] == "text-align:right"


def test_relative_links_get_the_page_prefix() -> None:
    html = soup("[附件](files/a.pdf) [外](https://example.com) [锚](#x) ![图](img/b.png)", "../")
    hrefs = [a["href"] for a in html.find_all("a")]
    assert hrefs == ["../files/a.pdf", "https://example.com", "#x"]
    assert html.img["src"] == "../img/b.png"


def test_reading_units_count_han_characters_and_words() -> None:
    assert render_markdown("党建工作 2023 Party work").reading_units == 4 + 3


@given(st.text(alphabet=st.sampled_from("党建𠀀丰年a9Z_ ，。\n-·가")))
def test_reading_units_are_han_characters_plus_latin_words(text: str) -> None:
    han = sum(1 for char in text if HAN_RE.fullmatch(char))
    words = len(re.findall("[0-9A-Za-z]+", text))
    assert reading_units(text) == han + words


@pytest.mark.parametrize(
    "hostile",
    ["[" * 20000, "".join("  " * i + "- 项\n" for i in range(500)), ">" * 500 + " 引用"],
)
def test_pathological_markdown_is_refused_quickly(hostile: str) -> None:
    with pytest.raises(MarkdownRefused):
        render_markdown(hostile)


@given(st.text(alphabet=st.sampled_from(list("中文，。*_[]()#>-\n 1a`")), max_size=300))
def test_any_markdown_renders_or_is_refused(source: str) -> None:
    try:
        result = render_markdown(source)
    except MarkdownRefused:
        return
    anchors = [h.anchor for h in result.headings]
    assert len(anchors) == len(set(anchors))


def test_relative_links_in_raw_html_get_the_page_prefix_too() -> None:
    html = render_markdown(
        '<img src="photo.jpg" alt="活动">\n\n段落中的<a href="files/通知.pdf">附件</a>和'
        '<a href="#note">注</a>、<a href="https://example.cn/">外链</a>。',
        link_prefix="../",
    ).html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("img")["src"] == "../photo.jpg"
    assert [a["href"] for a in soup.find_all("a")] == [
        "../files/通知.pdf",
        "#note",
        "https://example.cn/",
    ]


def test_an_empty_body_has_no_headings_or_reading_time_of_the_document_before() -> None:
    # Python-Markdown skips its tree processors for an empty text: nothing of the
    # previous document converted in this process may leak into this one.
    render_markdown("## 第一部分\n\n正文内容较长的一段。\n\n## 第二部分\n\n更多正文。\n")
    empty = render_markdown("")
    assert empty.headings == ()
    assert empty.reading_units == 0
    assert empty.html == ""


def test_pickling_a_rendered_body_leaves_its_text_as_it_was() -> None:
    # The parse cache is pickled while the site model holds the same texts: pickling
    # must not make each of them carry a UTF-8 copy for the rest of the build.
    rendered = render_markdown("## 第一部分\n\n" + "党建引领，司法为民。" * 300)
    size = sys.getsizeof(rendered.html)
    copy = pickle.loads(pickle.dumps(rendered, protocol=pickle.HIGHEST_PROTOCOL))
    assert sys.getsizeof(rendered.html) == size
    assert copy == rendered
