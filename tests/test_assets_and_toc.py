"""Images and attachments are copied and linked from every page that uses them; contents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Built, run_build
from sitecrawl import crawl


def build_assets(project_from: Callable[[str], Path]) -> Built:
    built = run_build(project_from("valid/assets"))
    assert built.exit_code == 0, built.output
    return built


def test_assets_are_copied_under_the_column(project_from: Callable[[str], Path]) -> None:
    built = build_assets(project_from)
    source = built.project / "content/col"
    for asset in ["images/logo.png", "files/note.txt", "sub/pic.png"]:
        assert (built.site / "col" / asset).read_bytes() == (source / asset).read_bytes()


def test_relative_links_work_from_every_page_that_shows_them(
    project_from: Callable[[str], Path],
) -> None:
    built = build_assets(project_from)
    result = crawl(built.site)
    assert result.broken == []
    assert result.missing_anchors == []
    # The introduction appears on the home page and on the column page.
    assert built.page("index.html").select_one(".column-card__intro img")["src"] == (
        "col/images/logo.png"
    )
    assert built.page("col/index.html").select_one(".column-intro img")["src"] == (
        "images/logo.png"
    )
    second = built.page("col/second/index.html")
    assert [img["src"] for img in second.select(".article__body img")] == [
        "../images/logo.png",
        "../sub/pic.png",
    ]


def test_contents_box_links_every_heading_from_three_headings_on(
    project_from: Callable[[str], Path],
) -> None:
    built = build_assets(project_from)
    page = built.page("col/first/index.html")
    toc = [(a.get_text(), a["href"]) for a in page.select(".toc a")]
    assert toc == [
        ("工作成效", "#工作成效"),
        ("工作成效", "#工作成效-2"),
        ("具体做法", "#具体做法"),
    ]
    for _, href in toc:
        assert page.find(id=href[1:]) is not None
    # The second article has no headings: no contents box.
    assert built.page("col/second/index.html").select_one(".toc") is None


def test_links_to_markdown_files_lead_to_their_pages(project_from: Callable[[str], Path]) -> None:
    built = build_assets(project_from)
    first = built.page("col/first/index.html").find("a", string="子目录中的文章")
    assert first["href"] == "../second/index.html"
    back = built.page("col/second/index.html").find("a", string="上一篇", class_=False)
    assert back["href"] == "../first/index.html"
    intro_link = "有目录的文章"
    assert built.page("col/index.html").find("a", string=intro_link)["href"] == (
        "first/index.html#工作成效"
    )
    assert built.page("index.html").find("a", string=intro_link)["href"] == (
        "col/first/index.html#工作成效"
    )


def test_a_file_named_like_a_generated_page_or_feed_is_refused(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("valid/minimal")
    site_yml = project / "content/site.yml"
    site_yml.write_text(
        site_yml.read_text(encoding="utf-8") + "base_url: https://www.example.gov.cn/\n",
        encoding="utf-8",
    )
    assert run_build(project).exit_code == 0
    published = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    (project / "content/col/feed.xml").write_text("<feed/>", encoding="utf-8")
    (project / "content/col/index.html").write_text("<p>手写</p>", encoding="utf-8")
    (project / "content/col/first").write_text("与文章目录同名", encoding="utf-8")
    built = run_build(project)
    assert built.exit_code == 1
    assert "Traceback" not in built.output
    for name, generated in [
        ("feed.xml", "col/feed.xml"),
        ("index.html", "col/index.html"),
        ("first", "col/first/"),
    ]:
        assert f"content/col/{name}: 与生成的网页或订阅源同名（{generated}）" in built.output
    # The published site was not touched, not even through a hard link.
    assert {p: p.read_bytes() for p in published} == published
