"""deploy/: the settings file and systemd units an operator copies are complete and work.

The nginx site itself runs under nginx in tests/test_production_proxy.py (make test-postgres).
"""

import re
import secrets
import subprocess
import sys

from django.conf import settings
from django.core.management import get_commands

DEPLOY = settings.BASE_DIR / "deploy"
ENV_EXAMPLE = DEPLOY / ".env.example"


def documented_settings() -> set[str]:
    """The variables of the README's settings table."""
    readme = (settings.BASE_DIR / "README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))


def example_settings() -> dict[str, str]:
    """NAME=value lines of .env.example (a commented-out "# NAME=" counts as shown)."""
    lines = re.findall(r"^(?:# )?([A-Z_]+)=(.*)$", ENV_EXAMPLE.read_text(), flags=re.MULTILINE)
    return dict(lines)


def test_the_env_example_shows_every_setting_of_the_readme():
    documented = documented_settings()

    assert len(documented) >= 10, "the README's table was not found"
    assert documented - set(example_settings()) == set()


def test_the_env_example_puts_the_app_behind_one_trusted_proxy():
    example = example_settings()

    assert example["TRUSTED_PROXY_COUNT"] == "1"
    assert example["FORCE_HTTPS"] == "true"
    assert example["DATABASE_URL"].startswith("postgres://")


def test_the_env_example_passes_the_deployment_checklist(tmp_path):
    # Its own values, read as the app reads a .env; only the secret and the database (no
    # PostgreSQL server is needed to check settings) are the real ones of a server.
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "mspace_admin.settings",
        "DJANGO_ENV_FILE": str(ENV_EXAMPLE),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # The one silenced check is axes.W006, on purpose (see AXES_LOCKOUT_PARAMETERS).
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_the_systemd_units_run_what_the_project_has():
    node = (DEPLOY / "systemd" / "mspace-admin@.service").read_text()
    housekeeping = (DEPLOY / "systemd" / "mspace-admin-housekeeping.service").read_text()
    timer = (DEPLOY / "systemd" / "mspace-admin-housekeeping.timer").read_text()

    assert "EnvironmentFile=/srv/mspace-admin/.env" in node
    gunicorn = r"^ExecStart=\S+/gunicorn -c gunicorn.conf.py .*mspace_admin.wsgi$"
    assert re.search(gunicorn, node, flags=re.MULTILINE)
    assert (settings.BASE_DIR / "gunicorn.conf.py").is_file()
    assert "User=mspace" in node and "User=mspace" in housekeeping
    commands = re.findall(r"^ExecStart=\S+ manage.py (\S+)", housekeeping, flags=re.MULTILINE)
    assert commands == ["clearsessions", "reconcile_unknown"]
    assert set(commands) <= set(get_commands())
    assert "OnCalendar=hourly" in timer
