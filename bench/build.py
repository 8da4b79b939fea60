"""Benchmark zhuanlan's build on generated corpora of N Chinese articles.

    python bench/build.py [--sizes 1000 10000] [--repeat 3] [--seed 1] [--targets] [--src DIR]

For each size the corpus is generated once (see generate.py) and cached under
``bench/.corpus/``; every run works on a copy in a temporary folder, so the cache stays
pristine. Each figure is the median of ``--repeat`` runs of the real command line
(``python -m zhuanlan build``) as a fresh process, timed by the wall clock:

- cold: the output folder (and any ``.zhuanlan-cache/``) removed first;
- no-op: built again with nothing changed;
- body edit / title edit: built again after editing one article's body / title;
- body edit, again: a second body edit right after the first: as an author rebuilds
  while editing (the first rebuild after a cold build is the only one without the
  site it replaced at hand to build in);
- cold, CPU: user + system CPU seconds of the cold build (less affected by other load);
- cold, page faults: minor page faults of the cold build and its workers;
- peak RSS: the largest resident set of any single build process (``ru_maxrss``);
- peak PSS: the largest total memory of a build's whole process tree (the build and
  any workers it forks), sampled every 50 ms; targets use the larger of the two;
- preview: ``zhuanlan.preview.Preview`` in one process, its first build, then
  ``rebuild()`` after editing one article's body (the time ``Outcome.seconds`` reports).

Benchmarks are not tests: nothing here fails on a slow build. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generate import REPO, SAMPLE_CONTENT, generate

BENCH = Path(__file__).resolve().parent
CORPUS_DIR = BENCH / ".corpus"
MIB = 1024 * 1024

# The targets: (label, size, measure, limit, unit).
TARGETS = (
    ("cold build", 1000, "cold", 1.0, "s"),
    ("cold build", 10000, "cold", 10.0, "s"),
    ("no-op rebuild", 10000, "noop", 1.0, "s"),
    ("body edit, CLI rebuild", 10000, "body", 1.5, "s"),
    ("body edit, preview rebuild", 10000, "preview_edit", 1.5, "s"),
    ("peak memory", 10000, "peak_mb", 400.0, "MB"),
)
COLD_TARGETS = {size: limit for _, size, measure, limit, _ in TARGETS if measure == "cold"}
"""Seconds a cold build may take, by number of articles."""


@dataclass(frozen=True)
class Run:
    """One child process and the workers it started."""

    seconds: float
    """Wall clock."""
    cpu: float
    """User + system CPU seconds of the process and its workers."""
    rss: int
    """Peak resident bytes of the largest single process (``ru_maxrss``)."""
    tree: int
    """Peak of the summed proportional set size (PSS) of the whole process tree, sampled
    every 50 ms; counts forked workers' own pages once and their shared pages once."""
    faults: int = 0
    """Minor page faults of the process and its workers: fresh memory mapped in, a
    cost the CPU seconds show only in part (the kernel zeroes every page)."""

    @property
    def peak(self) -> int:
        """The larger of the two memory figures."""
        return max(self.rss, self.tree)


@dataclass(frozen=True)
class Result:
    """Every measurement of one corpus size."""

    articles: int
    cold: list[Run]
    noop: list[Run]
    body: list[Run]
    again: list[Run]
    title: list[Run]
    preview: dict[str, float]
    """first, edit (median seconds), pages (median pages rendered), rss, tree (bytes)."""

    def figure(self, measure: str) -> float:
        """The median seconds of a measure, or the peak memory in MB (10^6 bytes)."""
        if measure == "peak_mb":
            return self.peak / 1e6
        if measure == "preview_edit":
            return self.preview["edit"]
        runs: list[Run] = getattr(self, measure)
        return statistics.median(run.seconds for run in runs)

    @property
    def runs(self) -> list[Run]:
        """Every CLI build of this size."""
        return self.cold + self.noop + self.body + self.again + self.title

    @property
    def peak(self) -> int:
        """The largest memory figure of all CLI builds of this size."""
        return max(run.peak for run in self.runs)


def corpus(articles: int, seed: int) -> Path:
    """The cached corpus of this size, generated when missing or outdated."""
    digest = hashlib.sha256((BENCH / "generate.py").read_bytes())
    for path in sorted(SAMPLE_CONTENT.rglob("*.md")):
        digest.update(path.read_bytes())
    prefix = f"n{articles}-seed{seed}-"
    folder = CORPUS_DIR / f"{prefix}{digest.hexdigest()[:12]}"
    if folder.is_dir():
        return folder
    for stale in CORPUS_DIR.glob(f"{prefix}*"):
        shutil.rmtree(stale)
    CORPUS_DIR.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=CORPUS_DIR))
    print(f"generating {articles} articles into {folder} …", file=sys.stderr)
    generate(staging, articles, seed)
    staging.rename(folder)
    return folder


def tree_pss(root: int) -> int:
    """Summed PSS in bytes of process `root` and all its descendants (Linux; else 0)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process has just ended
        parents[int(stat.parent.name)] = int(fields[1])
    tree, added = {root}, True
    while added:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        added = bool(children)
    total = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(
            int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
        )
    return total * 1024


def run_child(command: list[str], src: Path | None = None) -> tuple[Run, str]:
    """Run a command as a fresh child; its time, peak memory and standard output.

    With `src`, the child imports zhuanlan from that folder instead of the installed one.

    ``os.wait4`` returns the resource usage of exactly this child (and of the workers it
    waited for): the same figures as ``resource.getrusage(RUSAGE_CHILDREN)`` in a parent
    that ran only this child. Its ``ru_maxrss`` is the largest single process, though,
    not the sum over forked workers, so a thread also samples the tree's PSS.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        env = os.environ | ({"PYTHONPATH": str(src)} if src else {})
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        done, samples = threading.Event(), [0]

        def sample() -> None:
            while not done.wait(0.05):
                samples.append(tree_pss(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss * 1024  # in KiB
    return Run(seconds, cpu, peak, max(samples), usage.ru_minflt), stdout


def build_once(project: Path, output: Path, src: Path | None) -> Run:
    """One ``zhuanlan build`` of `project` into `output`."""
    command = [sys.executable, "-m", "zhuanlan", "build", "--project", str(project)]
    return run_child([*command, "--output", str(output)], src)[0]


def edit_body(article: Path, mark: str) -> None:
    """Append a paragraph to the article's body.

    A new paragraph always changes the page: text added to the end of the last line
    could land after a table's last cell, which Markdown drops, changing nothing.
    """
    text = article.read_text(encoding="utf-8").rstrip("\n")
    article.write_text(f"{text}\n\n基准测试第{mark}次修改。\n", encoding="utf-8")


def edit_title(article: Path, mark: str) -> None:
    """Add a suffix to the article's title (its first ``title:`` line)."""
    lines = article.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("title: "))
    quoted = lines[index].endswith('"')
    suffix = f"（修订{mark}）"
    lines[index] = lines[index][:-1] + suffix + '"' if quoted else lines[index] + suffix
    article.write_text("\n".join(lines), encoding="utf-8")


EDITS: dict[str, Callable[[Path, str], None]] = {
    "body": edit_body,
    "again": lambda article, mark: edit_body(article, f"{mark}.2"),
    "title": edit_title,
}
"""The edit made before each measure that is not a plain build."""
LABELS = {
    "cold": "cold",
    "noop": "no-op",
    "body": "body edit",
    "again": "body edit, again",
    "title": "title edit",
}
AUTHOR_PAUSE = 5.0
"""Seconds between a build and the next save, as an author would leave."""


def middle_article(project: Path) -> Path:
    """The article in the middle of the project, in path order."""
    articles = sorted((project / "content").glob("*/a*.md"))
    return articles[len(articles) // 2]


def measure(articles: int, seed: int, repeat: int, src: Path | None) -> Result:
    """All measurements of one corpus size, on a temporary copy of the cached corpus."""
    source = corpus(articles, seed)
    # A detached process may still be deleting a replaced site in there.
    with tempfile.TemporaryDirectory(prefix="zhuanlan-bench-", ignore_cleanup_errors=True) as temp:
        project, output = Path(temp) / "project", Path(temp) / "site"
        shutil.copytree(source, project)
        article = middle_article(project)
        runs: dict[str, list[Run]] = {name: [] for name in LABELS}
        # Round by round rather than measure by measure, so that a change in the load of
        # a shared machine spreads over all measures instead of skewing one of them.
        for index in range(repeat):
            shutil.rmtree(output, ignore_errors=True)
            shutil.rmtree(project / ".zhuanlan-cache", ignore_errors=True)
            for name, label in LABELS.items():
                edit = EDITS.get(name)
                if edit:
                    # As an author would: the previous build's background work (deleting
                    # the site it replaced) is done before the next edit.
                    time.sleep(AUTHOR_PAUSE)
                    edit(article, f"{index + 1}")
                runs[name].append(build_once(project, output, src))
                print(f"  {articles} {label}: {runs[name][-1].seconds:.2f} s", file=sys.stderr)
        script = [sys.executable, str(Path(__file__).resolve()), "--preview-child", str(project)]
        run, stdout = run_child([*script, "--repeat", str(repeat)], src)
        preview = json.loads(stdout) | {"rss": run.rss, "tree": run.tree}
        print(f"  {articles} preview: {preview}", file=sys.stderr)
    return Result(articles, **runs, preview=preview)


def preview_child(project: Path, repeat: int) -> None:
    """In this process: the preview's first build, then `repeat` rebuilds after edits."""
    import datetime as dt

    from zhuanlan.model import BuildOptions
    from zhuanlan.preview import Preview

    preview = Preview(project.resolve(), BuildOptions(today=dt.date.today()))
    article = middle_article(project)
    try:
        first = preview.rebuild()
        edits = []
        for index in range(repeat):
            # An author reads the page before saving again; by then the preview has
            # prepared the next generation in the background (about 2 s at 10,000).
            time.sleep(AUTHOR_PAUSE)
            edit_body(article, f"预览{index + 1}")
            edits.append(preview.rebuild())
    finally:
        preview.close()
    if first.problems or any(outcome.problems for outcome in edits):
        raise SystemExit(f"preview build failed: {first.problems or edits[-1].problems}")
    result = {
        "first": first.seconds,
        "edit": statistics.median(outcome.seconds for outcome in edits),
        "pages": statistics.median(outcome.pages_rendered for outcome in edits),
    }
    print(json.dumps(result))


def machine(src: Path | None) -> str:
    """A one-line description of this machine, Python and the zhuanlan measured."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    if src:
        measured = f"zhuanlan from {src}"
    else:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        measured = f"zhuanlan at {commit or 'unknown commit'}"
    try:
        cores = len(os.sched_getaffinity(0))  # what nproc reports
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return (
        f"{cores} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {measured}"
    )


def spread(runs: list[Run]) -> str:
    """Median seconds and the range, e.g. ``4.43 s (4.40–4.51)``."""
    seconds = [run.seconds for run in runs]
    median = statistics.median(seconds)
    return f"{median:.2f} s ({min(seconds):.2f}–{max(seconds):.2f})"


def table(results: list[Result], repeat: int) -> str:
    """The Markdown tables of all results."""
    lines = [
        f"CLI `zhuanlan build`, median of {repeat} runs (min–max):",
        "",
        "| articles | cold | cold, CPU | cold, page faults | no-op | body edit "
        "| body edit, again | title edit | peak RSS | peak PSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cpu = f"{statistics.median(run.cpu for run in r.cold):.2f} s"
        faults = f"{statistics.median(run.faults for run in r.cold) / 1e6:.2f} M"
        measures = (r.noop, r.body, r.again, r.title)
        cells = [f"{r.articles:,}", spread(r.cold), cpu, faults, *map(spread, measures)]
        rss, tree = max(run.rss for run in r.runs), max(run.tree for run in r.runs)
        lines.append(f"| {' | '.join(cells)} | {rss / MIB:.0f} MiB | {tree / MIB:.0f} MiB |")
    lines += [
        "",
        f"Preview (`Preview.rebuild()` in one process), median of {repeat} edits:",
        "",
        "| articles | first build | rebuild after body edit | pages rendered | peak RSS | peak PSS |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        p = r.preview
        lines.append(
            f"| {r.articles:,} | {p['first']:.2f} s | {p['edit']:.2f} s "
            f"| {p['pages']:.0f} | {p['rss'] / MIB:.0f} MiB | {p['tree'] / MIB:.0f} MiB |"
        )
    return "\n".join(lines)


def check_targets(results: list[Result]) -> str:
    """PASS or FAIL for each target whose corpus size was measured."""
    by_size = {result.articles: result for result in results}
    lines = ["Targets:"]
    for label, size, name, limit, unit in TARGETS:
        if size not in by_size:
            lines.append(f"- skip  {label}, {size:,} articles (size not measured)")
            continue
        value = by_size[size].figure(name)
        verdict = "PASS" if value <= limit else "FAIL"
        lines.append(
            f"- {verdict}  {label}, {size:,} articles: {value:.2f} {unit} ≤ {limit:g} {unit}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--targets", action="store_true", help="compare with the targets")
    parser.add_argument(
        "--src", type=Path, help="import zhuanlan from this folder (e.g. another checkout's src/)"
    )
    parser.add_argument("--preview-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.preview_child:
        preview_child(args.preview_child, args.repeat)
        return 0
    src = args.src.resolve() if args.src else None
    results = [measure(size, args.seed, args.repeat, src) for size in args.sizes]
    print(f"Machine: {machine(src)}\n")
    print(table(results, args.repeat))
    if args.targets:
        print("\n" + check_targets(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
