"""Live preview in real Chromium: edits on disk show up in an open page by themselves.

``zhuanlan serve`` runs as a real process on the sample project and Chromium shows its
pages. Saving an article updates the open page without a manual reload; breaking the
front matter keeps the last good build on screen under an overlay that names the file,
the line and the problem in Chinese; fixing it removes the overlay and shows the fix.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Request,
    Response,
    expect,
)

from conftest import REPO
from serving import ServeProcess

TIMEOUT_MS = 10_000
ARTICLE = "content/dajuan-2023/1-goal.md"
EVENTS = "/__zhuanlan__/events"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """``zhuanlan serve`` on a copy of the sample project."""
    base = tmp_path_factory.mktemp("serve-browser")
    project = base / "project"
    shutil.copytree(REPO / "content", project / "content")
    with ServeProcess(project, base / "tmp") as process:
        yield process.started()


class Recorder:
    """Failed requests, error responses and console errors of one page.

    The reload channel is a stream that never ends by itself: when the page reloads, the
    browser aborts it (``net::ERR_ABORTED``). That is how a reload looks, not a failure;
    every other failed request is one.
    """

    def __init__(self, page: Page) -> None:
        self.failures: list[str] = []
        self.aborted_streams = 0
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.failures.append(f"console {message.text}")

    def _page_error(self, error: Error) -> None:
        self.failures.append(f"pageerror {error}")

    def _failed(self, request: Request) -> None:
        if request.url.endswith(EVENTS) and request.failure == "net::ERR_ABORTED":
            self.aborted_streams += 1
        else:
            self.failures.append(f"failed {request.url} {request.failure}")


def write(path: Path, text: str) -> None:
    """Save a file as an editor would: the whole file, UTF-8."""
    path.write_text(text, encoding="utf-8")


def test_article_edits_show_up_and_errors_are_overlaid(
    browser: Browser, server: ServeProcess
) -> None:
    article = server.project / ARTICLE
    original = article.read_text(encoding="utf-8")
    page = browser.new_page()
    recorder = Recorder(page)
    # The reload channel is open before anything is saved.
    with page.expect_response(lambda r: r.url.endswith(EVENTS), timeout=TIMEOUT_MS) as events:
        page.goto(server.url + "dajuan-2023/1-goal/index.html")
    assert events.value.status == 200
    body = page.locator(".article__body")
    expect(page.locator("h1")).to_have_text("明确“1”个目标，铆定努力方向")

    # 1. Edit the text: the open page shows it, nobody pressed reload.
    first = f"实时预览第一句{uuid.uuid4().hex[:8]}。"
    try:
        write(article, original + f"\n{first}\n")
        expect(body).to_contain_text(first, timeout=TIMEOUT_MS)
        expect(page.locator("#zhuanlan-problems")).to_have_count(0)

        # 2. Break the front matter: an overlay names file, line and problem in Chinese,
        # over the last good build.
        write(article, original.replace("date: 2024-01-16", "date: 2024-13-45") + f"\n{first}\n")
        overlay = page.locator("#zhuanlan-problems")
        expect(overlay).to_be_visible(timeout=TIMEOUT_MS)
        expect(overlay).to_contain_text("构建失败")
        expect(overlay).to_contain_text(f"{ARTICLE}:4")
        expect(overlay).to_contain_text("不存在的日期")
        expect(overlay).to_contain_text("2024-13-45")
        expect(body).to_contain_text(first)
        expect(page.locator("h1")).to_have_text("明确“1”个目标，铆定努力方向")
        # A page opened now is the last good build too, with the same overlay.
        other = browser.new_page()
        other_recorder = Recorder(other)
        other.goto(server.url + "dajuan-2023/1-goal/")
        expect(other.locator(".article__body")).to_contain_text(first)
        expect(other.locator("#zhuanlan-problems")).to_contain_text(f"{ARTICLE}:4")
        other.close()

        # A second kind of breakage: the front matter never ends.
        broken = re.sub(r"\n---\n", "\n", original, count=1)
        assert broken.count("---") == 1
        write(article, broken)
        expect(overlay).to_contain_text(f"{ARTICLE}:1", timeout=TIMEOUT_MS)
        expect(overlay).to_contain_text("front matter 没有结束标记")
        expect(overlay).not_to_contain_text("2024-13-45")
        expect(body).to_contain_text(first)

        # 3. Fix it: the overlay goes, the fixed text shows.
        second = f"修复后的第二句{uuid.uuid4().hex[:8]}。"
        write(article, original + f"\n{second}\n")
        expect(body).to_contain_text(second, timeout=TIMEOUT_MS)
        expect(overlay).to_have_count(0, timeout=TIMEOUT_MS)
        expect(body).not_to_contain_text(first)
    finally:
        write(article, original)
    expect(body).not_to_contain_text(second, timeout=TIMEOUT_MS)

    assert recorder.failures == []
    assert other_recorder.failures == []
    server_output = "\n".join(server.lines)
    assert "构建失败" in server_output
    assert "Traceback" not in server_output
    assert server.process.poll() is None
    page.close()


def test_site_title_edit_updates_the_open_home_page(browser: Browser, server: ServeProcess) -> None:
    site_yml = server.project / "content" / "site.yml"
    original = site_yml.read_text(encoding="utf-8")
    page = browser.new_page()
    recorder = Recorder(page)
    page.goto(server.url)
    brand = page.locator(".site-header .site-brand__title")
    expect(brand).to_have_text("党耀天平·法润张掖")
    title = f"党耀天平·预览{uuid.uuid4().hex[:6]}"
    try:
        write(site_yml, original.replace("title: 党耀天平·法润张掖", f"title: {title}", 1))
        expect(brand).to_have_text(title, timeout=TIMEOUT_MS)
        expect(page).to_have_title(re.compile(re.escape(title)))
    finally:
        write(site_yml, original)
    expect(brand).to_have_text("党耀天平·法润张掖", timeout=TIMEOUT_MS)
    assert recorder.failures == []
    page.close()


def test_first_build_failing_shows_the_problem_page_until_fixed(
    browser: Browser, tmp_path: Path
) -> None:
    """No good build yet: every page lists the problems; the fix brings the site."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "content", project / "content")
    article = project / ARTICLE
    original = article.read_text(encoding="utf-8")
    write(article, original.replace("date: 2024-01-16", "date: 2024-13-45"))
    with ServeProcess(project, tmp_path / "tmp") as process:
        process.started()
        page = browser.new_page()
        recorder = Recorder(page)
        response = page.goto(process.url + "dajuan-2023/1-goal/")
        assert response is not None and response.status == 500
        expect(page.locator("h1").first).to_have_text("构建失败")
        main = page.locator("main")
        expect(main).to_contain_text(f"{ARTICLE}:4")
        expect(main).to_contain_text("不存在的日期")
        write(article, original)
        expect(page.locator(".article__body")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("h1")).to_have_text("明确“1”个目标，铆定努力方向")
        expect(page.locator("#zhuanlan-problems")).to_have_count(0)
        # The only error responses were problem pages (the page; the browser's icon
        # request, which Playwright reports only as a console message).
        assert recorder.failures[0] == f"500 {process.url}dajuan-2023/1-goal/"
        assert all("500" in failure for failure in recorder.failures), recorder.failures
        page.close()
