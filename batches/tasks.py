"""The worker's side of batches (`manage.py run_huey` finds this module by its name).

A confirmed batch is queued as `run_batch`. If the worker dies, the queued task dies with it,
so a worker also looks for unfinished batches nobody runs when it starts and every minute
(`runner.resume_all`): the database, not the queue, is what says a batch is not done.
"""

import logging

from django.db import connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from batches import runner

log = logging.getLogger(__name__)


@db_task()
def run_batch(batch_id: int):
    runner.run(batch_id)


@db_periodic_task(crontab(minute="*"))
def resume_batches():
    runner.resume_all()


@HUEY.on_startup()
def resume_on_start():
    try:
        resumed = runner.resume_all()
    except Exception:
        log.exception("could not look for unfinished bulk top-ups")
    else:
        if resumed:
            log.info("went on with %d unfinished bulk top-ups", resumed)
    finally:
        connections.close_all()  # this worker thread's; its tasks open their own
