"""Titles with <script> and & are escaped exactly once everywhere they appear."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import run_build

TITLE = "<script>alert(1)</script> 党建 & 业务"
ONCE = "&lt;script&gt;alert(1)&lt;/script&gt; 党建 &amp; 业务"


def test_title_is_escaped_once_in_every_place(project_from: Callable[[str], Path]) -> None:
    built = run_build(project_from("valid/escaping"))
    assert built.exit_code == 0, built.output
    places = {
        "col/first/index.html": 4,  # <title>, <h1>, ArticleTitle and og:title
        "col/second/index.html": 1,  # previous link
        "col/index.html": 1,  # article list
    }
    for url, count in places.items():
        html = (built.site / url).read_text(encoding="utf-8")
        assert "<script>alert" not in html, url
        assert "&amp;lt;" not in html and "&amp;amp;" not in html, url  # not twice
        assert html.count(ONCE) == count, (url, html)
    page = built.page("col/first/index.html")
    assert page.h1.get_text() == TITLE
    assert page.title.get_text().startswith(TITLE)
    listing = built.page("col/index.html")
    assert listing.select_one(".article-list__summary").get_text() == "摘要 <b>粗</b> & 细"
    assert "来源：A & B" in page.select_one(".article__meta").get_text()


def test_site_and_column_titles_are_escaped_once_on_every_page(
    project_from: Callable[[str], Path],
) -> None:
    built = run_build(project_from("valid/escaping"))
    assert built.exit_code == 0, built.output
    for url in built.pages():
        html = (built.site / url).read_text(encoding="utf-8")
        assert "<b>" not in html and "<i>" not in html, url
        assert "&amp;lt;" not in html and "&amp;amp;" not in html, url
        page = built.page(url)
        assert page.select_one(".site-brand__title").get_text() == "党建 & <b>业务</b>"
    assert built.page("col/index.html").h1.get_text() == "专栏 & <i>测试</i>"
