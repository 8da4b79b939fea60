"""The build cache: no-op rebuilds, a deleted or edited site, a damaged cache, and
random sequences of edits that must always give exactly what a cold build gives."""

from __future__ import annotations

import gc
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from zhuanlan import load
from zhuanlan.cache import CACHE_DIR, BuildCacheStore
from zhuanlan.errors import Problems
from zhuanlan.load import SourceFile
from zhuanlan.mirror import wait_for
from zhuanlan.search.index import DOCUMENTS_PER_FILE, GROUP_CHUNKS, ShardGroup
from zhuanlan.search.postings import CHUNK_DOCUMENTS

from conftest import cold_build, files, folders_beside_site, run_build


@pytest.fixture
def project(project_from: Callable[[str], Path]) -> Path:
    return project_from("sample")


def test_a_second_build_with_nothing_changed_leaves_site_alone(project: Path) -> None:
    assert run_build(project).exit_code == 0
    stamps = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")}
    again = run_build(project)
    assert again.exit_code == 0
    assert "已是最新：1 个专栏，6 篇文章" in again.output
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")} == stamps


def test_a_build_leaves_the_garbage_collector_as_it_found_it(project: Path) -> None:
    # A build runs the collector less often; whoever called it gets theirs back.
    before = gc.get_threshold()
    assert run_build(project).exit_code == 0
    (project / "content/dajuan-2023/broken.md").write_text("---\ntitle: [\n---\n", "utf-8")
    assert run_build(project).exit_code != 0
    assert gc.get_threshold() == before
    assert gc.isenabled()


def test_the_cache_survives_a_deleted_site(project: Path, tmp_path: Path) -> None:
    assert run_build(project).exit_code == 0
    shutil.rmtree(project / "site")
    assert (project / CACHE_DIR).is_dir()
    again = run_build(project)
    assert "构建完成" in again.output
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_site_edited_by_hand_is_rebuilt(project: Path) -> None:
    assert run_build(project).exit_code == 0
    page = project / "site/dajuan-2023/1-goal/index.html"
    original = page.read_bytes()
    page.write_text("被手工改过", encoding="utf-8")
    again = run_build(project)
    assert "构建完成" in again.output
    assert page.read_bytes() == original


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other-engine", "wrong-shape"])
def test_a_damaged_cache_is_ignored_and_rebuilt(project: Path, tmp_path: Path, damage: str) -> None:
    assert run_build(project).exit_code == 0
    shutil.rmtree(project / "site")
    # The column's file of the parse cache (the largest; the other holds pinyin names).
    parsed = max((project / CACHE_DIR / "parsed").iterdir(), key=lambda p: p.stat().st_size)
    data = parsed.read_bytes()
    if damage == "garbage":
        parsed.write_bytes(b"\x00not a pickle at all")
    elif damage == "truncated":
        parsed.write_bytes(data[: len(data) // 2])
    elif damage == "other-engine":
        parsed.write_bytes(pickle.dumps(("zhuanlan 0.0.0", {})))
    else:
        engine = pickle.loads(data)[0]
        parsed.write_bytes(pickle.dumps((engine, ["a", "list"])))
    again = run_build(project)
    assert again.exit_code == 0, again.output
    assert "Traceback" not in again.output
    if damage in ("garbage", "truncated"):
        assert "已损坏，已忽略并重新生成" in again.output
    elif damage == "other-engine":
        assert "来自其他版本，已忽略并重新生成" in again.output
    else:
        assert "的格式不符，已忽略并重新生成" in again.output
    assert files(project / "site") == cold_build(project, tmp_path)
    # The cache was written anew and is used again.
    assert "已是最新" in run_build(project).output


def test_random_edits_always_build_what_a_cold_build_builds(project: Path, tmp_path: Path) -> None:
    column = project / "content/dajuan-2023"
    generator = random.Random(20240115)

    def articles() -> list[Path]:
        return sorted(p for p in column.glob("*.md") if p.name != "_index.md")

    def edit_body(path: Path) -> None:
        path.write_text(
            path.read_text("utf-8") + f"\n新增段落{generator.randint(0, 999)}。\n", "utf-8"
        )

    def edit_field(path: Path, field: str, value: str) -> None:
        lines = path.read_text("utf-8").split("\n")
        lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line for line in lines]
        path.write_text("\n".join(lines), "utf-8")

    edits: dict[str, Callable[[Path], None]] = {
        "body": edit_body,
        "title": lambda p: edit_field(p, "title", f"新标题{generator.randint(0, 999)}"),
        "date": lambda p: edit_field(p, "date", f"2024-02-{generator.randint(1, 28):02}"),
        "section": lambda p: edit_field(
            p, "section", generator.choice(["goal", "leads", "groups", "constructions"])
        ),
        "delete": lambda p: p.unlink() if len(articles()) > 2 else None,
        "add": lambda p: (column / f"new{generator.randint(0, 9999)}.md").write_text(
            "---\ntitle: 新文章\ndate: 2024-03-01\nsection: goal\n---\n新的正文。\n", "utf-8"
        ),
        "rename": lambda p: p.rename(column / f"renamed{generator.randint(0, 9999)}.md"),
    }
    assert run_build(project).exit_code == 0
    for _ in range(12):
        kind = generator.choice(sorted(edits))
        edits[kind](generator.choice(articles()))
        built = run_build(project)
        assert built.exit_code == 0, (kind, built.output)
        assert files(project / "site") == cold_build(project, tmp_path), kind


def test_a_file_takes_the_name_of_a_page_folder_and_back(project: Path, tmp_path: Path) -> None:
    # The last build's files are linked into the new site before it is known which
    # changed: a page's folder must give way to a file of that name, and back.
    article = project / "content/dajuan-2023/extra.md"
    asset = project / "content/dajuan-2023/extra"
    text = "---\ntitle: 另一篇\ndate: 2024-03-01\nsection: goal\n---\n正文。\n"
    article.write_text(text, "utf-8")
    assert run_build(project).exit_code == 0
    assert (project / "site/dajuan-2023/extra/index.html").is_file()
    for step in ("to a file", "back to a page"):
        if article.exists():
            article.unlink()
            asset.write_bytes(b"%PDF-1.4 attachment")
        else:
            asset.unlink()
            article.write_text(text, "utf-8")
        built = run_build(project)
        assert built.exit_code == 0, (step, built.output)
        assert files(project / "site") == cold_build(project, tmp_path), step
        # What it recorded of the site it left is what the next build finds.
        assert "已是最新" in run_build(project).output, step
    assert (project / "site/dajuan-2023/extra/index.html").is_file()


def test_a_folder_added_to_the_site_by_hand_is_noticed(project: Path, tmp_path: Path) -> None:
    assert run_build(project).exit_code == 0
    (project / "site/dajuan-2023/extra").mkdir()
    again = run_build(project)
    assert "构建完成" in again.output
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_file_with_a_name_not_in_utf8_left_in_the_site_is_removed(project: Path) -> None:
    assert run_build(project).exit_code == 0
    stray = project / "site/dajuan-2023" / os.fsdecode(b"\xff\xfe.html")
    stray.write_bytes(b"left by hand")
    again = run_build(project)
    assert again.exit_code == 0, again.output
    assert "构建完成" in again.output
    assert not stray.exists()


def append_to_body(article: Path, text: str) -> None:
    article.write_text(article.read_text("utf-8") + f"\n{text}\n", "utf-8")


def test_a_rebuild_builds_in_the_site_it_replaced(project: Path, tmp_path: Path) -> None:
    # Build 2 links build 1's files into a new folder and keeps build 1's site as the
    # spare; build 3 brings that spare up to date and builds in it, and so on: the
    # folders of the site alternate between two sets.
    assert run_build(project).exit_code == 0
    folder = project / "site/dajuan-2023"
    built_in = [folder.stat().st_ino]
    article = project / "content/dajuan-2023/3-leads.md"
    for number in range(3):
        append_to_body(article, f"第{number}次补充。")
        built = run_build(project)
        assert built.exit_code == 0, built.output
        assert files(project / "site") == cold_build(project, tmp_path), number
        built_in.append(folder.stat().st_ino)
    assert built_in[0] == built_in[2] != built_in[1] == built_in[3]
    assert folders_beside_site(project) == []


def test_the_first_rebuild_builds_in_a_spare_made_after_the_first_build(
    project: Path, tmp_path: Path
) -> None:
    # The first build replaced no site to keep as the spare: one is made from its own
    # site, in the background, and the next build works in it.
    assert run_build(project).exit_code == 0
    spare = project / CACHE_DIR / "spare-site"
    wait_for(spare)
    assert files(spare) == files(project / "site")
    prepared = (spare / "dajuan-2023").stat().st_ino
    append_to_body(project / "content/dajuan-2023/3-leads.md", "第一次补充。")
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert (project / "site/dajuan-2023").stat().st_ino == prepared
    assert files(project / "site") == cold_build(project, tmp_path)
    assert folders_beside_site(project) == []


def test_a_half_made_spare_without_its_marker_does_not_stop_spares_for_good(
    project: Path, tmp_path: Path
) -> None:
    # What deleting the cache while the mirror runs can leave: a folder of links at the
    # spare's place, unmarked (not recognisably a spare).
    assert run_build(project).exit_code == 0
    spare = project / CACHE_DIR / "spare-site"
    wait_for(spare)
    (spare / ".zhuanlan-site").unlink()
    for number in range(2):
        append_to_body(project / "content/dajuan-2023/3-leads.md", f"第{number}次补充。")
        built = run_build(project)
        assert built.exit_code == 0, built.output
        assert files(project / "site") == cold_build(project, tmp_path)
        wait_for(spare)
        assert (spare / ".zhuanlan-site").is_file(), number


def replace_file(path: Path) -> None:
    """Put another file in its place, as an editor that saves by renaming does."""
    other = path.with_name(path.name + ".new")
    other.write_text("别的内容", "utf-8")
    other.replace(path)


SPARE_DAMAGE: dict[str, Callable[[Path], None]] = {
    "file replaced": lambda spare: replace_file(spare / "dajuan-2023/1-goal/index.html"),
    "file deleted": lambda spare: (spare / "dajuan-2023/1-goal/index.html").unlink(),
    "file added": lambda spare: (spare / "dajuan-2023/stray.html").write_text("多余", "utf-8"),
    "folder added": lambda spare: (spare / "dajuan-2023/stray").mkdir(),
    "spare deleted": shutil.rmtree,
}


@pytest.mark.parametrize("edit", ["in place", "replaced"])
def test_a_site_edited_by_hand_beside_a_spare_site_is_rebuilt(
    project: Path, tmp_path: Path, edit: str
) -> None:
    # A file written in place is written in the spare too (they are the same file).
    article = project / "content/dajuan-2023/3-leads.md"
    assert run_build(project).exit_code == 0
    append_to_body(article, "第一次补充。")
    assert run_build(project).exit_code == 0
    assert (project / CACHE_DIR / "spare-site").is_dir()
    page = project / "site/dajuan-2023/1-goal/index.html"
    if edit == "in place":
        with page.open("r+b") as stream:
            stream.write(b"<!-- edited -->")
    else:
        replace_file(page)
    append_to_body(article, "第二次补充。")
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_deleted_site_beside_a_spare_site_is_built_once_from_scratch(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhuanlan import pipeline

    article = project / "content/dajuan-2023/3-leads.md"
    assert run_build(project).exit_code == 0
    append_to_body(article, "第一次补充。")
    assert run_build(project).exit_code == 0
    shutil.rmtree(project / "site")
    append_to_body(article, "第二次补充。")
    rendered: list[int] = []
    render_pages_into = pipeline.render_pages_into

    def counting(folder: Path, renderer: object, pages: list[int]) -> None:
        rendered.append(len(pages))
        render_pages_into(folder, renderer, pages)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "render_pages_into", counting)
    built = run_build(project)
    assert built.exit_code == 0, built.output
    # Every page rendered, once: the missing site is seen before any work is done.
    assert len(rendered) == 1
    assert rendered[0] == len(list((project / "site").rglob("*.html")))
    assert files(project / "site") == cold_build(project, tmp_path)


@pytest.mark.parametrize("damage", sorted(SPARE_DAMAGE))
def test_a_damaged_spare_site_is_not_trusted(project: Path, tmp_path: Path, damage: str) -> None:
    article = project / "content/dajuan-2023/3-leads.md"
    assert run_build(project).exit_code == 0
    append_to_body(article, "第一次补充。")
    assert run_build(project).exit_code == 0
    spare = project / CACHE_DIR / "spare-site"
    assert (spare / "dajuan-2023/1-goal/index.html").is_file()
    SPARE_DAMAGE[damage](spare)
    for number in range(2):
        append_to_body(article, f"第{number}次再补充。")
        built = run_build(project)
        assert built.exit_code == 0, built.output
        assert files(project / "site") == cold_build(project, tmp_path), number


def test_a_link_in_the_spare_site_is_not_followed(project: Path, tmp_path: Path) -> None:
    article = project / "content/dajuan-2023/3-leads.md"
    assert run_build(project).exit_code == 0
    append_to_body(article, "第一次补充。")
    assert run_build(project).exit_code == 0
    # A folder of someone's, holding a file where the spare's next update writes one.
    theirs = tmp_path / "theirs"
    shutil.copytree(project / CACHE_DIR / "spare-site/dajuan-2023", theirs)
    precious = theirs / "3-leads/index.html"
    precious.write_text("别人的文件", "utf-8")
    shutil.rmtree(project / CACHE_DIR / "spare-site/dajuan-2023")
    (project / CACHE_DIR / "spare-site/dajuan-2023").symlink_to(theirs)
    append_to_body(article, "第二次补充。")
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert precious.read_text("utf-8") == "别人的文件"
    assert len(list(theirs.rglob("*.html"))) > 1
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_failed_build_in_the_spare_site_leaves_the_site_alone(
    project: Path, tmp_path: Path
) -> None:
    article = project / "content/dajuan-2023/3-leads.md"
    assert run_build(project).exit_code == 0
    append_to_body(article, "第一次补充。")
    assert run_build(project).exit_code == 0
    before = files(project / "site")
    broken = project / "content/dajuan-2023/broken.md"
    broken.write_text("---\ntitle: [没有闭合\n---\n正文。\n", "utf-8")
    append_to_body(article, "第二次补充。")
    failed = run_build(project)
    assert failed.exit_code != 0
    assert files(project / "site") == before
    broken.unlink()
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert files(project / "site") == cold_build(project, tmp_path)
    assert folders_beside_site(project) == []


def test_a_body_edit_renders_only_its_own_page(project: Path, tmp_path: Path) -> None:
    other = project / "content/dajuan-2022"
    other.mkdir()
    (other / "_index.md").write_text("---\ntitle: 答卷·2022\nyear: 2022\n---\n介绍。\n", "utf-8")
    for number in range(3):
        (other / f"a{number}.md").write_text(
            f"---\ntitle: 第{number}篇\ndate: 2023-01-0{number + 1}\n---\n正文。\n", "utf-8"
        )
    assert run_build(project).exit_code == 0
    inodes = {p: p.stat().st_ino for p in (project / "site").rglob("*.html")}
    article = other / "a1.md"
    article.write_text(article.read_text("utf-8").replace("正文。", "修改后的正文。"), "utf-8")
    built = run_build(project)
    assert built.exit_code == 0
    assert "个页面未变，沿用上次的结果" in built.output
    after = {p: p.stat().st_ino for p in (project / "site").rglob("*.html")}
    # Lists, neighbours' 上一篇/下一篇 and the home page show no body: the other pages
    # are the same files, linked over.
    changed = [p.relative_to(project / "site").as_posix() for p in after if after[p] != inodes[p]]
    assert changed == ["dajuan-2022/a1/index.html"]
    assert "修改后的正文" in (project / "site" / changed[0]).read_text("utf-8")
    assert files(project / "site") == cold_build(project, tmp_path)


def test_unchanged_articles_are_not_read_again_and_a_rewritten_one_is(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = sorted(p for p in (project / "content/dajuan-2023").glob("*.md"))
    articles.remove(project / "content/dajuan-2023/_index.md")
    # A file changed within a moment before a build is read again by the next one
    # (see load.ReadBefore): let the copied files settle first.
    time.sleep(2.2)
    assert run_build(project).exit_code == 0
    read: list[str] = []
    original = load._read_source

    def reading(relative: str, path: str, problems: Problems) -> SourceFile | None:
        read.append(relative)
        return original(relative, path, problems)

    monkeypatch.setattr(load, "_read_source", reading)
    # Rewritten keeping its size and modification time (as cp -p, rsync -t do).
    first = articles[0]
    status = first.stat()
    text = first.read_text("utf-8")
    first.write_text(text.replace("党", "堂", 1), "utf-8")
    os.utime(first, ns=(status.st_atime_ns, status.st_mtime_ns))
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert [
        path for path in read if path in {f"content/dajuan-2023/{a.name}" for a in articles}
    ] == [f"content/dajuan-2023/{first.name}"]
    assert files(project / "site") == cold_build(project, tmp_path)
    # Without the parse cache, the texts of the files not read are read when needed.
    shutil.rmtree(project / CACHE_DIR / "parsed")
    (project / "content/site.yml").write_text(
        (project / "content/site.yml").read_text("utf-8") + "\n", "utf-8"
    )
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_link_follows_a_page_that_moved_to_another_files_address(
    project: Path, tmp_path: Path
) -> None:
    # Two articles trade addresses: the set of pages stays the same, but a link to one of
    # them from another column must now point at the other address.
    other = project / "content/dajuan-2022"
    other.mkdir()
    (other / "_index.md").write_text("---\ntitle: 答卷·2022\nyear: 2022\n---\n介绍。\n", "utf-8")
    for name, slug in (("a0", "yi"), ("a1", "er")):
        (other / f"{name}.md").write_text(
            f"---\ntitle: {name}\ndate: 2023-01-01\nslug: {slug}\n---\n正文。\n", "utf-8"
        )
    linking = project / "content/dajuan-2023/3-leads.md"
    linking.write_text(linking.read_text("utf-8") + "\n见[去年](../dajuan-2022/a0.md)。\n", "utf-8")
    assert run_build(project).exit_code == 0
    for name, slug in (("a0", "er"), ("a1", "yi")):
        path = other / f"{name}.md"
        path.write_text(re.sub(r"slug: \w+", f"slug: {slug}", path.read_text("utf-8")), "utf-8")
    assert run_build(project).exit_code == 0
    page = (project / "site/dajuan-2023/3-leads/index.html").read_text("utf-8")
    assert 'href="../../dajuan-2022/er/index.html"' in page
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_cache_record_of_an_older_shape_is_not_trusted(project: Path, tmp_path: Path) -> None:
    from zhuanlan.cache import LastBuild, engine_version

    assert run_build(project).exit_code == 0
    old = LastBuild.__new__(LastBuild)  # what an older zhuanlan pickled: fields missing
    object.__setattr__(old, "inputs", "x")
    record = project / CACHE_DIR / "last-build.pickle"
    record.write_bytes(pickle.dumps((engine_version(), old)))
    (project / "content/dajuan-2023/3-leads.md").write_text(
        (project / "content/dajuan-2023/3-leads.md").read_text("utf-8") + "\n补充。\n", "utf-8"
    )
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert "格式不符，已忽略并重新生成" in built.output
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_body_edit_leaves_tag_pages_alone_a_title_edit_does_not(project: Path) -> None:
    assert run_build(project).exit_code == 0
    tag_page = project / "site/tags/qun-tuan-gong-zuo/index.html"
    article = project / "content/dajuan-2023/3-groups.md"
    assert "群团工作" in article.read_text("utf-8")  # the article carries this tag
    inode = tag_page.stat().st_ino
    article.write_text(article.read_text("utf-8") + "\n正文新增的一句。\n", "utf-8")
    assert run_build(project).exit_code == 0
    assert tag_page.stat().st_ino == inode  # bodies are not shown on tag pages
    article.write_text(
        article.read_text("utf-8").replace("title: 夯实", "title: 继续夯实"), "utf-8"
    )
    assert run_build(project).exit_code == 0
    assert tag_page.stat().st_ino != inode
    assert "继续夯实" in tag_page.read_text("utf-8")


@pytest.fixture
def archive(project_from: Callable[[str], Path]) -> Path:
    """A column of two and a half chunks of the search index's articles: three chunks."""
    project = project_from("valid/minimal")
    for number in range(CHUNK_DOCUMENTS * 5 // 2):
        (project / f"content/col/a{number:03}.md").write_text(
            f"---\ntitle: 文章{number}\ndate: 2024-01-15\nsection: goal\n---\n"
            f"第{number}篇的正文，讲述支部建设。\n",
            encoding="utf-8",
        )
    return project


def search_chunks(project: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in (project / CACHE_DIR / "search").iterdir()}


def test_search_chunks_kept_as_they_are_indexed_are_written_from_the_cache(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks are kept on disk as soon as they are indexed, and their files read back to
    be written; one that cannot be read back is indexed again."""
    cold = cold_build(archive, tmp_path)
    assert run_build(archive).exit_code == 0
    assert files(archive / "site") == cold
    assert len(search_chunks(archive)) == 3
    shutil.rmtree(archive / "site")
    shutil.rmtree(archive / CACHE_DIR)
    monkeypatch.setattr(BuildCacheStore, "kept_chunk", lambda self, key: None)
    assert run_build(archive).exit_code == 0
    assert files(archive / "site") == cold
    assert len(search_chunks(archive)) == 3


def test_an_edit_reindexes_one_search_chunk_and_keeps_the_others(
    archive: Path, tmp_path: Path
) -> None:
    assert run_build(archive).exit_code == 0
    before = search_chunks(archive)
    assert len(before) == 3
    article = archive / f"content/col/a{CHUNK_DOCUMENTS + 10:03}.md"
    article.write_text(article.read_text("utf-8") + "\n新增的段落：理论学习。\n", "utf-8")
    assert run_build(archive).exit_code == 0
    after = search_chunks(archive)
    assert len(after) == 3
    assert len(after.keys() & before.keys()) == 2
    assert all(after[name] == before[name] for name in after.keys() & before.keys())
    assert files(archive / "site") == cold_build(archive, tmp_path)


def test_an_edit_rewrites_only_its_groups_search_shards(
    project_from: Callable[[str], Path], tmp_path: Path
) -> None:
    project = project_from("valid/minimal")
    grouped = GROUP_CHUNKS * CHUNK_DOCUMENTS
    for number in range(grouped + CHUNK_DOCUMENTS):  # a group and one chunk more
        (project / f"content/col/a{number:04}.md").write_text(
            f"---\ntitle: 文章{number}\ndate: 2024-01-15\nsection: goal\n---\n"
            f"第{number}篇的正文，讲述支部建设。\n",
            encoding="utf-8",
        )
    assert run_build(project).exit_code == 0
    shards = project / "site/search"
    before = {path: path.stat().st_ino for path in shards.glob("[bu]/*/*.js")}
    assert {path.parent.name for path in before} == {"0", "1"}
    # Articles of one date are indexed in the order of their URLs: this one is in
    # the second group.
    article = project / f"content/col/a{grouped + 10:04}.md"
    article.write_text(article.read_text("utf-8") + "\n新增的段落：理论学习。\n", "utf-8")
    assert run_build(project).exit_code == 0
    after = {path: path.stat().st_ino for path in shards.glob("[bu]/*/*.js")}
    assert after.keys() == before.keys()
    rewritten = {path for path in after if after[path] != before[path]}
    assert rewritten and {path.parent.name for path in rewritten} == {"1"}
    assert files(project / "site") == cold_build(project, tmp_path)


def test_turning_search_off_drops_its_chunks_from_the_cache(archive: Path) -> None:
    assert run_build(archive).exit_code == 0
    assert len(search_chunks(archive)) == 3
    site_file = archive / "content/site.yml"
    site_file.write_text(site_file.read_text("utf-8") + "search: false\n", "utf-8")
    assert run_build(archive).exit_code == 0
    assert search_chunks(archive) == {}


@pytest.mark.parametrize("damage", ["garbage", "other-engine", "wrong-shape", "stray"])
def test_a_damaged_search_chunk_is_indexed_again(
    archive: Path, tmp_path: Path, damage: str
) -> None:
    assert run_build(archive).exit_code == 0
    shutil.rmtree(archive / "site")
    chunk = sorted((archive / CACHE_DIR / "search").iterdir())[1]
    if damage == "garbage":
        chunk.write_bytes(b"\x80\x05not a pickle")
    elif damage == "other-engine":
        chunk.write_bytes(pickle.dumps(("zhuanlan 0.0.0", None)))
    elif damage == "wrong-shape":
        engine = pickle.loads(chunk.read_bytes())[0]
        chunk.write_bytes(pickle.dumps((engine, ["a", "list"])))
    else:
        (chunk.parent / "notes.txt").write_text("not ours", "utf-8")
    again = run_build(archive)
    assert again.exit_code == 0, again.output
    assert "Traceback" not in again.output
    assert files(archive / "site") == cold_build(archive, tmp_path)
    if damage == "stray":
        assert (chunk.parent / "notes.txt").is_file()
    else:
        assert len(search_chunks(archive)) == 3
    # The damaged chunk was written anew: the next build trusts every chunk.
    article = archive / "content/col/a001.md"
    article.write_text(article.read_text("utf-8") + "\n补充一句。\n", "utf-8")
    again = run_build(archive)
    assert again.exit_code == 0, again.output
    assert "已忽略" not in again.output


@pytest.mark.parametrize("damage", ["garbage", "wrong-shape", "hollow", "older-shape"])
def test_damaged_search_groups_are_made_again(archive: Path, tmp_path: Path, damage: str) -> None:
    assert run_build(archive).exit_code == 0
    groups = archive / CACHE_DIR / "search-groups.pickle"
    if damage == "garbage":
        groups.write_bytes(b"\x80\x05not a pickle")
    else:
        engine, kept = pickle.loads(groups.read_bytes())
        if damage == "wrong-shape":
            kept = dict.fromkeys(kept, ("not", "a group"))
        elif damage == "hollow":
            kept = {key: replace(group, files=((None,),)) for key, group in kept.items()}
        else:  # as an earlier version of the class would have left it
            older = object.__new__(ShardGroup)
            older.__dict__.update(bigrams=("党建",), files=())
            kept = dict.fromkeys(kept, older)
        groups.write_bytes(pickle.dumps((engine, kept)))
    # A change that leaves every search chunk as it was: the groups are looked up.
    site_file = archive / "content/site.yml"
    site_file.write_text(site_file.read_text("utf-8").replace("title:", "title: 新"), "utf-8")
    again = run_build(archive)
    assert again.exit_code == 0, again.output
    assert "Traceback" not in again.output
    assert "search-groups.pickle" in again.output and "已忽略并重新生成" in again.output
    assert files(archive / "site") == cold_build(archive, tmp_path)


def test_files_that_come_out_the_same_are_linked_not_written_again(archive: Path) -> None:
    assert run_build(archive).exit_code == 0
    site = archive / "site"
    before = {
        p.relative_to(site).as_posix(): (p.stat().st_ino, p.read_bytes())
        for p in site.rglob("*.js")
    }
    # The same characters in another order: the search index's text code stays the same.
    article = archive / f"content/col/a{CHUNK_DOCUMENTS + 10:03}.md"
    article.write_text(article.read_text("utf-8").replace("讲述支部建设", "支部建设讲述"), "utf-8")
    assert run_build(archive).exit_code == 0
    kept = linked = 0
    for path, (inode, content) in before.items():
        if path.startswith("search/") and (site / path).read_bytes() == content:
            kept += 1
            linked += (site / path).stat().st_ino == inode
    # At least the other two chunks' document files, the same bytes, linked.
    assert kept == linked >= 2 * CHUNK_DOCUMENTS // DOCUMENTS_PER_FILE
    assert kept < len([path for path in before if path.startswith("search/")])


def test_an_edit_rewrites_only_its_columns_parse_cache(
    project_from: Callable[[str], Path], tmp_path: Path
) -> None:
    project = project_from("valid/minimal")
    other = project / "content/other"
    other.mkdir()
    (other / "_index.md").write_text("---\ntitle: 另一专栏\nyear: 2023\n---\n", "utf-8")
    (other / "b.md").write_text("---\ntitle: 乙\ndate: 2023-05-01\n---\n正文。\n", "utf-8")
    assert run_build(project).exit_code == 0
    cache = project / CACHE_DIR / "parsed"
    before = {p.name: p.stat().st_ino for p in cache.iterdir()}
    first = project / "content/col/first.md"
    first.write_text(first.read_text("utf-8").replace("title: ", "title: 新"), "utf-8")
    assert run_build(project).exit_code == 0
    after = {p.name: p.stat().st_ino for p in cache.iterdir()}
    assert len(after) == len(before) >= 2
    assert len(after.keys() - before.keys()) == 1  # the edited column's, under a new name
    assert all(after[name] == before[name] for name in after.keys() & before.keys())
    assert files(project / "site") == cold_build(project, tmp_path)


def test_a_body_edit_adds_its_parse_to_the_cache_and_rewrites_none(
    project_from: Callable[[str], Path], tmp_path: Path
) -> None:
    project = project_from("valid/minimal")
    assert run_build(project).exit_code == 0
    cache = project / CACHE_DIR / "parsed"
    before = {p.name: p.stat().st_ino for p in cache.iterdir()}
    first = project / "content/col/first.md"
    first.write_text(first.read_text("utf-8") + "\n补充。\n", "utf-8")
    assert run_build(project).exit_code == 0
    after = {p.name: p.stat().st_ino for p in cache.iterdir()}
    # The edited file's parse, in a file of its own; the column's file is left alone.
    assert len(after.keys() - before.keys()) == 1
    assert before.items() <= after.items()
    added = cache / (after.keys() - before.keys()).pop()
    with added.open("rb") as stream:
        _, entries = pickle.load(stream)
    assert [key[1] for key in entries] == ["content/col/first.md"]
    # The next build that saves the parse cache files it with its column again.
    first.write_text(first.read_text("utf-8").replace("title: ", "title: 新"), "utf-8")
    assert run_build(project).exit_code == 0
    assert len(list(cache.iterdir())) == len(before)
    assert files(project / "site") == cold_build(project, tmp_path)


# Run in a fresh interpreter: the test session runs threads, and a process with threads
# never forks, so the search index would be made in this process.
FLAKY_SEARCH_CHILDREN = """
import os, sys
from pathlib import Path
from zhuanlan import indexing
from zhuanlan.build import build
from zhuanlan.search.index import index_files
from zhuanlan.write import write_files
project, marker = Path(sys.argv[1]), Path(sys.argv[2])
parent, made_here = os.getpid(), indexing.write_search_index
def flaky(plan, store, folder, *args, **kwargs):
    if os.getpid() == parent:
        return made_here(plan, store, folder, *args, **kwargs)
    # In a child: write part of the index, then fail as a full disk would.
    write_files(folder, [next(index_files(plan, store.load_search()))])
    with marker.open("a") as log:
        log.write("failed ")
    raise OSError(28, "No space left on device")
indexing.write_search_index = flaky
build(project, project / "site")
"""


@pytest.mark.parametrize(
    ("edit", "failed"),
    [
        # The guess's child fails; the guess is made again in the build, and used.
        ("body", "failed "),
        # The guess's child fails (and the guess would be wrong), then the index made
        # alongside rendering does too.
        ("column", "failed failed "),
    ],
)
def test_search_index_children_that_fail_are_redone_in_the_build(
    archive: Path, tmp_path: Path, edit: str, failed: str
) -> None:
    assert run_build(archive).exit_code == 0
    article = archive / f"content/col/a{CHUNK_DOCUMENTS + 10:03}.md"
    (_append if edit == "body" else _damage_a_chunk_then_edit_the_column_intro)(article)
    marker = tmp_path / "children-failed"
    done = subprocess.run(
        [sys.executable, "-c", FLAKY_SEARCH_CHILDREN, str(archive), str(marker)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == failed
    assert files(archive / "site") == cold_build(archive, tmp_path)
    # The chunks were kept by the build itself: the next edit re-indexes one again.
    assert len(search_chunks(archive)) == 3


GUESS_LOGGED = """
import os, sys
from pathlib import Path
from zhuanlan import indexing
from zhuanlan.build import build
project, log = Path(sys.argv[1]), Path(sys.argv[2])
guess = indexing.guess_search_index
def logged(*args, **kwargs):
    made = guess(*args, **kwargs)
    with log.open("a") as stream:
        stream.write("made " if made is not None else "none ")
    return made
indexing.guess_search_index = logged
build(project, project / "site")
"""


def _append(article: Path) -> None:
    article.write_text(article.read_text("utf-8") + "\n新增的段落：理论学习。\n", "utf-8")


def _retitle(article: Path) -> None:
    article.write_text(article.read_text("utf-8").replace("title: 文章", "title: 新文章"), "utf-8")


def _redate(article: Path) -> None:
    article.write_text(article.read_text("utf-8").replace("2024-01-15", "2023-03-01"), "utf-8")


def _reslug(article: Path) -> None:
    article.write_text(
        article.read_text("utf-8").replace("---\n第", "slug: moved\n---\n第"), "utf-8"
    )


def _damage_a_chunk_then_edit_the_column_intro(article: Path) -> None:
    """A chunk whose file is there but does not load, and an edit no document shows:
    the chunk is indexed again, with its texts."""
    project = article.parents[2]
    chunk = sorted((project / CACHE_DIR / "search").iterdir())[0]
    chunk.write_bytes(chunk.read_bytes()[:100])
    column = project / "content/col/_index.md"
    column.write_text(column.read_text("utf-8") + "\n补充介绍。\n", "utf-8")


@pytest.mark.parametrize(
    ("edit", "guessed"),
    [
        # Only texts changed: the index guessed before the model is the right one.
        (_append, "made "),
        # The title or the date changed too: the guess is made, found wrong, not used.
        (_damage_a_chunk_then_edit_the_column_intro, "made "),
        # Its address changed: the guess is made, found wrong, and not used.
        (_reslug, "made "),
        # Its title or date changed, or it is gone: no guess is made.
        (_retitle, "none "),
        (_redate, "none "),
        (Path.unlink, "none "),
    ],
    ids=["body", "damaged-chunk", "slug", "title", "date", "deleted"],
)
def test_an_edit_gives_the_cold_builds_search_index_whatever_was_guessed(
    archive: Path, tmp_path: Path, edit: Callable[[Path], None], guessed: str
) -> None:
    assert run_build(archive).exit_code == 0
    edit(archive / f"content/col/a{CHUNK_DOCUMENTS + 10:03}.md")
    log = tmp_path / "guesses"
    done = subprocess.run(
        [sys.executable, "-c", GUESS_LOGGED, str(archive), str(log)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert log.read_text() == guessed
    assert files(archive / "site") == cold_build(archive, tmp_path)
