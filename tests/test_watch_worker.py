"""The worker's periodic task: rounds never overlap, and several workers run one between them."""

import uuid

import pytest
from huey import RedisHuey, SqliteHuey
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from watch import rounds, tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted_rounds(monkeypatch):
    ran = []
    monkeypatch.setattr(rounds, "run_round", lambda: ran.append("round"))
    return ran


def test_a_round_runs_when_due_and_not_again_until_the_next_is(counted_rounds):
    tasks.keep_watch.call_local()
    tasks.keep_watch.call_local()  # a minute later, or a second worker: not due yet

    assert counted_rounds == ["round"]


def test_while_a_round_still_runs_the_next_turn_is_skipped(counted_rounds):
    with HUEY.lock_task(tasks.ROUND_LOCK):
        tasks.keep_watch.call_local()

    assert counted_rounds == []
    tasks.keep_watch.call_local()  # the lock is free again
    assert counted_rounds == ["round"]


def test_the_worker_asks_every_minute_whether_a_round_is_due():
    import datetime

    assert tasks.keep_watch.task_class in HUEY._registry._periodic_tasks
    due = tasks.keep_watch.task_class().validate_datetime
    minutes = [datetime.datetime(2026, 11, 30, 10, m) for m in range(60)]
    assert all(due(moment) for moment in minutes)


def test_two_workers_sharing_the_sqlite_queue_share_the_round_lock(tmp_path):
    first = SqliteHuey("mspace-admin", filename=str(tmp_path / "huey.sqlite3"))
    second = SqliteHuey("mspace-admin", filename=str(tmp_path / "huey.sqlite3"))

    with first.lock_task(tasks.ROUND_LOCK), pytest.raises(TaskLockedException):  # noqa: SIM117
        with second.lock_task(tasks.ROUND_LOCK):
            pass
    with second.lock_task(tasks.ROUND_LOCK):
        pass  # free once the first let go


def test_workers_on_several_nodes_share_the_round_lock_through_redis():
    name = f"mspace-admin-test-{uuid.uuid4().hex}"
    first = RedisHuey(name, url="redis://127.0.0.1:6379/0")
    second = RedisHuey(name, url="redis://127.0.0.1:6379/0")
    try:
        with first.lock_task(tasks.ROUND_LOCK), pytest.raises(TaskLockedException):  # noqa: SIM117
            with second.lock_task(tasks.ROUND_LOCK):
                pass
    finally:
        first.flush_locks(tasks.ROUND_LOCK)
        first.storage.flush_all()
