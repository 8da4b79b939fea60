"""The ``zhuanlan`` command: thin wrappers that call the build and present its errors."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zhuanlan import __version__
from zhuanlan.build import build
from zhuanlan.errors import ContentError, UsageError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="zhuanlan %(version)s")
def main() -> None:
    """专栏（zhuanlan）：把 content/ 中的党建专栏文章生成静态网站。"""


@main.command("build")
@click.option(
    "--project",
    "-p",
    "project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="项目目录（含 content/ 的目录）。",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="输出目录，默认是项目下的 site/。",
)
def build_command(project: Path, output: Path | None) -> None:
    """构建网站：读取 content/，生成 site/。"""
    started = time.perf_counter()
    destination = output if output is not None else project / "site"
    try:
        result = build(project, destination)
    except ContentError as error:
        _report_problems(error)
        sys.exit(error.exit_code)
    except UsageError as error:
        _report_usage(error)
        sys.exit(error.exit_code)
    articles = sum(len(column.articles) for column in result.site.columns)
    elapsed = time.perf_counter() - started
    click.echo(
        f"构建完成：{len(result.site.columns)} 个专栏，{articles} 篇文章，"
        f"{result.files} 个文件，写入 {destination}（{elapsed:.2f} 秒）"
    )


def _report_problems(error: ContentError) -> None:
    for problem in error.problems:
        click.secho("错误：", fg="red", bold=True, nl=False, err=True)
        click.echo(problem.format(), err=True)
    click.secho(
        f"构建失败：共 {len(error.problems)} 个问题。原有的输出目录未被改动。",
        fg="red",
        err=True,
    )


def _report_usage(error: UsageError) -> None:
    click.secho("错误：", fg="red", bold=True, nl=False, err=True)
    click.echo(error.message, err=True)
    if error.hint:
        click.echo(f"    提示：{error.hint}", err=True)
