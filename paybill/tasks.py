"""The worker's M-Pesa tasks (`manage.py run_huey` finds this module by its name).

A notice queues `credit_payment` once it is stored; every minute `sweep_payments` picks up
anything a lost queue entry or a killed worker left; once a day `check_payments` asks Daraja
for the last 48 hours' payments and stores those whose notice never came. Exactly-once is
not the queue's job: it is the payment's conditional claim and the ledger's one-time key.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from paybill import checking, worker

log = logging.getLogger(__name__)
SWEEP_LOCK = "paybill-sweep"


@db_task()
def credit_payment(reseller_id: int, payment_id: int):
    worker.credit_one(reseller_id, payment_id)


@db_periodic_task(crontab(minute="*"))
def sweep_payments():
    try:
        with HUEY.lock_task(SWEEP_LOCK):
            worker.sweep()
    except TaskLockedException:
        log.info("M-Pesa sweep still running elsewhere; this minute's turn is skipped")


@db_periodic_task(crontab(hour="5", minute="17"))
def check_payments():
    checking.check_all()
