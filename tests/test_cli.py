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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--no-such-option"], "错误：没有这个选项：--no-such-option"),
        (["build", "--outptu", "x"], "（是不是想用 --output？）"),
        (["biuld"], "错误：没有这个命令：biuld"),
        (["build", "-o"], "错误：选项 -o 后面需要写一个值"),
        (["build", "extra"], "错误：多余的参数：extra"),
    ],
)
def test_usage_errors_exit_2_in_chinese(args: list[str], message: str, tmp_path: Path) -> None:
    done = run(sys.executable, "-m", "zhuanlan", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "提示：运行 zhuanlan" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Error" not in done.stderr


def test_help_is_in_chinese(tmp_path: Path) -> None:
    done = run(sys.executable, "-m", "zhuanlan", "build", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("用法：zhuanlan build [选项]")
    assert "选项：" in done.stdout
    assert "输出目录" in done.stdout
    assert "Show this message" not in done.stdout
