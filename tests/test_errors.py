"""Bad input: every problem at once, as path:line field message + hint, exit 1, no traceback."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, folders_beside_site, run_build

A = "content/col/first.md"

# case → the problem lines the user must see (each a substring of one reported line).
EXPECTED: dict[str, list[str]] = {
    "unknown-field": [
        f"{A}:4: titel：未知字段 titel",
        f"{A}:5: authr：未知字段 authr",
    ],
    "chinese-field-name": [f"{A}:4: 作者：未知字段 作者"],
    "missing-title": [f"{A}:2: title：缺少必填字段 title"],
    "bad-date": [f"{A}:3: date：不存在的日期：2024-13-45"],
    "date-format": [f"{A}:3: date：日期格式不正确：2024年1月15日"],
    "duplicate-key": [f"{A}:4: title：字段 title 重复出现（第 2 行已有）"],
    "yaml-alias": [f"{A}:4: 不支持 YAML 锚点与别名"],
    "python-tag": [f"{A}:4: 不允许使用 YAML 标签"],
    "yaml-syntax": [f"{A}:5: YAML 语法错误：方括号列表没有正确闭合"],
    "no-front-matter": [f"{A}:1: 缺少 front matter"],
    "unclosed-front-matter": [f"{A}:1: front matter 没有结束标记"],
    "gbk": [f"{A}:2: 文件不是 UTF-8 编码，看起来是 GBK"],
    "bad-utf8": [f"{A}:7: 文件含有无效的 UTF-8 字节"],
    "unknown-section": [f"{A}:4: section：专栏机制中没有 goals 这一部分"],
    "slug-collision": [
        "content/col/second.md: slug：两篇文章使用了同一个网址 same：content/col/first.md 与 content/col/second.md"
    ],
    "pinyin-collision": [
        "content/col/发挥.md: slug：两篇文章使用了同一个网址 fa-hui：content/col/fa-hui.md 与 content/col/发挥.md"
    ],
    "missing-column-file": ["content/col: 专栏文件夹缺少专栏文件 _index.md"],
    "bad-column": [
        "content/col/_index.md:3: year：应为整数",
        "content/col/_index.md:4: status：status 只能是 active 或 archived，实际是 closed",
        "content/col/_index.md:6: mechanism[1].label：缺少必填字段 label",
        "content/col/_index.md:8: mechanism[2].key：机制部分的 key 重复：goal",
    ],
    "site-config": [
        "content/site.yml:2: base_url：不是有效的网址：not a url",
        "content/site.yml:3: footer：未知字段 footer",
        "content/site.yml:5: institution.icp_number：未知字段 icp_number",
    ],
    "deep-list": [f"{A}: Markdown 嵌套过深"],
    "many-brackets": [f"{A}: 一个段落中有超过 2000 个“[”"],
    "template-error": ["templates/article.html:3: 模板错误："],
    "broken-md-link": [
        "content/col/_index.md: 链接指向的文章不存在：content/col/missing.md",
        "content/col/first.md: 链接指向的文章不存在：content/col/draft.md",
    ],
    "many-problems": [
        "content/col/a.md:4: titel：未知字段 titel",
        "content/col/b.md:2: date：不存在的日期：2024-02-30",
        "content/col/b.md:2: title：缺少必填字段 title",
        "content/col/c.md:4: section：专栏机制中没有 nope 这一部分",
    ],
}

HINTS: dict[str, str] = {
    "unknown-field": "是不是想写 title？",
    "chinese-field-name": "是不是想写 author？",
    "unknown-section": "是不是想写 goal？",
    "gbk": "iconv -f GB18030 -t UTF-8 content/col/first.md > content/col/first.md.utf8 && mv content/col/first.md.utf8 content/col/first.md",
    "bad-date": "检查月份",
    "date-format": "YYYY-MM-DD",
}


def test_every_invalid_fixture_is_covered() -> None:
    assert sorted(p.name for p in (FIXTURES / "invalid").iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_invalid_content_is_reported_precisely(
    case: str, project_from: Callable[[str], Path]
) -> None:
    project = project_from(f"invalid/{case}")
    started = time.monotonic()
    built = run_build(project)
    elapsed = time.monotonic() - started
    assert built.exit_code == 1, built.output
    assert built.result.exception is None or isinstance(built.result.exception, SystemExit)
    assert "Traceback" not in built.output
    problem_lines = [line for line in built.output.splitlines() if line.startswith("错误：")]
    for expected in EXPECTED[case]:
        assert any(expected in line for line in problem_lines), (expected, built.output)
    # One line per problem: nothing reported that the case does not contain.
    assert len(problem_lines) == len(EXPECTED[case]), built.output
    assert f"共 {len(EXPECTED[case])} 个问题" in built.output
    if case in HINTS:
        assert HINTS[case] in built.output
    assert not built.site.exists()
    # Pathological Markdown fails fast instead of hanging the build.
    assert elapsed < 10


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_failed_build_leaves_the_previous_site_exactly_as_it_was(
    project_from: Callable[[str], Path],
) -> None:
    project = project_from("valid/minimal")
    assert run_build(project).exit_code == 0
    before = _snapshot(project / "site")
    mtimes = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")}
    (project / "content/col/first.md").write_text("---\ntitle: 坏\n---\n", encoding="utf-8")
    built = run_build(project)
    assert built.exit_code == 1
    assert "原有的输出目录未被改动" in built.output
    assert _snapshot(project / "site") == before
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")} == mtimes
    assert folders_beside_site(project) == []


def test_template_error_leaves_the_previous_site(project_from: Callable[[str], Path]) -> None:
    project = project_from("invalid/template-error")
    broken = (project / "templates/article.html").read_text(encoding="utf-8")
    (project / "templates/article.html").unlink()
    assert run_build(project).exit_code == 0
    before = _snapshot(project / "site")
    (project / "templates/article.html").write_text(broken, encoding="utf-8")
    assert run_build(project).exit_code == 1
    assert _snapshot(project / "site") == before


def test_missing_content_folder_is_a_usage_error(tmp_path: Path) -> None:
    built = run_build(tmp_path)
    assert built.exit_code == 2
    assert "没有 content/ 目录" in built.output
    assert "Traceback" not in built.output


def test_a_folder_that_cannot_be_read_is_reported_not_a_traceback(
    project_from: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_from("valid/minimal")
    (project / "content/col/images").mkdir()
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        # What a folder without read permission does (the tests run as root, for whom
        # permissions never fail).
        if str(path).endswith("images"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("zhuanlan.load.os.scandir", scandir)
    built = run_build(project)
    assert built.exit_code == 1
    assert "Traceback" not in built.output
    assert "content/col/images: 无法读取文件夹：Permission denied" in built.output


def test_a_full_disk_is_reported_and_the_previous_site_kept(
    project_from: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_from("valid/minimal")
    assert run_build(project).exit_code == 0
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    (project / "content/col/first.md").write_text(
        (project / "content/col/first.md").read_text(encoding="utf-8") + "\n新段落。\n",
        encoding="utf-8",
    )

    def full(*args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device", "site.zhuanlan-staging-x/feed.xml")

    monkeypatch.setattr("zhuanlan.build.write_files", full)
    built = run_build(project)
    assert built.exit_code == 1
    assert "Traceback" not in built.output
    assert "读写失败：No space left on device" in built.output
    assert "原有的输出目录未被改动" in built.output
    assert {p: p.read_bytes() for p in before} == before
    assert folders_beside_site(project) == []
