"""The least time a cold build can take with the project's stack, on this machine.

    .venv/bin/python bench/floor.py [--articles 1000] [--seed 1] [--repeat 3]

A cold build has to start Python, import the stack, and turn every article's Markdown
into HTML with Python-Markdown (the parser the project's stack names) and its front
matter into data with PyYAML. This script times those three alone, with nothing of
zhuanlan, on the benchmark corpus (see build.py):

- start: a fresh ``python -c "import click, jinja2, markdown, yaml"``, median of 5;
- Markdown: stock ``markdown.Markdown`` with the extensions the corpus needs (tables,
  fenced code, footnotes, sane lists), reused and reset between articles as a
  generator does, on one core: the best of ``--repeat`` passes over every article;
- YAML: ``yaml.load`` with the C loader (``CSafeLoader``), the same way;
- files: what any generator with clean URLs writes at the least, one folder per article
  with its ``index.html`` (`PAGE_BYTES`), in one folder per column, created in a fresh
  folder where the other benchmarks build (the system's temporary folder): the best of
  ``--repeat``, for as many articles as each cold-build target counts, on one core.

The floor of a cold build of N articles is start + (N * (Markdown + YAML) + files) /
cores, with perfect use of every core (creating files does not spread over cores on
every file system: this is a bound) and nothing else done: no sanitising, no page
rendered, no list page, no search index. It is printed next to the issue's targets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import markdown
import yaml
from build import COLD_TARGETS, corpus

EXTENSIONS = ["tables", "fenced_code", "footnotes", "sane_lists"]
PAGE_BYTES = 15_000
"""An article page's size: about the mean of the pages zhuanlan writes for the corpus."""
COLUMN_FOLDERS = 40
"""Column folders the article folders are spread over, as in the 10,000-article corpus."""


def start_seconds(runs: int = 5) -> float:
    """Median wall clock of a fresh interpreter importing the stack."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import click, jinja2, markdown, yaml"], check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def split(text: str) -> tuple[str, str]:
    """An article's front matter and body."""
    _, front, body = text.split("---\n", 2)
    return front, body


def best_per_item(work: list[str], convert: object, repeat: int) -> float:
    """The best, over `repeat` passes, of the seconds per item `convert` takes."""
    assert callable(convert)
    for item in work[:50]:  # warm up: imports, compiled patterns
        convert(item)
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for item in work:
            convert(item)
        best = min(best, time.perf_counter() - began)
    return best / len(work)


def files_seconds(articles: int, repeat: int) -> float:
    """The best, over `repeat` passes, of the seconds it takes to create an article
    folder with its page for each of `articles`, in a fresh folder."""
    page = b"x" * PAGE_BYTES
    best = float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="zhuanlan-floor-") as temp:
            site = Path(temp) / "site"
            began = time.perf_counter()
            for column in range(COLUMN_FOLDERS):
                (site / f"c{column}").mkdir(parents=True)
            for number in range(articles):
                folder = site / f"c{number % COLUMN_FOLDERS}" / f"a{number}"
                folder.mkdir()
                (folder / "index.html").write_bytes(page)
            best = min(best, time.perf_counter() - began)
            shutil.rmtree(site)  # not timed
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)

    project = corpus(arguments.articles, arguments.seed)
    articles = [
        split(path.read_text("utf-8"))
        for path in sorted(project.rglob("*.md"))
        if path.name != "_index.md"  # a column's own page, not an article
    ]
    converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    markdown_seconds = best_per_item(
        [body for _, body in articles],
        lambda body: converter.reset().convert(body),
        arguments.repeat,
    )
    yaml_seconds = best_per_item(
        [front for front, _ in articles],
        lambda front: yaml.load(front, Loader=yaml.CSafeLoader),
        arguments.repeat,
    )
    start = start_seconds()
    cores = len(os.sched_getaffinity(0))
    files = {count: files_seconds(count, arguments.repeat) for count in COLD_TARGETS}

    print(f"Corpus: {len(articles)} articles of {project.name}; {cores} cores usable.")
    print(f"Python-Markdown {markdown.__version__}, PyYAML {yaml.__version__}.\n")
    print("| part | measured |")
    print("|---|---|")
    print(f"| start: Python and the stack's imports | {start:.3f} s |")
    print(f"| Python-Markdown, one article, one core | {markdown_seconds * 1000:.3f} ms |")
    print(f"| PyYAML (C loader), one front matter, one core | {yaml_seconds * 1000:.3f} ms |")
    where = tempfile.gettempdir()
    for count, seconds in files.items():
        print(f"| {count:,} article folders and pages in {where}, one core | {seconds:.2f} s |")
    print()
    print("| articles | floor of a cold build | of which files | target | floor / target |")
    print("|---|---|---|---|---|")
    for count, target in COLD_TARGETS.items():
        floor = start + (count * (markdown_seconds + yaml_seconds) + files[count]) / cores
        share = files[count] / cores
        print(
            f"| {count:,} | {floor:.2f} s | {share:.2f} s | ≤ {target:g} s | {floor / target:.0%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
