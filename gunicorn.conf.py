"""gunicorn configuration for mSpace Reseller Admin.

Every page waits on the mSpace gateway (network I/O), not on the CPU, so threads are cheap
and plentiful: the gthread worker gives each request its own thread while it waits. One
process per core keeps the CPU busy without paying for more copies of the app in memory.
The numbers come from `make bench` (see bench/README.md).
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
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
# The simulator's URLs carry password=...: gunicorn's own lines go through our masking filter.
logger_class = "mspace_admin.gunicorn_logging.MaskedLogger"
errorlog = "-"
# The control socket would live under ~/.gunicorn; this app has no use for it.
control_socket_disable = True
