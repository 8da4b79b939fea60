"""``zhuanlan check``: every problem at once, in the source file and line to change,
without touching ``site/`` or the build cache."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zhuanlan.cache import CACHE_DIR
from zhuanlan.check import run as check_run
from zhuanlan.cli import main
from zhuanlan.mirror import wait_for

from conftest import FIXTURES, run_build

CHECK = FIXTURES / "check"
A = "content/col/first.md"
I = "content/col/_index.md"  # noqa: E741 - the column file, as short as A

Row = tuple[str, int | None, int | None, str, str, str | None, str]
"""path, line, column, severity, kind, field, message."""


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders go where the test can see whether any was left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def check(project: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["check", "--project", str(project), *args], prog_name="zhuanlan"
    )


def check_json(project: Path, *args: str) -> tuple[int, dict[str, object], list[Row]]:
    """Run with ``--format json``: the exit status, the document and its problems as rows."""
    result = check(project, "--format", "json", *args)
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)  # stdout holds the JSON document and nothing else
    problems = document["problems"]
    assert isinstance(problems, list)
    rows = [
        (p["path"], p["line"], p["column"], p["severity"], p["kind"], p["field"], p["message"])
        for p in problems
    ]
    return result.exit_code, document, rows


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- The sample ---------------------------------------------------------------------------


def test_the_sample_is_clean_and_nothing_is_written(
    project_from: Callable[[str], Path], private_tempdir: Path
) -> None:
    project = project_from("sample")
    result = check(project)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "已检查：1 个专栏，6 篇文章，27 个页面",
        "检查完成：没有发现问题",
    ]
    assert sorted(p.name for p in project.iterdir()) == ["content"]  # no site/, no cache
    assert list(private_tempdir.iterdir()) == []
    code, document, rows = check_json(project)
    assert (code, document, rows) == (0, {"errors": 0, "warnings": 0, "problems": []}, [])


def test_an_existing_site_and_build_cache_are_left_exactly_as_they_were(
    project_from: Callable[[str], Path], private_tempdir: Path
) -> None:
    project = project_from("sample")
    assert run_build(project).exit_code == 0
    wait_for(project / CACHE_DIR / "spare-site")  # made after the build, in the background
    site, cache = snapshot(project / "site"), snapshot(project / CACHE_DIR)
    stamps = {p: p.stat().st_mtime_ns for p in project.rglob("*")}
    assert check(project, "--drafts", "--future").exit_code == 0
    assert snapshot(project / "site") == site
    assert snapshot(project / CACHE_DIR) == cache
    assert {p: p.stat().st_mtime_ns for p in project.rglob("*")} == stamps
    assert list(private_tempdir.iterdir()) == []
    # The next build still knows that nothing changed.
    assert "已是最新" in run_build(project).output


# --- One fixture per kind of problem ---------------------------------------------------------

EXPECTED: dict[str, list[Row]] = {
    "broken-link": [
        (I, 7, 10, "error", "broken-link", None, "链接的文件不存在：方案.pdf"),
        (A, 7, 10, "error", "broken-link", None, "链接的文件不存在：forms/报名表.docx"),
        (A, 9, 8, "error", "broken-link", None, "链接的页面不存在：../old/index.html"),
    ],
    "missing-anchor": [
        (A, 7, 19, "error", "missing-anchor", None, "链接指向的锚点不存在：#工作任务"),
        (A, 9, 35, "error", "missing-anchor", None, "链接指向的锚点不存在：second.md#结尾"),
    ],
    "missing-image": [
        (A, 7, 9, "error", "missing-image", None, "图片不存在：活动.jpg"),
        (A, 9, 11, "error", "missing-image", None, "图片不存在：missing.png"),
        (A, 11, 7, "error", "missing-image", None, "图片不存在：Logo.PNG"),
        (
            "content/col/logo.png",
            None,
            None,
            "warning",
            "orphan-file",
            None,
            "没有任何页面链接到这个文件，但它会随网站一起发布",
        ),
    ],
    "schema-error": [
        (A, 3, None, "error", "content", "date", "不存在的日期：2024-13-45"),
        (A, 4, None, "error", "content", "titel", "未知字段 titel"),
    ],
    "yaml-comment": [
        (
            A,
            2,
            12,
            "warning",
            "yaml-comment",
            "title",
            "值被“#”截断：读到的是“第2期”，“#2 专题”被当作注释忽略了",
        ),
        (
            A,
            7,
            8,
            "warning",
            "yaml-comment",
            "tags[1]",
            "值被“#”截断：读到的是“党建”，“#重点”被当作注释忽略了",
        ),
        (
            "content/site.yml",
            2,
            14,
            "warning",
            "yaml-comment",
            "subtitle",
            "值被“#”截断：读到的是“夹具”，“# 测试用”被当作注释忽略了",
        ),
    ],
    "typography": [
        (I, 5, 5, "warning", "ascii-punctuation", None, "中文括注使用了半角左括号“(”"),
        (I, 5, 8, "warning", "ascii-punctuation", None, "中文括注使用了半角右括号“)”"),
        (A, 5, 6, "warning", "ascii-punctuation", None, "中文之间使用了半角逗号“,”"),
        (A, 7, 4, "warning", "full-width-alphanumeric", None, "使用了全角数字“１２３”"),
        (A, 7, 10, "warning", "doubled-punctuation", None, "重复使用了标点“。。”"),
        (A, 9, 1, "warning", "unpaired-quote", None, "左引号 “ 在本段中没有配对的右引号 ”"),
    ],
    "missing-alt": [
        (A, line, column, "warning", "missing-alt", None, f"图片缺少替代文字（alt）：{image}")
        for line, column, image in [
            (7, 5, "图.png"),  # ![](图.png)
            (11, 6, "图.png"),  # ![ ](图.png)
            (13, 11, "https://example.org/a.png"),  # <img src="https://…"> without alt
            (15, 1, "图.png"),  # ![][图片], defined further down
        ]
    ],
    "orphan-attachment": [
        (
            "content/col/附件.pdf",
            None,
            None,
            "warning",
            "orphan-file",
            None,
            "没有任何页面链接到这个文件，但它会随网站一起发布",
        ),
    ],
    "link-forms": [
        (A, 7, 7, "warning", "folder-link", None, "链接指向的是文件夹：second/"),
        (A, 9, 8, "error", "broken-link", None, "链接指向网站之外的位置：../../outside.pdf"),
    ],
    "custom-template": [
        (
            "site/index.html",
            None,
            None,
            "error",
            "broken-link",
            None,
            "链接的页面不存在：missing.html",
        ),
        (
            "site/years/2024/index.html",
            None,
            None,
            "warning",
            "orphan-page",
            None,
            "没有任何页面链接到这个页面（years/2024/index.html）",
        ),
    ],
}


def test_every_check_fixture_is_covered() -> None:
    assert sorted(p.name for p in CHECK.iterdir()) == sorted([*EXPECTED, "fix-crlf-bom"])


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_problem_is_reported_at_its_line(
    case: str, project_from: Callable[[str], Path], private_tempdir: Path
) -> None:
    project = project_from(f"check/{case}")
    code, document, rows = check_json(project)
    assert rows == EXPECTED[case]
    errors = sum(row[3] == "error" for row in rows)
    assert document["errors"] == errors
    assert document["warnings"] == len(rows) - errors
    assert code == (1 if errors else 0)
    assert all(problem["hint"] for problem in document["problems"])  # type: ignore[union-attr]
    assert list(private_tempdir.iterdir()) == []
    assert not (project / "site").exists()


def test_schema_errors_are_those_of_the_build(project_from: Callable[[str], Path]) -> None:
    project = project_from("check/schema-error")
    built = run_build(project)
    reported = [line.removeprefix("错误：") for line in built.output.splitlines()]
    _, document, _ = check_json(project)
    for problem in document["problems"]:  # type: ignore[union-attr]
        headline = f"{problem['path']}:{problem['line']}: {problem['field']}：{problem['message']}"
        assert headline in reported
        assert f"    提示：{problem['hint']}" in reported
    result = check(project)
    assert "网站未能构建，因此没有检查链接" in result.stdout


def test_a_template_error_is_reported_and_the_temporary_folder_removed(
    project_from: Callable[[str], Path], private_tempdir: Path
) -> None:
    code, _, rows = check_json(project_from("invalid/template-error"))
    assert code == 1
    assert [row[:5] for row in rows] == [("templates/article.html", 3, None, "error", "content")]
    assert rows[0][6].startswith("模板错误：")
    assert list(private_tempdir.iterdir()) == []


def test_source_warnings_are_reported_even_when_the_build_fails(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("check/schema-error")
    article = project / A
    article.write_text(article.read_text(encoding="utf-8") + "\n我们,他们。\n", encoding="utf-8")
    _, _, rows = check_json(project)
    assert rows == [
        *EXPECTED["schema-error"],
        (A, 8, 3, "warning", "ascii-punctuation", None, "中文之间使用了半角逗号“,”"),
    ]


def test_a_truncated_value_hint_shows_the_quoted_line(project_from: Callable[[str], Path]) -> None:
    _, document, _ = check_json(project_from("check/yaml-comment"))
    hints = [problem["hint"] for problem in document["problems"]]  # type: ignore[union-attr]
    assert '如果“#2 专题”是值的一部分，请给整个值加引号：title: "第2期 #2 专题"' in hints[0]
    assert "请把它移到单独一行" in hints[0]


def test_drafts_and_future_articles_are_checked_only_when_asked(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("check/typography")
    _, _, rows = check_json(project)
    assert rows == EXPECTED["typography"]
    comma = ("warning", "ascii-punctuation", None, "中文之间使用了半角逗号“,”")
    draft = ("content/col/draft.md", 6, 3, *comma)
    future = ("content/col/future.md", 5, 3, *comma)
    assert check_json(project, "--drafts")[2] == sorted([*rows, draft])
    assert check_json(project, "--future")[2] == sorted([*rows, future])


def test_hints_point_at_the_fix(project_from: Callable[[str], Path]) -> None:
    _, document, _ = check_json(project_from("check/missing-image"))
    hints = [problem["hint"] for problem in document["problems"]]  # type: ignore[union-attr]
    assert "请把图片放在 content/col/活动.jpg" in hints[0]
    assert "请把图片放在 content/col/missing.png" in hints[1]
    assert "文件名大小写不一致：网站中的文件是 content/col/logo.png" in hints[2]
    _, document, _ = check_json(project_from("check/missing-anchor"))
    hints = [problem["hint"] for problem in document["problems"]]  # type: ignore[union-attr]
    assert "可用的标题锚点有：#工作目标" in hints[0]
    assert "content/col/second.md 中没有“#结尾”这个锚点" in hints[1]


# --- Exit status, --strict, output ---------------------------------------------------------


def test_strict_turns_warnings_into_failure(project_from: Callable[[str], Path]) -> None:
    project = project_from("check/yaml-comment")
    assert check(project).exit_code == 0
    strict = check(project, "--strict")
    assert strict.exit_code == 1
    assert "检查完成：0 个错误，3 个警告" in strict.stdout
    assert "--strict" in strict.stdout
    assert check_json(project, "--strict")[0] == 1


def test_text_output_is_grouped_by_file_without_colour_off_a_terminal(
    project_from: Callable[[str], Path],
) -> None:
    result = check(project_from("check/typography"))
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    lines = result.stdout.splitlines()
    assert lines[0] == I
    assert lines[1] == "  5:5  警告  中文括注使用了半角左括号“(”"
    assert lines[2].startswith("             提示：改为全角左括号“（”")
    assert lines[5] == ""
    assert lines[6] == A
    assert lines[7] == "  5:6   警告  中文之间使用了半角逗号“,”"
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings == [
        I,
        A,
        "已检查：1 个专栏，1 篇文章（1 篇草稿、1 篇未到发布日期的文章未发布），6 个页面",
        "检查完成：0 个错误，6 个警告",
    ]


def test_errors_are_labelled_and_the_summary_counts_them(
    project_from: Callable[[str], Path],
) -> None:
    result = check(project_from("check/missing-image"))
    assert result.exit_code == 1
    assert "  7:9   错误  图片不存在：活动.jpg" in result.stdout
    assert result.stdout.splitlines()[-1] == "检查完成：3 个错误，1 个警告"


def test_usage_errors_exit_2(tmp_path: Path, project_from: Callable[[str], Path]) -> None:
    missing = check(tmp_path)
    assert missing.exit_code == 2
    assert "没有 content/ 目录" in missing.stderr
    bad = check(project_from("check/typography"), "--format", "xml")
    assert bad.exit_code == 2
    assert "参数 --format 的值无效：只能是 text、json 之一" in bad.stderr
    assert "Traceback" not in bad.output


def test_help_is_in_chinese() -> None:
    result = CliRunner().invoke(main, ["check", "--help"], prog_name="zhuanlan")
    assert result.exit_code == 0
    assert result.stdout.startswith("用法：zhuanlan check [选项]")
    for text in ("--strict", "--format", "--fix", "--drafts", "发布前检查"):
        assert text in result.stdout


def test_interrupted_check_leaves_no_temporary_folder(
    project_from: Callable[[str], Path],
    private_tempdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Path] = []

    def interrupted(site: object, folder: Path, sources: object) -> list[object]:
        seen.append(folder)
        assert (folder / "index.html").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(check_run, "check_site", interrupted)
    result = check(project_from("sample"))
    assert result.exit_code == 1
    assert "已取消" in result.stderr
    assert seen and seen[0].parent == private_tempdir
    assert list(private_tempdir.iterdir()) == []


# --- --fix ---------------------------------------------------------------------------------

FIXED = [
    "content/col/_index.md:5: “(” → “（”",
    "content/col/_index.md:5: “)” → “）”",
    "content/col/first.md:5: “,” → “，”",
    "content/col/first.md:5: “;” → “；”",
    "content/col/first.md:5: “!” → “！”",
]


def test_fix_changes_only_the_punctuation_bytes(project_from: Callable[[str], Path]) -> None:
    project = project_from("check/fix-crlf-bom")
    article, intro = project / A, project / I
    before = article.read_bytes()
    assert before.startswith(b"\xef\xbb\xbf---\r\n") and b"\r\n" in before
    result = check(project, "--fix")
    assert [line.removeprefix("已修正 ") for line in result.stdout.splitlines()[:5]] == FIXED
    assert "共修正 5 处标点（2 个文件）" in result.stdout
    # Body punctuation made full-width; the BOM, CRLF, trailing spaces, code and the
    # front matter (with its own half-width comma) kept byte for byte.
    expected = (
        before.replace("学习,也".encode(), "学习，也".encode())
        .replace("实践;还".encode(), "实践；还".encode())
        .replace("总结!".encode(), "总结！".encode())
    )
    assert article.read_bytes() == expected
    assert "title: 第一篇, 测试\r\n".encode() in expected
    assert "`中,文`".encode() in expected
    assert (
        intro.read_bytes() == "---\ntitle: 测试专栏\nyear: 2024\n---\n专栏介绍（试行）。\n".encode()
    )
    # Then checked again: what cannot be fixed mechanically remains.
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "检查完成：0 个错误，1 个警告"
    assert "重复使用了标点“。。”" in result.stdout
    assert [p.name for p in article.parent.iterdir() if p.name.startswith(".")] == []
    # Fixing again changes nothing.
    again = check(project, "--fix")
    assert "没有可以自动修正的标点。" in again.stdout
    assert article.read_bytes() == expected


def test_fix_with_json_keeps_stdout_for_the_document(project_from: Callable[[str], Path]) -> None:
    project = project_from("check/fix-crlf-bom")
    result = check(project, "--fix", "--format", "json", "--strict")
    assert result.exit_code == 1  # the doubled 。。 remains, a warning, and --strict
    document = json.loads(result.stdout)
    assert document["errors"] == 0
    assert [p["kind"] for p in document["problems"]] == ["doubled-punctuation"]
    assert "已修正 content/col/first.md:5: “,” → “，”" in result.stderr


def test_fix_keeps_the_file_mode(project_from: Callable[[str], Path]) -> None:
    project = project_from("check/fix-crlf-bom")
    (project / A).chmod(0o640)
    assert check(project, "--fix").exit_code == 0
    assert (project / A).stat().st_mode & 0o777 == 0o640


def test_fix_keeps_old_mac_line_endings(project_from: Callable[[str], Path]) -> None:
    project = project_from("check/fix-crlf-bom")
    text = "---\rtitle: 第一篇\rdate: 2024-01-15\r---\r正文\r\r我们,他们。\r"
    (project / A).write_bytes(text.encode())
    result = check(project, "--fix")
    assert "已修正 content/col/first.md:7: “,” → “，”" in result.stdout
    assert (project / A).read_bytes() == text.replace(",", "，").encode()


# --- As a real process ---------------------------------------------------------------------


def _many_articles(project: Path, count: int) -> None:
    """A column of `count` articles: a check that takes a moment."""
    column = project / "content" / "col"
    column.mkdir(parents=True)
    (project / "content" / "site.yml").write_text("title: 测试站点\n", encoding="utf-8")
    (column / "_index.md").write_text("---\ntitle: 专栏\nyear: 2024\n---\n介绍。\n", "utf-8")
    for number in range(count):
        text = f"---\ntitle: 第{number}篇\ndate: 2024-01-15\n---\n" + "正文内容。\n\n" * 50
        (column / f"a{number}.md").write_text(text, encoding="utf-8")


def test_the_command_prints_only_json_on_stdout(tmp_path: Path, private_tempdir: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(CHECK / "missing-alt", project)
    env = {**os.environ, "TMPDIR": str(private_tempdir)}
    done = subprocess.run(
        [sys.executable, "-m", "zhuanlan", "check", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["warnings"] == 4
    assert done.stderr == ""
    assert list(private_tempdir.iterdir()) == []


def test_sigterm_during_the_check_removes_the_temporary_folder(
    tmp_path: Path, private_tempdir: Path
) -> None:
    project = tmp_path / "project"
    _many_articles(project, 150)
    temporary = private_tempdir
    process = subprocess.Popen(
        [sys.executable, "-m", "zhuanlan", "check", "--project", str(project)],
        env={**os.environ, "TMPDIR": str(temporary)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(temporary.iterdir()) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert process.poll() is None, "the check ended before its temporary folder was seen"
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, (stdout, stderr)
    assert "已取消" in stderr
    assert "Traceback" not in stderr
    assert list(temporary.iterdir()) == []


def test_a_future_article_with_a_time_is_left_out_like_the_build_leaves_it_out(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("check/typography")
    future = project / "content/col/future.md"
    future.write_text(
        future.read_text(encoding="utf-8").replace("2099-01-01", "2099-01-01 09:30"),
        encoding="utf-8",
    )
    assert check_json(project)[2] == EXPECTED["typography"]
