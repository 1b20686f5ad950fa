"""The simulator over real HTTP, for curl, `make run` behind gunicorn, and browser tests."""

import os
import socket
import struct
import time
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from simulator import replies
from simulator.gateway import answer_request


@csrf_exempt
def gateway(request, rest=""):
    """Answer any GET below the mount point as the mSpace gateway would.

    `rest` (Django's decoded path) is ignored in favour of the raw one.
    """
    if request.method != "GET":
        reply = replies.method_not_allowed()
    else:
        reply = answer_request(raw_request_path(request), request.headers.get("Accept", ""))

    if reply.disconnect == "hang":
        time.sleep(reply.delay or replies.UNBOUNDED_HANG)
    elif reply.delay:
        time.sleep(reply.delay)
    if reply.disconnect:
        if drop_connection(request):
            # The connection is gone; whatever we return is written into the void.
            return HttpResponse(status=204)
        # No socket to drop under this server (runserver, the test client): an empty answer
        # that no client can take for success, labelled for whoever looks.
        response = HttpResponse(b"", content_type=replies.TEXT)
        response["X-Simulator-Fault"] = reply.disconnect
        return response
    if reply.streamed:
        response = StreamingHttpResponse(
            _sent_slowly(reply), status=reply.status, content_type=reply.content_type
        )
    else:
        response = HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)
    response["Server"] = "Apache-Coyote/1.1"
    # The gateway's 404s and 500s are answers, not the app's errors, and django.request
    # would log each one with its path, password included.
    response._has_been_logged = True
    return response


def _sent_slowly(reply):
    """The body of a "drip" or "huge" reply, as it goes out: no length is declared, so the
    client only finds out how much is coming by reading it."""
    for chunk in reply.chunks():
        if reply.drip:
            time.sleep(reply.drip)
        yield chunk


def raw_request_path(request) -> str:
    """The request path as the client encoded it, where the server keeps it.

    gunicorn gives RAW_URI (some servers REQUEST_URI). Elsewhere only the decoded path is
    left, re-encoded here: an encoded "/" inside a value has then already become a separator.
    """
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        return raw
    return quote(request.path, safe="/=")


def drop_connection(request) -> bool:
    """Reset the client's TCP connection at once (RST, no answer); False if we cannot.

    gunicorn hands us its socket. Lingering 0 turns the close into an RST; swapping a dead
    socket into the same file descriptor (instead of closing it) closes the connection while
    gunicorn, which still holds the descriptor, writes its response into a broken pipe and
    shrugs, rather than logging a bad-descriptor error.
    """
    sock = request.META.get("gunicorn.socket")
    if sock is None or not hasattr(sock, "fileno"):
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        dead, peer = socket.socketpair()
        peer.close()
        os.dup2(dead.fileno(), sock.fileno())
        dead.close()
    except OSError:
        return False
    return True
