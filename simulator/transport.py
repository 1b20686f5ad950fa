"""A requests transport that hands calls to the simulator in-process (demo mode and tests).

Failures look exactly like the ones requests raises against a real server, down to the
exception chain and message, including the URL (with the password) that a real
"Max retries exceeded" carries: the app must keep that out of its own errors.
"""

import io
import threading
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPConnectionPool
from urllib3.connection import HTTPConnection
from urllib3.exceptions import (
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from simulator import replies
from simulator.gateway import answer_request
from simulator.replies import Reply


class SimulatorAdapter(BaseAdapter):
    """Mount on a `requests.Session` (or pass as `adapter=`) to talk to the simulator.

    Thread-safe: it keeps no state, and each thread uses its own database connection.
    """

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        read_timeout = _read_timeout(timeout)
        if request.method != "GET":
            reply = replies.method_not_allowed()
        else:
            reply = answer_request(request.path_url, request.headers.get("Accept", ""))

        if reply.disconnect == "refuse":
            raise _refused(request)
        if reply.disconnect == "reset":
            raise _reset(request)
        if reply.disconnect == "hang":
            wait = reply.delay or read_timeout or replies.UNBOUNDED_HANG
            time.sleep(min(wait, read_timeout) if read_timeout is not None else wait)
            raise _read_timed_out(request, read_timeout)
        if reply.delay:
            if read_timeout is not None and reply.delay >= read_timeout:
                # The gateway is still working on it (and will finish), but nobody waits.
                time.sleep(read_timeout)
                raise _read_timed_out(request, read_timeout)
            time.sleep(reply.delay)
        if reply.streamed:
            return _streamed_response(request, reply, read_timeout, connection=self)
        return _response(request, reply, connection=self)

    def close(self):
        pass


def _read_timeout(timeout) -> float | None:
    if isinstance(timeout, tuple):
        return timeout[1]
    return getattr(timeout, "read_timeout", timeout)  # also a urllib3 Timeout


def _response(request, reply: Reply, *, connection) -> requests.Response:
    body = reply.body.encode("utf-8")
    response = requests.Response()
    response.status_code = reply.status
    response.reason = HTTPStatus(reply.status).phrase
    response.headers = CaseInsensitiveDict(
        {
            "Server": "Apache-Coyote/1.1",
            "Content-Type": reply.content_type,
            "Content-Length": str(len(body)),
        }
    )
    response._content = body
    response._content_consumed = True
    response.raw = io.BytesIO(body)
    response.encoding = get_encoding_from_headers(response.headers)
    response.url = request.url
    response.request = request
    response.connection = connection
    return response


def _streamed_response(request, reply: Reply, read_timeout, *, connection) -> requests.Response:
    """A response whose body comes as a "drip" or "huge" fault sends it: read as it is made,
    with no length declared, like the gateway writing into a socket."""
    response = requests.Response()
    response.status_code = reply.status
    response.reason = HTTPStatus(reply.status).phrase
    response.headers = CaseInsensitiveDict(
        {"Server": "Apache-Coyote/1.1", "Content-Type": reply.content_type}
    )
    response.raw = StreamedBody(request, reply, read_timeout)
    response.encoding = get_encoding_from_headers(response.headers)
    response.url = request.url
    response.request = request
    response.connection = connection
    return response


class StreamedBody(io.RawIOBase):
    """A body read bit by bit, as from a socket: each `read` waits for the next piece (a
    drip's pause), a pause longer than the read timeout times out as a socket would, and
    `shutdown()` ends the wait at once, as shutting the socket does."""

    def __init__(self, request, reply: Reply, read_timeout) -> None:
        super().__init__()
        self._request = request
        self._pieces = reply.chunks()
        self._pause = reply.drip
        self._read_timeout = read_timeout
        self._shut = threading.Event()

    def readable(self) -> bool:
        return True

    def read(self, size=-1) -> bytes:
        if self._pause:
            too_slow = self._read_timeout is not None and self._pause >= self._read_timeout
            wait = self._read_timeout if too_slow else self._pause
            if self._shut.wait(wait):
                return b""
            if too_slow:
                raise _read_timed_out(self._request, self._read_timeout)
        if self._shut.is_set():
            return b""
        return next(self._pieces, b"")

    def shutdown(self) -> None:
        self._shut.set()


def _pool(request) -> HTTPConnectionPool:
    url = urlsplit(request.url)
    return HTTPConnectionPool(url.hostname or "localhost", url.port or 80)


def _refused(request) -> requests.exceptions.ConnectionError:
    url = urlsplit(request.url)
    connection = HTTPConnection(url.hostname or "localhost", url.port or 80)
    refused = ConnectionRefusedError(111, "Connection refused")
    reason = NewConnectionError(connection, f"Failed to establish a new connection: {refused}")
    reason.__cause__ = refused
    error = MaxRetryError(_pool(request), request.path_url, reason=reason)
    return requests.exceptions.ConnectionError(error, request=request)


def _reset(request) -> requests.exceptions.ConnectionError:
    error = ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
    )
    return requests.exceptions.ConnectionError(error, request=request)


def _read_timed_out(request, read_timeout) -> requests.exceptions.ReadTimeout:
    error = ReadTimeoutError(
        _pool(request), request.path_url, f"Read timed out. (read timeout={read_timeout})"
    )
    return requests.exceptions.ReadTimeout(error, request=request)
