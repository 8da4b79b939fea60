"""Work spread over processes comes back complete and in order."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest

from zhuanlan.parallel import alongside, in_child, map_parallel, usable_cores


def _square_and_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


@pytest.mark.parametrize("length", [0, 1, 2, 3, 7, 48, 101])
def test_results_come_back_in_order(length: int) -> None:
    results = map_parallel(_square_and_pid, list(range(length)), minimum_batch=1)
    assert [square for square, _ in results] == [n * n for n in range(length)]


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores")
def test_this_process_takes_a_share_and_workers_the_rest() -> None:
    results = map_parallel(_square_and_pid, list(range(100)), minimum_batch=1)
    pids = {pid for _, pid in results}
    assert os.getpid() in pids
    assert len(pids) == min(usable_cores(), 100)


def test_in_child_runs_elsewhere_and_returns_the_result() -> None:
    square, pid = in_child(_square_and_pid, 12)
    assert square == 144
    assert pid != os.getpid()


def _write_marker(path: str) -> None:
    with open(path, "w") as stream:  # noqa: PTH123
        stream.write(str(os.getpid()))


def test_alongside_runs_in_another_process_while_the_block_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with alongside(partial(_write_marker, str(marker))):
        pass
    assert marker.read_text() not in ("", str(os.getpid()))


def _fail_in_child_only(parent: int) -> None:
    if os.getpid() != parent:
        raise OSError("only in the child")


def _always_fail() -> None:
    raise OSError(28, "No space left on device")


def test_alongside_reports_a_failure_as_this_process_would(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # Failed in the child only: run again here, where it succeeds.
    with alongside(partial(_fail_in_child_only, os.getpid())):
        pass
    # Fails everywhere: the error is raised here, and the child printed nothing.
    with pytest.raises(OSError, match="No space left"), alongside(_always_fail):
        pass
    assert "Traceback" not in capfd.readouterr().err
