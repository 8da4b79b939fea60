"""Shared fixtures: copying fixture sites, building them, reading the HTML."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from playwright.sync_api import Browser, sync_playwright

from zhuanlan.cache import CACHE_DIR
from zhuanlan.cli import main
from zhuanlan.mirror import wait_for

from serving import free_port

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium: Playwright's own browser download cannot work here."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Headless as root, and no background connections (the network is closed)."""
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Built:
    """A project that was built: the CLI result and where its site went."""

    result: Result
    project: Path
    site: Path

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    @property
    def output(self) -> str:
        return self.result.output

    def page(self, url: str) -> BeautifulSoup:
        """Parse one built page (URL relative to the site root)."""
        return BeautifulSoup((self.site / url).read_text(encoding="utf-8"), "html.parser")

    def pages(self) -> list[str]:
        """Every HTML page of the site, as URLs relative to the site root."""
        return sorted(p.relative_to(self.site).as_posix() for p in self.site.rglob("*.html"))


def run_build(project: Path, *args: str) -> Built:
    """Run ``zhuanlan build`` in-process on `project` and return what happened."""
    site = project / "site"
    result = CliRunner().invoke(main, ["build", "--project", str(project), *args])
    return Built(result, project, site)


def files(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None), by path: an empty folder left
    behind is a difference too."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def cold_build(project: Path, tmp: Path) -> dict[str, bytes | None]:
    """Build a copy of the project with no cache at all."""
    copy = tmp / "cold-project"
    if copy.exists():
        wait_for(copy / CACHE_DIR / "spare-site")  # still being made in the background?
        shutil.rmtree(copy)
    shutil.copytree(project / "content", copy / "content")
    if (project / "templates").exists():
        shutil.copytree(project / "templates", copy / "templates")
    built = run_build(copy)
    assert built.exit_code == 0, built.output
    return files(copy / "site")


def folders_beside_site(project: Path, settle: float = 20.0) -> list[str]:
    """What is left beside ``site/`` once the replaced site's background deletion ends.

    A build hands the old site to a detached deleter, so it may still be there for a
    moment after the build returns; anything else left there stays.
    """
    deadline = time.monotonic() + settle
    while True:
        left = sorted(p.name for p in project.iterdir() if p.name.startswith("site."))
        if not any(".zhuanlan-trash-" in name for name in left) or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


@pytest.fixture
def project_from(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture site (``valid/minimal``) or ``sample`` (the repo's content) to tmp."""

    def copy(name: str) -> Path:
        target = tmp_path / name.replace("/", "-")
        if name == "sample":
            shutil.copytree(REPO / "content", target / "content")
        else:
            shutil.copytree(FIXTURES / name, target)
        return target

    return copy


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample column, built once for the whole session."""
    project = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "content", project / "content")
    built = run_build(project)
    assert built.exit_code == 0, built.output
    return built


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One real Chromium for the whole test session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def nginx_subpath(sample: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample site served by real nginx at http://127.0.0.1:PORT/dangjian/ (and at the root)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    config = work / "nginx.conf"
    config.write_text(
        f"""
daemon off;
master_process off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log {work}/access.log;
    client_body_temp_path {work};
    proxy_temp_path {work};
    fastcgi_temp_path {work};
    uwsgi_temp_path {work};
    scgi_temp_path {work};
    server {{
        listen 127.0.0.1:{port};
        location / {{
            root {sample.site};
        }}
        location /dangjian/ {{
            alias {sample.site}/;
            error_page 404 /dangjian/404.html;
        }}
    }}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen([nginx, "-c", str(config), "-p", str(work)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail((work / "error.log").read_text())
    yield f"http://127.0.0.1:{port}/dangjian/"
    process.terminate()
    process.wait(timeout=10)
