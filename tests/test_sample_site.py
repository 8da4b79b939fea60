"""The sample column (the 13355 report) builds into a complete, navigable site."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from conftest import REPO, Built
from sitecrawl import crawl

COLUMN = "dajuan-2023/index.html"
PART_ARTICLES = [
    "dajuan-2023/1-goal/index.html",
    "dajuan-2023/3-leads/index.html",
    "dajuan-2023/3-groups/index.html",
    "dajuan-2023/5-constructions/index.html",
    "dajuan-2023/5-functions/index.html",
]
OVERVIEW = "dajuan-2023/13355-mechanism/index.html"
READING_ORDER = [OVERVIEW, *PART_ARTICLES]


def resolve(page: str, href: str) -> str:
    """The site-root URL a relative link on `page` points to."""
    from posixpath import dirname, join, normpath

    return normpath(join(dirname(page), href.split("#")[0]))


def text(element: object) -> str:
    assert element is not None
    return " ".join(element.get_text(" ", strip=True).split())  # type: ignore[attr-defined]


def test_every_page_exists(sample: Built) -> None:
    pages = set(sample.pages())
    assert {"404.html", "index.html", COLUMN, *READING_ORDER} <= pages
    assert {"years/2023/index.html", "tags/index.html", "tags/dui-wu-jian-she/index.html"} <= pages
    others = {p for p in pages if not p.startswith(("tags/", "years/", "dajuan-2023/"))}
    assert others == {"404.html", "index.html", "search/index.html"}


def test_home_lists_the_column_with_its_introduction(sample: Built) -> None:
    home = sample.page("index.html")
    card = home.select_one(".column-card")
    link = card.find("a", string="答卷·2023 党建篇")
    assert resolve("index.html", link["href"]) == COLUMN
    intro = text(card.select_one(".column-card__intro"))
    assert intro.startswith("近年来，张掖中院以习近平新时代中国特色社会主义思想为指导")
    assert "特开辟“答卷·2023”党建篇专栏" in intro


def test_column_page_draws_the_mechanism_as_its_digits(sample: Built) -> None:
    page = sample.page(COLUMN)
    digits = [d.get_text() for d in page.select(".mechanism__digits .mechanism__digit")]
    assert digits == ["1", "3", "3", "5", "5"]
    parts = page.select(".mechanism__part")
    assert [text(p.select_one(".mechanism__label")) for p in parts] == [
        "明确“1”个目标",
        "突出“3”个引领",
        "夯实“3”个团体",
        "加强“5”项建设",
        "发挥“5”项职能",
    ]
    assert [text(p.select_one(".mechanism__motto")) for p in parts] == [
        "铆定努力方向",
        "激发奋进力量",
        "凝聚队伍合力",
        "提升履职能力",
        "服务全市大局",
    ]
    targets = [resolve(COLUMN, p.find("a")["href"]) for p in parts]
    assert targets == PART_ARTICLES


def test_column_page_lists_every_article_in_reading_order(sample: Built) -> None:
    page = sample.page(COLUMN)
    listed = [resolve(COLUMN, a["href"]) for a in page.select(".article-list__title a")]
    assert listed == READING_ORDER
    assert text(page.select_one(".column-intro")).startswith("近年来，张掖中院")


def test_article_breadcrumb_names_home_column_and_part(sample: Built) -> None:
    url = "dajuan-2023/3-groups/index.html"
    crumbs = sample.page(url).select(".breadcrumb li")
    assert [text(li) for li in crumbs] == ["首页", "答卷·2023 党建篇", "夯实“3”个团体"]
    assert resolve(url, crumbs[0].a["href"]) == "index.html"
    assert resolve(url, crumbs[1].a["href"]) == COLUMN


def test_section_navigation_marks_the_current_part(sample: Built) -> None:
    for index, url in enumerate(PART_ARTICLES):
        items = sample.page(url).select(".section-nav li a")
        assert [resolve(url, a["href"]) for a in items] == PART_ARTICLES
        current = [a for a in items if a.get("aria-current") == "page"]
        assert len(current) == 1
        assert items.index(current[0]) == index


def test_previous_and_next_follow_the_mechanism_across_the_column(sample: Built) -> None:
    for index, url in enumerate(READING_ORDER):
        page = sample.page(url)
        previous = page.find("a", rel="prev")
        following = page.find("a", rel="next")
        if index == 0:
            assert previous is None
        else:
            assert resolve(url, previous["href"]) == READING_ORDER[index - 1]
        if index == len(READING_ORDER) - 1:
            assert following is None
        else:
            assert resolve(url, following["href"]) == READING_ORDER[index + 1]
            next_title = sample.page(READING_ORDER[index + 1]).h1.get_text()
            assert next_title in following.get_text()


def test_article_meta_line(sample: Built) -> None:
    page = sample.page("dajuan-2023/1-goal/index.html")
    meta = " ".join(page.select_one(".article__meta").get_text().split())
    assert "来源：张掖市中级人民法院" in meta
    assert "发布日期：2024年1月16日" in meta
    assert page.select_one(".article__meta time")["datetime"] == "2024-01-16"
    # No author or editor is known for the sample: none may be shown.
    assert "作者" not in meta
    assert "责任编辑" not in meta


def test_reading_time_counts_300_characters_a_minute(sample: Built) -> None:
    for url in READING_ORDER:
        page = sample.page(url)
        body = page.select_one(".article__body").get_text()
        units = len(re.findall(r"[\u4e00-\u9fff]|[0-9A-Za-z]+", body))
        expected = max(1, -(-units // 300))
        assert f"约 {expected} 分钟" in text(page.select_one(".article__meta"))


def test_no_stray_space_between_chinese_characters(sample: Built) -> None:
    """The sample's Markdown is hard-wrapped mid-sentence; the HTML must not keep the breaks."""
    source = (REPO / "content/dajuan-2023/1-goal.md").read_text(encoding="utf-8")
    assert "全面从严治院\n向纵深发展" in source  # the break this test is about
    for url in ["index.html", COLUMN, *READING_ORDER]:
        for paragraph in sample.page(url).select(".prose p"):
            content = paragraph.get_text()
            assert not re.search(
                r"[\u4e00-\u9fff，。；、“”]\s+[\u4e00-\u9fff，。；、“”]", content
            ), (
                url,
                content,
            )
    body = text(sample.page(PART_ARTICLES[0]).select_one(".article__body"))
    assert "全面从严治院向纵深发展" in body


def test_the_seed_damage_is_repaired(sample: Built) -> None:
    all_text = "".join(
        sample.page(url).select_one(".article__body").get_text() for url in READING_ORDER
    )
    for restored in ["“3+1”", "“3+N”", "“5+n”", "“1+7”", "“党建+业务”"]:
        assert restored in all_text
    assert not re.search(r"[\u4e00-\u9fff][,;]|[,;][\u4e00-\u9fff]", all_text)


def test_every_page_has_language_one_h1_landmarks_and_footer(sample: Built) -> None:
    for url in sample.pages():
        page = sample.page(url)
        assert page.html["lang"] == "zh-CN", url
        assert len(page.find_all("h1")) == 1, url
        assert page.find("main") is not None, url
        assert page.find("header", class_="site-header") is not None, url
        assert page.find("nav") is not None, url
        footer = page.find("footer", class_="site-footer")
        assert "主办单位：张掖市中级人民法院" in text(footer), url
        skip = page.find("a", class_="skip-link")
        assert skip["href"] == "#main" and page.find(id="main") is not None


def test_footer_shows_only_configured_institution_details(sample: Built) -> None:
    footer = text(sample.page("index.html").find("footer"))
    for unconfigured in ["承办单位", "地址", "电话", "邮箱", "ICP", "公网安备", "网站标识码"]:
        assert unconfigured not in footer


def test_headings_never_skip_a_level(sample: Built) -> None:
    for url in sample.pages():
        levels = [int(h.name[1]) for h in sample.page(url).find_all(re.compile(r"^h[1-6]$"))]
        assert levels[0] == 1, url
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, (url, levels)


def test_every_link_is_relative_and_opens_a_file(sample: Built) -> None:
    result = crawl(sample.site)
    assert result.broken == []
    assert result.missing_anchors == []
    assert result.absolute == []
    assert result.visited >= {"index.html", COLUMN, *READING_ORDER}
    # Only ordinary links may leave the site; nothing is loaded from another host.
    assert all(
        url.startswith(("http://", "https://", "mailto:", "tel:")) for _, url in result.external
    )


def test_nothing_is_loaded_from_another_host(sample: Built) -> None:
    for url in sample.pages():
        page = sample.page(url)
        for element in page.find_all(["link", "script", "img", "iframe", "source"]):
            for attribute in ("href", "src"):
                value = element.get(attribute, "")
                assert not re.match(r"^(https?:)?//", value), (url, value)
    for stylesheet in sample.site.rglob("*.css"):
        css = stylesheet.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
        assert "@import" not in css


def test_404_page_is_styled_without_relying_on_its_location(sample: Built) -> None:
    page = sample.page("404.html")
    assert page.find("link", rel="stylesheet") is None
    assert page.find("style") is not None
    assert "页面未找到" in page.h1.get_text()


def test_building_twice_gives_identical_bytes(sample: Built, tmp_path: Path) -> None:
    from conftest import run_build

    project = sample.project
    again = run_build(project, "--output", str(tmp_path / "again"))
    assert again.exit_code == 0, again.output
    first = {
        p.relative_to(sample.site): p.read_bytes() for p in sample.site.rglob("*") if p.is_file()
    }
    second = {
        p.relative_to(tmp_path / "again"): p.read_bytes()
        for p in (tmp_path / "again").rglob("*")
        if p.is_file()
    }
    assert first == second


def test_table_of_contents_appears_from_three_headings(sample: Built) -> None:
    # The sample's articles have at most one heading: no contents box.
    for url in READING_ORDER:
        assert sample.page(url).select_one(".toc") is None


def test_overview_article_has_no_part_and_no_current_section(sample: Built) -> None:
    page = sample.page(OVERVIEW)
    assert [text(li) for li in page.select(".breadcrumb li")] == ["首页", "答卷·2023 党建篇"]
    assert page.select(".section-nav a[aria-current]") == []
