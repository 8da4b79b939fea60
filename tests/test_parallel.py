"""Work spread over processes comes back complete and in order."""

from __future__ import annotations

import os

import pytest

from zhuanlan.parallel import in_child, map_parallel, usable_cores


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
