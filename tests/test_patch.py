"""Edits to article bodies alone are rebuilt without the site model (`zhuanlan.patch`):
the result is always a cold build's, and any other edit goes the long way."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from zhuanlan import pipeline
from zhuanlan.cache import CACHE_DIR
from zhuanlan.mirror import wait_for

from conftest import cold_build, files, run_build

ARTICLE = "content/dajuan-2023/5-functions.md"
"""The sample's newest article: first in every feed."""


@pytest.fixture
def project(project_from: Callable[[str], Path]) -> Path:
    """The sample column, with feeds: its base URL set."""
    project = project_from("sample")
    site = project / "content/site.yml"
    site.write_text(
        site.read_text("utf-8") + "base_url: https://example.gov.cn/dangjian/\n", "utf-8"
    )
    return project


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the site models made."""
    made: list[int] = []
    model_site = pipeline.model_site

    def counted(*args: object, **kwargs: object) -> object:
        made.append(1)
        return model_site(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "model_site", counted)
    return made


def _build(project: Path, models: list[int], *args: str) -> bool:
    """Build; whether a site model was made for it."""
    models.clear()
    built = run_build(project, *args)
    assert built.exit_code == 0, built.output
    return bool(models)


def _edit(project: Path, old: str, new: str, path: str = ARTICLE) -> None:
    article = project / path
    text = article.read_text("utf-8")
    assert old in text
    article.write_text(text.replace(old, new, 1), "utf-8")


def _append(project: Path, text: str, path: str = ARTICLE) -> None:
    article = project / path
    article.write_text(article.read_text("utf-8") + text, "utf-8")


def test_a_body_edit_is_made_without_the_site_model_and_as_a_cold_build(
    project: Path, tmp_path: Path, models: list[int]
) -> None:
    assert _build(project, models)
    _append(project, "\n新增的段落：以案释法，服务群众。\n\n## 新的小节\n\n小节正文。\n")
    assert not _build(project, models)
    site = project / "site"
    # Its page (with its table of contents) and the feeds carrying it changed.
    assert "以案释法，服务群众" in (site / "dajuan-2023/5-functions/index.html").read_text("utf-8")
    assert "以案释法，服务群众" in (site / "feed.xml").read_text("utf-8")
    assert "以案释法，服务群众" in (site / "dajuan-2023/feed.xml").read_text("utf-8")
    assert files(site) == cold_build(project, tmp_path)
    # The site's state was recorded as it is: with nothing changed, nothing is done.
    assert "已是最新" in run_build(project).output
    # Again: a second edit patches the patched site.
    _edit(project, "小节正文。", "小节正文，改过一次。")
    assert not _build(project, models)
    assert files(site) == cold_build(project, tmp_path)
    assert "已是最新" in run_build(project).output


def test_a_body_edit_that_links_another_article_points_at_its_page(
    project: Path, tmp_path: Path, models: list[int]
) -> None:
    assert _build(project, models)
    _append(project, "\n另见[五项建设](5-constructions.md#top)。\n")
    assert not _build(project, models)
    page = (project / "site/dajuan-2023/5-functions/index.html").read_text("utf-8")
    assert 'href="../5-constructions/index.html#top"' in page
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_body_edit_with_a_broken_link_fails_as_a_cold_build_does(
    project: Path, models: list[int]
) -> None:
    assert _build(project, models)
    before = files(project / "site")
    _append(project, "\n另见[不存在的文章](missing.md)。\n")
    models.clear()
    built = run_build(project)
    assert built.exit_code == 1
    assert "链接指向的文章不存在：content/dajuan-2023/missing.md" in built.output
    assert ARTICLE in built.output
    assert files(project / "site") == before
    assert models  # the long way, which reports every problem


@pytest.mark.parametrize(
    "edit",
    [
        lambda project: _edit(project, "title: ", "title: 新"),
        lambda project: _edit(project, "summary: ", "summary: 新"),
        lambda project: _edit(project, "date: 2024-01-22", "date: 2023-12-22"),
        lambda project: _edit(project, "tags:\n", "tags:\n  - 新标签\n"),
        lambda project: _edit(project, "---\n", "---\ndraft: true\n"),
        lambda project: _edit(project, "---\n", "---\nslug: gong-neng\n"),
        lambda project: _edit(project, "---\n", "---\nauthor: 宣传科\n"),
        # A body edit and another file's: the other file is not patched.
        lambda project: (
            _append(project, "\n补充。\n"),
            _append(project, "\n补充。\n", "content/dajuan-2023/_index.md"),
        ),
        lambda project: (project / "content/dajuan-2023/new.md").write_text(
            "---\ntitle: 新文章\ndate: 2023-01-01\n---\n正文。\n", "utf-8"
        ),
        lambda project: (project / "content/dajuan-2023/1-goal.md").unlink(),
    ],
    ids=[
        "title",
        "summary",
        "date",
        "tags",
        "draft",
        "slug",
        "author",
        "column-file",
        "added",
        "deleted",
    ],
)
def test_any_other_edit_makes_the_site_model(
    project: Path, tmp_path: Path, models: list[int], edit: Callable[[Path], None]
) -> None:
    assert _build(project, models)
    edit(project)
    assert _build(project, models)
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_feed_edited_by_hand_is_not_patched(
    project: Path, tmp_path: Path, models: list[int]
) -> None:
    assert _build(project, models)
    feed = project / "site/feed.xml"
    feed.write_text(feed.read_text("utf-8").replace("<feed", "<feed "), "utf-8")
    _append(project, "\n补充。\n")
    _build(project, models)
    assert files(project / "site") == cold_build(project, tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "other-engine", "missing"])
def test_a_damaged_skeleton_is_not_trusted(
    project: Path, tmp_path: Path, models: list[int], damage: str
) -> None:
    assert _build(project, models)
    skeleton = project / CACHE_DIR / "skeleton.pickle"
    if damage == "garbage":
        skeleton.write_bytes(b"\x00not a pickle")
    elif damage == "other-engine":
        skeleton.write_bytes(
            b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x8c\x03old\x94N\x86\x94."
        )
    else:
        skeleton.unlink()
    _append(project, "\n补充。\n")
    assert _build(project, models)
    assert files(project / "site") == cold_build(project, tmp_path)
    # A skeleton was made again: the next body edit is patched.
    _append(project, "\n再补充。\n")
    assert not _build(project, models)
    assert files(project / "site") == cold_build(project, tmp_path)


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (lambda content: (content / "newcol").mkdir(), "专栏文件夹缺少专栏文件 _index.md"),
        (
            lambda content: (content / "stray.md").write_text("正文。\n", "utf-8"),
            "文章必须放在专栏文件夹中",
        ),
    ],
    ids=["folder-without-column-file", "article-outside-a-column"],
)
@pytest.mark.parametrize("body_edited", [True, False], ids=["with-body-edit", "alone"])
def test_a_problem_found_reading_the_files_fails_the_build(
    project: Path, add: Callable[[Path], None], message: str, body_edited: bool
) -> None:
    assert run_build(project).exit_code == 0
    before = files(project / "site")
    add(project / "content")
    if body_edited:
        _append(project, "\n补充。\n")
    built = run_build(project)
    assert built.exit_code == 1
    assert message in built.output
    assert files(project / "site") == before


def test_a_project_moved_elsewhere_copies_its_own_assets(
    project: Path, tmp_path: Path, models: list[int]
) -> None:
    asset = project / "content/dajuan-2023/files/note.txt"
    asset.parent.mkdir()
    asset.write_text("附件一\n", "utf-8")
    output = tmp_path / "published"
    assert run_build(project, "--output", str(output)).exit_code == 0
    # Moved (its files as they were), then a body edited.
    moved = tmp_path / "moved"
    project.rename(moved)
    _append(moved, "\n补充。\n")
    assert not _build(moved, models, "--output", str(output))
    assert (output / "dajuan-2023/files/note.txt").read_text("utf-8") == "附件一\n"
    assert files(output) == cold_build(moved, tmp_path)
    # Copied, and the copy's body edited after the first copy's asset: the copy's is
    # published.
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy, symlinks=True)
    (moved / "content/dajuan-2023/files/note.txt").write_text("另一个附件\n", "utf-8")
    _append(copy, "\n再补充。\n")
    assert not _build(copy, models, "--output", str(output))
    assert (output / "dajuan-2023/files/note.txt").read_text("utf-8") == "附件一\n"


def _theme_article_with(project: Path, line: str) -> None:
    """The project's own article template: the theme's with `line` added."""
    templates = project / "templates"
    templates.mkdir(exist_ok=True)
    theme = Path(__file__).resolve().parents[1] / "templates/article.html"
    text = theme.read_text("utf-8").replace("{% block main %}\n", "{% block main %}\n" + line, 1)
    (templates / "article.html").write_text(text, "utf-8")


def test_a_search_plan_left_by_a_failed_build_is_not_patched_from(
    project: Path, tmp_path: Path
) -> None:
    # A build that fails after the search index was made alongside: its plan is kept
    # in the cache, but the site is still the one before.
    _theme_article_with(
        project, '{% if article.slug == "renamed" %}{{ article.no_such }}{% endif %}\n'
    )
    assert run_build(project).exit_code == 0
    goal = project / "content/dajuan-2023/1-goal.md"
    text = goal.read_text("utf-8")
    goal.write_text(text.replace("---\n", "---\nslug: renamed\n", 1), "utf-8")
    assert run_build(project).exit_code == 1
    goal.write_text(text, "utf-8")
    _append(project, "\n补充。\n", "content/dajuan-2023/3-groups.md")
    assert run_build(project).exit_code == 0
    assert files(project / "site") == cold_build(project, tmp_path)


def test_every_edited_page_with_a_template_error_is_reported(project: Path) -> None:
    # The error names the article's slug: two errors, not one said twice.
    _theme_article_with(
        project, '{% if "失败" in article.body_html %}{{ article[article.slug] }}{% endif %}\n'
    )
    assert run_build(project).exit_code == 0
    before = files(project / "site")
    _append(project, "\n失败。\n")
    _append(project, "\n失败。\n", "content/dajuan-2023/1-goal.md")
    built = run_build(project)
    assert built.exit_code == 1
    assert built.output.count("模板错误") == 2, built.output
    assert files(project / "site") == before


def test_a_site_file_replaced_by_hand_does_not_hide_in_a_patched_build(
    project: Path, tmp_path: Path
) -> None:
    """The state recorded is the new site's, built in the spare: a file of the current
    site replaced by hand (a new file, as editors and rsync leave) is not taken for it."""
    assert run_build(project).exit_code == 0
    wait_for(project / CACHE_DIR / "spare-site")
    home = project / "site/index.html"
    edited = home.with_name("index.html.new")
    edited.write_text(home.read_text("utf-8").replace("</body>", "<!-- 手工 --></body>"), "utf-8")
    edited.replace(home)
    _append(project, "\n补充。\n")
    assert run_build(project).exit_code == 0
    assert files(project / "site") == cold_build(project, tmp_path)
    # Recorded as it is: with nothing changed, nothing is done.
    assert "已是最新" in run_build(project).output
