"""download.download against a real HTTP server on 127.0.0.1 that can misbehave on request."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from local_http import FileServer, Rule, serving
from wavescribe.core.errors import Cancelled, ChecksumMismatch, DownloadError, Hint, HintKind
from wavescribe.core.models.download import DownloadProgress, download

APP_DIR = Path(__file__).resolve().parents[2] / "app"
PAYLOAD = os.urandom(300_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def server() -> Iterator[FileServer]:
    with serving({"/model.bin": PAYLOAD}) as srv:
        yield srv


def fetch(srv: FileServer, dest: Path, *paths: str, **kw: object) -> Path:
    kw.setdefault("sha256", SHA)
    kw.setdefault("size", len(PAYLOAD))
    kw.setdefault("timeout", 5)
    return download([srv.url(p) for p in paths or ("/model.bin",)], dest, **kw)  # type: ignore[arg-type]


def part_of(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def test_full_download_is_verified_then_renamed(server: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "models" / "m.bin"
    assert fetch(server, dest) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not part_of(dest).exists()
    assert [(h.range, h.status, h.sent) for h in server.hits] == [(None, 200, len(PAYLOAD))]


def test_interrupted_download_resumes_with_a_range_request(
    server: FileServer, tmp_path: Path
) -> None:
    dest = tmp_path / "m.bin"
    part_of(dest).write_bytes(PAYLOAD[:120_000])  # what a killed earlier run left behind
    fetch(server, dest)
    assert dest.read_bytes() == PAYLOAD
    assert [(h.range, h.status, h.sent) for h in server.hits] == [
        ("bytes=120000-", 206, len(PAYLOAD) - 120_000)
    ]


def test_server_closing_mid_stream_keeps_the_part_and_a_retry_resumes(
    server: FileServer, tmp_path: Path
) -> None:
    server.plan["/model.bin"] = [Rule(close_after=100_000), Rule()]
    dest = tmp_path / "m.bin"
    with pytest.raises(DownloadError, match=r"100000 bytes are kept in m\.bin\.part") as info:
        fetch(server, dest)
    assert not isinstance(info.value, ChecksumMismatch)
    assert info.value.hint == Hint(HintKind.RESUME_DOWNLOAD)
    assert not dest.exists()
    assert part_of(dest).read_bytes() == PAYLOAD[:100_000]

    fetch(server, dest)
    assert dest.read_bytes() == PAYLOAD
    assert server.hits[1].range == "bytes=100000-"
    assert server.hits[1].sent == len(PAYLOAD) - 100_000


def test_checksum_mismatch_leaves_neither_file_nor_part(server: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "m.bin"
    with pytest.raises(ChecksumMismatch, match="SHA-256"):
        fetch(server, dest, sha256="0" * 64)
    assert not dest.exists()
    assert not part_of(dest).exists()


def test_a_bad_resumed_part_is_caught_by_the_checksum(server: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "m.bin"
    part_of(dest).write_bytes(b"\0" * 50_000)  # wrong bytes: only the full hash can tell
    with pytest.raises(ChecksumMismatch):
        fetch(server, dest)
    assert not dest.exists() and not part_of(dest).exists()


def test_wrong_size_on_the_server_is_refused_before_writing(
    server: FileServer, tmp_path: Path
) -> None:
    dest = tmp_path / "m.bin"
    with pytest.raises(DownloadError, match="expected 300001"):
        fetch(server, dest, size=len(PAYLOAD) + 1)
    assert not dest.exists() and not part_of(dest).exists()


def test_404_says_not_found_at_the_url(server: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "m.bin"
    with pytest.raises(DownloadError, match=r"not found at http://127\.0\.0\.1:\d+/missing.bin"):
        fetch(server, dest, "/missing.bin")
    assert not dest.exists() and not part_of(dest).exists()


def test_500_without_a_fallback_fails(server: FileServer, tmp_path: Path) -> None:
    server.plan["/model.bin"] = [Rule(status=500)]
    with pytest.raises(DownloadError, match="HTTP 500"):
        fetch(server, tmp_path / "m.bin")


def test_500_falls_back_to_the_next_url(server: FileServer, tmp_path: Path) -> None:
    server.files["/mirror.bin"] = PAYLOAD
    server.plan["/model.bin"] = [Rule(status=500)]
    dest = tmp_path / "m.bin"
    fetch(server, dest, "/model.bin", "/mirror.bin")
    assert dest.read_bytes() == PAYLOAD
    assert [(h.path, h.status) for h in server.hits] == [("/model.bin", 500), ("/mirror.bin", 200)]


def test_connection_refused_falls_back_to_the_next_url(server: FileServer, tmp_path: Path) -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    dead_url = f"http://127.0.0.1:{closed.server_address[1]}/model.bin"
    closed.server_close()
    dest = tmp_path / "m.bin"
    download([dead_url, server.url("/model.bin")], dest, sha256=SHA, size=None, timeout=5)
    assert dest.read_bytes() == PAYLOAD


def test_server_ignoring_range_makes_the_download_start_over(
    server: FileServer, tmp_path: Path
) -> None:
    server.plan["/model.bin"] = [Rule(honour_range=False)]
    dest = tmp_path / "m.bin"
    part_of(dest).write_bytes(PAYLOAD[:80_000])
    fetch(server, dest)
    assert dest.read_bytes() == PAYLOAD
    assert [(h.range, h.status, h.sent) for h in server.hits] == [
        ("bytes=80000-", 200, len(PAYLOAD))
    ]


def test_a_complete_part_is_verified_without_downloading(
    server: FileServer, tmp_path: Path
) -> None:
    dest = tmp_path / "m.bin"
    part_of(dest).write_bytes(PAYLOAD)
    fetch(server, dest)
    assert dest.read_bytes() == PAYLOAD
    assert server.hits == []


def test_416_for_a_complete_part_of_unknown_size_means_verify(
    server: FileServer, tmp_path: Path
) -> None:
    dest = tmp_path / "m.bin"
    part_of(dest).write_bytes(PAYLOAD)
    fetch(server, dest, size=None)
    assert dest.read_bytes() == PAYLOAD
    assert [(h.range, h.status) for h in server.hits] == [(f"bytes={len(PAYLOAD)}-", 416)]


def test_redirects_keep_the_range_header(server: FileServer, tmp_path: Path) -> None:
    server.plan["/resolve.bin"] = [Rule(redirect_to="/model.bin")]
    dest = tmp_path / "m.bin"
    part_of(dest).write_bytes(PAYLOAD[:1000])
    fetch(server, dest, "/resolve.bin")
    assert dest.read_bytes() == PAYLOAD
    assert [(h.path, h.range, h.status) for h in server.hits] == [
        ("/resolve.bin", "bytes=1000-", 302),
        ("/model.bin", "bytes=1000-", 206),
    ]


def test_cancel_from_another_thread_keeps_a_resumable_part(
    server: FileServer, tmp_path: Path
) -> None:
    server.plan["/model.bin"] = [Rule(chunk=2048, delay=0.02), Rule()]  # ~3 s if not cancelled
    dest = tmp_path / "m.bin"
    cancel = threading.Event()
    timer = threading.Timer(0.25, cancel.set)
    timer.start()
    try:
        with pytest.raises(Cancelled, match="resume"):
            fetch(server, dest, cancel=cancel)
    finally:
        timer.cancel()
        timer.join()
    assert not dest.exists()
    kept = part_of(dest).stat().st_size
    assert 0 < kept < len(PAYLOAD)

    fetch(server, dest)  # and the kept part really is resumable
    assert dest.read_bytes() == PAYLOAD
    assert server.hits[-1].range == f"bytes={kept}-"


def test_cancel_interrupts_a_stalled_server_quickly(server: FileServer, tmp_path: Path) -> None:
    server.plan["/model.bin"] = [Rule(chunk=8192, stall=True)]
    dest = tmp_path / "m.bin"
    started = time.monotonic()
    deadline = started + 0.3
    with pytest.raises(Cancelled):
        fetch(server, dest, cancel=lambda: time.monotonic() > deadline, timeout=20)
    assert time.monotonic() - started < 3  # not the 20 s read timeout
    assert not dest.exists()


def test_cancel_interrupts_a_stalled_server_reached_through_a_redirect(
    server: FileServer, tmp_path: Path
) -> None:
    """The socket shut down on cancel is the one the body comes through, not the redirect's."""
    server.plan["/resolve.bin"] = [Rule(redirect_to="/model.bin")]
    server.plan["/model.bin"] = [Rule(chunk=8192, stall=True)]
    dest = tmp_path / "m.bin"
    started = time.monotonic()
    deadline = started + 0.3
    with pytest.raises(Cancelled):
        download(
            [server.url("/resolve.bin")],
            dest,
            sha256=SHA,
            size=len(PAYLOAD),
            cancel=lambda: time.monotonic() > deadline,
            timeout=20,
        )
    assert time.monotonic() - started < 3
    assert [h.path for h in server.hits] == ["/resolve.bin", "/model.bin"]


def test_cancel_before_start_raises_without_touching_the_network(
    server: FileServer, tmp_path: Path
) -> None:
    with pytest.raises(Cancelled):
        fetch(server, tmp_path / "m.bin", cancel=lambda: True)
    assert server.hits == []


def test_progress_is_monotonic_throttled_and_ends_at_the_total(
    server: FileServer, tmp_path: Path
) -> None:
    server.plan["/model.bin"] = [Rule(chunk=6000, delay=0.01)]  # ~0.5 s of transfer
    reports: list[DownloadProgress] = []
    started = time.monotonic()
    fetch(server, tmp_path / "m.bin", progress=reports.append)
    elapsed = time.monotonic() - started
    done = [r.bytes_done for r in reports]
    assert done == sorted(done)
    assert reports[-1].bytes_done == reports[-1].bytes_total == len(PAYLOAD)
    assert reports[-1].fraction == 1.0
    assert all(r.bytes_total == len(PAYLOAD) for r in reports)
    assert len(reports) <= elapsed / 0.1 + 3
    assert any(r.rate_bps > 0 and r.eta_s is not None for r in reports)


_FSIZE_CHILD = """
import json, resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills us instead of EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
from wavescribe.core.models.download import download
from wavescribe.core.errors import DownloadError
try:
    download([sys.argv[1]], Path(sys.argv[2]), sha256=sys.argv[3], size=int(sys.argv[4]), timeout=5)
    print(json.dumps({"error": None}))
except DownloadError as exc:
    hint = exc.hint and exc.hint.kind.value
    print(json.dumps({"error": type(exc).__name__, "message": str(exc), "hint": hint}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_gives_disk_full_error_and_keeps_nothing(
    server: FileServer, tmp_path: Path
) -> None:
    dest = tmp_path / "m.bin"
    env = dict(os.environ, PYTHONPATH=str(APP_DIR), PYTHONDONTWRITEBYTECODE="1")
    args = [server.url("/model.bin"), str(dest), SHA, str(len(PAYLOAD))]
    done = subprocess.run(
        [sys.executable, "-c", _FSIZE_CHILD, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["error"] == "DownloadError"
    assert "disk full / file too large" in result["message"]
    assert result["hint"] == HintKind.FREE_DISK_SPACE.value
    assert not dest.exists()
    assert not part_of(dest).exists()


def test_malformed_checksum_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        download(["https://example.invalid/x"], tmp_path / "x", sha256="abc", size=None)


def test_no_urls_is_a_download_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError):
        download([], tmp_path / "x", sha256=SHA, size=None)
