"""A real HTTP server on 127.0.0.1 for download tests: Range support and scripted failures."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Rule:
    """How the server answers one request for a path."""

    status: int | None = None  # answer with this error status instead of the file
    honour_range: bool = True
    close_after: int | None = None  # drop the connection after this many body bytes
    chunk: int = 64 * 1024
    delay: float = 0.0  # seconds between chunks
    stall: bool = False  # send headers and the first chunk, then nothing
    redirect_to: str | None = None


@dataclass
class Hit:
    path: str
    range: str | None
    status: int
    sent: int = 0


class FileServer:
    """Serves ``files`` over HTTP/1.0; ``plan[path]`` is a queue of Rules (the last one sticks)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.plan: dict[str, list[Rule]] = {}
        self.hits: list[Hit] = []
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = False  # server_close() joins handlers: none outlive a test
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def rule(self, path: str) -> Rule:
        queue = self.plan.get(path) or [Rule()]
        return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        srv: FileServer = self.server.owner  # type: ignore[attr-defined]
        rule = srv.rule(self.path)
        hit = Hit(self.path, self.headers.get("Range"), 200)
        srv.hits.append(hit)
        data = srv.files.get(self.path)
        if rule.redirect_to:
            hit.status = 302
            self.send_response(302)
            self.send_header("Location", rule.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if rule.status or data is None:
            hit.status = rule.status or 404
            self.send_error(hit.status)
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", hit.range or "")
        if match and rule.honour_range:
            start = int(match.group(1))
            if start >= len(data):
                hit.status = 416
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            hit.status = 206
        body = data[start:]
        self.send_response(hit.status)
        self.send_header("Content-Length", str(len(body)))
        if hit.status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        limit = len(body) if rule.close_after is None else rule.close_after
        try:
            while hit.sent < limit and not srv.stopping.is_set():
                piece = body[hit.sent : min(limit, hit.sent + rule.chunk)]
                self.wfile.write(piece)
                self.wfile.flush()
                hit.sent += len(piece)
                if rule.stall:
                    srv.stopping.wait(5)
                    return
                if rule.delay:
                    time.sleep(rule.delay)
        except OSError:
            pass  # the client went away (cancel): that is the point of some tests


@contextlib.contextmanager
def serving(files: dict[str, bytes]) -> Iterator[FileServer]:
    """Run a FileServer for ``files`` (paths like ``/model.bin``); joined on exit."""
    srv = FileServer()
    srv.files.update(files)
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.stopping.set()
        srv.httpd.shutdown()
        srv.httpd.server_close()
        srv.thread.join(5)
