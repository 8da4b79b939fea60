"""Work spread over processes comes back complete and in order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zhuanlan.parallel import Standby, map_parallel, usable_cores


def _square_and_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


@pytest.mark.parametrize("length", [0, 1, 2, 3, 7, 48, 101])
def test_results_come_back_in_order(length: int) -> None:
    results = map_parallel(_square_and_pid, list(range(length)), minimum_batch=1)
    assert [square for square, _ in results] == [n * n for n in range(length)]


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores")
def test_this_process_takes_a_share_and_workers_the_rest() -> None:
    script = (
        "import os; from zhuanlan.parallel import map_parallel, usable_cores\n"
        "def pid(number): return os.getpid()\n"
        "pids = set(map_parallel(pid, list(range(100)), minimum_batch=1))\n"
        "print(os.getpid() in pids, len(pids) == min(usable_cores(), 100))"
    )
    assert run_fresh(script) == ["True", "True"]


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores")
def test_a_worker_killed_does_not_leave_its_share_undone() -> None:
    """As the kernel kills a process when memory runs out: the work is done here."""
    script = (
        "import os, signal; from zhuanlan.parallel import map_parallel\n"
        "parent = os.getpid()\n"
        "def square(number):\n"
        "    if number == 8 and os.getpid() != parent:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return number * number\n"
        "print(map_parallel(square, range(64), minimum_batch=1) == [n * n for n in range(64)])"
    )
    assert run_fresh(script) == ["True"]


def test_in_child_runs_elsewhere_and_returns_the_result() -> None:
    script = (
        "import os; from zhuanlan.parallel import in_child\n"
        "def square(number): return number * number, os.getpid()\n"
        "square, pid = in_child(square, 12)\n"
        "print(square, pid != os.getpid())"
    )
    assert run_fresh(script) == ["144", "True"]


def test_a_standby_helper_runs_later_what_it_is_given_in_its_own_process(
    tmp_path: Path,
) -> None:
    script = (
        "import os, sys; from zhuanlan.parallel import Standby\n"
        "def mark(path, text): open(path, 'w').write(f'{text} {os.getpid()}')\n"
        "helper = Standby(mark)\n"
        "with helper.running(sys.argv[1], 'late'): pass\n"
        "helper.close()\n"
        "text, pid = open(sys.argv[1]).read().split()\n"
        "print(text, pid != str(os.getpid()))"
    )
    assert run_fresh(script, str(tmp_path / "marker")) == ["late", "True"]


def test_a_standby_helper_given_nothing_ends_when_closed() -> None:
    script = (
        "import multiprocessing; from zhuanlan.parallel import Standby\n"
        "Standby(print).close()\n"
        "print(len(multiprocessing.active_children()))"
    )
    assert run_fresh(script) == ["0"]


def test_ctrl_c_does_not_make_a_standby_helper_print_a_traceback() -> None:
    # Ctrl-C reaches every process of the terminal's group; the build stops its helper.
    script = (
        "import multiprocessing, os, signal, time; from zhuanlan.parallel import Standby\n"
        "helper = Standby(print)\n"
        "time.sleep(0.5)  # until it waits for its arguments\n"
        "os.kill(multiprocessing.active_children()[0].pid, signal.SIGINT)\n"
        "time.sleep(0.2)\n"
        "helper.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def run_fresh(script: str, *args: str) -> list[str]:
    """Run `script` in a fresh interpreter: the test session runs threads (the
    browser's), and a process with threads never forks."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _fail_in_child_only(parent: int) -> None:
    if os.getpid() != parent:
        raise OSError("only in the child")


def _always_fail() -> None:
    raise OSError(28, "No space left on device")


def test_a_standby_helper_reports_a_failure_as_this_process_would(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # Failed in the child only: run again here, where it succeeds.
    with Standby(_fail_in_child_only).running(os.getpid()):
        pass
    # Fails everywhere: the error is raised here, and the child printed nothing.
    with pytest.raises(OSError, match="No space left"), Standby(_always_fail).running():
        pass
    assert "Traceback" not in capfd.readouterr().err


def test_in_child_answers_even_when_the_child_dies() -> None:
    script = (
        "import os; from zhuanlan.parallel import in_child\n"
        "parent = os.getpid()\n"
        "def spell(names):\n"
        "    if os.getpid() != parent: os._exit(9)  # killed, say, by the OOM killer\n"
        "    return [name.upper() for name in names]\n"
        "print(*in_child(spell, ['a', 'b']))"
    )
    assert run_fresh(script) == ["A", "B"]


def test_a_background_child_works_while_this_process_goes_on(tmp_path: Path) -> None:
    # The child waits for a file this process makes only after starting it: run here
    # instead, it would wait in vain.
    script = (
        "import os, sys, time; from pathlib import Path; from zhuanlan.parallel import Background\n"
        "go = Path(sys.argv[1])\n"
        "def wait_for_go():\n"
        "    deadline = time.monotonic() + 20\n"
        "    while not go.exists() and time.monotonic() < deadline: time.sleep(0.01)\n"
        "    return go.exists(), os.getpid()\n"
        "with Background(wait_for_go) as child:\n"
        "    go.touch()\n"
        "    went, pid = child.result()\n"
        "print(went, pid != os.getpid())"
    )
    assert run_fresh(script, str(tmp_path / "go")) == ["True", "True"]


def test_a_background_child_that_dies_is_replaced_by_the_work_done_here() -> None:
    script = (
        "import os; from zhuanlan.parallel import Background\n"
        "parent = os.getpid()\n"
        "def answer():\n"
        "    if os.getpid() != parent: os._exit(9)\n"
        "    return 'first'\n"
        "with Background(answer) as child: print(child.result())\n"
        "with Background(answer) as child: print(child.result(lambda: 'instead'))"
    )
    assert run_fresh(script) == ["first", "instead"]


def test_an_error_here_stops_the_background_child() -> None:
    script = (
        "import multiprocessing, time; from zhuanlan.parallel import Background\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    with Background(lambda: time.sleep(60)):\n"
        "        raise KeyError('template')\n"
        "except KeyError: pass\n"
        "print(len(multiprocessing.active_children()), time.monotonic() - start < 20)"
    )
    assert run_fresh(script) == ["0", "True"]


def test_a_standby_helper_prepares_at_once_and_answers_a_call() -> None:
    script = (
        "import os; from zhuanlan.parallel import Standby\n"
        "ready = []\n"
        "def prepare(): ready.append(os.getpid())\n"
        "def spell(names): return [name.upper() for name in names], ready, os.getpid()\n"
        "helper = Standby(spell, prepare=prepare)\n"
        "names, prepared, pid = helper.call(['a', 'b'])\n"
        "print(*names, prepared == [pid], pid != os.getpid(), ready == [])"
    )
    assert run_fresh(script) == ["A", "B", "True", "True", "True"]


def test_a_standby_helper_started_works_while_this_process_goes_on(tmp_path: Path) -> None:
    mark = tmp_path / "worked"
    script = (
        "import multiprocessing, os, sys, time; from pathlib import Path\n"
        "from zhuanlan.parallel import Standby\n"
        "mark = Path(sys.argv[1])\n"
        "def work(text):\n"
        "    mark.write_text(text)\n"
        "    return os.getpid()\n"
        "helper = Standby(work)\n"
        "helper.start('done')\n"
        "deadline = time.monotonic() + 20\n"
        "while not mark.exists() and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "print(mark.read_text(), helper.answer() != os.getpid())\n"
        "# One whose answer is not asked for is stopped.\n"
        "idle = Standby(time.sleep)\n"
        "idle.start(60)\n"
        "idle.close()\n"
        "print(multiprocessing.active_children() == [])"
    )
    assert run_fresh(script, str(mark)) == ["done", "True", "True"]


def test_a_standby_helper_that_dies_is_answered_for_here() -> None:
    script = (
        "import os; from zhuanlan.parallel import Standby\n"
        "parent = os.getpid()\n"
        "def spell(names):\n"
        "    if os.getpid() != parent: os._exit(9)\n"
        "    return names\n"
        "print(*Standby(spell).call(['here']))\n"
        "print(*Standby(spell).call(['x'], otherwise=lambda names: ['instead']))"
    )
    assert run_fresh(script) == ["here", "instead"]


def test_a_background_child_is_done_before_its_large_result_is_asked_for() -> None:
    # The answer (a megabyte) does not wait in a pipe for this process to read it: the
    # child exits, giving its memory back, as soon as it is done.
    script = (
        "import multiprocessing, time; from zhuanlan.parallel import Background\n"
        "with Background(lambda: b'x' * 2**20) as child:\n"
        "    deadline = time.monotonic() + 20\n"
        "    while multiprocessing.active_children() and time.monotonic() < deadline:\n"
        "        time.sleep(0.01)\n"
        "    exited = not multiprocessing.active_children()\n"
        "    print(exited, len(child.result()))"
    )
    assert run_fresh(script) == ["True", str(2**20)]


@pytest.mark.skipif(usable_cores() < 2, reason="needs two cores")
def test_a_background_child_can_spread_its_work_over_workers() -> None:
    script = (
        "import os; from zhuanlan.parallel import Background, map_parallel\n"
        "def pid(number): return os.getpid()\n"
        "work = lambda: set(map_parallel(pid, list(range(100)), minimum_batch=1))\n"
        "with Background(work) as child: pids = child.result()\n"
        "print(os.getpid() in pids, len(pids) >= 2)"
    )
    assert run_fresh(script) == ["False", "True"]
