"""The sample site in real Chromium: from file://, and under a sub-path behind real nginx.

One `site/` must work everywhere without a rebuild: every page reachable by clicking,
every stylesheet loaded, no failed request, no request to any other host, and no
horizontal scrolling on a 320 px wide phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from conftest import Built

PAGE_TITLES = [
    "创新建立“13355”党建工作新机制",
    "明确“1”个目标，铆定努力方向",
    "突出“3”个引领，激发奋进力量",
    "夯实“3”个团体，凝聚队伍合力",
    "加强“5”项建设，提升履职能力",
    "发挥“5”项职能，服务全市大局",
]


class Recorder:
    """Every request a page makes, and everything that went wrong."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.failures: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failures.append(request.url))
        page.on(
            "response",
            lambda response: response.status >= 400 and self.failures.append(response.url),
        )
        page.on(
            "console",
            lambda message: message.type == "error" and self.failures.append(message.text),
        )
        page.on("pageerror", lambda error: self.failures.append(str(error)))


def read_the_column_by_clicking(page: Page, home: str) -> list[str]:
    """Open the home page and read the whole column by clicking, like a reader would."""
    page.goto(home)
    assert page.locator("h1").inner_text() == "专题专栏"
    page.get_by_role("link", name="答卷·2023 党建篇").first.click()
    assert page.locator("h1").inner_text() == "答卷·2023 党建篇"
    # The mechanism's digits link to their parts.
    page.locator(".mechanism__part a").nth(2).click()
    assert page.locator("h1").inner_text() == PAGE_TITLES[3]
    page.go_back()
    page.locator(".article-list__title a").first.click()
    titles = [page.locator("h1").inner_text()]
    while page.locator("a[rel=next]").count():
        page.locator("a[rel=next]").click()
        titles.append(page.locator("h1").inner_text())
    page.get_by_role("link", name="首页").first.click()
    assert page.locator("h1").inner_text() == "专题专栏"
    return titles


def assert_styled(page: Page) -> None:
    """The theme's stylesheet applied (rules can't be read from file://; styles can)."""
    style = page.evaluate(
        """() => ({
            fontSize: parseFloat(getComputedStyle(document.body).fontSize),
            header: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
            skip: getComputedStyle(document.querySelector('.skip-link')).position,
        })"""
    )
    assert style["fontSize"] >= 16
    assert style["header"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert style["skip"] in ("absolute", "fixed")


def test_site_works_from_file_urls(browser: Browser, sample: Built) -> None:
    page = browser.new_page()
    recorder = Recorder(page)
    home = (sample.site / "index.html").as_uri()
    assert read_the_column_by_clicking(page, home) == PAGE_TITLES
    assert_styled(page)
    # A link to a folder would show a directory listing from disk: every page is a file.
    assert all(url.startswith("file://") for url in recorder.requests), recorder.requests
    assert not any(url.endswith("/") for url in recorder.requests)
    assert recorder.failures == []
    page.close()


def test_site_works_under_a_sub_path_behind_nginx(browser: Browser, nginx_subpath: str) -> None:
    page = browser.new_page()
    recorder = Recorder(page)
    assert read_the_column_by_clicking(page, nginx_subpath) == PAGE_TITLES
    assert_styled(page)
    assert all(url.startswith(nginx_subpath) for url in recorder.requests), recorder.requests
    assert recorder.failures == []
    page.close()


def test_404_page_is_styled_at_any_depth(browser: Browser, nginx_subpath: str) -> None:
    page = browser.new_page()
    response = page.goto(nginx_subpath + "no/such/page/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "页面未找到"
    assert_styled(page)
    page.close()


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_no_horizontal_scrolling(browser: Browser, sample: Built, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    for url in sample.pages():
        page.goto((sample.site / url).as_uri())
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (url, width, overflow)
    page.close()


LOW_CONTRAST_TEXT = """() => {
  const parse = (c) => {
    const parts = c.match(/rgba?\\(([^)]+)\\)/)[1].split(',').map(Number);
    return parts.length === 3 ? [...parts, 1] : parts;
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (; element; element = element.parentElement) {
      const colour = parse(getComputedStyle(element).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const element = node.parentElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (!node.textContent.trim() || style.visibility === 'hidden' || box.width < 2) continue;
    const fg = parse(style.color), bg = background(element);
    const mixed = [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
    const [a, b] = [luminance(mixed), luminance(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push([node.textContent.trim().slice(0, 20), style.color, bg.join(','), ratio]);
  }
  return low;
}"""


def test_every_text_has_contrast_of_at_least_4_5(browser: Browser, sample: Built) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for url in sample.pages():
        page.goto((sample.site / url).as_uri())
        assert page.evaluate(LOW_CONTRAST_TEXT) == [], url
        # The same holds for the link under the keyboard focus.
        page.keyboard.press("Tab")
        assert page.evaluate(LOW_CONTRAST_TEXT) == [], url
    page.close()


def test_chinese_typography_is_applied(browser: Browser, sample: Built) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((sample.site / "dajuan-2023/3-leads/index.html").as_uri())
    style = page.evaluate(
        """() => {
            const p = document.querySelector('.article__body p');
            const s = getComputedStyle(p);
            return {
                size: parseFloat(s.fontSize), lineHeight: parseFloat(s.lineHeight),
                indent: parseFloat(s.textIndent), width: p.getBoundingClientRect().width,
                family: s.fontFamily,
            };
        }"""
    )
    assert style["size"] >= 16
    assert 1.6 <= style["lineHeight"] / style["size"] <= 1.9
    assert style["indent"] == 2 * style["size"]
    assert style["width"] <= 42 * style["size"]  # about 40 characters a line
    families = [f.strip().strip("\"'") for f in style["family"].split(",")]
    assert families[-1] in ("sans-serif", "serif")
    assert {"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC"} & set(
        families
    ) or {"Noto Serif CJK SC", "Source Han Serif SC", "SimSun"} & set(families)
    page.close()


def test_print_stylesheet_hides_navigation(browser: Browser, sample: Built) -> None:
    page = browser.new_page()
    page.goto((sample.site / "dajuan-2023/3-leads/index.html").as_uri())
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.site-nav', '.section-nav', '.pager', '.skip-link'].map(
            (s) => getComputedStyle(document.querySelector(s)).display)"""
    )
    assert hidden == ["none"] * 4
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(0, 0, 0)"
    page.close()
