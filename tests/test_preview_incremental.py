"""The preview's incremental rebuilds give exactly what a cold build gives, edit after edit."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zhuanlan.model import BuildOptions
from zhuanlan.preview import Preview

from conftest import REPO, run_build

TODAY = dt.date(2026, 1, 1)


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".zhuanlan-site"
    }


@pytest.fixture
def project(project_from: Callable[[str], Path]) -> Path:
    project = project_from("sample")
    second = project / "content/dajuan-2022"
    second.mkdir()
    (second / "_index.md").write_text(
        "---\ntitle: 答卷·2022\nyear: 2022\n---\n二〇二二年的专栏。\n", encoding="utf-8"
    )
    for number in range(3):
        (second / f"a{number}.md").write_text(
            f"---\ntitle: 第{number}篇\ndate: 2023-01-0{number + 1}\n---\n正文{number}。\n",
            encoding="utf-8",
        )
    return project


@pytest.fixture
def preview(project: Path) -> Iterator[Preview]:
    preview = Preview(project, BuildOptions(today=TODAY))
    yield preview
    preview.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_same_as_cold_build(preview: Preview, project: Path, tmp_path: Path) -> None:
    outcome = preview.rebuild()
    assert outcome.site is not None, outcome.problems
    cold = tmp_path / "cold"
    if cold.exists():
        shutil.rmtree(cold)
    built = run_build(project, "--output", str(cold))
    assert built.exit_code == 0, built.output
    snapshot = preview.snapshot
    assert snapshot.folder is not None
    assert files(snapshot.folder) == files(cold)


def test_every_kind_of_edit_rebuilds_to_the_cold_build(
    preview: Preview, project: Path, tmp_path: Path
) -> None:
    column = project / "content/dajuan-2023"
    other = project / "content/dajuan-2022"
    assert_same_as_cold_build(preview, project, tmp_path)
    steps: list[Callable[[], None]] = [
        lambda: edit(column / "3-leads.md", "时刻树牢", "时时刻刻树牢"),  # body
        lambda: edit(column / "3-groups.md", "title: 夯实", "title: 继续夯实"),  # title
        lambda: edit(column / "5-functions.md", "date: 2024-01-22", "date: 2024-01-10"),  # date
        lambda: edit(column / "3-groups.md", "section: groups", "section: leads"),  # section
        lambda: (other / "a1.md").unlink(),  # delete
        lambda: (other / "a9.md").write_text(
            "---\ntitle: 新增的一篇\ndate: 2023-02-01\n---\n新增。\n", encoding="utf-8"
        ),  # add
        lambda: (other / "a0.md").rename(other / "renamed.md"),  # rename
        lambda: edit(column / "_index.md", "status: active", "status: archived"),  # column
        lambda: edit(project / "content/site.yml", "title: 党耀天平", "title: 党徽天平"),  # site
    ]
    for step in steps:
        step()
        assert_same_as_cold_build(preview, project, tmp_path)


def pages(folder: Path) -> dict[str, int]:
    """Every page of a generation with its inode (unchanged pages are hard links)."""
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*.html")}


def pages_changed_by(
    preview: Preview, article: Path, old: str, new: str
) -> tuple[int, set[str], Path]:
    """Build, edit `article`, build again: pages rendered, pages that are not the same
    file as before (unchanged pages are linked), and the new generation's folder."""
    assert preview.rebuild().site is not None
    assert preview.snapshot.folder is not None
    before = pages(preview.snapshot.folder)
    edit(article, old, new)
    outcome = preview.rebuild()
    assert preview.snapshot.folder is not None
    after = pages(preview.snapshot.folder)
    changed = {url for url in after if after[url] != before.get(url)}
    return outcome.pages_rendered, changed, preview.snapshot.folder


def test_editing_one_article_leaves_the_other_columns_pages_alone(
    preview: Preview, project: Path
) -> None:
    article = project / "content/dajuan-2022/a2.md"
    rendered, changed, folder = pages_changed_by(preview, article, "正文2", "正文二")
    # A body shows on its own page only: lists, neighbours' 上一篇/下一篇 and the
    # mechanism navigation show titles, dates and summaries. The others are the very
    # same files, linked, not rewritten.
    assert rendered == 1
    assert changed == {"dajuan-2022/a2/index.html"}
    assert "正文二" in (folder / "dajuan-2022/a2/index.html").read_text("utf-8")
    assert preview.rebuild().pages_rendered == 0  # nothing changed: nothing rendered


def test_a_title_edit_renders_every_page_that_lists_the_article(
    preview: Preview, project: Path
) -> None:
    article = project / "content/dajuan-2022/a2.md"
    rendered, changed, _ = pages_changed_by(preview, article, "title: ", "title: 新")
    # Its column's pages (the list, the neighbours' 上一篇/下一篇), the home and year pages.
    assert {"index.html", "dajuan-2022/index.html", "dajuan-2022/a1/index.html"} <= changed
    assert any(url.startswith("years/") for url in changed)
    assert not any(url.startswith("dajuan-2023/") for url in changed)
    assert rendered == len(changed)


def test_a_template_edit_renders_everything_again(preview: Preview, project: Path) -> None:
    shutil.copytree(REPO / "templates", project / "templates")
    assert preview.rebuild().site is not None
    edit(project / "templates/partials/footer.html", "主办单位：", "主办：")
    outcome = preview.rebuild()
    assert preview.snapshot.folder is not None
    assert outcome.pages_rendered == len(pages(preview.snapshot.folder))
    home = (preview.snapshot.folder / "index.html").read_text(encoding="utf-8")
    assert "主办：张掖市中级人民法院" in home


def test_a_failed_rebuild_keeps_the_last_good_build(preview: Preview, project: Path) -> None:
    assert preview.rebuild().site is not None
    good = preview.snapshot
    edit(project / "content/dajuan-2023/1-goal.md", "date: 2024-01-16", "date: 2024-13-45")
    outcome = preview.rebuild()
    assert outcome.site is None
    assert [p.location() for p in outcome.problems] == ["content/dajuan-2023/1-goal.md:4"]
    assert preview.snapshot.folder == good.folder
    assert preview.snapshot.generation == good.generation
    assert preview.snapshot.problems == outcome.problems
    edit(project / "content/dajuan-2023/1-goal.md", "date: 2024-13-45", "date: 2024-01-16")
    assert preview.rebuild().site is not None
    assert preview.snapshot.generation == good.generation + 1
    assert preview.snapshot.problems == ()


def test_close_removes_every_generation(project: Path) -> None:
    preview = Preview(project, BuildOptions(today=TODAY))
    preview.rebuild()
    preview.rebuild()
    assert preview.workdir.is_dir()
    # The current generation, the previous one, and the next one being prepared.
    generation = preview.snapshot.generation
    expected = {str(generation - 1), str(generation), str(generation + 1)}
    assert {path.name for path in preview.workdir.iterdir()} <= expected
    preview.close()
    assert not preview.workdir.exists()


def test_files_that_come_out_the_same_are_linked_not_written_again(
    preview: Preview, project: Path
) -> None:
    assert preview.rebuild().site is not None
    before = preview.snapshot.folder
    assert before is not None
    # The same characters in another order: the search index's text code stays the same.
    edit(project / "content/dajuan-2022/a2.md", "正文2", "2正文")
    assert preview.rebuild().site is not None
    after = preview.snapshot.folder
    assert after is not None
    same = {
        path.relative_to(after).as_posix(): path.stat().st_ino == (before / rel).stat().st_ino
        for path in after.rglob("*")
        if path.is_file()
        and not path.name.endswith(".html")
        and (before / (rel := path.relative_to(after))).is_file()
        and path.read_bytes() == (before / rel).read_bytes()
    }
    assert all(same.values()), [path for path, linked in same.items() if not linked]
    # The search index's untouched files among them (the edited article's are not).
    assert any(path.startswith("search/") for path in same)
    assert not all(path in same for path in files(after) if path.startswith("search/"))


def test_a_rebuild_never_changes_the_generation_being_served(
    preview: Preview, project: Path
) -> None:
    """The next generation is prepared as hard links to the current one: a changed file
    must replace its link, never write through it into the page being served."""
    assert preview.rebuild().site is not None
    for step in range(3):
        served = preview.snapshot.folder
        assert served is not None
        before = files(served)
        for changed in ("dajuan-2022/a2.md", "dajuan-2023/3-leads.md"):
            path = project / "content" / changed
            path.write_text(path.read_text("utf-8") + f"\n又一句{step}。\n", "utf-8")
        assert preview.rebuild().site is not None
        assert preview.snapshot.folder != served
        assert files(served) == before


def test_closing_while_the_next_generation_is_prepared_leaves_nothing(project: Path) -> None:
    column = project / "content/dajuan-2022"
    for number in range(200):
        (column / f"b{number}.md").write_text(
            f"---\ntitle: 第{number}篇补充\ndate: 2023-03-01\n---\n正文。\n", encoding="utf-8"
        )
    preview = Preview(project, BuildOptions(today=TODAY))
    assert preview.rebuild().site is not None  # starts copying it for the next rebuild
    preview.close()
    time.sleep(0.5)  # a copy still running would have re-created the folder by now
    assert not preview.workdir.exists()


def test_a_file_changed_behind_a_kept_modification_time_is_read_again(
    preview: Preview, project: Path
) -> None:
    # Unchanged files are not read again. Copying with `cp -p` or `rsync -t` keeps the
    # modification time, and an edit of the same length keeps the size: the change must
    # still show.
    article = project / "content/dajuan-2022/a2.md"
    assert preview.rebuild().site is not None
    time.sleep(2.5)  # long enough for the files to count as settled
    assert preview.rebuild().site is not None  # this one takes them as they were
    status = article.stat()
    edit(article, "正文2", "正文X")
    os.utime(article, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert article.stat().st_size == status.st_size
    assert preview.rebuild().site is not None
    assert preview.snapshot.folder is not None
    page = preview.snapshot.folder / "dajuan-2022/a2/index.html"
    assert "正文X" in page.read_text("utf-8")


def test_a_column_moving_to_another_address_takes_its_assets_along(
    preview: Preview, project: Path
) -> None:
    # The asset's file is unchanged, but its address in the site is new: there is no
    # file at that address in the published generation to link to.
    (project / "content/dajuan-2022/pic.txt").write_text("图片说明", encoding="utf-8")
    assert preview.rebuild().site is not None
    edit(project / "content/dajuan-2022/_index.md", "year: 2022", "year: 2022\nslug: dajuan-22")
    outcome = preview.rebuild()
    assert outcome.problems == ()
    assert preview.snapshot.folder is not None
    moved = preview.snapshot.folder / "dajuan-22/pic.txt"
    assert moved.read_text(encoding="utf-8") == "图片说明"
    assert preview.rebuild().problems == ()  # and the preview goes on


def test_rebuilds_leave_nothing_behind_for_good(project: Path) -> None:
    # After publishing, the preview freezes what it holds for the garbage collector:
    # anything a rebuild leaves in a reference cycle would never be freed. In a fresh
    # interpreter, so that only the preview's own objects count.
    script = (
        "import datetime as dt, gc, sys\n"
        "from pathlib import Path\n"
        "from zhuanlan.model import BuildOptions\n"
        "from zhuanlan.preview import Preview\n"
        "project = Path(sys.argv[1])\n"
        "preview = Preview(project, BuildOptions(today=dt.date(2026, 1, 1)))\n"
        "article = project / 'content/dajuan-2022/a2.md'\n"
        "for step in range(6):\n"
        "    article.write_text(article.read_text('utf-8') + f'\\n第{step}段。\\n', 'utf-8')\n"
        "    assert preview.rebuild().site is not None\n"
        "    if step == 0:\n"
        "        gc.unfreeze(); gc.collect(); gc.freeze()  # what starting up left\n"
        "gc.unfreeze()\n"
        "print(gc.collect())\n"
        "preview.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(project)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 0
