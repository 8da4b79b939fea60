"""Search in real Chromium: the shipped script against brute force, and the search UI.

The property test builds small archives whose texts are plain paragraphs, so that each
article's searchable text is known exactly, then asks the site's own script (from
``file://``) for queries and compares with a substring scan in Python: same articles,
same order. The UI tests type into the header box of the sample site from ``file://``,
at an nginx domain root and under the sub-path ``/dangjian/``.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page

from zhuanlan.search.index import GROUP_CHUNKS
from zhuanlan.search.postings import CHUNK_DOCUMENTS

from conftest import Built, run_build

SEARCH_PAGE = "search/index.html"


def fold(char: str) -> str:
    """Characters search treats alike: NFKC and lower case, when that gives one character."""
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


def occurrences(text: str, term: str) -> int:
    """Occurrences of `term` in `text`, overlapping ones included."""
    count, at = 0, text.find(term)
    while at >= 0:
        count, at = count + 1, text.find(term, at + 1)
    return count


def brute_force(articles: list[Article], query: str) -> list[str]:
    """URLs of the articles holding every term of `query`, in the documented order."""
    terms = list(dict.fromkeys("".join(map(fold, query)).split()))
    if not terms:
        return []
    ranked = []
    for article in articles:
        title = "".join(map(fold, article.title))
        text = title + "\n" + "\n".join("".join(map(fold, p)) for p in article.paragraphs)
        counts = [occurrences(text, term) for term in terms]
        if all(counts):
            in_title = sum(term in title for term in terms)
            ranked.append((-in_title, -sum(counts), -article.date.toordinal(), article.url))
    return [url for *_, url in sorted(ranked)]


class Article:
    """One generated article: plain paragraphs, so its searchable text is known."""

    def __init__(self, number: int, title: str, paragraphs: list[str], date: dt.date) -> None:
        self.slug = f"a{number:03d}"
        self.title = title
        self.paragraphs = paragraphs
        self.date = date

    @property
    def url(self) -> str:
        return f"col/{self.slug}/index.html"

    def markdown(self) -> str:
        title = self.title.replace('"', '\\"')
        body = "\n\n".join(self.paragraphs)
        return f'---\ntitle: "{title}"\ndate: {self.date.isoformat()}\n---\n{body}\n'


def write_project(root: Path, articles: list[Article], extra: dict[str, str] | None = None) -> Path:
    column = root / "content" / "col"
    column.mkdir(parents=True)
    (root / "content" / "site.yml").write_text("title: 测试站\n", encoding="utf-8")
    (column / "_index.md").write_text("---\ntitle: 测试专栏\nyear: 2024\n---\n", encoding="utf-8")
    for article in articles:
        (column / f"{article.slug}.md").write_text(article.markdown(), encoding="utf-8")
    for name, text in (extra or {}).items():
        (column / name).write_text(text, encoding="utf-8")
    return root


def search(page: Page, queries: list[str]) -> list[list[str]]:
    """The article URLs the site's script finds for each query, in its order."""
    return page.evaluate(
        """async (queries) => {
            const out = [];
            for (const query of queries) {
                const outcome = await zhuanlanSearch.search(query);
                const articles = await Promise.all(
                    outcome.results.map((result) => zhuanlanSearch.article(result.document))
                );
                out.push(articles.map((article) => article.url));
            }
            return out;
        }""",
        queries,
    )


def search_site(browser: Browser, site: Path, queries: list[str]) -> list[list[str]]:
    """`search` on a fresh tab of `site`'s search page, opened from ``file://``."""
    page = browser.new_page()
    try:
        page.goto((site / SEARCH_PAGE).as_uri())
        return search(page, queries)
    finally:
        page.close()


# Characters that make matching hard: CJK, full-width and half-width forms of the same
# letters and digits, upper and lower case, a character outside the BMP, punctuation.
ALPHABET = "党建工作法院一二三ＡａA1１𠀀，"
words = st.text(ALPHABET, min_size=1, max_size=12)
archives = st.lists(
    st.tuples(
        st.text(ALPHABET, min_size=1, max_size=6),
        st.lists(words, min_size=1, max_size=3),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(archives, st.lists(st.text(ALPHABET + " ", min_size=1, max_size=8), max_size=6), st.data())
def test_results_equal_a_substring_search(
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
    generated: list[tuple[str, list[str], int]],
    random_queries: list[str],
    data: st.DataObject,
) -> None:
    articles = [
        Article(number, title, paragraphs, dt.date(2024, 1, 1) + dt.timedelta(days=day))
        for number, (title, paragraphs, day) in enumerate(generated)
    ]
    project = write_project(tmp_path_factory.mktemp("archive"), articles)
    built = run_build(project)
    assert built.exit_code == 0, built.output
    # Queries cut out of the texts (every length from 1 to 8), and random ones.
    queries = list(random_queries)
    for _ in range(6):
        article = data.draw(st.sampled_from(articles))
        text = data.draw(st.sampled_from([article.title, *article.paragraphs]))
        start = data.draw(st.integers(0, len(text) - 1))
        queries.append(text[start : start + data.draw(st.integers(1, 8))])
    found = search_site(browser, built.site, queries)
    for query, urls in zip(queries, found, strict=True):
        assert urls == brute_force(articles, query), query


@pytest.fixture(scope="module")
def drafts_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """An archive with a draft and a future-dated article, each holding its own word."""
    articles = [Article(1, "公开文章", ["人民法院公开内容"], dt.date(2024, 1, 1))]
    extra = {
        "draft.md": "---\ntitle: 草稿\ndate: 2024-01-02\ndraft: true\n---\n保密草稿词\n",
        "future.md": "---\ntitle: 未来\ndate: 2999-01-01\n---\n未来发布词\n",
    }
    built = run_build(write_project(tmp_path_factory.mktemp("drafts"), articles, extra))
    assert built.exit_code == 0, built.output
    return built


def results_after(page: Page) -> list[str]:
    page.wait_for_selector("#search-results[data-state=done]", state="attached")
    return page.locator("#search-results li a").evaluate_all(
        "(links) => links.map((a) => a.textContent)"
    )


def test_drafts_and_future_articles_are_not_in_the_index(
    browser: Browser, drafts_site: Built
) -> None:
    page = browser.new_page()
    for query, expected in (("保密草稿词", []), ("未来发布词", []), ("公开内容", ["公开文章"])):
        page.goto((drafts_site.site / SEARCH_PAGE).as_uri() + "?q=" + query)
        assert results_after(page) == expected
    page.close()


@pytest.mark.parametrize("where", ["file", "domain root", "sub-path"])
def test_header_search_from_the_sample_home_page(
    browser: Browser, sample: Built, nginx_subpath: str, where: str
) -> None:
    homes = {
        "file": (sample.site / "index.html").as_uri(),
        "domain root": nginx_subpath.removesuffix("dangjian/") + "index.html",
        "sub-path": nginx_subpath + "index.html",
    }
    home = homes[where]
    page = browser.new_page()
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.on("console", lambda message: message.type == "error" and failures.append(message.text))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.goto(home)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    page.keyboard.type("司法")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/index.html?q=*")
    titles = results_after(page)
    assert len(titles) >= 3
    status = page.locator("#search-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == f"找到 {len(titles)} 篇与“司法”相关的文章。"
    marks = page.locator("#search-results mark").all_inner_texts()
    assert marks and set(marks) == {"司法"}
    # Every result is a link to a page that opens.
    page.locator("#search-results li a").first.click()
    assert page.locator("h1").inner_text() == titles[0]
    assert not failures, failures
    page.close()


def test_search_page_link_runs_the_query(browser: Browser, sample: Built) -> None:
    page = browser.new_page()
    page.goto((sample.site / SEARCH_PAGE).as_uri() + "?q=%E5%BB%BA%E7%AB%8B%E4%BA%86")
    assert results_after(page) == ["创新建立“13355”党建工作新机制"]
    assert page.locator("#site-search-input").input_value() == "建立了"
    # Terms separated by a space must all occur; the title match comes first.
    page.fill("#site-search-input", "法院 13355")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results[data-state=done]", state="attached")
    assert results_after(page)[0] == "创新建立“13355”党建工作新机制"
    assert "q=" in page.url
    page.close()


def test_nothing_found_says_so(browser: Browser, sample: Built) -> None:
    page = browser.new_page()
    page.goto((sample.site / SEARCH_PAGE).as_uri() + "?q=" + "区块链")
    assert results_after(page) == []
    assert page.locator("#search-status").inner_text() == "未找到与“区块链”相关的内容。"
    page.close()


def test_results_are_reached_with_tab(browser: Browser, sample: Built) -> None:
    page = browser.new_page()
    page.goto((sample.site / SEARCH_PAGE).as_uri() + "?q=党建")
    results_after(page)
    page.locator("#site-search-input").focus()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('#search-results') !== null"))
    assert any(reached)
    page.close()


def test_without_javascript_the_page_says_search_needs_it(browser: Browser, sample: Built) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((sample.site / SEARCH_PAGE).as_uri() + "?q=党建")
    text = page.locator("main").inner_text()
    assert "搜索需要浏览器启用 JavaScript" in text
    context.close()


def test_result_text_is_never_read_as_html(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    articles = [
        Article(1, "<img src=x onerror=alert(1)>标题", ["正文<b>粗</b>文本"], dt.date(2024, 1, 1))
    ]
    built = run_build(write_project(tmp_path_factory.mktemp("escape"), articles))
    assert built.exit_code == 0, built.output
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto((built.site / SEARCH_PAGE).as_uri() + "?q=标题")
    assert results_after(page) == ["<img src=x onerror=alert(1)>标题"]
    assert page.locator("#search-results img").count() == 0
    assert not dialogs
    page.close()


def test_more_results_come_ten_at_a_time(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    articles = [
        Article(number, f"第{number}篇", ["法院" * (number + 1)], dt.date(2024, 1, 1 + number))
        for number in range(23)
    ]
    built = run_build(write_project(tmp_path_factory.mktemp("many"), articles))
    assert built.exit_code == 0, built.output
    page = browser.new_page()
    page.goto((built.site / SEARCH_PAGE).as_uri() + "?q=法院")
    # Most occurrences first.
    assert results_after(page) == [f"第{number}篇" for number in range(22, 12, -1)]
    assert page.locator("#search-status").inner_text() == "找到 23 篇与“法院”相关的文章。"
    more = page.get_by_role("button", name="显示更多结果")
    more.click()
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 20")
    more.click()
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 23")
    assert more.is_hidden()
    page.close()


def test_excerpts_of_a_later_chunk_are_decoded_with_its_own_text_code(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A chunk of the newest articles fills the first chunk of the index; the 4 oldest
    # are in the second, whose text (and so whose text code) is entirely different.
    newest = [
        Article(number, f"新闻{number}", ["甲乙丙丁戊己庚辛" * 3], dt.date(2024, 6, 1))
        for number in range(CHUNK_DOCUMENTS)
    ]
    oldest = [
        Article(
            CHUNK_DOCUMENTS + number,
            f"旧文{number}",
            [f"人民法院审判执行工作第{number}项经验，服务保障高质量发展。"],
            dt.date(2023, 1, 1 + number),
        )
        for number in range(4)
    ]
    built = run_build(write_project(tmp_path_factory.mktemp("chunks"), newest + oldest))
    assert built.exit_code == 0, built.output
    assert (built.site / "search/t/1.js").is_file()
    assert not (built.site / "search/t/2.js").exists()
    page = browser.new_page()
    try:
        page.goto((built.site / SEARCH_PAGE).as_uri() + "?q=审判执行")
        assert results_after(page) == ["旧文3", "旧文2", "旧文1", "旧文0"]
        excerpts = page.locator(".search-result__excerpt").all_inner_texts()
        assert excerpts[0] == "人民法院审判执行工作第3项经验，服务保障高质量发展。"
    finally:
        page.close()


def test_results_come_from_every_group_of_shards(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Enough articles for two groups of chunks, whose records are in separate shards:
    # every term below occurs in both, and a query must gather its records from each.
    chooser = random.Random(5)
    count = GROUP_CHUNKS * CHUNK_DOCUMENTS + 200
    articles = [
        Article(
            number,
            f"第{number}篇{chooser.choice('党建法院')}",
            ["".join(chooser.choice("党建工作法院一二三") for _ in range(30))],
            dt.date(2020, 1, 1) + dt.timedelta(days=number % 1500),
        )
        for number in range(count)
    ]
    built = run_build(write_project(tmp_path_factory.mktemp("groups"), articles))
    assert built.exit_code == 0, built.output
    assert (built.site / "search/b/1").is_dir() and not (built.site / "search/b/2").exists()
    queries = ["党", "法院", "建工作", "篇党", "第7篇", "一二三党", "院党建法"]
    found = search_site(browser, built.site, queries)
    for query, urls in zip(queries, found, strict=True):
        assert urls == brute_force(articles, query), query
    # The index numbers documents newest first, then by URL.
    in_index_order = sorted(articles, key=lambda article: (-article.date.toordinal(), article.url))
    second_group = {article.url for article in in_index_order[GROUP_CHUNKS * CHUNK_DOCUMENTS :]}
    assert all(second_group & set(urls) and set(urls) - second_group for urls in found[:4])
