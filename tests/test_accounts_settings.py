"""The accounts settings as production reads them from the environment."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = """
import json
import mspace_admin.settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LOGIN_FAILURE_LIMIT", "LOGIN_LOCK_MINUTES",
    "TRUSTED_PROXY_COUNT", "SESSION_ENGINE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
)}))
"""


def production_settings(**environment):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_ENV_FILE": "",
        "SECRET_KEY": "settings-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=30,
    )


def test_production_defaults_are_https_and_server_side_sessions():
    result = production_settings(
        FORCE_HTTPS="true", LOGIN_FAILURE_LIMIT="7", TRUSTED_PROXY_COUNT="1"
    )

    values = json.loads(result.stdout)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LOGIN_FAILURE_LIMIT": 7,
        "LOGIN_LOCK_MINUTES": 15,
        "TRUSTED_PROXY_COUNT": 1,
        "SESSION_ENGINE": "accounts.sessions",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def test_https_behind_a_proxy_of_unknown_count_stops_start_up_with_a_sentence():
    result = production_settings(FORCE_HTTPS="true")

    assert result.returncode != 0
    assert "set TRUSTED_PROXY_COUNT to the number of such proxies" in result.stderr


def test_https_with_no_proxy_starts_when_told_so_explicitly():
    result = production_settings(FORCE_HTTPS="true", TRUSTED_PROXY_COUNT="0")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["TRUSTED_PROXY_COUNT"] == 0


def test_plain_http_needs_no_proxy_count():
    result = production_settings(FORCE_HTTPS="false")

    assert json.loads(result.stdout)["TRUSTED_PROXY_COUNT"] == 0


def test_a_nonsense_proxy_count_stops_start_up_with_a_sentence():
    result = production_settings(TRUSTED_PROXY_COUNT="nginx")

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be the number of proxies" in result.stderr
