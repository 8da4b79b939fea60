"""A build killed at any moment while it writes leaves the previous site exactly as it was."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, folders_beside_site, run_build

ARTICLES = 400


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def large_project(project_from: Callable[[str], Path]) -> Path:
    project = project_from("valid/minimal")
    body = (REPO / "content/dajuan-2023/3-leads.md").read_text(encoding="utf-8").split("---")[2]
    for number in range(ARTICLES):
        (project / f"content/col/a{number}.md").write_text(
            f"---\ntitle: 文章{number}\ndate: 2024-01-15\nsection: goal\n---\n{body}",
            encoding="utf-8",
        )
    return project


def kill_while_writing(project: Path, delay: float) -> None:
    """Start a build, wait until it begins writing, wait `delay`, then SIGKILL it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "zhuanlan", "build"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(project.glob("site.zhuanlan-staging-*")) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_killing_a_build_at_any_moment_leaves_a_complete_site(
    large_project: Path, tmp_path: Path
) -> None:
    """site/ is always either the previous build or the new one, never a mixture."""
    article = large_project / "content/col/a0.md"
    old_text = article.read_text(encoding="utf-8")
    new_text = old_text.replace("文章0", "改过的标题")
    article.write_text(new_text, encoding="utf-8")
    assert run_build(large_project, "--output", str(tmp_path / "new")).exit_code == 0
    new = snapshot(tmp_path / "new")

    killed_mid_write = 0
    for delay in (0.0, 0.0, 0.02, 0.1):
        article.write_text(old_text, encoding="utf-8")
        assert run_build(large_project).exit_code == 0
        old = snapshot(large_project / "site")
        article.write_text(new_text, encoding="utf-8")
        kill_while_writing(large_project, delay)
        now = snapshot(large_project / "site")
        assert now in (old, new)
        killed_mid_write += now == old
    assert killed_mid_write > 0, "no kill landed before the swap: the test proved nothing"

    # The next build cleans up what the killed ones left and publishes the change.
    assert run_build(large_project).exit_code == 0
    assert folders_beside_site(large_project) == []
    assert snapshot(large_project / "site") == new


def test_a_server_reading_site_during_a_rebuild_never_finds_it_missing(
    large_project: Path,
) -> None:
    """The new site is swapped in with one atomic exchange, not two renames."""
    assert run_build(large_project).exit_code == 0
    index = large_project / "site/index.html"
    missing = 0
    checks = 0
    process = subprocess.Popen(
        [sys.executable, "-m", "zhuanlan", "build"],
        cwd=large_project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while process.poll() is None:
        checks += 1
        missing += not index.is_file()
    assert process.returncode == 0
    assert checks > 100
    assert missing == 0
