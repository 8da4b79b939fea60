"""The reading aids (适老化) in real Chromium, on the sample site opened from file://.

Every page has a bar in its header: 字号 in four sizes and 高对比度, both remembered from
page to page, and on articles 朗读全文. Checked the way a reader meets them: computed
sizes and colours, what the next page looks like before any of its own script runs, the
keyboard, and what is left without script, without storage or without speech.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from conftest import Built
from test_browser import LOW_CONTRAST_TEXT

ARTICLE = "dajuan-2023/3-leads/index.html"
NEXT_ARTICLE = "dajuan-2023/3-groups/index.html"
COLUMN = "dajuan-2023/index.html"
SIZES = ["小", "中", "大", "特大"]

BODY_FONT_SIZE = "parseFloat(getComputedStyle(document.body).fontSize)"
TITLE_FONT_SIZE = "parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
AAA_CONTRAST_TEXT = LOW_CONTRAST_TEXT.replace("ratio < 4.5", "ratio < 7")
assert AAA_CONTRAST_TEXT != LOW_CONTRAST_TEXT


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile: nothing stored from another test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def open_page(context: BrowserContext, sample: Built, url: str) -> tuple[Page, list[str]]:
    """A page of the sample site, and the script errors it raises."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto((sample.site / url).as_uri())
    return page, errors


def button(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name=name, exact=True)


def pause_like_a_reader(page: Page) -> None:
    """Wait after a choice, before opening another page, as a reader would: until the
    choice is stored where the next page reads it.

    Chromium hands a localStorage write to its storage service asynchronously, and a
    navigation started in the very same instant can overtake it (about once in 30 tries
    with no pause at all; on a loaded machine, once even after a 300 ms pause). Another
    page of the site sees the write once the service has it.
    """
    stored = "JSON.stringify(Object.entries(localStorage).sort())"
    wanted = page.evaluate(stored)
    other = page.context.new_page()
    try:
        other.goto(page.url)
        other.wait_for_function(f"wanted => {stored} === wanted", arg=wanted, timeout=10_000)
    finally:
        other.close()


def pressed(page: Page) -> list[str]:
    """The names of the bar's buttons that are pressed."""
    return page.eval_on_selector_all(
        "#zl-tools button[aria-pressed=true]", "(buttons) => buttons.map((b) => b.textContent)"
    )


def test_each_size_makes_everything_larger(context: BrowserContext, sample: Built) -> None:
    page, errors = open_page(context, sample, ARTICLE)
    default = page.evaluate(BODY_FONT_SIZE)
    assert pressed(page) == ["中"]
    sizes = []
    titles = []
    for name in SIZES:
        button(page, name).click()
        assert pressed(page) == [name]
        sizes.append(page.evaluate(BODY_FONT_SIZE))
        titles.append(page.evaluate(TITLE_FONT_SIZE))
    assert sizes == sorted(set(sizes)), sizes  # strictly increasing
    assert titles == sorted(set(titles)), titles
    assert sizes[1] == default  # 中 is the size without any choice
    assert sizes[3] >= 1.3 * default
    assert errors == []


def test_chosen_size_is_there_before_the_next_page_is_drawn(
    context: BrowserContext, sample: Built
) -> None:
    # On every page, note how it stands when parsing has just ended, before zhuanlan.js
    # (a deferred script) has run: the size must already be chosen then, since nothing
    # else comes between the page's own head and its first paint. Also at the first
    # frame and at DOMContentLoaded.
    context.add_init_script(
        """
        window.__seen = {};
        document.addEventListener('readystatechange', () => {
          if (document.readyState !== 'interactive') return;
          window.__seen.parsed = {
            size: document.documentElement.getAttribute('data-zl-size'),
            scriptHasRun: !document.getElementById('zl-tools').hasAttribute('hidden'),
          };
        });
        requestAnimationFrame(function frame() {
          if (!document.body) return requestAnimationFrame(frame);
          window.__seen.firstFrame = parseFloat(getComputedStyle(document.body).fontSize);
        });
        document.addEventListener('DOMContentLoaded', () => {
          window.__seen.ready = parseFloat(getComputedStyle(document.body).fontSize);
        }, { capture: true });
        """
    )
    page, errors = open_page(context, sample, ARTICLE)
    assert page.evaluate("window.__seen.parsed.size") is None
    button(page, "特大").click()
    largest = page.evaluate(BODY_FONT_SIZE)
    pause_like_a_reader(page)
    page.locator("a[rel=next]").click()
    page.wait_for_url("**/" + NEXT_ARTICLE)
    page.wait_for_function("window.__seen.firstFrame !== undefined")
    seen = page.evaluate("window.__seen")
    assert seen["parsed"] == {"size": "xlarge", "scriptHasRun": False}
    assert seen["firstFrame"] == largest
    assert seen["ready"] == largest
    assert page.evaluate(BODY_FONT_SIZE) == largest
    assert pressed(page) == ["特大"]
    assert errors == []


def test_high_contrast_toggles_and_is_remembered(context: BrowserContext, sample: Built) -> None:
    page, errors = open_page(context, sample, ARTICLE)
    background = "getComputedStyle(document.body).backgroundColor"
    normal = page.evaluate(background)
    assert normal == "rgb(255, 255, 255)"
    button(page, "高对比度").click()
    assert button(page, "高对比度").get_attribute("aria-pressed") == "true"
    assert page.evaluate(background) == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(255, 255, 255)"
    header = "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    assert page.evaluate(header) == "rgb(0, 0, 0)"
    # Another page opens in high contrast, and the choice can be undone there.
    pause_like_a_reader(page)
    page.get_by_role("link", name="答卷·2023 党建篇").first.click()
    page.wait_for_url("**/" + COLUMN)
    assert page.evaluate(background) == "rgb(0, 0, 0)"
    assert "高对比度" in pressed(page)
    button(page, "高对比度").click()
    assert page.evaluate(background) == normal
    pause_like_a_reader(page)
    page.reload()
    assert page.evaluate(background) == normal
    assert button(page, "高对比度").get_attribute("aria-pressed") == "false"
    assert errors == []


def test_high_contrast_text_is_at_least_7_to_1_on_every_page(
    context: BrowserContext, sample: Built
) -> None:
    context.add_init_script("localStorage.setItem('zhuanlan.contrast', 'high')")
    page = context.new_page()
    for url in sample.pages():
        page.goto((sample.site / url).as_uri())
        assert page.evaluate("document.documentElement.dataset.zlContrast") == "high", url
        assert page.evaluate(AAA_CONTRAST_TEXT) == [], url
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # the first button of the bar
        assert page.evaluate(AAA_CONTRAST_TEXT) == [], url


@pytest.mark.parametrize("contrast", ["normal", "high"])
def test_no_horizontal_scrolling_at_320_px_with_the_largest_size(
    browser: Browser, sample: Built, contrast: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_init_script(
        "localStorage.setItem('zhuanlan.size', 'xlarge');"
        f"localStorage.setItem('zhuanlan.contrast', '{contrast}');"
    )
    page = context.new_page()
    for url in sample.pages():
        page.goto((sample.site / url).as_uri())
        assert page.evaluate(BODY_FONT_SIZE) == 24, url
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (url, overflow)
        assert page.locator("#zl-tools").is_visible()
    context.close()


# A stand-in for the browser's speech: records what it is asked to say.
FAKE_SPEECH = """
window.__spoken = [];
window.__cancelled = 0;
Object.defineProperty(window, 'speechSynthesis', {
  configurable: true,
  value: {
    speaking: false, pending: false, paused: false,
    speak(utterance) { window.__spoken.push(utterance); },
    cancel() { window.__cancelled += 1; },
    pause() {}, resume() {},
    getVoices() { return []; },
    addEventListener() {}, removeEventListener() {},
  },
});
"""


def test_read_aloud_reads_title_and_body_in_chinese_until_stopped(
    context: BrowserContext, sample: Built
) -> None:
    context.add_init_script(FAKE_SPEECH)
    page, errors = open_page(context, sample, ARTICLE)
    read = button(page, "朗读全文")
    assert read.is_visible()
    assert page.evaluate("window.__spoken.length") == 0  # nothing until the reader asks
    read.click()
    assert button(page, "停止朗读").is_visible()
    spoken = page.evaluate("window.__spoken.map((u) => [u.text, u.lang])")
    assert {lang for _, lang in spoken} == {"zh-CN"}
    assert spoken[0][0] == page.locator("h1").inner_text()
    everything = "".join(text for text, _ in spoken).replace(" ", "")
    for paragraph in page.locator(".article__body p").all_inner_texts():
        assert paragraph.replace(" ", "").strip() in everything
    # Stopping cancels the speech.
    button(page, "停止朗读").click()
    assert page.evaluate("window.__cancelled") >= 1
    assert read.is_visible()
    # When the last piece has been said, the button is ready to read again.
    read.click()
    page.evaluate("window.__spoken[window.__spoken.length - 1].dispatchEvent(new Event('end'))")
    assert read.is_visible()
    assert errors == []


def test_read_aloud_says_when_the_browser_cannot_speak(
    context: BrowserContext, sample: Built
) -> None:
    context.add_init_script(FAKE_SPEECH)
    page, errors = open_page(context, sample, ARTICLE)
    button(page, "朗读全文").click()
    page.evaluate(
        """() => {
            const utterance = window.__spoken[0];
            utterance.dispatchEvent(new SpeechSynthesisErrorEvent('error',
                { utterance, error: 'synthesis-failed' }));
        }"""
    )
    assert button(page, "朗读全文").is_visible()
    assert "无法朗读" in page.get_by_role("status").inner_text()
    assert errors == []


def test_read_aloud_is_only_offered_where_it_works(context: BrowserContext, sample: Built) -> None:
    page, _ = open_page(context, sample, ARTICLE)
    assert page.evaluate("'speechSynthesis' in window")
    assert button(page, "朗读全文").is_visible()
    # Not on pages that are not articles.
    page.goto((sample.site / COLUMN).as_uri())
    assert button(page, "朗读全文").count() == 0
    # Not in a browser without speech; the rest of the bar is there.
    context.add_init_script("delete window.speechSynthesis")
    page, errors = open_page(context, sample, ARTICLE)
    assert not page.evaluate("'speechSynthesis' in window")
    assert button(page, "朗读全文").is_hidden()
    assert button(page, "高对比度").is_visible()
    assert errors == []


def test_without_javascript_the_bar_is_not_shown(browser: Browser, sample: Built) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for url in [ARTICLE, COLUMN, "index.html"]:
        page.goto((sample.site / url).as_uri())
        assert page.locator("#zl-tools").is_hidden(), url
        assert page.evaluate("document.documentElement.attributes.length") == 1  # lang only
    context.close()


def test_works_when_storage_is_refused(context: BrowserContext, sample: Built) -> None:
    context.add_init_script(
        """Object.defineProperty(window, 'localStorage', {
            configurable: true,
            get() { throw new DOMException('refused', 'SecurityError'); },
        });"""
    )
    page, errors = open_page(context, sample, ARTICLE)
    assert page.locator("#zl-tools").is_visible()
    before = page.evaluate(BODY_FONT_SIZE)
    button(page, "大").click()
    assert page.evaluate(BODY_FONT_SIZE) > before
    button(page, "高对比度").click()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    assert errors == []


def test_bar_is_reached_and_worked_with_the_keyboard(
    context: BrowserContext, sample: Built
) -> None:
    page, errors = open_page(context, sample, ARTICLE)
    focused = "document.activeElement.textContent.trim()"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"  # still first
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(focused))
        if reached[-1] == "大":
            break
    assert reached == ["小", "中", "大"]
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2  # a visible focus ring
    before = page.evaluate(BODY_FONT_SIZE)
    page.keyboard.press("Enter")
    assert page.evaluate(BODY_FONT_SIZE) > before
    assert pressed(page) == ["大"]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "高对比度"
    page.keyboard.press("Space")
    assert button(page, "高对比度").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "朗读全文"
    assert errors == []


def test_print_leaves_out_the_bar_and_ignores_the_screen_choices(
    context: BrowserContext, sample: Built
) -> None:
    page, _ = open_page(context, sample, ARTICLE)
    page.emulate_media(media="print")
    plain = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    page.emulate_media(media="screen")
    button(page, "特大").click()
    button(page, "高对比度").click()
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('#zl-tools')).display") == "none"
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == plain
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(0, 0, 0)"


def test_bar_sits_in_the_header_after_the_skip_link(sample: Built) -> None:
    for url in sample.pages():
        page = sample.page(url)
        bar = page.find(id="zl-tools")
        assert bar is not None and bar.has_attr("hidden"), url
        assert bar.find_parent("header", class_="site-header") is not None, url
        assert page.find("a", class_="skip-link").find_next(["a", "button", "input"]) == (
            bar.find("button")
        ), url
        buttons = bar.find_all("button")
        assert all(b["type"] == "button" for b in buttons), url
        assert [b.get_text() for b in buttons][:5] == [*SIZES, "高对比度"], url
        has_reader = bar.find(id="zl-read") is not None
        assert has_reader == (page.find("article", class_="article") is not None), url
