"""Stand-ins for the mSpace gateway used by the `test_mspace_*` files.

`FakeGateway` is a real HTTP/1.1 server on 127.0.0.1 that records every raw request head and
connection, and misbehaves on request (reset, hang, truncate...). `ScriptedAdapter` is an
in-process requests transport, like the simulator's, that answers from a script.
"""

from __future__ import annotations

import io
import socket
import socketserver
import struct
import threading
import traceback
from collections import deque

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import messaging.mspace as mspace

# Every character that has ever broken a URL, in a password.
PASSWORD = "S3cr3t/Pa ss%€🎉?#&+"
ENCODED_PASSWORD = "S3cr3t%2FPa%20ss%25%E2%82%AC%F0%9F%8E%89%3F%23%26%2B"
BASE_PATH = "/mspaceservice/wr/sms"


def reply(body: str | bytes = "", status: int = 200, headers: tuple[str, ...] = ()):
    """An action: answer normally and keep the connection open."""
    payload = body.encode("utf-8") if isinstance(body, str) else body

    def act(sock, gateway):
        head = [f"HTTP/1.1 {status} Whatever", f"Content-Length: {len(payload)}", *headers]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        return True

    return act


def reset(sock, gateway):
    """Answer nothing: drop the connection with a TCP reset after reading the request."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    return False


def close(sock, gateway):
    """Answer nothing: close the connection politely after reading the request."""
    return False


def hang(sock, gateway):
    """Answer nothing until the test is over."""
    gateway.released.wait(10)
    return False


def truncated(sock, gateway):
    """Promise 100 bytes, send 5, close."""
    sock.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{"sm')
    return False


def stall_mid_body(sock, gateway):
    """Promise 100 bytes, send 5, then go silent."""
    sock.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{"sm')
    return hang(sock, gateway)


class FakeGateway:
    """A tiny real gateway: `plan` holds actions for the next requests, then `default`."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.connections = 0
        self.plan: deque = deque()
        self.default = reply("user exists")
        self.released = threading.Event()
        self._lock = threading.Lock()
        gateway = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                gateway._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{BASE_PATH}/"

    @property
    def paths(self) -> list[bytes]:
        return [head.split(b" ")[1] for head in self.heads]

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, sock) -> None:
        with self._lock:
            self.connections += 1
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                pending += chunk
            head, pending = pending.split(b"\r\n\r\n", 1)
            with self._lock:
                self.heads.append(head)
                action = self.plan.popleft() if self.plan else self.default
            keep_open = action(sock, self)
            if not keep_open or b"connection: close" in head.lower():
                return


def header(head: bytes, name: str) -> str | None:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


class ScriptedAdapter(BaseAdapter):
    """An in-process transport answering from `script`: (status, body) pairs or exceptions to
    raise, one per request; the last entry repeats. Records every request and its timeout."""

    def __init__(self, *script) -> None:
        super().__init__()
        self.script = list(script) or [(200, "user exists")]
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        self.timeouts.append(timeout)
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, BaseException):
            raise step
        status, body = step
        payload = body.encode("utf-8") if isinstance(body, str) else body
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict({"Content-Type": "text/plain"})
        response.raw = io.BytesIO(payload)
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


def everything_said_about(error: BaseException) -> str:
    """All the text an error could ever show: str, repr, attributes, chained errors, the
    formatted traceback and the values in scope in this module's frames."""
    parts = [str(error), repr(error), repr(vars(error)), repr(error.args)]
    parts += [repr(error.__cause__), repr(error.__context__)]
    parts += traceback.format_exception(error)
    for frame, _ in traceback.walk_tb(error.__traceback__):
        if frame.f_globals.get("__name__") == mspace.__name__:
            parts += [repr(value) for value in frame.f_locals.values()]
    return "\n".join(parts)


def password_forms() -> list[str]:
    """The password as typed, as sent, and its most recognisable fragment."""
    return [PASSWORD, ENCODED_PASSWORD, "S3cr3t"]
