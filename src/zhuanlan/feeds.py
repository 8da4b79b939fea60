"""Machine-readable outputs: Atom feeds, ``sitemap.xml`` and ``robots.txt``.

All three need absolute URLs, so they are written only when ``base_url`` is configured.
Every date in them comes from the content (an article's date, a list's newest article),
never from the clock, so that the same content always gives the same bytes. Dates are
given in China Standard Time (UTC+8), the time zone the content is written in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from zhuanlan import __version__
from zhuanlan.model import (
    HOME_URL,
    Article,
    ArticleCard,
    Column,
    Site,
    taxonomy_url,
    year_url,
)
from zhuanlan.output import OutputFile

FEED_URL = "feed.xml"
"""The site's feed; each column has one at ``<column>/feed.xml`` too."""
FEED_ENTRIES = 50
"""Newest articles a feed carries."""
TIME_ZONE = "+08:00"


def machine_readable_outputs(site: Site) -> list[OutputFile]:
    """Feeds, sitemap and robots.txt; nothing when ``base_url`` is not set."""
    base = site.config.base_url
    if base is None:
        return []
    everything = sorted(
        (article for column in site.columns for article in column.articles), key=_newest_first
    )
    outputs = [OutputFile(FEED_URL, _feed(site, base, FEED_URL, site.config.title, everything))]
    for column in site.columns:
        url = f"{column.slug}/{FEED_URL}"
        articles = sorted(column.articles, key=_newest_first)
        title = f"{column.title} - {site.config.title}"
        outputs.append(OutputFile(url, _feed(site, base, url, title, articles, column)))
    outputs.append(OutputFile("sitemap.xml", _sitemap(site, base, everything)))
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n"
    outputs.append(OutputFile("robots.txt", robots.encode("utf-8")))
    return outputs


def absolute(base: str, url: str) -> str:
    """An absolute URL for a page; a folder's ``index.html`` is left off."""
    return base + url.removesuffix("index.html")


def _newest_first(article: Article) -> tuple[int, str]:
    return -article.date.toordinal(), article.url


def _timestamp(date: dt.date, time: dt.time | None = None) -> str:
    """An Atom date-time; midnight when the content gives no time (Atom requires one)."""
    return f"{date.isoformat()}T{(time or dt.time()):%H:%M:%S}{TIME_ZONE}"


def _feed(
    site: Site,
    base: str,
    url: str,
    title: str,
    articles: list[Article],
    column: Column[Article] | None = None,
) -> bytes:
    entries = articles[:FEED_ENTRIES]
    home = absolute(base, column.url if column else HOME_URL)
    author = site.config.institution.host or site.config.title
    newest = max(entries, key=lambda entry: (entry.date, entry.time or dt.time()), default=None)
    # An empty feed (no published article) is dated at the epoch, never by the clock.
    updated = _timestamp(newest.date, newest.time) if newest else _timestamp(dt.date(1970, 1, 1))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(site.config.language)}>',
        f"  <title>{escape(title)}</title>",
    ]
    subtitle = column.subtitle if column else site.config.subtitle
    if subtitle:
        lines.append(f"  <subtitle>{escape(subtitle)}</subtitle>")
    lines += [
        f"  <id>{escape(home)}</id>",
        f'  <link rel="alternate" type="text/html" href={quoteattr(home)}/>',
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(base + url)}/>',
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(author)}</name></author>",
        f'  <generator version="{__version__}">zhuanlan</generator>',
    ]
    for article in entries:
        lines += _entry(base, article)
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def replace_entry(feed: bytes, base: str, article: Article) -> bytes | None:
    """`feed` with the entry of `article` made again (after an edit of its body), or None
    when the feed carries no entry for it.

    Exact: an entry is the lines from ``  <entry>`` to ``  </entry>``, and no text inside
    one can hold such a line or an ``<id>`` line, since every text in it is escaped.
    """
    text = feed.decode("utf-8")
    identity = f"\n    <id>{escape(absolute(base, article.url))}</id>\n"
    found = text.find(identity)
    if found < 0:
        return None
    start = text.rindex("\n  <entry>\n", 0, found) + 1
    end = text.index("\n  </entry>\n", found) + len("\n  </entry>")
    return (text[:start] + "\n".join(_entry(base, article)) + text[end:]).encode("utf-8")


def _entry(base: str, article: Article) -> list[str]:
    link = absolute(base, article.url)
    lines = [
        "  <entry>",
        f"    <title>{escape(article.title)}</title>",
        f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
        f"    <id>{escape(link)}</id>",
        f"    <published>{_timestamp(article.date, article.time)}</published>",
        f"    <updated>{_timestamp(article.date, article.time)}</updated>",
    ]
    if article.author:
        lines.append(f"    <author><name>{escape(article.author)}</name></author>")
    for tag in article.tags:
        lines.append(f"    <category term={quoteattr(tag)}/>")
    if article.summary:
        lines.append(f"    <summary>{escape(article.summary)}</summary>")
    # Relative links in the body resolve against the article's own address.
    lines.append(
        f'    <content type="html" xml:base={quoteattr(link)}>{escape(article.body_html)}</content>'
    )
    lines.append("  </entry>")
    return lines


def _sitemap(site: Site, base: str, everything: list[Article]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, newest in _sitemap_pages(site, everything):
        lines.append(
            f"  <url><loc>{escape(absolute(base, url))}</loc>"
            f"<lastmod>{newest.isoformat()}</lastmod></url>"
        )
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sitemap_pages(site: Site, everything: list[Article]) -> Iterator[tuple[str, dt.date]]:
    """Every page worth indexing, with the date of the newest article it shows."""
    if not everything:
        return
    yield HOME_URL, everything[0].date
    for year in site.years:
        yield year_url(year), _newest(a for c in site.columns_of(year) for a in c.articles)
    for column in site.columns:
        yield column.url, _newest(column.articles)
        for article in column.articles:
            yield article.url, article.date
    for taxonomy, terms in (("tags", site.tags), ("branch", site.branches)):
        if terms:
            yield taxonomy_url(taxonomy), _newest(a for t in terms for a in t.articles)
        for term in terms:
            yield term.url, _newest(term.articles)


def _newest(articles: Iterable[Article | ArticleCard]) -> dt.date:
    return max(article.date for article in articles)
