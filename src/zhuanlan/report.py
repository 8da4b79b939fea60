"""How the command line presents results and problems (in Chinese, on the terminal)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from zhuanlan.errors import Problem, UsageError
from zhuanlan.model import SiteSummary


def describe_site(site: SiteSummary) -> str:
    """``1 个专栏，6 篇文章`` and what was left out, for one-line summaries."""
    text = f"{site.columns} 个专栏，{site.articles} 篇文章"
    if site.drafts_left_out and site.future_left_out:
        text += (
            f"（{site.drafts_left_out} 篇草稿、{site.future_left_out} 篇未到发布日期的文章未发布）"
        )
    elif site.drafts_left_out:
        text += f"（{site.drafts_left_out} 篇草稿未发布）"
    elif site.future_left_out:
        text += f"（{site.future_left_out} 篇未到发布日期，未发布）"
    return text


def report_problems(problems: Sequence[Problem], *, build_failed: bool = False) -> None:
    """One ``错误：path:line field：message`` line, then its hint, per problem, on stderr."""
    for problem in problems:
        click.secho("错误：", fg="red", bold=True, nl=False, err=True)
        click.echo(problem.format(), err=True)
    if build_failed:
        click.secho(
            f"构建失败：共 {len(problems)} 个问题。原有的输出目录未被改动。", fg="red", err=True
        )


def report_usage(error: UsageError) -> None:
    """A refused command: the reason and a hint, on stderr."""
    click.secho("错误：", fg="red", bold=True, nl=False, err=True)
    click.echo(error.message, err=True)
    if error.hint:
        click.echo(f"    提示：{error.hint}", err=True)


def report_notes(site: SiteSummary) -> None:
    """Warnings and notes about a successful build: left-out columns, skipped outputs."""
    if site.empty_columns:
        click.secho(
            "警告：以下专栏没有已发布的文章，已从网站中略去：" + "、".join(site.empty_columns),
            fg="yellow",
            err=True,
        )
    if not site.has_base_url:
        click.echo(
            "提示：site.yml 未设置 base_url，已跳过 Atom 订阅源、sitemap.xml 和 robots.txt"
            "（它们需要完整网址）。",
            err=True,
        )
