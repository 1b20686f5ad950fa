"""Settings for the benchmark's simulator process: the project's own, minus what a gateway
stand-in does not need.

The simulator plays mSpace, whose own cost must stay out of the app's figures, and on a
2-core machine it shares the CPU with the app and the load generator. Its view is
csrf-exempt and uses no session, user or message, so the middleware stack is dropped; its
database connections are kept per thread (DATABASE_URL ?conn_max_age=, set by bench/run.py)
instead of being opened and closed around every call. Nothing here changes what it answers.
"""

from mspace_admin.settings import *  # noqa: F403

MIDDLEWARE = []
