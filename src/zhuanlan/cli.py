"""The ``zhuanlan`` command: thin wrappers that call the build and present its errors.

Every message, including click's own usage errors and help headings, is in Chinese.
Exit status: 0 success, 1 content errors, 2 usage errors; never a traceback for either.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from zhuanlan import __version__
from zhuanlan.build import build, check_project
from zhuanlan.errors import ContentError, Problem, UsageError
from zhuanlan.model import BuildOptions
from zhuanlan.report import describe_site, report_notes, report_problems, report_usage

_SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}


class _ChineseFormatter(click.HelpFormatter):
    """click's help layout with Chinese headings."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_SECTIONS.get(heading, heading)}：\n")


class _ChineseContext(click.Context):
    formatter_class = _ChineseFormatter


class _ChineseCommandMixin:
    context_class: type[click.Context] = _ChineseContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option: click.Option | None = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class _Command(_ChineseCommandMixin, click.Command):
    pass


class _Group(_ChineseCommandMixin, click.Group):
    command_class = _Command

    def main(self, args: Sequence[str] | None = None, **extra: Any) -> Any:  # type: ignore[override]
        """Run the command; show click's usage errors in Chinese, exit 2."""
        try:
            result = super().main(args, standalone_mode=False, **extra)
        except click.UsageError as error:
            _report_click_usage(error)
            sys.exit(2)
        except click.Abort:
            click.echo("已取消。", err=True)
            sys.exit(1)
        except click.ClickException as error:
            click.secho("错误：", fg="red", bold=True, nl=False, err=True)
            click.echo(error.format_message(), err=True)
            sys.exit(error.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


def _report_click_usage(error: click.UsageError) -> None:
    if type(error).__name__ == "NoArgsIsHelpError":  # `zhuanlan` alone: show the help
        click.echo(error.message, err=True)
        return
    click.secho("错误：", fg="red", bold=True, nl=False, err=True)
    click.echo(_translate_usage(error), err=True)
    path = error.ctx.command_path if error.ctx is not None else "zhuanlan"
    click.echo(f"    提示：运行 {path} --help 查看用法", err=True)


def _translate_usage(error: click.UsageError) -> str:
    if isinstance(error, click.NoSuchOption):
        guess = f"（是不是想用 {error.possibilities[0]}？）" if error.possibilities else ""
        return f"没有这个选项：{error.option_name}{guess}"
    if isinstance(error, click.MissingParameter):
        return f"缺少参数：{error.param.opts[0] if error.param else ''}".rstrip("：")
    if isinstance(error, click.BadParameter):
        name = error.param.opts[0] if error.param and error.param.opts else ""
        if error.param is not None and isinstance(error.param.type, click.Choice):
            choices = [str(choice) for choice in error.param.type.choices]
            return f"参数 {name} 的值无效：只能是 {'、'.join(choices)} 之一"
        return f"参数 {name} 的值无效：{error.message}"
    if isinstance(error, click.BadOptionUsage):
        if "requires an argument" in error.message:
            return f"选项 {error.option_name} 后面需要写一个值"
        return f"选项 {error.option_name} 用法不对：{error.message}"
    if match := re.match(r"No such command '(.+)'\.?", error.message):
        return f"没有这个命令：{match.group(1)}"
    if error.message.startswith("Got unexpected extra argument"):
        extra = error.message.split("(", 1)[-1].rstrip(")")
        return f"多余的参数：{extra}"
    return error.message


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    __version__, "-V", "--version", message="zhuanlan %(version)s", help="显示版本并退出。"
)
def main() -> None:
    """专栏（zhuanlan）：把 content/ 中的党建专栏文章生成静态网站。"""


project_option = click.option(
    "--project",
    "-p",
    "project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    metavar="目录",
    help="项目目录（含 content/ 的目录），默认是当前目录。",
)
drafts_option = click.option("--drafts", is_flag=True, help="同时包括草稿（draft: true）。")
future_option = click.option("--future", is_flag=True, help="同时包括发布日期在今天之后的文章。")


@main.command("build")
@project_option
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    metavar="目录",
    help="输出目录，默认是项目下的 site/。",
)
@drafts_option
@future_option
def build_command(project: Path, output: Path | None, drafts: bool, future: bool) -> None:
    """构建网站：读取 content/，生成 site/。"""
    started = time.perf_counter()
    destination = output if output is not None else project / "site"
    options = BuildOptions(today=dt.date.today(), drafts=drafts, future=future)
    try:
        result = build(project, destination, options)
    except ContentError as error:
        report_problems(error.problems, build_failed=True)
        sys.exit(error.exit_code)
    except UsageError as error:
        report_usage(error)
        sys.exit(error.exit_code)
    except OSError as error:
        # A disk that is full, a folder that cannot be written: the build stops before
        # its result replaces anything.
        where = error.filename if error.filename is not None else destination
        problem = Problem(
            str(where), None, None, f"读写失败：{error.strerror or error}", "检查磁盘空间和目录权限"
        )
        report_problems([problem], build_failed=True)
        sys.exit(1)
    elapsed = time.perf_counter() - started
    if result.cache_note:
        click.echo(f"提示：{result.cache_note}", err=True)
    report_notes(result.summary)
    if result.up_to_date:
        click.echo(
            f"已是最新：{describe_site(result.summary)}，内容与模板自上次构建后没有变化，"
            f"{destination} 未改动（{elapsed:.2f} 秒）"
        )
        return
    kept = result.pages - result.rendered
    reused = f"（{kept} 个页面未变，沿用上次的结果）" if kept else ""
    click.echo(
        f"构建完成：{describe_site(result.summary)}，{result.files} 个文件{reused}，"
        f"写入 {destination}（{elapsed:.2f} 秒）"
    )


@main.command("serve")
@project_option
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="地址",
    help="监听地址，默认 127.0.0.1（只有本机能访问）。",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    metavar="端口",
    help="端口，默认 8000。",
)
@click.option("--open", "open_browser", is_flag=True, help="启动后用默认浏览器打开预览。")
@drafts_option
@future_option
def serve_command(
    project: Path, host: str, port: int, open_browser: bool, drafts: bool, future: bool
) -> None:
    """本地预览：构建到临时目录并提供访问，保存文件后浏览器自动刷新。"""
    try:
        root = check_project(project)
    except UsageError as error:
        report_usage(error)
        sys.exit(error.exit_code)
    options = BuildOptions(today=dt.date.today(), drafts=drafts, future=future)
    # Each command imports what only it needs: `zhuanlan build` with nothing to do
    # takes less time than importing the preview server or the checker would.
    from zhuanlan.serve import run_preview

    sys.exit(run_preview(root, host, port, options, open_browser))


@main.command("check")
@project_option
@click.option("--strict", is_flag=True, help="警告也视为错误：有警告时退出状态为 1。")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="输出格式：text（默认，按文件分组，便于阅读）或 json（便于程序处理）。",
)
@click.option(
    "--fix",
    is_flag=True,
    help="先把正文中文里的半角标点改为全角（只改正文，不动 front matter），再检查。",
)
@drafts_option
@future_option
def check_command(
    project: Path, strict: bool, output_format: str, fix: bool, drafts: bool, future: bool
) -> None:
    """发布前检查：内容错误、失效的链接与锚点、缺失的图片、排版问题，不写入 site/。"""
    from zhuanlan.check.output import print_fixes, print_json, print_text, site_not_built
    from zhuanlan.check.run import fix_project, run_check

    options = BuildOptions(today=dt.date.today(), drafts=drafts, future=future)
    as_json = output_format == "json"
    try:
        if fix:
            print_fixes(fix_project(project, options), err=as_json)
        result = run_check(project, options)
    except UsageError as error:
        report_usage(error)
        sys.exit(error.exit_code)
    if as_json:
        if result.summary is None:
            click.echo(site_not_built(), err=True)
        print_json(result)
    else:
        print_text(result, strict=strict)
    failed = result.errors or (strict and result.warnings)
    sys.exit(1 if failed else 0)
