"""Metadata in <head>: the tags Chinese institution sites carry, and Open Graph.

SiteName, SiteDomain and SiteIDCode on every page; ColumnName and ColumnDescription on
column pages; ArticleTitle, PubDate, ContentSource, Author, Description and ColumnName on
articles; og:type, og:title, og:description and og:url. A tag appears only when its value
is known, values are escaped exactly once, and PubDate carries a time only when the
front matter gives one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import Built, run_build

SITE_TITLE = "党耀天平·法润张掖"
COLUMN = "dajuan-2023/index.html"
ARTICLE = "dajuan-2023/1-goal/index.html"


def meta(page: BeautifulSoup) -> dict[str, str]:
    """Every <meta name> and <meta property> of a page; each may appear only once."""
    found: dict[str, str] = {}
    for tag in page.head.find_all("meta"):
        key = tag.get("name") or tag.get("property")
        if key:
            assert key not in found, key
            found[key] = tag["content"]
    return found


def write(project: Path, path: str, text: str) -> None:
    (project / path).write_text(text, encoding="utf-8")


COLUMN_FILE = """---
title: 测试专栏
year: 2024
---
专栏介绍。
"""


# --- The sample site ---------------------------------------------------------------


def test_every_page_names_the_site_and_nothing_unconfigured(sample: Built) -> None:
    for url in sample.pages():
        page = sample.page(url)
        tags = meta(page)
        assert tags["SiteName"] == SITE_TITLE, url
        assert tags["og:site_name"] == SITE_TITLE, url
        # No base_url and no 网站标识码 in the sample's site.yml: nothing made up.
        assert "SiteDomain" not in tags and "SiteIDCode" not in tags, url
        assert "og:url" not in tags, url
        is_article = page.find("article", class_="article") is not None
        assert tags["og:type"] == ("article" if is_article else "website"), url
        assert tags["og:title"], url
        assert ("ArticleTitle" in tags) == is_article, url


def test_column_page(sample: Built) -> None:
    tags = meta(sample.page(COLUMN))
    assert tags["ColumnName"] == "答卷·2023 党建篇"
    assert tags["ColumnDescription"] == "张掖中院“13355”党建工作机制"  # the subtitle
    assert tags["og:title"] == "答卷·2023 党建篇"
    assert tags["og:description"] == "张掖中院“13355”党建工作机制"
    assert "ArticleTitle" not in tags and "PubDate" not in tags and "Description" not in tags


def test_article_page(sample: Built) -> None:
    tags = meta(sample.page(ARTICLE))
    summary = "推进全面从严治党、全面从严治院向纵深发展，为审判权公正高效廉洁运行提供坚强组织保障。"
    assert tags["ArticleTitle"] == "明确“1”个目标，铆定努力方向"
    assert tags["PubDate"] == "2024-01-16"  # the sample's dates have no time
    assert tags["ContentSource"] == "张掖市中级人民法院"
    assert "Author" not in tags  # the sample names no author
    assert tags["Description"] == summary
    assert tags["ColumnName"] == "答卷·2023 党建篇"
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "明确“1”个目标，铆定努力方向"
    assert tags["og:description"] == summary


def test_home_and_list_pages(sample: Built) -> None:
    home = meta(sample.page("index.html"))
    assert home["og:title"] == SITE_TITLE
    assert home["og:description"] == "张掖市中级人民法院党建专栏"  # the site's subtitle
    assert "ColumnName" not in home
    tags_page = sample.page("tags/index.html")
    assert meta(tags_page)["og:title"] == tags_page.title.get_text()
    assert "og:description" not in meta(tags_page)


# --- Configured: base_url and 网站标识码 ---------------------------------------------


def test_base_url_adds_site_domain_and_og_url(project_from: Callable[[str], Path]) -> None:
    project = project_from("sample")
    site_yml = (project / "content/site.yml").read_text(encoding="utf-8")
    site_yml = site_yml.replace(
        "# base_url: https://example.gov.cn/dangjian/",
        "base_url: https://www.example.gov.cn/dangjian/ #",
    )
    write(project, "content/site.yml", site_yml + '  site_code: "6207000001"\n')
    built = run_build(project)
    assert built.exit_code == 0, built.output
    base = "https://www.example.gov.cn/dangjian/"
    urls = {}
    for url in built.pages():
        tags = meta(built.page(url))
        assert tags["SiteDomain"] == "www.example.gov.cn", url
        assert tags["SiteIDCode"] == "6207000001", url
        if url == "404.html":  # shown at whatever address was missing: it has none
            assert "og:url" not in tags
        else:
            urls[url] = tags["og:url"]
    assert urls["index.html"] == base
    assert urls[COLUMN] == base + "dajuan-2023/"
    assert urls[ARTICLE] == base + "dajuan-2023/1-goal/"
    # The same addresses as the sitemap gives.
    sitemap = (built.site / "sitemap.xml").read_text(encoding="utf-8")
    locations = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    assert {urls["index.html"], urls[COLUMN], urls[ARTICLE]} <= locations


# --- Descriptions made from text ----------------------------------------------------


def test_descriptions_come_from_the_text_when_not_given(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("valid/minimal")
    write(
        project,
        "content/col/_index.md",
        "---\ntitle: 测试专栏\nyear: 2024\n---\n"
        "本专栏[介绍](https://example.org)“党建 & 业务”**融合**的做法。后面还有一句。\n",
    )
    long_text = "很长的句子" * 40
    write(
        project,
        "content/col/first.md",
        "---\ntitle: 第一篇\ndate: 2024-01-15\n---\n"
        f"## 小标题\n\n正文第一段[^1]，{long_text}。\n\n[^1]: 注释不算。\n",
    )
    write(
        project,
        "content/col/second.md",
        "---\ntitle: 第二篇\ndate: 2024-01-16\nsummary: 写好的摘要。\n---\n正文。\n",
    )
    (project / "content/empty").mkdir()
    write(project, "content/empty/_index.md", "---\ntitle: 空介绍\nyear: 2024\n---\n")
    write(project, "content/empty/a.md", "---\ntitle: 文章\ndate: 2024-01-15\n---\n正文。\n")
    built = run_build(project)
    assert built.exit_code == 0, built.output

    column = meta(built.page("col/index.html"))
    assert column["ColumnDescription"] == "本专栏介绍“党建 & 业务”融合的做法。"  # first sentence
    assert column["og:description"] == column["ColumnDescription"]

    first = meta(built.page("col/first/index.html"))
    expected = f"小标题 正文第一段，{long_text}"[:119] + "…"
    assert first["Description"] == expected
    assert len(first["Description"]) == 120
    assert first["og:description"] == expected
    assert meta(built.page("col/second/index.html"))["Description"] == "写好的摘要。"

    empty = meta(built.page("empty/index.html"))
    assert "ColumnDescription" not in empty and "og:description" not in empty
    assert empty["ColumnName"] == "空介绍"


def test_values_are_escaped_exactly_once(project_from: Callable[[str], Path]) -> None:
    project = project_from("valid/minimal")
    site = 'Site "引号" & <b>粗</b>'
    column = '专栏 & <i>"斜"</i>'
    title = '标题 "双引号" & <script>x</script>'
    source = 'A & "B"'
    author = "张三 <编辑>"
    summary = '摘要 & "引" <b>'
    write(project, "content/site.yml", f"title: '{site}'\n")
    write(project, "content/col/_index.md", f"---\ntitle: '{column}'\nyear: 2024\n---\n介绍。\n")
    write(
        project,
        "content/col/first.md",
        f"---\ntitle: '{title}'\ndate: 2024-01-15\nsource: '{source}'\n"
        f"author: '{author}'\nsummary: '{summary}'\n---\n正文。\n",
    )
    built = run_build(project)
    assert built.exit_code == 0, built.output
    tags = meta(built.page("col/first/index.html"))
    assert tags["SiteName"] == site
    assert tags["ColumnName"] == column
    assert tags["ArticleTitle"] == tags["og:title"] == title
    assert tags["ContentSource"] == source
    assert tags["Author"] == author
    assert tags["Description"] == tags["og:description"] == summary
    html = (built.site / "col/first/index.html").read_text(encoding="utf-8")
    assert 'content="标题 &#34;双引号&#34; &amp; &lt;script&gt;x&lt;/script&gt;"' in html
    for url in built.pages():
        html = (built.site / url).read_text(encoding="utf-8")
        assert "<script>x" not in html and "<b>" not in html and "<i>" not in html, url
        assert "&amp;amp;" not in html and "&amp;#34;" not in html and "&amp;lt;" not in html, url
        assert meta(built.page(url))["SiteName"] == site, url


# --- PubDate and the optional time in `date` -----------------------------------------


def test_pub_date_has_a_time_only_when_one_is_given(project_from: Callable[[str], Path]) -> None:
    project = project_from("valid/minimal")
    write(project, "content/col/_index.md", COLUMN_FILE)
    write(project, "content/col/first.md", "---\ntitle: 甲\ndate: 2024-01-15 09:30\n---\n正文。\n")
    write(project, "content/col/second.md", "---\ntitle: 乙\ndate: 2024-01-16T18:05\n---\n正文。\n")
    write(project, "content/col/third.md", "---\ntitle: 丙\ndate: 2024-01-17\n---\n正文。\n")
    built = run_build(project)
    assert built.exit_code == 0, built.output

    expected = {
        "first": ("2024-01-15 09:30", "2024-01-15T09:30", "发布时间：2024年1月15日 09:30"),
        "second": ("2024-01-16 18:05", "2024-01-16T18:05", "发布时间：2024年1月16日 18:05"),
        "third": ("2024-01-17", "2024-01-17", "发布日期：2024年1月17日"),
    }
    for slug, (pub_date, datetime, shown) in expected.items():
        page = built.page(f"col/{slug}/index.html")
        assert meta(page)["PubDate"] == pub_date, slug
        line = page.select_one(".article__meta")
        assert line.time["datetime"] == datetime, slug
        assert shown in " ".join(line.get_text().split()), slug
    # Lists show the day only, as before.
    listed = [t["datetime"] for t in built.page("col/index.html").select(".article-list time")]
    assert sorted(listed) == ["2024-01-15", "2024-01-16", "2024-01-17"]


@pytest.mark.parametrize(
    ("written", "problem", "hint"),
    [
        ("2024-01-15 25:61", "date：不存在的时间：25:61", "小时为 00–23，分钟为 00–59"),
        ("2024-01-15 9:30", "date：日期格式不正确：2024-01-15 9:30", "例如 2024-01-15 09:30"),
        ("2024-01-15 09：30", "date：日期格式不正确：2024-01-15 09：30", "半角"),
        ("2024-02-30 09:30", "date：不存在的日期：2024-02-30", "当月的天数"),
        ("2024-01-15 09:30:00", "date：日期格式不正确：2024-01-15 09:30:00", "HH:MM"),
    ],
    ids=["hour-25", "one-digit-hour", "full-width-colon", "no-such-day", "seconds"],
)
def test_bad_time_is_reported_with_file_and_line(
    project_from: Callable[[str], Path], written: str, problem: str, hint: str
) -> None:
    project = project_from("valid/minimal")
    write(project, "content/col/first.md", f"---\ntitle: 第一篇\ndate: {written}\n---\n正文。\n")
    built = run_build(project)
    assert built.exit_code == 1, built.output
    problems = [line for line in built.output.splitlines() if line.startswith("错误：")]
    assert len(problems) == 1, built.output
    assert f"content/col/first.md:3: {problem}" in problems[0], built.output
    assert hint in built.output
    assert "Traceback" not in built.output
