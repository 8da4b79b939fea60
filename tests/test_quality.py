"""The published sample site passes the audits a public-institution site is held to.

- axe-core (the accessibility engine behind Lighthouse and most audits; tags wcag2a,
  wcag2aa, wcag21aa) reports no violation on each kind of page, at a phone's and a
  desktop's width, served by real nginx under ``/dangjian/``; those pages make no
  failed request, log no console error and never scroll sideways.
- The Nu HTML Checker (vnu-jar, the W3C validator, run with Java) finds no error on any
  page.
- A crawler starting at the home page follows every link and asset through nginx and
  finds none broken; Chromium opens every page from ``file://`` without a failed request.
- Tab visits every control of a page in document order.

axe-core and vnu-jar come from npm (``tests/tools``, installed by ``scripts/test``).
"""

from __future__ import annotations

import json
import posixpath
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page

from conftest import Built

TOOLS = Path(__file__).resolve().parent / "tools" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
WIDTHS = [375, 1280]
AUDITED = {
    "home": "index.html",
    "column": "dajuan-2023/index.html",
    "article": "dajuan-2023/1-goal/index.html",
    "search": "search/index.html?q=党建",
    "tag": "tags/dui-wu-jian-she/index.html",
    "404": "no/such/page/",
}
# Attributes that make a browser load or navigate to another resource.
LINKING = {
    "a": "href",
    "link": "href",
    "script": "src",
    "img": "src",
    "source": "src",
    "form": "action",
}


def require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `bash scripts/test`, which installs the test tools")
    return path


def overflow(page: Page) -> int:
    """How far the page scrolls sideways, in CSS pixels."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", AUDITED)
def test_axe_finds_no_violation(
    browser: Browser, nginx_subpath: str, kind: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and kind != "404"
            and problems.append(f"{response.status}: {response.url}")
        ),
    )
    url = nginx_subpath + AUDITED[kind]
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            # The browser logs the 404 page's own status; that is the point of the page.
            and not (kind == "404" and message.location.get("url") == url)
            and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    if kind == "search":
        page.wait_for_selector("#search-results[data-state=done]", state="attached")
    page.add_script_tag(path=str(require(AXE)))
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    violations = [
        f"{violation['id']}: {violation['help']} ({[n['target'] for n in violation['nodes']]})"
        for violation in result["violations"]
    ]
    assert violations == []
    assert overflow(page) == 0
    assert problems == []
    page.close()


def test_nu_html_checker_finds_no_error(sample: Built) -> None:
    java = shutil.which("java")
    assert java, "Java is missing: run `bash scripts/test`, which installs it"
    pages = sorted(str(path) for path in sample.site.rglob("*.html"))
    assert len(pages) > 20
    checked = subprocess.run(
        [java, "-jar", str(require(VNU)), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(checked.stderr)["messages"]
    errors = [
        f"{Path(m['url']).relative_to(sample.site.as_uri().removeprefix('file:'))}:"
        f"{m.get('lastLine')}: {m['message']}"
        for m in messages
    ]
    assert errors == []
    assert checked.returncode == 0


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def test_crawl_through_nginx_finds_nothing_broken(sample: Built, nginx_subpath: str) -> None:
    pending, seen, broken = [nginx_subpath + "index.html"], set(), []
    anchors: list[tuple[str, str]] = []
    ids: dict[str, set[str]] = {}
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        status, body, kind = fetch(url)
        if status != 200:
            broken.append(url)
            continue
        if kind != "text/html":
            continue
        soup = BeautifulSoup(body.decode("utf-8"), "html.parser")
        ids[url] = {tag["id"] for tag in soup.find_all(id=True)}
        for tag, attribute in LINKING.items():
            for element in soup.find_all(tag):
                target = element.get(attribute)
                if not target or target.startswith(("data:", "mailto:", "tel:")):
                    continue
                absolute, fragment = urldefrag(urljoin(url, target))
                if not absolute.startswith(nginx_subpath):
                    assert tag == "a" and absolute.startswith("https://"), (url, target)
                    continue
                if fragment:
                    anchors.append((absolute, unquote(fragment)))
                pending.append(absolute)
    assert broken == []
    assert [(page, anchor) for page, anchor in anchors if anchor not in ids.get(page, set())] == []
    # Every page and every static file was reached by following links.
    reached = {url.removeprefix(nginx_subpath) for url in seen}
    published = {
        path.relative_to(sample.site).as_posix()
        for path in sample.site.rglob("*")
        if path.is_file()
        and not path.name.startswith(".")
        # search shards, loaded on demand
        and path.relative_to(sample.site).parts[:2]
        not in {("search", kind) for kind in ("b", "u", "d", "t")}
    }
    assert published - reached <= {"404.html", "search/index.js"}


def test_every_page_opens_from_file_urls_without_a_failed_request(
    browser: Browser, sample: Built
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    pages = sorted(sample.site.rglob("*.html"))
    for path in pages:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
    assert problems == []
    page.close()


FOCUSABLE = """() => {
    const selector = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
    return [...document.querySelectorAll(selector)]
        .filter((element) => !element.disabled && element.getClientRects().length > 0
            && getComputedStyle(element).visibility !== 'hidden')
        .map((element, index) => { element.dataset.focusOrder = index; return index; });
}"""


@pytest.mark.parametrize("kind", ["home", "article", "search"])
def test_tab_visits_every_control_in_order(browser: Browser, sample: Built, kind: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(
        (sample.site / AUDITED[kind].split("?")[0]).as_uri()
        + ("?q=党建" if kind == "search" else "")
    )
    if kind == "search":
        page.wait_for_selector("#search-results[data-state=done]", state="attached")
    expected = page.evaluate(FOCUSABLE)
    visited = []
    for _ in expected:
        page.keyboard.press("Tab")
        visited.append(page.evaluate("Number(document.activeElement.dataset.focusOrder ?? -1)"))
    assert visited == expected
    page.close()


def test_paths_are_what_the_audit_expects(sample: Built) -> None:
    """The audited URLs exist in the sample (so the audits above audit real pages)."""
    for kind, url in AUDITED.items():
        if kind != "404":
            assert (sample.site / posixpath.normpath(urlsplit(url).path)).is_file(), url


@pytest.mark.parametrize("kind", ["home", "article", "search"])
def test_usable_at_200_percent_zoom(browser: Browser, sample: Built, kind: str) -> None:
    """A 1280 px window zoomed to 200 % lays pages out 640 CSS px wide, at twice the scale."""
    page = browser.new_page(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page.goto(
        (sample.site / AUDITED[kind].split("?")[0]).as_uri()
        + ("?q=党建" if kind == "search" else "")
    )
    assert overflow(page) == 0
    for control in ["#site-search-input", ".site-nav a"]:
        box = page.locator(control).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 640, control
    page.close()
