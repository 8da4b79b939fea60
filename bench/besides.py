"""What a cold build costs besides Markdown: the same build, with Markdown's results given.

    .venv/bin/python bench/besides.py [--sizes 1000 10000] [--repeat 3] [--seed 1] [--src DIR]

`floor.py` times what no cold build can skip; this script times the rest. For each size,
one child process renders every article's Markdown once and keeps the results (the
*table*). Then, alternately, ``--repeat`` times each:

- cold: ``zhuanlan.build.build`` into an empty output folder, with an empty cache;
- Markdown given: the same, with ``zhuanlan.parse.render_markdown`` (Python-Markdown,
  zhuanlan's tree stage and sanitising) replaced by a look-up in the table, which forked
  workers inherit.

Both run in a fresh child that imports zhuanlan's build and parse stages (and with them
Python-Markdown, which a command-line build imports once it has work) and, for the
second, loads the table, before its clock starts: start-up is left out of both alike. The difference is what Markdown
costs a build on this machine; "Markdown given" is what the build would take with a
Markdown stage that cost nothing: a bound no choice of parser can beat. The figures are
medians; the machine is shared, so compare the two columns, measured alternately.

Benchmarks are not tests: nothing here fails on a slow build. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build import COLD_TARGETS, corpus
from generate import REPO


def child(mode: str, project: Path, output: Path, table: Path) -> None:
    """In a fresh process: make the `table` (``table``), or build cold with it
    (``given``) or without it (``cold``), and print the build's seconds as JSON."""
    import zhuanlan.parse as parse
    from zhuanlan.build import build
    from zhuanlan.markup import render_markdown as real
    from zhuanlan.model import RenderedMarkdown

    # The stage is swapped where the parse stage looks it up, as a test double would be.
    if mode == "table":
        from zhuanlan.errors import Problems
        from zhuanlan.load import ReadBefore, load_project

        results: dict[tuple[str, str], RenderedMarkdown] = {}

        def keep(text: str, link_prefix: str = "", **options: bool) -> RenderedMarkdown:
            results[text, link_prefix] = real(text, link_prefix, **options)
            return results[text, link_prefix]

        setattr(parse, "render_markdown", keep)  # noqa: B010 - a deliberate patch
        sources = load_project(project, Problems(), ReadBefore())
        for column in sources.columns:
            for article in column.articles:
                parse.parse_article(article, Problems())
        table.write_bytes(pickle.dumps(results, pickle.HIGHEST_PROTOCOL))
        return
    if mode == "given":
        given: dict[tuple[str, str], RenderedMarkdown] = pickle.loads(table.read_bytes())

        def look_up(text: str, link_prefix: str = "", **options: bool) -> RenderedMarkdown:
            found = given.get((text, link_prefix))
            return found if found is not None else real(text, link_prefix, **options)

        setattr(parse, "render_markdown", look_up)  # noqa: B010 - a deliberate patch
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(project / ".zhuanlan-cache", ignore_errors=True)
    started, cpu = time.perf_counter(), os.times()
    build(project, output)
    after = os.times()
    used = sum(after[:4]) - sum(cpu[:4])
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": used}))


def run(mode: str, project: Path, output: Path, table: Path, src: Path | None) -> dict[str, float]:
    """One child in `mode`; what it printed."""
    env = os.environ | ({"PYTHONPATH": str(src)} if src else {})
    command = [sys.executable, __file__, "--child", mode, str(project), str(output), str(table)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    return dict(json.loads(done.stdout.splitlines()[-1])) if mode != "table" else {}


def measure(articles: int, seed: int, repeat: int, src: Path | None) -> str:
    """One size's table row."""
    with tempfile.TemporaryDirectory(
        prefix="zhuanlan-besides-", ignore_cleanup_errors=True
    ) as temp:
        project, output, table = Path(temp) / "project", Path(temp) / "site", Path(temp) / "md"
        shutil.copytree(corpus(articles, seed), project)
        run("table", project, output, table, src)
        runs: dict[str, list[dict[str, float]]] = {"cold": [], "given": []}
        for _ in range(repeat):
            for mode, results in runs.items():
                results.append(run(mode, project, output, table, src))
    cold, given = (statistics.median(r["seconds"] for r in runs[mode]) for mode in runs)
    cold_cpu, given_cpu = (statistics.median(r["cpu"] for r in runs[mode]) for mode in runs)
    target = COLD_TARGETS.get(articles)
    verdict = (
        f"≤ {target:g} s: given {'meets' if given <= target else 'misses'} it" if target else ""
    )
    return (
        f"| {articles:,} | {cold:.2f} s ({cold_cpu:.1f} s CPU) | {given:.2f} s "
        f"({given_cpu:.1f} s CPU) | {cold - given:.2f} s ({(cold - given) / cold:.0%}) | {verdict} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--src", type=Path, help="import zhuanlan from this folder")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        mode, *paths = arguments.child
        child(mode, *map(Path, paths))
        return 0
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    src = arguments.src.resolve() if arguments.src else None
    print(f"median of {arguments.repeat}, alternated; start-up left out of both\n")
    print("| articles | cold build | Markdown given | Markdown's part | target |")
    print("|---|---|---|---|---|")
    for size in arguments.sizes:
        print(measure(size, arguments.seed, arguments.repeat, src), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
