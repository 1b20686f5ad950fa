"""Production settings pass Django's own deployment checklist.

`manage.py check --deploy` runs in a fresh process with nothing but the production
environment (no .env, none of the test settings), as a server would start.
"""

import os
import secrets
import subprocess
import sys

from django.conf import settings

MANAGE = settings.BASE_DIR / "manage.py"


def production_environment(tmp_path, **overrides) -> dict[str, str]:
    environment = {
        # Only what a process needs to start; nothing inherited from the test run.
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "mspace_admin.settings",
        "DJANGO_ENV_FILE": "",
        "DEBUG": "False",
        "FORCE_HTTPS": "True",
        "TRUSTED_PROXY_COUNT": "1",  # one nginx in front, as deploy/ and the README set up
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "sms.example.co.ke",
        "CSRF_TRUSTED_ORIGINS": "https://sms.example.co.ke",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    environment.update(overrides)
    return environment


def check_deploy(environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_deployment_checklist_is_clean_with_production_settings(tmp_path):
    result = check_deploy(production_environment(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    # The one silenced check is axes.W006, on purpose (see AXES_LOCKOUT_PARAMETERS).
    assert "System check identified no issues (1 silenced)." in result.stdout
    assert result.stderr == ""


def test_the_checklist_would_notice_plain_http(tmp_path):
    # The check above proves something only if the same run fails on a weakened setting.
    result = check_deploy(production_environment(tmp_path, FORCE_HTTPS="False"))

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no redirect to HTTPS
