"""The built site's links: every one must lead to a file, every ``#anchor`` to an element.

Every page of the built site is read. A link, image or anchor that leads nowhere is an
error; an image without alternative text, a page no other page links to and a column
file that is published but never linked are warnings. Each is attributed to the Markdown
that produced it (an article's body, a column's introduction) and found there by line;
what the templates produced is attributed to the page.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from zhuanlan.check.attribution import Key, Owner
from zhuanlan.check.pages import Link, read_page
from zhuanlan.check.problem import CheckProblem, Severity
from zhuanlan.load import CONTENT_DIR, ProjectSources
from zhuanlan.model import HOME_URL, NOT_FOUND_URL, PAGE_FOLDER, Site
from zhuanlan.write import MARKER

SITE_PREFIX = "site/"
"""How a page made by the templates is named in reports (its place in the output)."""


@dataclass(frozen=True)
class _Target:
    """A link resolved against the built site."""

    path: str
    """Site path of the file it leads to ("" when it leaves the site)."""
    fragment: str

    @property
    def key(self) -> Key:
        return self.path, self.fragment


class SiteChecker:
    """Checks the site built from `site` into `folder`."""

    def __init__(self, site: Site, folder: Path, sources: ProjectSources) -> None:
        self.site = site
        self.files = {
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and path.name != MARKER
        }
        self.by_lower = {path.lower(): path for path in self.files}
        self.pages = {
            path: read_page((folder / path).read_text(encoding="utf-8"))
            for path in sorted(self.files)
            if path.endswith(".html")
        }
        self.content_folders = {column.slug: column.source_folder for column in site.columns}
        self.articles = {
            article.url: article for column in site.columns for article in column.articles
        }
        self.page_sources = {column.url: column.path for column in site.columns}
        """The source file each column's and article's page is made from."""
        self.page_sources.update((url, article.path) for url, article in self.articles.items())
        self.owners = self._owners(sources)
        self.found: list[CheckProblem] = []
        self.from_templates: dict[tuple[Severity, str, str, _Target], list[str]] = {}
        """Problems with links the templates made, and the pages that have them."""

    def _owners(self, sources: ProjectSources) -> dict[str, list[Owner]]:
        """For each page, the Markdown shown on it."""
        texts = {
            source.path: source
            for column in sources.columns
            for source in [*column.articles, *([column.column_file] if column.column_file else [])]
        }
        by_file = {
            f"{column.slug}/{posixpath.relpath(article.path, self._content(column.slug))}": (
                article.url
            )
            for column in self.site.columns
            for article in column.articles
        }
        owners: dict[str, list[Owner]] = {}
        for column in self.site.columns:
            intro = texts[column.path]
            owners.setdefault(column.url, []).append(
                Owner(intro, column.slug, column.intro_html, by_file)
            )
            owners.setdefault(HOME_URL, []).append(
                Owner(intro, column.slug, column.intro_html_from_home, by_file)
            )
            for article in column.articles:
                inside = posixpath.dirname(
                    posixpath.relpath(article.path, self._content(column.slug))
                )
                base = posixpath.join(column.slug, inside) if inside else column.slug
                owners.setdefault(article.url, []).append(
                    Owner(texts[article.path], base, article.body_html, by_file)
                )
        return owners

    def _content(self, slug: str) -> str:
        return f"{CONTENT_DIR}/{self.content_folders[slug]}"

    def check(self) -> list[CheckProblem]:
        """Every problem with links, anchors, images and unlinked pages and files."""
        linked: set[str] = set()
        for page, parsed in self.pages.items():
            for link in parsed.links:
                target = self._resolve(page, link.url)
                if link.tag == "img" and not (link.alt or "").strip():
                    self._report(page, link, target, "warning", "missing-alt")
                if target is None:
                    continue
                if target.path != page:
                    linked.add(target.path)
                self._check_link(page, link, target)
        self._orphans(linked)
        for (severity, kind, url, target), pages in self.from_templates.items():
            message, hint = self._describe(kind, url, target, pages[0])
            if len(pages) > 1:
                message += f"（共 {len(pages)} 个页面）"
            template = (
                "这个链接由模板生成，不在 content/ 中：请检查 templates/ 中生成这个页面的模板"
            )
            hint = f"{hint}（{template}）" if kind == "missing-anchor" else template
            self.found.append(
                CheckProblem(
                    SITE_PREFIX + pages[0], None, None, severity, kind, None, message, hint
                )
            )
        return self.found

    def _resolve(self, page: str, url: str) -> _Target | None:
        """The file a link leads to; None for links that leave the site on purpose."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(("/", "\\")):
            return None  # another site, mail, data: URLs, or the server's root
        fragment = unquote(parts.fragment)
        if not parts.path:
            return _Target(page, fragment)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
        if path == ".." or path.startswith("../"):
            return _Target("", fragment)
        return _Target(path, fragment)

    def _check_link(self, page: str, link: Link, target: _Target) -> None:
        image = link.tag == "img"
        if target.path in self.files:
            if target.fragment and target.path.endswith(".html"):
                ids = self.pages[target.path].ids
                if target.fragment not in ids and target.fragment.lower() != "top":
                    self._report(page, link, target, "error", "missing-anchor")
            return
        if f"{target.path}/index.html" in self.files:
            self._report(page, link, target, "warning", "folder-link")
        else:
            self._report(page, link, target, "error", "missing-image" if image else "broken-link")

    def _report(
        self, page: str, link: Link, target: _Target | None, severity: Severity, kind: str
    ) -> None:
        """Attribute a problem to the Markdown that wrote the link, or to the templates."""
        if target is None:  # another site's image without alt text
            target, key = _Target("", ""), None
        else:
            key = ("", target.fragment) if not urlsplit(link.url).path else target.key
        owner = next(
            (
                owner
                for owner in self.owners.get(page, [])
                if (link.tag, link.attribute, link.url) in owner.links
            ),
            None,
        )
        if owner is None:
            self.from_templates.setdefault((severity, kind, link.url, target), []).append(page)
            return
        for place in owner.locate(link, key, without_alt=kind == "missing-alt"):
            written = place.destination if place else link.url
            message, hint = self._describe(kind, written, target, page)
            line, column = (place.line, place.column) if place else (None, None)
            self.found.append(
                CheckProblem(owner.source.path, line, column, severity, kind, None, message, hint)
            )

    def _describe(self, kind: str, written: str, target: _Target, page: str) -> tuple[str, str]:
        """Message and hint for one kind of problem."""
        if kind == "missing-alt":
            return (
                f"图片缺少替代文字（alt）：{written}",
                "在方括号中写上图片内容的简短说明，例如 ![支部党员开展主题党日活动](photo.jpg)；"
                "图片无法显示或使用读屏软件时，读者看到的就是这段文字",
            )
        if kind == "missing-anchor":
            return f"链接指向的锚点不存在：{written}", self._anchor_hint(target, page)
        if kind == "folder-link":
            return (
                f"链接指向的是文件夹：{written}",
                "直接打开网站文件（file://）时文件夹链接无法访问；链接文章时请写它的 Markdown 文件名，例如 [标题](2-leads.md)",
            )
        if not target.path:
            return (
                f"链接指向网站之外的位置：{written}",
                "相对链接不能超出网站的范围；链接其他网站请写完整网址（https://…）",
            )
        what = (
            "图片"
            if kind == "missing-image"
            else "页面"
            if target.path.endswith(".html")
            else "文件"
        )
        message = f"链接的{what}不存在：{written}"
        if kind == "missing-image":
            message = f"图片不存在：{written}"
        actual = self.by_lower.get(target.path.lower())
        if actual is not None:
            return (
                message,
                f"文件名大小写不一致：网站中的文件是 {self._display(actual)}，链接必须与文件名完全一致",
            )
        if what == "页面":
            return message, "链接其他文章时请写它的 Markdown 文件名，例如 [标题](2-leads.md)"
        return (
            message,
            f"网站中没有 {target.path}：请把{what}放在 {self._display(target.path)}，或改正链接中的文件名",
        )

    def _display(self, site_path: str) -> str:
        """A site path as the editor knows it: where the file sits under content/."""
        slug, _, rest = site_path.partition("/")
        folder = self.content_folders.get(slug)
        return f"{CONTENT_DIR}/{folder}/{rest}" if folder and rest else site_path

    def _anchor_hint(self, target: _Target, page: str) -> str:
        article = self.articles.get(target.path)
        headings = [heading.anchor for heading in article.headings] if article else []
        ids = sorted(self.pages[target.path].ids) if target.path in self.pages else []
        close = difflib.get_close_matches(target.fragment, headings or ids, n=1)
        where = (
            "本页" if target.path == page else self.page_sources.get(target.path, target.path) + " "
        )
        missing = f"{where}中没有“#{target.fragment}”这个锚点"
        if close:
            return f"是不是想写 #{close[0]}？{missing}"
        if headings:
            missing += "；可用的标题锚点有：" + "、".join(f"#{anchor}" for anchor in headings[:10])
        return (
            f"{missing}。标题的锚点是标题文字去掉标点、空格改为 -，"
            "例如“## 一、党建引领”的锚点是 #一党建引领"
        )

    def _orphans(self, linked: set[str]) -> None:
        for page in self.pages:
            if page in linked or page in (HOME_URL, NOT_FOUND_URL):
                continue
            source = self.page_sources.get(page) or self._column_of_list_page(page)
            self.found.append(
                CheckProblem(
                    source or SITE_PREFIX + page,
                    None,
                    None,
                    "warning",
                    "orphan-page",
                    None,
                    f"没有任何页面链接到这个页面（{page}）",
                    "读者无法在网站中找到它：在其他文章或专栏介绍中链接它，或检查模板",
                )
            )
        for column in self.site.columns:
            for asset in column.assets:
                if f"{column.slug}/{asset}" in linked:
                    continue
                self.found.append(
                    CheckProblem(
                        f"{CONTENT_DIR}/{column.source_folder}/{asset}",
                        None,
                        None,
                        "warning",
                        "orphan-file",
                        None,
                        "没有任何页面链接到这个文件，但它会随网站一起发布",
                        f"在文章中链接它，例如 [{posixpath.basename(asset)}]({asset})；"
                        "不需要发布的话，请把它移出 content/",
                    )
                )

    def _column_of_list_page(self, page: str) -> str | None:
        """The column file of a later page of a column's article list."""
        for column in self.site.columns:
            if re.fullmatch(rf"{re.escape(column.slug)}/{PAGE_FOLDER}/\d+/index\.html", page):
                return column.path
        return None


def check_site(site: Site, folder: Path, sources: ProjectSources) -> list[CheckProblem]:
    """Every problem with the links of the site built from `site` into `folder`."""
    return SiteChecker(site, folder, sources).check()
