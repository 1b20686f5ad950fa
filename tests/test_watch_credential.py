"""The standing credential's encryption under WATCH_KEYS, and rotating to a new key."""

import json
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.watch_helpers import start_watching
from watch import credential
from watch.models import StandingCredential, WatchEvent

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@override_settings(WATCH_KEYS=[NEW, OLD])
def test_the_first_key_encrypts_and_every_key_decrypts():
    with override_settings(WATCH_KEYS=[OLD]):
        made_with_old = credential.encrypt(7, "pw/é")

    assert credential.decrypt(7, made_with_old) == "pw/é"
    made_now = credential.encrypt(7, "pw/é")
    assert Fernet(NEW.encode()).decrypt(made_now.encode()) == b"7:pw/\xc3\xa9"


def test_a_token_opens_only_for_the_reseller_it_was_made_for():
    token = credential.encrypt(1, "secret")

    with pytest.raises(credential.CredentialUnreadable):
        credential.decrypt(2, token)


def test_a_token_made_with_a_dropped_key_is_unreadable():
    with override_settings(WATCH_KEYS=[OLD]):
        token = credential.encrypt(1, "secret")

    with override_settings(WATCH_KEYS=[NEW]), pytest.raises(credential.CredentialUnreadable):
        credential.decrypt(1, token)


@override_settings(WATCH_KEYS=[], DEBUG=True)
def test_development_without_watch_keys_uses_a_key_both_processes_share():
    assert credential.unavailable_reason() is None
    assert credential.decrypt(3, credential.encrypt(3, "pw")) == "pw"


@override_settings(WATCH_KEYS=[], DEBUG=False)
def test_production_without_watch_keys_refuses_to_encrypt():
    assert "WATCH_KEYS" in credential.unavailable_reason()
    with pytest.raises(credential.CredentialUnreadable):
        credential.encrypt(1, "pw")


def test_rotate_watch_keys_re_encrypts_every_password_under_the_first_key(alice, bob):
    from tests.conftest import ALICE_PASSWORD, BOB_PASSWORD

    with override_settings(WATCH_KEYS=[OLD]):
        start_watching("alice", ALICE_PASSWORD)
        start_watching("bob", BOB_PASSWORD)
    before = dict(StandingCredential.objects.values_list("reseller__username", "ciphertext"))

    with override_settings(WATCH_KEYS=[NEW, OLD]):
        call_command("rotate_watch_keys", verbosity=0)

    with override_settings(WATCH_KEYS=[NEW]):  # the old key can now be dropped
        for row in StandingCredential.objects.select_related("reseller"):
            assert row.ciphertext != before[row.reseller.username]
            assert row.rotated_at is not None
            expected = ALICE_PASSWORD if row.reseller.username == "alice" else BOB_PASSWORD
            assert credential.decrypt(row.reseller_id, row.ciphertext) == expected
    assert WatchEvent.objects.filter(kind="rotated").count() == 2


def test_rotation_reports_a_password_no_key_opens(alice):
    from tests.conftest import ALICE_PASSWORD

    with override_settings(WATCH_KEYS=[OLD]):
        start_watching("alice", ALICE_PASSWORD)

    with override_settings(WATCH_KEYS=[NEW]), pytest.raises(CommandError, match="1 stored"):
        call_command("rotate_watch_keys", verbosity=0)
    assert not WatchEvent.objects.filter(kind="rotated").exists()


WATCH_SETTINGS = """
import json
import mspace_admin.settings as s
print(json.dumps({"keys": s.WATCH_KEYS, "minutes": s.WATCH_MINUTES, "days": s.HISTORY_DAYS,
                  "queue": s.HUEY["huey_class"], "url": s.HUEY.get("url"),
                  "file": s.HUEY.get("filename"), "immediate": s.HUEY["immediate"]}))
"""


def watch_settings(**environment):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_ENV_FILE": "",
        "SECRET_KEY": "settings-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        # Production settings have FORCE_HTTPS on, which needs the proxy count said.
        "TRUSTED_PROXY_COUNT": "0",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-c", WATCH_SETTINGS],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=30,
    )


def test_a_watch_key_that_is_not_a_fernet_key_stops_start_up():
    result = watch_settings(WATCH_KEYS=f"{NEW},not-a-key")

    assert result.returncode != 0
    assert "WATCH_KEYS must be a comma-separated list of Fernet keys" in result.stderr


def test_the_queue_is_a_sqlite_file_beside_the_database_unless_redis_is_set(tmp_path):
    result = watch_settings(DATABASE_URL=f"sqlite:///{tmp_path}/app.sqlite3")
    values = json.loads(result.stdout)
    assert values["queue"] == "huey.SqliteHuey"
    assert values["file"] == str(tmp_path / "huey.sqlite3")
    assert values["immediate"] is False
    assert (values["minutes"], values["days"], values["keys"]) == (15, 400, [])

    redis = json.loads(watch_settings(REDIS_URL="redis://127.0.0.1:6379/3").stdout)
    assert (redis["queue"], redis["url"]) == ("huey.RedisHuey", "redis://127.0.0.1:6379/3")
