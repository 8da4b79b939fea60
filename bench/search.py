"""Benchmark of search on a generated archive: recall, data per query, speed, index size.

    .venv/bin/python bench/search.py [--articles 10000] [--queries 200] [--seed 1]

1. Builds the cached corpus (see generate.py) as a fresh process, alternately with
   search on and with ``search: false`` (``--repeat`` times each), and reports the
   median cold build times and their ratio.
2. Sizes the index: every file under ``site/search/`` against the plain text of the
   articles (title and body as the index reads them, UTF-8).
3. Samples queries: substrings of 1–8 characters cut from random articles, plus strings
   that occur nowhere, and computes the expected results by brute force in Python.
4. For each query, opens the search page from ``file://`` in headless Chromium (Debian's),
   types the query into the box and presses Enter; reads from the page the time from
   Enter to the results drawn, and which index files it loaded (their sizes on disk are
   the data that query loaded). The script's own result list is compared with the brute
   force: same articles, same order.

Not a test: nothing fails when a figure misses its target; the table says so.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import unicodedata
from pathlib import Path

from build import corpus, run_child

from zhuanlan.search.plaintext import document_text

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGETS = {
    "median data per query": 500_000,
    "largest data per query": 2_000_000,
    "index size / plain text": 1.5,
    "median Enter → results": 300.0,
    "build time added": 0.25,
}


def fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


def cold_build(project: Path, output: Path) -> float:
    shutil.rmtree(project / ".zhuanlan-cache", ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-m", "zhuanlan", "build", "--project", str(project)]
    run, _ = run_child([*command, "--output", str(output)])
    return run.seconds


def read_script(path: Path) -> object:
    """The data an index file hands to ``__zhuanlanSearch(name, data)``."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index(",") + 1 : text.rindex(")")])


def expected_results(texts: list[str], titles: list[int], query: str) -> list[int]:
    """Document numbers holding every term of `query`, in the documented order."""
    terms = list(dict.fromkeys("".join(map(fold, query)).split()))
    ranked = []
    for number, text in enumerate(texts):
        counts = []
        for term in terms:
            count, at = 0, text.find(term)
            while at >= 0:
                count, at = count + 1, text.find(term, at + 1)
            counts.append(count)
        if terms and all(counts):
            in_title = sum(term in text[: titles[number]] for term in terms)
            ranked.append((-in_title, -sum(counts), number))
    return [number for *_, number in sorted(ranked)]


def sample_queries(texts: list[str], count: int, seed: int) -> list[str]:
    """Substrings of 1–8 characters of random documents; one in ten occurs nowhere."""
    chooser = random.Random(seed)
    queries: list[str] = []
    alphabet = sorted({char for text in texts[:200] for char in text if not char.isspace()})
    while len(queries) < count:
        if len(queries) % 10 == 9:
            # Characters of the archive in an order it never has.
            word = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(3, 6)))
            if not any(word in text for text in texts):
                queries.append(word)
            continue
        text = chooser.choice(texts)
        length = chooser.randint(1, 8)
        start = chooser.randrange(max(1, len(text) - length))
        query = text[start : start + length]
        if query.strip() == query and query and not any(char.isspace() for char in query):
            queries.append(query)
    return queries


def run_queries(site: Path, queries: list[str]) -> list[dict[str, object]]:
    """Type each query on a fresh search page; what the page reports."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        url = (site / "search" / "index.html").as_uri()
        for number, query in enumerate(queries):
            page.goto(url)
            page.wait_for_function("window.zhuanlanSearch && zhuanlanSearch.loaded().length > 0")
            page.fill("#site-search-input", query)
            page.press("#site-search-input", "Enter")
            page.wait_for_selector("#search-results[data-state=done]", state="attached")
            report = page.evaluate(
                """async (query) => {
                    const outcome = await zhuanlanSearch.search(query);
                    return {
                        milliseconds: zhuanlanSearch.lastDuration,
                        loaded: zhuanlanSearch.loaded(),
                        documents: outcome.results.map((result) => result.document),
                    };
                }""",
                query,
            )
            results.append(report)
            if number % 20 == 19:
                print(f"  {number + 1} queries", file=sys.stderr)
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=3, help="cold builds of each kind; the median counts"
    )
    options = parser.parse_args(argv)

    source = corpus(options.articles, options.seed)
    with tempfile.TemporaryDirectory(prefix="zl-search-bench-") as work:
        project = Path(work) / "project"
        shutil.copytree(source, project)
        site = Path(work) / "site"
        site_file = project / "content" / "site.yml"
        original = site_file.read_text(encoding="utf-8")
        times: dict[bool, list[float]] = {False: [], True: []}
        # Alternate the two kinds, so that a busy spell of the machine hits both.
        for run in range(options.repeat):
            for search in (False, True):
                print(f"cold build {run + 1}, search {search} …", file=sys.stderr)
                switch = "" if search else "search: false\n"
                site_file.write_text(original + switch, encoding="utf-8")
                times[search].append(cold_build(project, site))
        without, with_search = statistics.median(times[False]), statistics.median(times[True])

        from zhuanlan.build import default_options
        from zhuanlan.pipeline import model_project

        model = model_project(project, default_options())
        articles = sorted(
            (article for column in model.columns for article in column.articles),
            key=lambda article: (-article.date.toordinal(), article.url),
        )
        plain = [document_text(article.title, article.body_html) for article in articles]
        texts = ["".join(map(fold, text)) for text in plain]
        titles = [text.index("\n") for text in plain]
        plain_bytes = sum(len(text.encode("utf-8")) for text in plain)
        index_files = [path for path in (site / "search").rglob("*") if path.is_file()]
        index_bytes = sum(path.stat().st_size for path in index_files)

        queries = sample_queries(plain, options.queries, options.seed)
        print(f"{len(queries)} queries in Chromium …", file=sys.stderr)
        reports = run_queries(site, queries)
        mismatches = []
        loads, durations = [], []
        for query, report in zip(queries, reports, strict=True):
            if report["documents"] != expected_results(texts, titles, query):
                mismatches.append(query)
            names = report["loaded"]
            assert isinstance(names, list)
            loads.append(sum((site / "search" / f"{name}.js").stat().st_size for name in names))
            durations.append(float(report["milliseconds"]))  # type: ignore[arg-type]

    figures = {
        "median data per query": statistics.median(loads),
        "largest data per query": max(loads),
        "index size / plain text": index_bytes / plain_bytes,
        "median Enter → results": statistics.median(durations),
        "build time added": with_search / without - 1,
    }
    print(f"## Search, {options.articles:,} articles, {len(queries)} queries\n")
    print(f"- results equal to brute force: {len(queries) - len(mismatches)} of {len(queries)}")
    if mismatches:
        print(f"  - differing: {mismatches[:10]}")
    absent = sum(1 for query in queries if not expected_results(texts, titles, query))
    print(f"- queries that occur nowhere: {absent}")
    print(
        f"- cold build, median of {options.repeat}: {with_search:.2f} s with search "
        f"({', '.join(f'{t:.1f}' for t in times[True])}), {without:.2f} s without "
        f"({', '.join(f'{t:.1f}' for t in times[False])})"
    )
    print(
        f"- index: {len(index_files):,} files, {index_bytes / 1e6:.1f} MB; plain text {plain_bytes / 1e6:.1f} MB"
    )
    print(
        f"- data per query: p90 {statistics.quantiles(loads, n=10)[-1] / 1e3:.0f} KB; "
        f"Enter → results p90 {statistics.quantiles(durations, n=10)[-1]:.0f} ms, "
        f"max {max(durations):.0f} ms\n"
    )
    print("| figure | measured | target | |")
    print("|---|---:|---:|---|")
    units = {
        "median data per query": lambda v: f"{v / 1e3:.0f} KB",
        "largest data per query": lambda v: f"{v / 1e3:.0f} KB",
        "index size / plain text": lambda v: f"{v:.2f} ×",
        "median Enter → results": lambda v: f"{v:.0f} ms",
        "build time added": lambda v: f"{v * 100:.0f} %",
    }
    for name, value in figures.items():
        target = TARGETS[name]
        verdict = "PASS" if value <= target else "FAIL"
        print(f"| {name} | {units[name](value)} | ≤ {units[name](target)} | {verdict} |")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
