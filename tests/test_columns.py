"""Several columns: the home page lists them newest year first; each keeps its own order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import run_build


def add_column(project: Path, folder: str, title: str, year: int, articles: int) -> None:
    column = project / "content" / folder
    column.mkdir()
    (column / "_index.md").write_text(
        f"---\ntitle: {title}\nyear: {year}\n---\n{title}的介绍。\n", encoding="utf-8"
    )
    for number in range(articles):
        (column / f"a{number}.md").write_text(
            f"---\ntitle: {title}第{number + 1}篇\ndate: {year}-0{number + 1}-01\n---\n正文。\n",
            encoding="utf-8",
        )


def test_home_lists_columns_newest_year_first(project_from: Callable[[str], Path]) -> None:
    project = project_from("valid/minimal")  # 测试专栏, 2024
    add_column(project, "dajuan-2021", "答卷·2021", 2021, 2)
    add_column(project, "dajuan-2022", "答卷·2022", 2022, 1)
    built = run_build(project)
    assert built.exit_code == 0, built.output
    home = built.page("index.html")
    titles = [h2.get_text(strip=True) for h2 in home.select(".column-card__title")]
    assert titles == ["测试专栏", "答卷·2022", "答卷·2021"]
    nav = [a.get_text(strip=True) for a in home.select(".site-nav a")]
    assert nav == ["首页", "测试专栏", "答卷·2022", "答卷·2021", "历年专题"]
    # A column without a mechanism has no mechanism drawing and no section navigation.
    plain = built.page("dajuan-2021/index.html")
    assert plain.select_one(".mechanism") is None
    # A plain column reads like news: newest first, previous/next follow the list.
    listed = [a.get_text() for a in plain.select(".article-list__title a")]
    assert listed == ["答卷·2021第2篇", "答卷·2021第1篇"]
    article = built.page("dajuan-2021/a1/index.html")
    assert article.select_one(".section-nav") is None
    assert article.find("a", rel="next")["href"] == "../a0/index.html"
