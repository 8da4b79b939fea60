"""Shared fixtures: copying fixture sites, building them, reading the HTML."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from playwright.sync_api import Browser, sync_playwright

from zhuanlan.cli import main

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
