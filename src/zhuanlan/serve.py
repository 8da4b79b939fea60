"""``zhuanlan serve``: build, serve, watch, rebuild — until Ctrl-C.

The server runs in a background thread; the main thread watches the project and
rebuilds. One line per rebuild says what changed, how long it took, or what is wrong.
"""

from __future__ import annotations

import errno
import signal
import socket
import threading
import time
import webbrowser
from pathlib import Path
from types import FrameType

import click

from zhuanlan.errors import UsageError
from zhuanlan.model import BuildOptions, SiteSummary
from zhuanlan.preview import Outcome, Preview
from zhuanlan.report import describe_site, report_notes, report_problems, report_usage
from zhuanlan.server import LOOPBACK_NAMES, PreviewServer
from zhuanlan.theme import template_dirs
from zhuanlan.watch import Watcher, describe


def run_preview(root: Path, host: str, port: int, options: BuildOptions, open_browser: bool) -> int:
    """Serve the project until interrupted; the exit status."""
    preview = Preview(root, options)
    try:
        server = _bind(host, port, preview)
    except UsageError as error:
        preview.close()
        report_usage(error)
        return error.exit_code
    # Watch before the first build, so an edit made while it runs is not missed.
    watcher = Watcher(root, [root / "content", *template_dirs(root)])
    stop = threading.Event()
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    thread = threading.Thread(target=server.serve_forever, name="preview-server", daemon=True)
    try:
        _log(preview.rebuild(), "首次构建")
        thread.start()
        click.echo(f"正在预览：{server.url}（按 Ctrl+C 停止）")
        if host not in LOOPBACK_NAMES:
            click.secho(
                f"警告：预览服务监听在 {host}，同一网络中的其他设备也能访问。",
                fg="yellow",
                err=True,
            )
        if open_browser:
            webbrowser.open(server.url)
        while True:
            changes = watcher.wait(stop)
            if changes:
                _log(preview.rebuild(), describe(changes))
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (or a terminal that sends the signal twice) must not cut the
        # clean-up short and leave the temporary folder behind.
        previous_interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.set()
        preview.close()  # wakes the reload streams so their threads end
        if thread.is_alive():
            server.shutdown()
        server.server_close()
        signal.signal(signal.SIGTERM, previous_handler)
        signal.signal(signal.SIGINT, previous_interrupt)
    click.echo("已停止预览，临时目录已删除。")
    return 0


def _bind(host: str, port: int, preview: Preview) -> PreviewServer:
    try:
        return PreviewServer(host, port, preview)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"端口 {port} 已被占用，无法启动预览",
                f"关闭占用该端口的程序，或换一个端口：zhuanlan serve --port {port + 1}",
            ) from None
        if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
            raise UsageError(
                f"无法监听地址 {host}：本机没有这个地址",
                "去掉 --host 只在本机预览，或写本机的一个 IP 地址",
            ) from None
        if error.errno == errno.EACCES:
            raise UsageError(
                f"没有权限使用端口 {port}", "使用 1024 以上的端口，例如 --port 8000"
            ) from None
        raise


def _log(outcome: Outcome, what: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    if outcome.site is not None:
        summary = SiteSummary.of(outcome.site)
        if what == "首次构建":
            report_notes(summary)
        click.echo(
            f"[{stamp}] {what} → 构建完成：{describe_site(summary)}，"
            f"渲染 {outcome.pages_rendered} 个页面，用时 {outcome.seconds:.2f} 秒"
        )
        return
    click.secho(
        f"[{stamp}] {what} → 构建失败，共 {len(outcome.problems)} 个问题；"
        "浏览器中继续显示上一次成功的构建：",
        fg="red",
        err=True,
    )
    report_problems(outcome.problems)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
