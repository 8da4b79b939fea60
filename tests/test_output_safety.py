"""The writer never replaces what it must not, and never follows a link when deleting."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from zhuanlan.write import MARKER, link_files

from conftest import folders_beside_site, run_build


@pytest.fixture
def project(project_from: Callable[[str], Path]) -> Path:
    return project_from("valid/minimal")


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (".", "项目目录"),
        ("..", "项目目录"),
        ("content", "内容目录"),
        ("templates", "模板目录"),
        ("content/out", "位于 content/ 之内"),
        (".zhuanlan-cache", "构建缓存目录"),
        (".zhuanlan-cache/spare-site", "位于 .zhuanlan-cache/ 之内"),
        ("/", "根目录"),
        ("~", "用户主目录"),
    ],
)
def test_dangerous_output_folders_are_refused(project: Path, output: str, reason: str) -> None:
    (project / "templates").mkdir(exist_ok=True)
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    target = str(Path(output).expanduser()) if output == "~" else str(project / output)
    built = run_build(project, "--output", target)
    assert built.exit_code == 2, built.output
    assert reason in built.output
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_a_folder_zhuanlan_did_not_create_is_not_replaced(project: Path) -> None:
    (project / "site").mkdir()
    (project / "site/precious.txt").write_text("keep", encoding="utf-8")
    built = run_build(project)
    assert built.exit_code == 2
    assert "不是 zhuanlan 生成的" in built.output
    assert (project / "site/precious.txt").read_text(encoding="utf-8") == "keep"


def test_an_empty_folder_may_be_used(project: Path) -> None:
    (project / "site").mkdir()
    assert run_build(project).exit_code == 0
    assert (project / "site" / MARKER).is_file()


def test_a_site_built_by_zhuanlan_is_replaced_whole(project: Path) -> None:
    assert run_build(project).exit_code == 0
    (project / "site/stale.html").write_text("old", encoding="utf-8")
    assert run_build(project).exit_code == 0
    assert not (project / "site/stale.html").exists()
    assert (project / "site/col/first/index.html").is_file()


def test_a_symlinked_output_folder_is_refused(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "site").symlink_to(elsewhere)
    built = run_build(project)
    assert built.exit_code == 2
    assert "符号链接" in built.output


def test_links_inside_the_old_site_are_not_followed_when_deleting(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text("precious", encoding="utf-8")
    assert run_build(project).exit_code == 0
    (project / "site/link").symlink_to(outside, target_is_directory=True)
    (project / "site/file-link").symlink_to(outside / "data.txt")
    assert run_build(project).exit_code == 0
    assert (outside / "data.txt").read_text(encoding="utf-8") == "precious"
    assert not (project / "site/link").exists()


def test_a_killed_build_leaves_the_site_and_is_cleaned_up_next_time(project: Path) -> None:
    assert run_build(project).exit_code == 0
    index = (project / "site/index.html").read_bytes()
    # What a build killed while writing leaves behind: a half-written staging folder.
    staging = project / "site.zhuanlan-staging-killed"
    staging.mkdir()
    (staging / MARKER).write_text("", encoding="utf-8")
    (staging / "index.html").write_text("half", encoding="utf-8")
    assert (project / "site/index.html").read_bytes() == index
    assert run_build(project).exit_code == 0
    assert not staging.exists()
    assert (project / "site/index.html").read_bytes() == index


def test_a_build_killed_between_the_renames_is_recovered(project: Path) -> None:
    assert run_build(project).exit_code == 0
    (project / "site").rename(project / "site.zhuanlan-old-12345")
    (project / "content/col/first.md").write_text("---\ntitle: 坏\n---\n", encoding="utf-8")
    # The build fails, but the previous site is put back where it was.
    assert run_build(project).exit_code == 1
    assert (project / "site/index.html").is_file()
    assert not (project / "site.zhuanlan-old-12345").exists()


def test_foreign_folders_next_to_the_site_are_left_alone(project: Path) -> None:
    lookalike = project / "site.zhuanlan-staging-not-ours"
    lookalike.mkdir()
    (lookalike / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_build(project).exit_code == 0
    assert (lookalike / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_content_linking_outside_the_project_is_not_published(
    project: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("私密内容", encoding="utf-8")
    (project / "content/col/leak.txt").symlink_to(secret)
    (project / "content/col/leak.md").symlink_to(secret)
    built = run_build(project)
    assert built.exit_code == 1
    assert "content/col/leak.txt: 符号链接指向项目之外" in built.output
    assert "content/col/leak.md: 符号链接指向项目之外" in built.output
    assert not (project / "site").exists()


def test_content_linking_inside_the_project_is_fine(project: Path) -> None:
    (project / "shared.txt").write_text("共享", encoding="utf-8")
    (project / "content/col/shared.txt").symlink_to(project / "shared.txt")
    built = run_build(project)
    assert built.exit_code == 0, built.output
    assert (project / "site/col/shared.txt").read_text(encoding="utf-8") == "共享"


def test_an_empty_staging_folder_left_by_a_kill_is_cleaned_up(project: Path) -> None:
    # Killed between creating the staging folder and marking it as ours.
    empty = project / "site.zhuanlan-staging-unmarked"
    empty.mkdir()
    assert run_build(project).exit_code == 0
    assert not empty.exists()


def test_the_replaced_site_is_deleted_after_the_build_returns(project: Path) -> None:
    assert run_build(project).exit_code == 0
    page = project / "site/col/first/index.html"
    old_page = page.stat().st_ino
    (project / "content/col/first.md").write_text(
        (project / "content/col/first.md").read_text(encoding="utf-8") + "\n新的段落。\n",
        encoding="utf-8",
    )
    assert run_build(project).exit_code == 0
    assert page.stat().st_ino != old_page
    # Deleted by a detached process: gone soon, without the build waiting for it.
    assert folders_beside_site(project) == []


def test_trash_being_deleted_is_left_to_its_deleter(project: Path) -> None:
    assert run_build(project).exit_code == 0
    trash = project / "site.zhuanlan-trash-busy"
    trash.mkdir()
    (trash / MARKER).write_text("", encoding="utf-8")
    (trash / "index.html").write_text("old", encoding="utf-8")
    handle = os.open(trash, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # what a running deleter holds
        assert run_build(project).exit_code == 0
        assert (trash / "index.html").is_file()
    finally:
        os.close(handle)
    # Its deleter died: the next build removes it.
    assert run_build(project).exit_code == 0
    assert not trash.exists()


def test_trash_of_someone_else_is_left_alone(project: Path) -> None:
    lookalike = project / "site.zhuanlan-trash-not-ours"
    lookalike.mkdir()
    (lookalike / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_build(project).exit_code == 0
    assert (lookalike / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_carrying_files_over_twice_never_writes_into_the_live_site(tmp_path: Path) -> None:
    # The build links unchanged pages in a helper process and, should it fail, again in
    # the build process: files it had linked already must be left as they are.
    live, staging = tmp_path / "site", tmp_path / "staging"
    (live / "col/a").mkdir(parents=True)
    (live / "col/a/index.html").write_text("已发布", encoding="utf-8")
    staging.mkdir()
    link_files(live, staging, ["col/a/index.html"])
    link_files(live, staging, ["col/a/index.html"])
    assert (live / "col/a/index.html").read_text(encoding="utf-8") == "已发布"
    assert (staging / "col/a/index.html").samefile(live / "col/a/index.html")
