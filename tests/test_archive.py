"""The archive: years, tags and branches, pagination, lifecycle, feeds and sitemap."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import Built, run_build
from sitecrawl import crawl

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def write_article(folder: Path, name: str, title: str, date: str, extra: str = "") -> None:
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{title}的正文。\n", encoding="utf-8"
    )


def make_project(root: Path, articles: int, *, base_url: bool = True, page_size: int = 5) -> Path:
    content = root / "content"
    column = content / "news"
    column.mkdir(parents=True)
    site = f"title: 档案站\npage_size: {page_size}\n"
    if base_url:
        site += "base_url: https://www.example.gov.cn/dangjian\n"
    (content / "site.yml").write_text(site, encoding="utf-8")
    (column / "_index.md").write_text("---\ntitle: 要闻\nyear: 2024\n---\n要闻介绍。\n", "utf-8")
    for number in range(articles):
        tags = "tags: [队伍建设, 党建品牌]\n" if number % 2 == 0 else "tags: [队伍建设]\n"
        branch = "branch: 第一党支部\n" if number % 3 == 0 else ""
        write_article(
            column, f"a{number:02}", f"第{number:02}篇", f"2024-01-{number + 1:02}", tags + branch
        )
    return root


def build(root: Path, *args: str) -> Built:
    built = run_build(root, *args)
    assert built.exit_code == 0, built.output
    return built


@pytest.mark.parametrize(("articles", "pages"), [(1, 1), (5, 1), (6, 2), (10, 2), (11, 3)])
def test_column_pagination_edges(tmp_path: Path, articles: int, pages: int) -> None:
    built = build(make_project(tmp_path, articles))
    listed: list[str] = []
    for number in range(1, pages + 1):
        url = "news/index.html" if number == 1 else f"news/page/{number}/index.html"
        page = built.page(url)
        listed += [a.get_text() for a in page.select(".article-list__title a")]
        pager = page.select_one(".pagination")
        if pages == 1:
            assert pager is None
            continue
        assert page.select_one(".pagination [aria-current=page]").get_text() == str(number)
        assert (page.find("a", rel="prev") is None) == (number == 1)
        assert (page.find("a", rel="next") is None) == (number == pages)
    assert not (built.site / f"news/page/{pages + 1}").exists()
    assert not (built.site / "news/page/1").exists()
    assert listed == [f"第{n:02}篇" for n in reversed(range(articles))]  # newest first
    assert crawl(built.site).broken == []


def test_tags_and_branches_have_index_and_term_pages(tmp_path: Path) -> None:
    built = build(make_project(tmp_path, 7, page_size=20))
    tags = built.page("tags/index.html")
    terms = {a.contents[0].strip(): a["href"] for a in tags.select(".term-list a")}
    assert terms == {
        "党建品牌": "dang-jian-pin-pai/index.html",
        "队伍建设": "dui-wu-jian-she/index.html",
    }
    team = built.page("tags/dui-wu-jian-she/index.html")
    assert team.h1.get_text() == "标签：队伍建设"
    assert len(team.select(".article-list__title")) == 7
    brand = built.page("tags/dang-jian-pin-pai/index.html")
    assert [a.get_text() for a in brand.select(".article-list__title a")] == [
        "第06篇",
        "第04篇",
        "第02篇",
        "第00篇",
    ]
    branch = built.page("branches/di-yi-dang-zhi-bu/index.html")
    assert branch.h1.get_text() == "党支部：第一党支部"
    assert len(branch.select(".article-list__title")) == 3
    article = built.page("news/a00/index.html")
    assert [a["href"] for a in article.select(".article__tags a")] == [
        "../../tags/dui-wu-jian-she/index.html",
        "../../tags/dang-jian-pin-pai/index.html",
    ]
    assert crawl(built.site).broken == []


def test_two_terms_with_one_url_are_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, 1)
    write_article(root / "content/news", "b", "另一篇", "2024-02-01", "tags: [队伍-建设]\n")
    built = run_build(root)
    assert built.exit_code == 1
    assert "tags：“队伍-建设”与“队伍建设”的网址相同（dui-wu-jian-she）" in built.output


def test_years_group_columns_newest_first(tmp_path: Path) -> None:
    root = make_project(tmp_path, 2)
    old = root / "content/old"
    old.mkdir()
    (old / "_index.md").write_text(
        "---\ntitle: 答卷·2021\nyear: 2021\nstatus: archived\n---\n旧专栏。\n", "utf-8"
    )
    write_article(old, "x", "旧文章", "2021-05-01")
    built = build(root)
    home = built.page("index.html")
    assert [h2.get_text(strip=True) for h2 in home.select(".year-group > h2")] == [
        "2024 年度",
        "2021 年度",
    ]
    year = built.page("years/2021/index.html")
    assert year.h1.get_text() == "2021 年度专题"
    assert [a.get_text() for a in year.select(".article-list__title a")] == ["旧文章"]
    notice = "本专题为 2021 年度历史专题，已停止更新"
    for url in ["old/index.html", "old/x/index.html", "years/2021/index.html"]:
        assert notice in built.page(url).get_text(), url
    assert notice not in built.page("news/index.html").get_text()
    # Archived columns are not in the header; the year pages are.
    nav = [a.get_text() for a in home.select(".site-nav a")]
    assert "答卷·2021" not in nav and "历年专题" in nav


def test_drafts_future_and_empty_columns_are_left_out(tmp_path: Path) -> None:
    root = make_project(tmp_path, 2)
    news = root / "content/news"
    write_article(news, "draft", "草稿", "2024-02-01", "draft: true\ntags: [草稿标签]\n")
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    write_article(news, "later", "以后", later)
    empty = root / "content/empty"
    empty.mkdir()
    (empty / "_index.md").write_text("---\ntitle: 空专栏\nyear: 2024\n---\n", "utf-8")
    write_article(empty, "only-draft", "唯一的草稿", "2024-01-01", "draft: true\n")
    built = build(root)
    assert "1 个专栏，2 篇文章（2 篇草稿、1 篇未到发布日期的文章未发布）" in built.output
    assert "警告：以下专栏没有已发布的文章，已从网站中略去：content/empty/_index.md" in built.output
    html = "".join(p.read_text("utf-8") for p in built.site.rglob("*") if p.is_file())
    for hidden in ["草稿", "以后", "空专栏", "草稿标签"]:
        assert hidden not in html
    assert not (built.site / "empty").exists()
    everything = build(root, "--drafts", "--future", "--output", str(tmp_path / "all"))
    assert "3 个专栏" not in everything.output
    assert "2 个专栏，5 篇文章" in everything.output
    assert (tmp_path / "all/news/draft/index.html").is_file()
    assert (tmp_path / "all/news/later/index.html").is_file()
    assert (tmp_path / "all/empty/only-draft/index.html").is_file()


def test_feeds_sitemap_and_robots_with_base_url(tmp_path: Path) -> None:
    built = build(make_project(tmp_path, 3))
    base = "https://www.example.gov.cn/dangjian/"
    feed = ET.parse(built.site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ["id", "title", "updated", "author"]:
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}updated").text == "2024-01-03T00:00:00+08:00"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == base + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["第02篇", "第01篇", "第00篇"]
    for entry in entries:
        for required in ["id", "title", "updated", "link"]:
            assert entry.find(f"{ATOM}{required}") is not None
        assert entry.find(f"{ATOM}id").text.startswith(base + "news/a0")
    column_feed = ET.parse(built.site / "news/feed.xml").getroot()
    assert len(column_feed.findall(f"{ATOM}entry")) == 3
    sitemap = ET.parse(built.site / "sitemap.xml").getroot()
    urls = {u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod").text for u in sitemap}
    assert urls[base] == "2024-01-03"
    assert urls[base + "news/a00/"] == "2024-01-01"
    assert all(url.startswith(base) for url in urls)
    robots = (built.site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {base}sitemap.xml" in robots
    head = built.page("index.html").find("link", type="application/atom+xml")
    assert head["href"] == "feed.xml"  # relative, like every link in the pages


def test_without_base_url_feeds_are_skipped_and_the_build_says_why(tmp_path: Path) -> None:
    built = build(make_project(tmp_path, 2, base_url=False))
    for name in ["feed.xml", "news/feed.xml", "sitemap.xml", "robots.txt"]:
        assert not (built.site / name).exists()
    assert "未设置 base_url，已跳过 Atom 订阅源、sitemap.xml 和 robots.txt" in built.output


def test_the_same_content_gives_the_same_feeds(tmp_path: Path) -> None:
    root = make_project(tmp_path / "a", 3)
    saved = {name: (build(root).site / name).read_bytes() for name in ["feed.xml", "sitemap.xml"]}
    build(root, "--output", str(tmp_path / "again"))
    for name, content in saved.items():
        assert (tmp_path / "again" / name).read_bytes() == content


def test_feeds_use_the_time_an_article_gives(tmp_path: Path) -> None:
    root = make_project(tmp_path, 2)
    newest = root / "content/news/a01.md"
    newest.write_text(
        newest.read_text(encoding="utf-8").replace("date: 2024-01-02", "date: 2024-01-02 09:30"),
        encoding="utf-8",
    )
    built = build(root)
    feed = ET.parse(built.site / "feed.xml").getroot()
    assert feed.find(f"{ATOM}updated").text == "2024-01-02T09:30:00+08:00"
    first, second = feed.findall(f"{ATOM}entry")
    assert first.find(f"{ATOM}published").text == "2024-01-02T09:30:00+08:00"
    assert first.find(f"{ATOM}updated").text == "2024-01-02T09:30:00+08:00"
    # Without a time, midnight stays the convention (Atom needs a time).
    assert second.find(f"{ATOM}published").text == "2024-01-01T00:00:00+08:00"
