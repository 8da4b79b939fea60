"""How ``zhuanlan check`` presents what it found: grouped by file for people, JSON for
programs. Text is coloured only on a terminal (click drops the colours elsewhere)."""

from __future__ import annotations

import json
from itertools import groupby

import click

from zhuanlan.check.fix import Fix
from zhuanlan.check.problem import CheckProblem
from zhuanlan.check.run import CheckResult
from zhuanlan.report import describe_site

_LABELS = {"error": ("错误", "red"), "warning": ("警告", "yellow")}


def print_text(result: CheckResult, *, strict: bool) -> None:
    """Each file as a heading, its problems below it, then one summary line (stdout)."""
    for path, group in groupby(result.problems, key=lambda problem: problem.path):
        problems = list(group)
        click.echo(click.style(path, bold=True))
        width = max(len(_place(problem)) for problem in problems)
        for problem in problems:
            label, colour = _LABELS[problem.severity]
            field = f"{problem.field}：" if problem.field else ""
            place = _place(problem).ljust(width)
            click.echo(
                f"  {place}  {click.style(label, fg=colour, bold=True)}  {field}{problem.message}"
            )
            if problem.hint:
                click.echo(f"  {' ' * width}        提示：{problem.hint}")
        click.echo()
    if result.summary is None:
        click.echo(site_not_built())
    else:
        click.echo(f"已检查：{describe_site(result.summary)}，{result.pages} 个页面")
    click.echo(summary_line(result, strict=strict))


def _place(problem: CheckProblem) -> str:
    """``行:列``, ``行`` or nothing."""
    if problem.line is None:
        return ""
    return f"{problem.line}:{problem.column}" if problem.column else str(problem.line)


def site_not_built() -> str:
    """Why links, images and unlinked pages were not checked."""
    return (
        "网站未能构建，因此没有检查链接、锚点、图片和未被链接的页面；修正上面的错误后再运行一次。"
    )


def summary_line(result: CheckResult, *, strict: bool) -> str:
    """``检查完成：2 个错误，5 个警告`` (coloured by outcome)."""
    if result.errors or result.warnings:
        text = f"检查完成：{result.errors} 个错误，{result.warnings} 个警告"
    else:
        text = "检查完成：没有发现问题"
    if strict and result.warnings and not result.errors:
        text += "（使用了 --strict，警告也视为错误）"
    failed = result.errors or (strict and result.warnings)
    colour = "red" if failed else "yellow" if result.warnings else "green"
    return click.style(text, fg=colour)


def print_json(result: CheckResult) -> None:
    """One JSON document on stdout, nothing else."""
    document = {
        "errors": result.errors,
        "warnings": result.warnings,
        "problems": [problem.as_json() for problem in result.problems],
    }
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def print_fixes(fixes: list[Fix], *, err: bool) -> None:
    """Each fix applied, then how many (on stderr when stdout carries JSON)."""
    for fix in fixes:
        click.echo(f"已修正 {fix.describe()}", err=err)
    files = len({fix.path for fix in fixes})
    if fixes:
        click.echo(f"共修正 {len(fixes)} 处标点（{files} 个文件），重新检查：", err=err)
    else:
        click.echo("没有可以自动修正的标点。", err=err)
    if not err:
        click.echo()
