"""Running ``zhuanlan serve`` as a real process for tests, and talking to it over HTTP."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServeProcess:
    """``zhuanlan serve`` on a free port, with its temporary files under `tmp`."""

    def __init__(self, project: Path, tmp: Path, *args: str, port: int | None = None) -> None:
        self.project = project
        self.tmp = tmp
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        # faulthandler: a server that does not stop is made to say where it hangs.
        env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zhuanlan", "serve", "--port", str(self.port), *args],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line.rstrip("\n"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def wait_for_line(self, pattern: str, timeout: float = 15) -> str:
        """The next output line matching `pattern` (a regular expression)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line matching {pattern!r} in {self.lines}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if re.search(pattern, line):
                return line

    def started(self) -> ServeProcess:
        self.wait_for_line("正在预览")
        return self

    def generation_folder(self) -> Path:
        """The build folder being served now, as its pages say (the newest folder may be
        the copy the preview prepares for its next rebuild)."""
        [workdir] = self.tmp.glob("zhuanlan-preview-*")
        status, _, page = request(self.port, "/")
        assert status == 200
        found = re.search(rb'data-generation="(\d+)"', page)
        assert found, page[-300:]
        return workdir / found.group(1).decode()

    def stop(self) -> int:
        """Ctrl-C, as a user would press it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # faulthandler prints every thread
            self.process.wait(timeout=10)
            self._reader.join(timeout=5)
            raise AssertionError("did not stop on Ctrl-C:\n" + "\n".join(self.lines)) from None
        self._reader.join(timeout=5)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return status

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        except (subprocess.TimeoutExpired, AssertionError):
            self.process.kill()
            self.process.wait()


def request(
    port: int,
    raw_path: str,
    *,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    """Send `raw_path` exactly as given (no normalising) and return status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, raw_path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = (
            response.read()
            if not response.getheader("Content-Type", "").startswith("text/event-stream")
            else response.read1(4096)
        )
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()
