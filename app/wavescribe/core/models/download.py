"""Resumable, verified downloads of large files with the standard library only.

Bytes go to ``<dest>.part`` and are hashed as they arrive (an existing part is hashed first and
then resumed with an HTTP Range request). The part is renamed onto ``dest`` only after its size
and SHA-256 matched, so ``dest`` is either absent or exactly the published file.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from wavescribe import __version__
from wavescribe.core.atomic import is_disk_full
from wavescribe.core.errors import Cancelled, ChecksumMismatch, DownloadError, Hint, HintKind
from wavescribe.core.throttle import Throttle

CHUNK_SIZE = 256 * 1024
PROGRESS_INTERVAL_S = 0.1  # at most ~10 progress callbacks a second
_RATE_SMOOTHING = 0.3  # weight of the newest interval in the moving average
_CANCEL_POLL_S = 0.05
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
USER_AGENT = f"Wavescribe/{__version__} (+urllib)"

CancelToken = threading.Event | Callable[[], bool] | None


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """A progress snapshot; ``rate_bps`` is smoothed, ``eta_s`` is None until it can be guessed."""

    bytes_done: int
    bytes_total: int | None
    rate_bps: float
    eta_s: float | None

    @property
    def fraction(self) -> float | None:
        """Share done in [0, 1], or None when the total is unknown."""
        if not self.bytes_total:
            return None
        return min(1.0, self.bytes_done / self.bytes_total)


class _UrlFailed(Exception):
    """This URL did not deliver; the next one may (never leaves the module)."""


def download(
    urls: Sequence[str],
    dest: str | os.PathLike[str],
    *,
    sha256: str | None,
    size: int | None,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancel: CancelToken = None,
    timeout: float = 30,
) -> Path:
    """Fetch the first URL that works into ``dest``, resuming a previous ``.part`` if present.

    ``sha256=None`` skips the checksum (only for catalog entries without a published one: the
    caller must then validate the file itself). Raises DownloadError (kept ``.part`` when the
    message says it can be resumed), ChecksumMismatch (nothing kept) or Cancelled (``.part`` kept).
    """
    target = Path(dest)
    if not urls:
        raise DownloadError(f"No download URL for {target.name}")
    expected = _check_sha256(sha256)
    is_cancelled = _cancel_checker(cancel)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = _Part(target.with_suffix(target.suffix + ".part"), size, progress)
    try:
        part.load(is_cancelled)
        failures: list[str] = []
        for url in urls:
            if part.complete:
                break
            try:
                _fetch(url, part, is_cancelled, timeout)
                break
            except _UrlFailed as exc:
                failures.append(str(exc))
        else:
            raise _all_failed(target, part, failures)
        part.finish()
    except BaseException:
        part.close()
        raise
    return _verify_and_publish(part, target, expected, size)


def _fetch(url: str, part: _Part, is_cancelled: Callable[[], bool], timeout: float) -> None:
    # Two rounds at most: the second starts from zero when the server rejects our range.
    for _ in range(2):
        offset = part.done
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        if is_cancelled():
            raise _cancelled(part)
        connections = _Connections()
        try:
            response = connections.opener().open(
                urllib.request.Request(url, headers=headers), timeout=timeout
            )
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 416 and offset:
                whole = _content_range(exc.headers.get("Content-Range"))[1]
                if whole is None or whole == offset:
                    part.mark_complete()  # the part already holds the whole file: verify it
                    return
                part.reset()  # the part is longer than the file: it cannot be right
                continue
            raise _UrlFailed(_http_error_text(url, exc.code, exc.reason)) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _UrlFailed(f"cannot connect to {url}: {reason}") from exc

        with response:
            body_length = _content_length(response)
            if offset and response.status == 206:
                start = _content_range(response.headers.get("Content-Range"))[0]
                if start != offset:
                    part.reset()  # a different range than we asked for: start over
                    continue
                served_total = None if body_length is None else offset + body_length
            else:
                served_total = body_length
            if part.size is not None and served_total not in (None, part.size):
                raise _UrlFailed(f"{url} serves {served_total} bytes, expected {part.size}")
            if offset and response.status != 206:
                part.reset()  # the server ignored Range and sends the whole file
            part.set_total(served_total)
            _stream(response, connections.sock, url, part, body_length, is_cancelled)
            return
    raise _UrlFailed(f"{url} kept answering with an unusable byte range")


def _stream(
    response: http.client.HTTPResponse,
    sock: socket.socket | None,
    url: str,
    part: _Part,
    body_length: int | None,
    is_cancelled: Callable[[], bool],
) -> None:
    received = 0
    with _CancelWatcher(sock, is_cancelled):
        while True:
            if is_cancelled():
                raise _cancelled(part)
            try:
                chunk = response.read1(CHUNK_SIZE)
            except (OSError, http.client.HTTPException) as exc:
                if is_cancelled():
                    raise _cancelled(part) from exc
                raise _UrlFailed(f"connection to {url} lost after {part.done} bytes") from exc
            if not chunk:
                break
            received += len(chunk)
            part.write(chunk)
    if is_cancelled():
        raise _cancelled(part)
    if body_length is not None and received < body_length:
        raise _UrlFailed(f"{url} closed the connection after {received} of {body_length} bytes")


def _verify_and_publish(part: _Part, target: Path, expected: str | None, size: int | None) -> Path:
    if size is not None and part.done != size:
        part.discard()
        raise ChecksumMismatch(
            f"{target.name}: downloaded {part.done} bytes, expected {size}; the file was discarded"
        )
    digest = part.hexdigest()
    if expected is not None and digest != expected:
        part.discard()
        raise ChecksumMismatch(
            f"{target.name}: SHA-256 is {digest}, expected {expected}; the file was discarded"
        )
    try:
        os.replace(part.path, target)
    except OSError as exc:
        raise DownloadError(f"Cannot move the verified download to {target}: {exc}") from exc
    _fsync_dir(target.parent)
    return target


class _Part:
    """The ``.part`` file, its running hash and the progress reporting that goes with it."""

    def __init__(
        self, path: Path, size: int | None, callback: Callable[[DownloadProgress], None] | None
    ) -> None:
        self.path = path
        self.size = size
        self.total = size
        self.done = 0
        self.complete = False
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None
        self._callback = callback
        self._throttle = Throttle(PROGRESS_INTERVAL_S)
        self._last_report = 0.0
        self._last_done = 0
        self._rate = 0.0

    def load(self, is_cancelled: Callable[[], bool]) -> None:
        """Hash an existing part so the resumed download is still verified end to end."""
        if not self.path.is_file():
            return
        if self.size is not None and self.path.stat().st_size > self.size:
            self.path.unlink()
            return
        with open(self.path, "rb") as f:
            while block := f.read(4 * CHUNK_SIZE):
                if is_cancelled():
                    raise _cancelled(self)
                self._hash.update(block)
                self.done += len(block)
        self.complete = self.size is not None and self.done == self.size
        self._last_done = self.done
        self._report(force=True)

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; a failing disk removes the part (it may be torn) and says why."""
        if self.size is not None and self.done + len(chunk) > self.size:
            self.discard()
            raise ChecksumMismatch(
                f"{self.path.name}: the server sent more than the expected {self.size} bytes"
            )
        try:
            if self._file is None:
                self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - closed in close()
            view = memoryview(chunk)
            while view:
                written = self._file.write(view)
                view = view[written:]
        except OSError as exc:
            self.discard()
            if is_disk_full(exc):
                raise DownloadError(
                    f"Cannot save {self.path.name}: disk full / file too large "
                    f"({exc.strerror}); the partial download was removed",
                    hint=Hint(HintKind.FREE_DISK_SPACE),
                ) from exc
            raise DownloadError(f"Cannot write {self.path}: {exc}") from exc
        self._hash.update(chunk)
        self.done += len(chunk)
        self._report()

    def reset(self) -> None:
        """Throw the bytes away and start again from zero."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._hash = hashlib.sha256()
        self.done = self._last_done = 0
        self.complete = False

    def set_total(self, total: int | None) -> None:
        if self.size is None:
            self.total = total
        self._report(force=True)

    def mark_complete(self) -> None:
        self.complete = True

    def finish(self) -> None:
        """Flush to disk and send the last progress report."""
        if self._file is not None:
            try:
                os.fsync(self._file.fileno())
            except OSError as exc:  # late ENOSPC/EIO: the bytes may not be on disk
                self.discard()
                raise DownloadError(f"Cannot save {self.path.name}: {exc}") from exc
        self.close()
        if self.total is None:
            self.total = self.done
        self._report(force=True)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def discard(self) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.done = 0

    def _report(self, force: bool = False) -> None:
        if self._callback is None or not self._throttle.ready(force):
            return
        now = time.monotonic()
        elapsed = now - self._last_report
        if self._last_report and elapsed > 0:
            instant = max(0, self.done - self._last_done) / elapsed
            smoothed = self._rate + _RATE_SMOOTHING * (instant - self._rate)
            self._rate = smoothed if self._rate else instant
        self._last_report, self._last_done = now, self.done
        eta = None
        if self.total is not None and self._rate > 0:
            eta = max(0, self.total - self.done) / self._rate
        self._callback(DownloadProgress(self.done, self.total, self._rate, eta))


class _CancelWatcher:
    """Cuts a blocked read short on cancel; a stalled server would otherwise hold us ``timeout``."""

    def __init__(self, sock: socket.socket | None, is_cancelled: Callable[[], bool]):
        self._sock = sock
        self._is_cancelled = is_cancelled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _CancelWatcher:
        if self._sock is not None and self._is_cancelled is not _never:
            self._thread = threading.Thread(target=self._run, name="download-cancel", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(_CANCEL_POLL_S):
            if self._is_cancelled():
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
                return


class _Connections:
    """An opener like ``urlopen``'s (redirects, proxies, the default TLS checks) whose HTTP(S)
    connections note their socket (``HTTPConnection.sock``) once connected, so a cancel can shut
    the last one down: the response itself offers no public way to its socket."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None

    def opener(self) -> urllib.request.OpenerDirector:
        connections = self

        class Http(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                connections.sock = self.sock

        class Https(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                connections.sock = self.sock

        class HttpHandler(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Http, req)

        class HttpsHandler(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(Https, req)

        return urllib.request.build_opener(HttpHandler, HttpsHandler)


def _never() -> bool:
    return False


def _cancel_checker(cancel: CancelToken) -> Callable[[], bool]:
    if cancel is None:
        return _never
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    if callable(cancel):
        return cancel
    raise TypeError("cancel must be a threading.Event, a callable or None")


def _check_sha256(sha256: str | None) -> str | None:
    if sha256 is None:
        return None
    digest = sha256.strip().lower()
    if not _SHA256_RE.match(digest):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return digest


def _cancelled(part: _Part) -> Cancelled:
    part.close()
    if part.done:
        return Cancelled(
            f"Download cancelled; {part.done} bytes kept in {part.path.name} to resume later"
        )
    return Cancelled("Download cancelled")


def _all_failed(target: Path, part: _Part, failures: list[str]) -> DownloadError:
    part.close()
    detail = "; ".join(failures)
    if part.done and part.path.is_file():
        return DownloadError(
            f"Download of {target.name} failed: {detail}. {part.done} bytes are kept in "
            f"{part.path.name} to resume from",
            hint=Hint(HintKind.RESUME_DOWNLOAD),
        )
    with contextlib.suppress(FileNotFoundError):
        if part.path.stat().st_size == 0:
            part.path.unlink()
    return DownloadError(f"Download of {target.name} failed: {detail}")


def _http_error_text(url: str, code: int, reason: object) -> str:
    if code in (404, 410):
        return f"not found at {url} (HTTP {code})"
    if code >= 500:
        return f"server error at {url} (HTTP {code} {reason})"
    return f"{url} refused the download (HTTP {code} {reason})"


def _content_length(response: http.client.HTTPResponse) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+|\*)(?:-\d+)?/(\d+|\*)")


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, full length) from a Content-Range header; None where absent or ``*``."""
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None, None
    first, whole = match.groups()
    return (None if first == "*" else int(first)), (None if whole == "*" else int(whole))


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable; not every platform can open a directory, and that is fine.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
