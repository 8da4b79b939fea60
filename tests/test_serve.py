"""``zhuanlan serve`` as a user runs it: a real process, real HTTP, real files edited."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from serving import ServeProcess, free_port, request


def get_text(server: ServeProcess, path: str) -> tuple[int, str]:
    status, _, body = request(server.port, path)
    return status, body.decode("utf-8")


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def sample(project_from: Callable[[str], Path]) -> Path:
    return project_from("sample")


def test_serves_the_column_and_stops_cleanly_removing_its_folder(
    sample: Path, tmp_path: Path
) -> None:
    with ServeProcess(sample, tmp_path / "tmp") as server:
        first = server.wait_for_line("首次构建")
        assert "构建完成：1 个专栏，6 篇文章" in first
        server.started()
        status, page = get_text(server, "/dajuan-2023/1-goal/index.html")
        assert status == 200
        assert "明确“1”个目标，铆定努力方向" in page
        assert f"正在预览：http://127.0.0.1:{server.port}/（按 Ctrl+C 停止）" in server.lines
        assert not (sample / "site").exists()  # never builds into site/
        assert server.stop() == 0
    assert "已停止预览，临时目录已删除。" in server.lines
    assert list((tmp_path / "tmp").iterdir()) == []


def test_an_edit_shows_up_and_is_logged_with_its_duration(sample: Path, tmp_path: Path) -> None:
    article = sample / "content/dajuan-2023/3-leads.md"
    with ServeProcess(sample, tmp_path / "tmp") as server:
        server.started()
        edit(article, "扎实开展第二批主题教育", "扎实开展第二批主题教育（已修订）")
        line = server.wait_for_line("3-leads.md 已修改")
        assert "构建完成" in line and "秒" in line
        page = get_text(server, "/dajuan-2023/3-leads/")[1]
        assert "扎实开展第二批主题教育（已修订）" in page


def test_a_broken_edit_keeps_the_last_good_build_until_fixed(sample: Path, tmp_path: Path) -> None:
    article = sample / "content/dajuan-2023/1-goal.md"
    with ServeProcess(sample, tmp_path / "tmp") as server:
        server.started()
        edit(article, "date: 2024-01-16", "date: 2024-13-45")
        line = server.wait_for_line("1-goal.md 已修改")
        assert "构建失败，共 1 个问题" in line
        server.wait_for_line(r"content/dajuan-2023/1-goal\.md:4: date：不存在的日期")
        status, page = get_text(server, "/dajuan-2023/1-goal/index.html")
        assert status == 200 and "明确“1”个目标" in page
        status, _, body = request(server.port, "/__zhuanlan__/events")
        assert status == 200
        assert "不存在的日期：2024-13-45" in body.decode("utf-8")
        edit(article, "date: 2024-13-45", "date: 2024-01-16")
        assert "构建完成" in server.wait_for_line("1-goal.md 已修改")
        assert server.process.poll() is None


def test_a_first_build_that_fails_serves_the_problems(
    project_from: Callable[[str], Path], tmp_path: Path
) -> None:
    project = project_from("invalid/bad-date")
    with ServeProcess(project, tmp_path / "tmp") as server:
        server.started()
        status, page = get_text(server, "/")
        assert status == 500
        assert "content/col/first.md:3: date：不存在的日期：2024-13-45" in page
        edit(project / "content/col/first.md", "2024-13-45", "2024-01-15")
        wait_until(lambda: get_text(server, "/")[0] == 200)


def test_editor_clutter_is_ignored_and_a_burst_is_one_rebuild(sample: Path, tmp_path: Path) -> None:
    column = sample / "content/dajuan-2023"
    with ServeProcess(sample, tmp_path / "tmp") as server:
        server.started()
        for clutter in [".1-goal.md.swp", "1-goal.md~", "4913", "#1-goal.md#"]:
            (column / clutter).write_text("临时文件", encoding="utf-8")
        time.sleep(1.0)
        assert not any("已修改" in line or "已新增" in line for line in server.lines)
        # An editor's "save": write a temporary file, then rename it over the original.
        for name in ["3-leads.md", "3-groups.md", "5-functions.md"]:
            path = column / name
            temporary = column / f".{name}.tmp"
            temporary.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", "utf-8")
            temporary.replace(path)
        line = server.wait_for_line("已修改")
        assert "等 3 个文件已修改" in line
        time.sleep(1.0)
        assert sum("构建完成" in line for line in server.lines) == 2  # first build + one


def test_drafts_and_future_articles_only_with_their_options(sample: Path, tmp_path: Path) -> None:
    column = sample / "content/dajuan-2023"
    (column / "draft.md").write_text(
        "---\ntitle: 草稿文章\ndate: 2024-02-01\ndraft: true\n---\n草稿。\n", encoding="utf-8"
    )
    (column / "later.md").write_text(
        "---\ntitle: 未来文章\ndate: 2999-01-01\n---\n以后发布。\n", encoding="utf-8"
    )
    with ServeProcess(sample, tmp_path / "normal") as server:
        line = server.wait_for_line("首次构建")
        assert "1 篇草稿、1 篇未到发布日期的文章未发布" in line
        server.started()
        assert get_text(server, "/dajuan-2023/draft/")[0] == 404
        assert get_text(server, "/dajuan-2023/later/")[0] == 404
    with ServeProcess(sample, tmp_path / "all", "--drafts", "--future") as server:
        server.started()
        assert "草稿文章" in get_text(server, "/dajuan-2023/draft/")[1]
        assert "未来文章" in get_text(server, "/dajuan-2023/later/")[1]


def test_a_busy_port_is_named_with_the_option_to_change_it(sample: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with ServeProcess(sample, tmp_path / "tmp", port=port) as server:
            assert server.process.wait(timeout=30) == 2
        output = "\n".join(server.lines)
    assert f"端口 {port} 已被占用" in output
    assert "--port" in output
    assert "Traceback" not in output
    assert list((tmp_path / "tmp").iterdir()) == []


def test_requests_during_rebuilds_always_get_a_complete_build(sample: Path, tmp_path: Path) -> None:
    article = sample / "content/dajuan-2023/5-functions.md"
    pages = ["/", "/dajuan-2023/", "/dajuan-2023/5-functions/", "/static/zhuanlan.css"]
    failures: list[tuple[str, int]] = []
    stop = threading.Event()
    with ServeProcess(sample, tmp_path / "tmp") as server:
        server.started()

        def hammer() -> None:
            while not stop.is_set():
                for page in pages:
                    status, _, body = request(server.port, page)
                    if status != 200 or not body:
                        failures.append((page, status))

        workers = [threading.Thread(target=hammer) for _ in range(3)]
        for worker in workers:
            worker.start()
        for round_number in range(5):
            edit(article, "充分发挥", f"第{round_number}次充分发挥")
            server.wait_for_line("5-functions.md 已修改")
        stop.set()
        for worker in workers:
            worker.join()
    assert failures == []


def test_port_is_free_again_after_stopping(sample: Path, tmp_path: Path) -> None:
    port = free_port()
    with ServeProcess(sample, tmp_path / "one", port=port) as server:
        server.started()
        assert server.stop() == 0
    with ServeProcess(sample, tmp_path / "two", port=port) as server:
        server.started()


def test_ctrl_c_twice_still_removes_the_temporary_folder(sample: Path, tmp_path: Path) -> None:
    with ServeProcess(sample, tmp_path / "tmp") as server:
        server.started()
        # Keep a reload stream open, so stopping has threads to wake.
        status, _, _ = request(server.port, "/__zhuanlan__/events")
        assert status == 200
        server.process.send_signal(signal.SIGINT)
        time.sleep(0.2)  # the second one lands while it is stopping the server
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=20) == 0
    assert "已停止预览，临时目录已删除。" in server.lines
    assert list((tmp_path / "tmp").iterdir()) == []
