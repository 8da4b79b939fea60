"""Files with a BOM and CRLF line endings build exactly like plain UTF-8 with LF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import run_build


def test_bom_and_crlf_give_the_same_site_as_lf(project_from: Callable[[str], Path]) -> None:
    crlf_project = project_from("valid/bom-crlf")
    raw = (crlf_project / "content/col/first.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture is what it claims
    crlf = run_build(crlf_project)
    lf = run_build(project_from("valid/lf"))
    assert crlf.exit_code == 0, crlf.output
    assert lf.exit_code == 0, lf.output
    pages = lf.pages()
    assert crlf.pages() == pages
    for url in pages:
        assert (crlf.site / url).read_bytes() == (lf.site / url).read_bytes(), url
    article = crlf.page("col/first/index.html")
    assert article.h1.get_text() == "第一篇"
    assert article.select_one(".article__body p").get_text() == "第一段中文接着写。"
    assert "\r" not in (crlf.site / "col/first/index.html").read_text(encoding="utf-8")
