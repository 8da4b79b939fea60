"""The preview server is a real server: its security, over a real socket.

``zhuanlan serve`` runs as a real process on a free port; every request below is sent
over TCP exactly as written, with no client-side normalisation. The server must serve
only files inside its current build folder (no ``..`` in any encoding, no absolute or
``//host`` paths, no symbolic links leading outside, no dot-files, no directory
listings), must refuse ``Host`` headers and reload-channel ``Origin``\\s that do not name
this machine (DNS rebinding), must label every response with its content type and
``Cache-Control: no-store``, and must inject its reload script into served pages only —
never into what ``zhuanlan build`` writes.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, run_build
from serving import ServeProcess, free_port, request

MARKER = "ZHUANLAN-SECRET-7f3a9c1e"
"""Written into every file that must never be served; it must never appear in a body."""

CONTENT_MARKER = "ZHUANLAN-SOURCE-4b8d2e60"
"""Written into the project's own sources, which are not part of the build either."""

ASSETS = {
    "a.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>\n',
        "image/svg+xml",
    ),
    "b.json": ('{"名称": "党建"}\n', "application/json; charset=utf-8"),
    "c.xml": (
        '<?xml version="1.0" encoding="utf-8"?><名称>党建</名称>\n',
        "application/xml; charset=utf-8",
    ),
    "d.woff2": ("wOF2-not-really-a-font", "font/woff2"),
    "e.txt": ("纯文本，UTF-8。\n", "text/plain; charset=utf-8"),
}


@dataclass
class Served:
    """The running server and where its secrets were hidden."""

    server: ServeProcess
    base: Path
    project: Path

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample project, with assets of every kind, served from `base/tmp`.

    Layout (the build folder is ``base/tmp/zhuanlan-preview-*/N``)::

        base/secret.txt               ← /../../../secret.txt from the build folder
        base/outside/secret.txt, index.html
        base/tmp/secret.txt           ← /../../secret.txt
        base/project/secret.txt
        base/project/content/...      (site.yml carries CONTENT_MARKER in a comment)
    """
    base = tmp_path_factory.mktemp("serve-security")
    project = base / "project"
    tmp = base / "tmp"
    tmp.mkdir()
    shutil.copytree(REPO / "content", project / "content")
    site_yml = project / "content" / "site.yml"
    site_yml.write_text(
        site_yml.read_text(encoding="utf-8") + f"# {CONTENT_MARKER}\n", encoding="utf-8"
    )
    files = project / "content" / "dajuan-2023" / "files"
    files.mkdir()
    for name, (text, _) in ASSETS.items():
        (files / name).write_text(text, encoding="utf-8")
    for folder in (base, tmp, project, project / "content"):
        (folder / "secret.txt").write_text(f"{MARKER}\n", encoding="utf-8")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{MARKER}\n", encoding="utf-8")
    (outside / "index.html").write_text(f"<p>{MARKER}</p>\n", encoding="utf-8")
    with ServeProcess(project, tmp) as server:
        server.started()
        yield Served(server, base, project)


def assert_no_secret(body: bytes) -> None:
    text = body.decode("utf-8", errors="replace")
    assert MARKER not in text
    assert CONTENT_MARKER not in text
    assert "subtitle:" not in text  # raw site.yml
    assert "section: goal" not in text  # raw Markdown front matter


# --- Paths: only files inside the build folder --------------------------------------

TRAVERSALS = [
    "/../secret.txt",
    "/../../secret.txt",
    "/../../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/secret.txt",
    "/%2E%2E/%2E%2E/%2E%2E/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/%2e%2e%2F%2e%2e%2F%2e%2e%2Fsecret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e/%252e%252e/secret.txt",
    "/%252e%252e%252f%252e%252e%252fsecret.txt",
    "/..%5csecret.txt",
    "/..%5c..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "/%5C..%5C..%5Csecret.txt",
    "/..\\..\\secret.txt",
    "/%2e%2e%5c%2e%2e%5csecret.txt",
    "/..%20/secret.txt",
    "/..%20/..%20/secret.txt",
    "/%20../%20../secret.txt",
    "/..%09/..%09/secret.txt",
    "/.%2e/secret.txt",
    "/.%2e/.%2e/secret.txt",
    "/%2e./%2e./secret.txt",
    "/.../secret.txt",
    "/..../..../secret.txt",
    "/./../secret.txt",
    "/dajuan-2023/../../secret.txt",
    "/dajuan-2023/../../../secret.txt",
    "/dajuan-2023/%2e%2e/%2e%2e/%2e%2e/secret.txt",
    "/static/..%2f..%2f..%2fsecret.txt",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 for "."
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/..;/..;/secret.txt",
    "//example.com/secret.txt",
    "///secret.txt",
    "/%2f%2fexample.com/secret.txt",
    "/%00",
    "/secret.txt%00.html",
    "/%00/../secret.txt",
    "/index.html%00",
    "http://127.0.0.1/../../secret.txt",
    "http://127.0.0.1/%2e%2e/%2e%2e/secret.txt",
    "http://example.com/../../../secret.txt",
    "file:///etc/passwd",
    "*",
    "secret.txt",
    "../secret.txt",
    "/secret.txt",
    "/content/site.yml",
    "/content/secret.txt",
    "/../content/site.yml",
    "/../../../project/content/site.yml",
    "/%2e%2e/%2e%2e/%2e%2e/project/content/site.yml",
    "/../../../project/secret.txt",
    "/../../../outside/",
    "/../../../outside/index.html",
    "/site.yml",
    "/dajuan-2023/1-goal.md",
    "/content/dajuan-2023/1-goal.md",
    "/etc/passwd",
    "/C:/Windows/win.ini",
    "/secret.txt?/../../",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_nothing_outside_the_build_folder_is_served(served: Served, raw_path: str) -> None:
    status, headers, body = request(served.port, raw_path)
    assert status in (400, 404), (raw_path, status, body[:200])
    assert_no_secret(body)
    assert headers.get("cache-control") == "no-store"


@pytest.mark.parametrize(
    "raw_path", ["/?/../../secret.txt", "/#/../../secret.txt", "/?%2e%2e/%2e%2e"]
)
def test_query_and_fragment_are_not_part_of_the_path(served: Served, raw_path: str) -> None:
    """What follows ``?`` or ``#`` names no file: the path is ``/``, the home page."""
    status, _, body = request(served.port, raw_path)
    assert status == 200
    assert "党耀天平·法润张掖".encode() in body
    assert_no_secret(body)


def test_absolute_file_system_paths_are_not_served(served: Served) -> None:
    """``/tmp/.../secret.txt`` is a URL path inside the build folder, never a file path."""
    secret = str((served.base / "secret.txt").resolve())
    for raw_path in (
        secret,
        "/" + secret,
        secret.replace("/", "%2f"),
        secret.replace("/", "%2F"),
        "/%2f" + secret.lstrip("/").replace("/", "%2f"),
        "/%2e%2e" * 12 + secret,
    ):
        status, _, body = request(served.port, raw_path)
        assert status in (400, 404), (raw_path, status)
        assert_no_secret(body)


def test_raw_bytes_that_http_client_would_refuse(served: Served) -> None:
    """Request lines with a raw NUL, space or high bytes: refused, never a secret."""
    for target in (b"/..\x00/secret.txt", b"/.. /secret.txt", b"/\xc0\xae\xc0\xae/secret.txt"):
        reply = raw_exchange(
            served.port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        status = int(reply.split(b" ", 2)[1])
        assert status in (400, 404), (target, reply[:200])
        assert MARKER.encode() not in reply


def test_symlinks_leading_outside_are_not_followed(served: Served) -> None:
    folder = served.server.generation_folder()
    (folder / "link.txt").symlink_to(served.base / "secret.txt")
    (folder / "dajuan-2023" / "deep-link.txt").symlink_to(served.base / "tmp" / "secret.txt")
    (folder / "outside").symlink_to(served.base / "outside", target_is_directory=True)
    (folder / "static" / "up").symlink_to(served.base, target_is_directory=True)
    for raw_path in (
        "/link.txt",
        "/dajuan-2023/deep-link.txt",
        "/outside",
        "/outside/",
        "/outside/index.html",
        "/outside/secret.txt",
        "/static/up/secret.txt",
        "/static/up/outside/",
        "/static/up/project/content/site.yml",
    ):
        status, headers, body = request(served.port, raw_path)
        assert status == 404, (raw_path, status)
        assert_no_secret(body)
        assert headers.get("cache-control") == "no-store"


def test_dot_files_are_never_served(served: Served) -> None:
    folder = served.server.generation_folder()
    (folder / ".env").write_text(f"SECRET={MARKER}\n", encoding="utf-8")
    (folder / "dajuan-2023" / ".htpasswd").write_text(f"admin:{MARKER}\n", encoding="utf-8")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text(f"[core]\n# {MARKER}\n", encoding="utf-8")
    (folder / ".git" / "index.html").write_text(f"<p>{MARKER}</p>\n", encoding="utf-8")
    for raw_path in (
        "/.env",
        "/%2eenv",
        "/%2Eenv",
        "/.env/",
        "/dajuan-2023/.htpasswd",
        "/dajuan-2023/%2ehtpasswd",
        "/.git/config",
        "/.git/",
        "/.git",
        "/%2egit/config",
        "/.zhuanlan-site",
    ):
        status, _, body = request(served.port, raw_path)
        assert status == 404, (raw_path, status)
        assert_no_secret(body)


def test_no_directory_listings(served: Served) -> None:
    _, _, not_found_page = request(served.port, "/no/such/folder/")
    for raw_path in ("/static/", "/dajuan-2023/files/", "/static/?C=M;O=D"):
        status, headers, body = request(served.port, raw_path)
        assert status == 404, raw_path
        assert headers["cache-control"] == "no-store"
        # The ordinary 404 page, not a list of what the folder holds.
        assert body == not_found_page, raw_path
        assert b"a.svg" not in body and b"b.json" not in body
        assert b"Index of" not in body and b"Directory listing" not in body


@pytest.mark.parametrize(
    ("raw_path", "location"),
    [
        ("/dajuan-2023", "/dajuan-2023/"),
        ("/dajuan-2023/1-goal", "/dajuan-2023/1-goal/"),
    ],
)
def test_folder_without_slash_redirects_to_the_slash_form(
    served: Served, raw_path: str, location: str
) -> None:
    status, headers, body = request(served.port, raw_path)
    assert status == 301
    assert headers["location"] == location
    assert headers["cache-control"] == "no-store"
    assert body == b""
    status, _, body = request(served.port, location)
    assert status == 200
    assert b"<h1" in body


def test_a_folder_without_index_is_not_redirected_into_a_listing(served: Served) -> None:
    status, headers, _ = request(served.port, "/static")
    assert status == 404
    assert "location" not in headers


@pytest.mark.parametrize("kind", ["file", "column folder"])
def test_content_symlinks_leading_outside_never_reach_the_preview(
    project_from: Callable[[str], Path], tmp_path: Path, kind: str
) -> None:
    """A link in ``content/`` to something outside the project is not published.

    The build copies what it finds into the build folder, so a link followed there would
    bring outside bytes into the preview, past every check of the server itself.
    """
    project = project_from("valid/minimal")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{MARKER}\n", encoding="utf-8")
    column = (project / "content" / "col" / "_index.md").read_text(encoding="utf-8")
    (outside / "_index.md").write_text(column.replace("测试专栏", "外部专栏"), encoding="utf-8")
    # A complete column (with an article), so that nothing else leaves it out.
    shutil.copyfile(project / "content" / "col" / "first.md", outside / "first.md")
    if kind == "file":
        (project / "content" / "col" / "leak.txt").symlink_to(outside / "secret.txt")
        paths = ["/col/leak.txt", "/col/"]
    else:
        (project / "content" / "leak").symlink_to(outside, target_is_directory=True)
        paths = ["/leak/secret.txt", "/leak/", "/"]
    with ServeProcess(project, tmp_path / "tmp") as server:
        server.started()
        for raw_path in paths:
            status, _, body = request(server.port, raw_path)
            assert_no_secret(body)
            if raw_path.endswith(".txt"):
                assert status != 200, (raw_path, status)
        if kind == "column folder":
            # Nothing from the outside folder was written into the build either.
            assert not list(server.tmp.glob("zhuanlan-preview-*/*/leak"))


# --- Host and Origin: DNS-rebinding protection ---------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "evil.com:{port}",
        "127.0.0.1.evil.com",
        "127.0.0.1.evil.com:{port}",
        "localhost.evil.com:{port}",
        "localhost.evil.com",
        "evil-localhost:{port}",
        "127.0.0.2:{port}",
        "0.0.0.0:{port}",
        "10.0.0.1:{port}",
        "",
    ],
)
def test_foreign_host_header_is_refused(served: Served, host: str) -> None:
    for path in ("/", "/index.html", "/static/zhuanlan.css", "/__zhuanlan__/reload.js"):
        status, headers, body = request(served.port, path, host=host.format(port=served.port))
        assert status == 403, (host, path, status)
        assert headers["cache-control"] == "no-store"
        assert "党耀天平".encode() not in body


def test_foreign_host_is_refused_even_for_bad_paths(served: Served) -> None:
    status, _, body = request(served.port, "/../../secret.txt", host="evil.com")
    assert status in (400, 403, 404)
    assert_no_secret(body)


@pytest.mark.parametrize(
    "host",
    ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "localhost", "LOCALHOST:{port}"],
)
def test_loopback_host_header_is_accepted(served: Served, host: str) -> None:
    status, headers, body = request(served.port, "/", host=host.format(port=served.port))
    assert status == 200, host
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "党耀天平·法润张掖".encode() in body


def test_reload_channel_refuses_a_foreign_origin(served: Served) -> None:
    for origin in (
        "http://evil.com",
        f"http://evil.com:{served.port}",
        f"http://localhost.evil.com:{served.port}",
        f"http://127.0.0.1.evil.com:{served.port}",
        "null",
    ):
        status, headers, body = request(
            served.port, "/__zhuanlan__/events", headers={"Origin": origin}
        )
        assert status == 403, origin
        assert not headers["content-type"].startswith("text/event-stream")
        assert b"event:" not in body


@pytest.mark.parametrize("origin", ["http://localhost:{port}", "http://127.0.0.1:{port}"])
def test_reload_channel_accepts_the_own_origin(served: Served, origin: str) -> None:
    headers, first_event = first_server_sent_event(
        served.port, {"Origin": origin.format(port=served.port)}
    )
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-store"
    fields = dict(line.split(": ", 1) for line in first_event.splitlines())
    assert fields["event"] == "state"
    state = json.loads(fields["data"])
    assert isinstance(state["generation"], int) and state["generation"] >= 1
    assert state["problems"] == []


def test_reload_channel_with_a_foreign_host_is_refused(served: Served) -> None:
    status, _, body = request(
        served.port,
        "/__zhuanlan__/events",
        host="evil.com",
        headers={"Origin": f"http://127.0.0.1:{served.port}"},
    )
    assert status == 403
    assert b"event:" not in body


def test_host_option_binds_that_address_and_trusts_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "content", project / "content")
    port = free_port()
    with ServeProcess(project, tmp_path / "tmp", "--host", "127.0.0.2", port=port) as server:
        started = server.wait_for_line("正在预览")
        assert f"正在预览：http://127.0.0.2:{port}/" in started
        warning = server.wait_for_line("警告")
        assert warning == "警告：预览服务监听在 127.0.0.2，同一网络中的其他设备也能访问。"
        # Bound to that address only.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        for host, expected in (
            (f"127.0.0.2:{port}", 200),
            ("127.0.0.2", 200),
            (f"localhost:{port}", 200),
            ("evil.com", 403),
            (f"evil.com:{port}", 403),
            (f"127.0.0.2.evil.com:{port}", 403),
        ):
            status, headers, body = request_at("127.0.0.2", port, "/", host=host)
            assert status == expected, host
            assert headers["cache-control"] == "no-store"
        status, _, body = request_at("127.0.0.2", port, "/../../secret.txt", host="127.0.0.2")
        assert status in (400, 404)
        assert MARKER.encode() not in body
        assert server.stop() == 0


def test_default_host_prints_no_network_warning(served: Served) -> None:
    assert any(f"正在预览：http://127.0.0.1:{served.port}/" in line for line in served.server.lines)
    assert not any("警告" in line for line in served.server.lines)


# --- Content types and caching -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/dajuan-2023/", "text/html; charset=utf-8"),
        ("/dajuan-2023/1-goal/index.html", "text/html; charset=utf-8"),
        ("/404.html", "text/html; charset=utf-8"),
        ("/static/zhuanlan.css", "text/css; charset=utf-8"),
        ("/__zhuanlan__/reload.js", "text/javascript; charset=utf-8"),
        *((f"/dajuan-2023/files/{name}", kind) for name, (_, kind) in ASSETS.items()),
    ],
)
def test_content_type_and_no_store(served: Served, raw_path: str, content_type: str) -> None:
    status, headers, body = request(served.port, raw_path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert headers["cache-control"] == "no-store"
    assert int(headers["content-length"]) == len(body)
    name = raw_path.rsplit("/", 1)[-1]
    if name in ASSETS:
        assert body == ASSETS[name][0].encode("utf-8")
    if "charset=utf-8" in content_type:
        body.decode("utf-8")  # really UTF-8


def test_not_found_is_no_store_too(served: Served) -> None:
    status, headers, body = request(served.port, "/no/such/page/")
    assert status == 404
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "页面未找到".encode() in body
    for raw_path in ("/../x", "/%00"):
        status, headers, _ = request(served.port, raw_path)
        assert status == 400
        assert headers["cache-control"] == "no-store"
        assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "raw_path", ["/", "/static/zhuanlan.css", "/dajuan-2023/files/a.svg", "/no/such/page/"]
)
def test_head_sends_headers_and_no_body(served: Served, raw_path: str) -> None:
    get_status, get_headers, get_body = request(served.port, raw_path)
    reply = raw_exchange(
        served.port,
        f"HEAD {raw_path} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode(),
    )
    head, _, rest = reply.partition(b"\r\n\r\n")
    assert rest == b""
    lines = head.decode("latin-1").split("\r\n")
    assert int(lines[0].split(" ")[1]) == get_status
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    assert headers["content-type"] == get_headers["content-type"]
    assert headers["cache-control"] == "no-store"
    # HEAD advertises the length GET sends (the reload script injection included).
    assert int(headers["content-length"]) == len(get_body)


def test_head_on_the_reload_channel_sends_no_stream(served: Served) -> None:
    for origin in (f"http://127.0.0.1:{served.port}", "http://evil.com"):
        reply = raw_exchange(
            served.port,
            (
                f"HEAD /__zhuanlan__/events HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
                f"Origin: {origin}\r\n\r\n"
            ).encode(),
            quiet=1.5,
        )
        head, _, rest = reply.partition(b"\r\n\r\n")
        assert head.startswith((b"HTTP/1.0 ", b"HTTP/1.1 ")), reply[:200]
        assert b"no-store" in head
        assert rest == b"", (origin, rest[:200])


# --- The reload script: injected by the server only ----------------------------------


def test_reload_script_is_injected_only_by_the_server(served: Served) -> None:
    status, _, served_page = request(served.port, "/dajuan-2023/1-goal/index.html")
    assert status == 200
    assert b'<script src="/__zhuanlan__/reload.js"' in served_page
    assert served_page.count(b"/__zhuanlan__/reload.js") == 1
    status, _, script = request(served.port, "/__zhuanlan__/reload.js")
    assert status == 200 and b"EventSource" in script

    # The server's own build folder holds the plain build.
    generation = served.server.generation_folder()
    # (Links and dot-files planted by the tests above are not the build's; skip them.)
    for directory, _, names in os.walk(generation):
        for name in names:
            file = Path(directory) / name
            if not file.is_symlink() and not name.startswith("."):
                assert b"__zhuanlan__" not in file.read_bytes(), file

    built = run_build(served.project)
    assert built.exit_code == 0, built.output
    for file in built.site.rglob("*"):
        if file.is_file():
            assert b"__zhuanlan__" not in file.read_bytes(), file
    # Served page = built page + exactly the script tag.
    on_disk = (built.site / "dajuan-2023/1-goal/index.html").read_bytes()
    start = served_page.index(b'<script src="/__zhuanlan__/reload.js"')
    end = served_page.index(b"</script>", start) + len(b"</script>")
    assert served_page[:start] + served_page[end:] == on_disk


# --- Helpers -------------------------------------------------------------------------


def raw_exchange(port: int, data: bytes, *, quiet: float | None = None) -> bytes:
    """Send raw bytes; the reply until the server closes (or is `quiet` seconds silent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=quiet or 10) as connection:
        connection.sendall(data)
        chunks = []
        try:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            if quiet is None:
                raise
    return b"".join(chunks)


def request_at(
    address: str, port: int, raw_path: str, *, host: str
) -> tuple[int, dict[str, str], bytes]:
    """Like `serving.request`, to a server bound to another address."""
    connection = http.client.HTTPConnection(address, port, timeout=10)
    try:
        connection.putrequest("GET", raw_path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def first_server_sent_event(port: int, headers: dict[str, str]) -> tuple[dict[str, str], str]:
    """Open the reload channel; its headers and its first complete event."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", "/__zhuanlan__/events", skip_host=True)
        connection.putheader("Host", f"127.0.0.1:{port}")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 200
        lines: list[str] = []
        while (line := response.readline().decode("utf-8").rstrip("\n")) or not lines:
            if line and not line.startswith(":"):
                lines.append(line)
        return {k.lower(): v for k, v in response.getheaders()}, "\n".join(lines)
    finally:
        connection.close()
