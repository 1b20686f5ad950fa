"""gunicorn configuration for mSpace Reseller Admin.

Chosen by measurement (`make bench`, bench/README.md has the figures and the machine). A page
spends ~100 ms to several seconds waiting on the mSpace gateway and ~5-10 ms of CPU of its
own, so what matters is that no reseller ever waits for a free thread while others wait on
the gateway:

- gthread, one process per core. The CPU part of a page (Django, templates, reading the
  gateway's replies) holds the GIL, so a second process is what uses the second core; four
  processes on two cores served 128 resellers no better than two (32.3 vs 32.4 dashboards/s,
  both at the gateway's limit) and each process costs ~60 MB more. The gevent worker used as
  much CPU per dashboard (10.0 vs 9.8 ms) and would add a dependency and monkey-patching.
- 128 threads per process. Browsers keep their connection open, and connections are not
  shared evenly between processes: in one measurement all four resellers' connections sat
  on one worker. With 64 threads, 128 resellers at once got 0.89 of the gateway's pace
  (requests queued ~400 ms for a thread); with 128 they got 1.00, and 256 did no better.
  A thread is only started when a request needs it (~150 KB of memory once it has run).
  The dashboard's side-by-side reads run on messaging/reads.py's own pool, not on these.
"""

import ctypes
import multiprocessing
import os
import resource

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "128"))
# A top-up may legitimately wait MSPACE_TIMEOUT (10 s by default) on the gateway.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 20000
max_requests_jitter = 2000
# One line per request, never the query string (it could carry a search, not a secret, but
# the habit keeps logs small).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# The simulator's URLs carry password=...: gunicorn's own lines go through our masking filter.
logger_class = "mspace_admin.gunicorn_logging.MaskedLogger"
# The control socket would live under ~/.gunicorn; this app has no use for it.
control_socket_disable = True

# Every busy thread holds a browser connection and up to three gateway connections (and a
# database connection): 128 threads need more than the 1,024 open files many systems allow
# by default. Raise the soft limit as far as the hard limit permits.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_wanted = 8192 if _hard == resource.RLIM_INFINITY else min(8192, _hard)
if _soft != resource.RLIM_INFINITY and _soft < _wanted:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_wanted, _hard))


# glibc's allocator, tuned here in the master so that every forked worker inherits it. Each
# thread that allocates while another holds the lock gets its own arena (up to 8 per core,
# 16 here), and each arena keeps what it once held; and after a large block (the 0.5 MB reply
# of a 10,000-client book) is freed, glibc raises its "use mmap" size to that block, so later
# large blocks land in the arenas and stay there. Measured with one worker, four resellers
# opening a 10,000-client book at once then touring it (3 runs each): 71.0 MB without these
# settings, 69.5 with the fixed mmap size alone, 68.7 with both. Python's own small objects
# (pymalloc) are not affected; calling malloc_trim after every request did not help.
_M_MMAP_THRESHOLD = -3  # mallopt parameter numbers, from glibc's malloc.h
_M_ARENA_MAX = -8
_ARENAS = 2
_MMAP_FROM_BYTES = 128 * 1024  # glibc's own starting value, kept fixed


def _tune_malloc():
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return  # not glibc (musl, macOS): nothing to tune
    if "MALLOC_ARENA_MAX" not in os.environ:  # an operator's own choice wins
        mallopt(_M_ARENA_MAX, _ARENAS)
    mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM_BYTES)


_tune_malloc()
