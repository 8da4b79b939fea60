"""Slugs: explicit wins, ASCII names kept, Chinese spelled in pinyin with digits kept."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhuanlan.slugs import is_valid_slug, slug_from_name, slugify

from conftest import run_build


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("发挥5项职能", "fa-hui-5-xiang-zhi-neng"),
        ("明确1个目标", "ming-que-1-ge-mu-biao"),
        ("答卷·2023", "da-juan-2023"),
        ("ＡＢＣ１２３", "abc123"),
        ("党建+业务 Party Building", "dang-jian-ye-wu-party-building"),
        ("13355-mechanism", "13355-mechanism"),
        ("My File", "my-file"),
    ],
)
def test_slug_from_name(name: str, slug: str) -> None:
    assert slug_from_name(name) == slug


@given(st.text(max_size=40))
def test_slugify_gives_a_valid_slug_or_nothing(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or is_valid_slug(slug)


def test_chinese_file_name_becomes_pinyin_and_explicit_slug_wins(
    project_from: Callable[[str], Path],
) -> None:
    built = run_build(project_from("valid/chinese-filenames"))
    assert built.exit_code == 0, built.output
    assert (built.site / "col/fa-hui-5-xiang-zhi-neng/index.html").is_file()
    assert (built.site / "col/my-own-slug/index.html").is_file()
    assert not (built.site / "col/explicit").exists()


def test_a_large_build_leaves_pinyin_to_its_workers(
    project_from: Callable[[str], Path],
) -> None:
    """pypinyin's 55 MB stay out of the build process (and the render workers it forks):
    a child process spells the names; the slugs are the same."""
    project = project_from("valid/minimal")
    for number in range(120):
        (project / f"content/col/文章{number}.md").write_text(
            f"---\ntitle: 文章{number}\ndate: 2024-01-15\nsection: goal\n"
            f"tags: [理论学习, 重庆{number % 7}]\nbranch: 第{number % 3}党支部\n---\n正文。\n",
            encoding="utf-8",
        )
    script = (
        "import sys; from pathlib import Path; from zhuanlan.build import build; "
        "build(Path(sys.argv[1]), Path(sys.argv[1]) / 'site'); "
        "print('pypinyin' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(project)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
    site = project / "site"
    assert (site / "tags/li-lun-xue-xi/index.html").is_file()
    # A body edit is rebuilt without the site model: the names spelled are kept too.
    edited = project / "content/col/文章7.md"
    edited.write_text(edited.read_text("utf-8") + "补充。\n", encoding="utf-8")
    again = subprocess.run(
        [sys.executable, "-c", script, str(project)], capture_output=True, text=True, check=True
    )
    assert again.stdout.strip() == "False"
    page = (site / "col/wen-zhang-7/index.html").read_text("utf-8")
    assert "补充。" in page
    assert 'href="../../tags/li-lun-xue-xi/index.html"' in page
    assert (site / "tags/chong-qing-3/index.html").is_file()
    assert (site / "branches/di-2-dang-zhi-bu/index.html").is_file()
    assert (site / "col/wen-zhang-7/index.html").is_file()
