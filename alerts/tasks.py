"""The worker's alert task (`manage.py run_huey` finds this module by its name).

Every minute: check each reseller whose balances were read since their last check (watch
rounds and pages both read them), then send whatever is due, held SMS whose quiet hours
ended included. huey's lock keeps one check at a time per queue; exactly one alert per
crossing does not depend on it (alerts/checking.py holds that in the database).
"""

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

from alerts import checking

log = logging.getLogger(__name__)
CHECK_LOCK = "alerts-check"


@db_periodic_task(crontab(minute="*"))
def send_alerts():
    try:
        with HUEY.lock_task(CHECK_LOCK):
            checking.check_due()
    except TaskLockedException:
        log.info("alert check still running elsewhere; this minute's turn is skipped")
