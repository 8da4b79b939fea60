"""The preview's HTTP server: serves the current build and nothing else.

A preview server is a real server, so it is strict:
- only files inside the current build folder are served: ``..`` in any encoding,
  backslashes, NUL bytes, ``//host`` paths and symbolic links that lead outside are
  refused, percent-decoding happens exactly once, and dot-files are never served;
- no directory listings: a folder is its ``index.html`` or nothing;
- a ``Host`` header that is not a loopback name or the configured host gets 403, which
  defeats DNS rebinding; the reload channel checks ``Origin`` the same way;
- every response has an explicit content type (text as UTF-8) and ``Cache-Control:
  no-store``, so the browser never shows a stale page.
The reload script is injected into HTML responses here, never written into a build.
"""

from __future__ import annotations

import html
import ipaddress
import json
import os
import socket
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from zhuanlan.preview import Preview, Snapshot

INTERNAL_PREFIX = "/__zhuanlan__/"
EVENTS_PATH = INTERNAL_PREFIX + "events"
SCRIPT_PATH = INTERNAL_PREFIX + "reload.js"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
KEEPALIVE_SECONDS = 15.0

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".mp3": "audio/mpeg",
    ".zip": "application/zip",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class RequestRefused(Exception):
    """The request path is not acceptable; `status` says how to answer."""

    def __init__(self, status: HTTPStatus) -> None:
        super().__init__(status.phrase)
        self.status = status


def resolve_request_path(folder: Path, raw_path: str) -> Path:
    """The file inside `folder` that a request path names; raise `RequestRefused`.

    A folder resolves to its ``index.html``. The path is percent-decoded once only: a
    doubly encoded ``%252e%252e`` stays the harmless literal name ``%2e%2e``.
    """
    path = urlsplit(raw_path).path if "?" in raw_path or "#" in raw_path else raw_path
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        raise RequestRefused(HTTPStatus.BAD_REQUEST)
    if "%5c" in path.lower() or "%00" in path:
        raise RequestRefused(HTTPStatus.BAD_REQUEST)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise RequestRefused(HTTPStatus.BAD_REQUEST) from None
    if "\x00" in decoded or "\\" in decoded:
        raise RequestRefused(HTTPStatus.BAD_REQUEST)
    segments = [segment for segment in decoded.split("/") if segment]
    for segment in segments:
        # ".. ", ". ." and similar are ".." to some file systems and tools.
        if segment.strip(" .\t") == "" or segment.strip() in ("..", "."):
            raise RequestRefused(HTTPStatus.BAD_REQUEST)
        if segment.startswith("."):
            raise RequestRefused(HTTPStatus.NOT_FOUND)
    base = folder.resolve()
    target = base.joinpath(*segments)
    real = Path(os.path.realpath(target))
    if real != base and base not in real.parents:
        raise RequestRefused(HTTPStatus.NOT_FOUND)  # a link that leads outside
    if real.is_dir():
        real = real / "index.html"
    if not real.is_file():
        raise RequestRefused(HTTPStatus.NOT_FOUND)
    return real


def host_allowed(header: str | None, allowed: frozenset[str], any_address: bool) -> bool:
    """Whether a ``Host`` (or ``Origin`` host) names this server, not a rebinding domain.

    With ``any_address`` (bound to 0.0.0.0 or ::), any IP address literal is accepted as
    well: DNS rebinding needs a domain name, so addresses are safe to accept.
    """
    if not header:
        return False
    host = header.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if host in allowed:
        return True
    if any_address:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True
    return False


@cache
def reload_script() -> bytes:
    """The browser side of live reload (shipped inside the package)."""
    return resources.files("zhuanlan").joinpath("reload.js").read_bytes()


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one preview."""

    daemon_threads = True
    block_on_close = False  # reload streams stay open; never wait for them when stopping

    def __init__(self, host: str, port: int, preview: Preview) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.preview = preview
        self.any_address = host in ("0.0.0.0", "::")
        self.allowed_hosts = LOOPBACK_NAMES | {host.lower()}
        super().__init__((host, port), PreviewHandler)

    @property
    def url(self) -> str:
        """The address actually bound, as a URL."""
        host, port = self.server_address[:2]
        text = host if isinstance(host, str) else host.decode()
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}/"


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the current snapshot of the preview."""

    server: PreviewServer
    server_version = "zhuanlan-preview"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged: the terminal shows rebuilds, not traffic."""

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        if not host_allowed(
            self.headers.get("Host"), self.server.allowed_hosts, self.server.any_address
        ):
            self._send_text(HTTPStatus.FORBIDDEN, "403 禁止访问：Host 不是本机地址", send_body)
            return
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self._stream_events(send_body)
            return
        if path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", reload_script(), send_body)
            return
        snapshot = self.server.preview.snapshot
        if snapshot.folder is None:
            self._send_problem_page(snapshot, send_body)
            return
        try:
            file = resolve_request_path(snapshot.folder, self.path)
        except RequestRefused as refused:
            if refused.status == HTTPStatus.NOT_FOUND:
                self._send_not_found(snapshot, send_body)
            else:
                self._send_text(refused.status, f"{refused.status.value} 请求无效", send_body)
            return
        # A folder asked for without its slash: relative links need the slash.
        if file.name == "index.html" and not path.endswith(("/", ".html")):
            self._redirect(path + "/")
            return
        self._send_file(HTTPStatus.OK, file, snapshot, send_body)

    def _send_file(
        self, status: HTTPStatus, file: Path, snapshot: Snapshot, send_body: bool
    ) -> None:
        content_type = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        body = file.read_bytes()
        if content_type.startswith("text/html"):
            body = inject_reload_script(body, snapshot.generation)
        self._send(status, content_type, body, send_body)

    def _send_not_found(self, snapshot: Snapshot, send_body: bool) -> None:
        assert snapshot.folder is not None
        page = snapshot.folder / "404.html"
        if page.is_file():
            self._send_file(HTTPStatus.NOT_FOUND, page, snapshot, send_body)
        else:
            self._send_text(HTTPStatus.NOT_FOUND, "404 页面未找到", send_body)

    def _send_problem_page(self, snapshot: Snapshot, send_body: bool) -> None:
        """No build has succeeded yet: every page is the list of problems."""
        items = "".join(
            f"<li><code>{html.escape(problem.format())}</code></li>"
            for problem in snapshot.problems
        )
        page = (
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<link rel="icon" href="data:,"><title>构建失败</title></head><body><main><h1>构建失败</h1>'
            f"<p>共 {len(snapshot.problems)} 个问题，修改并保存后页面会自动刷新。</p>"
            f"<ol>{items}</ol></main></body></html>"
        )
        body = inject_reload_script(page.encode("utf-8"), snapshot.generation)
        self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8", body, send_body)

    def _stream_events(self, send_body: bool) -> None:
        """Server-sent events: the preview's state now, then every change."""
        origin = self.headers.get("Origin")
        if origin is not None and not host_allowed(
            urlsplit(origin).netloc, self.server.allowed_hosts, self.server.any_address
        ):
            self._send_text(HTTPStatus.FORBIDDEN, "403 禁止访问：Origin 不是本机", send_body)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not send_body:
            return
        preview = self.server.preview
        seen: Snapshot | None = None
        try:
            while not preview.closed:
                snapshot = preview.wait_for_change(seen, KEEPALIVE_SECONDS)
                if snapshot is seen:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    self.wfile.write(b"event: state\ndata: " + state_json(snapshot) + b"\n\n")
                    seen = snapshot
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_text(self, status: HTTPStatus, text: str, send_body: bool) -> None:
        self._send(status, "text/plain; charset=utf-8", (text + "\n").encode("utf-8"), send_body)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def inject_reload_script(page: bytes, generation: int) -> bytes:
    """Add the live-reload script to an HTML page, just before ``</body>``."""
    tag = f'<script src="{SCRIPT_PATH}" data-generation="{generation}"></script>'.encode()
    position = page.rfind(b"</body>")
    if position == -1:
        return page + tag
    return page[:position] + tag + page[position:]


def state_json(snapshot: Snapshot) -> bytes:
    """The preview's state for the browser: which build, and what is wrong, if anything."""
    return json.dumps(
        {
            "generation": snapshot.generation,
            "problems": [
                {
                    "location": problem.location(),
                    "field": problem.field,
                    "message": problem.message,
                    "hint": problem.hint,
                }
                for problem in snapshot.problems
            ],
        },
        ensure_ascii=False,
    ).encode("utf-8")
