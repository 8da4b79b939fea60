"""The command line as a user runs it: real processes, exit statuses, Chinese messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from zhuanlan import __version__


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_python_dash_m_builds_the_project_in_the_current_folder(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("valid/minimal")
    done = run(sys.executable, "-m", "zhuanlan", "build", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "构建完成：1 个专栏，1 篇文章" in done.stdout
    assert (project / "site/col/first/index.html").is_file()


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = shutil.which("zhuanlan") or str(Path(sys.executable).parent / "zhuanlan")
    done = run(script, "--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"zhuanlan {__version__}"


def test_content_errors_exit_1_on_stderr_without_traceback(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("invalid/many-problems")
    done = run(sys.executable, "-m", "zhuanlan", "build", cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.count("错误：") == 4
    assert "构建失败：共 4 个问题" in done.stderr


@pytest.mark.parametrize("args", [["build", "--no-such-option"], ["no-such-command"]])
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    done = run(sys.executable, "-m", "zhuanlan", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_help_is_in_chinese(tmp_path: Path) -> None:
    done = run(sys.executable, "-m", "zhuanlan", "build", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "构建网站" in done.stdout
    assert "输出目录" in done.stdout
