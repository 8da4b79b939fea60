"""Links between Markdown files: ``[见](3-leads.md)`` becomes a link to that article's page.

Editors link articles the way they see them, by file. The Markdown stage has already made
such a link relative to the page (``../3-leads.md``); here, once every article's URL is
known, it is pointed at the article's page, and a link to a file that is not an article is
reported instead of being published broken.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

_MARKDOWN_HREF = re.compile(r'href="(?P<path>[^"#?:]+\.(?:md|markdown))(?P<fragment>#[^"]*)?"')


def resolve_markdown_links(
    html: str,
    page_url: str,
    articles_by_file: Mapping[str, str],
    report_missing: Callable[[str], None],
) -> str:
    """Point every ``href`` to a ``.md`` file at the page built from it.

    `articles_by_file` maps a Markdown file, as a site path (``<column slug>/<file within
    the column folder>``), to its page URL. Unknown targets go to `report_missing`, as
    site paths too.
    """
    if ".md" not in html and ".markdown" not in html:
        return html
    page_folder = posixpath.dirname(page_url)

    def replace(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(page_folder, unquote(match["path"])))
        url = articles_by_file.get(target)
        if url is None:
            report_missing(target)
            return match.group(0)
        relative = posixpath.relpath(url, page_folder or ".")
        return f'href="{relative}{match["fragment"] or ""}"'

    return _MARKDOWN_HREF.sub(replace, html)
