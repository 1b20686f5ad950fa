"""The code passes bandit, and every dependency is pinned to what the tests ran against.

`pip-audit` (known vulnerabilities) needs a vulnerability service these machines cannot
reach, so it is not a check here; the README says how to run it where one is reachable.
"""

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(settings.BASE_DIR)
PACKAGES = ["mspace_admin", "accounts", "messaging", "simulator", "billing", "team"]
_PIN = re.compile(r"^[A-Za-z0-9_.\-]+(\[[A-Za-z0-9_,\-]+\])?==[0-9][0-9A-Za-z.+\-]*$")


def requirement_lines(name: str) -> list[str]:
    lines = []
    for raw in (REPO / name).read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#") and not line.startswith("-r "):
            lines.append(line)
    return lines


def pins() -> dict[str, Requirement]:
    found = {}
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in requirement_lines(name):
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def needs_of(requirement: Requirement) -> list[Requirement]:
    """What an installed package needs on this platform, with the extras it is asked for."""
    needs = []
    for raw in metadata.distribution(requirement.name).requires or []:
        need = Requirement(raw)
        environments = [{"extra": extra} for extra in (requirement.extras or {""})]
        if need.marker is None or any(need.marker.evaluate(env) for env in environments):
            needs.append(need)
    return needs


def test_bandit_finds_nothing_of_medium_or_high_severity():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("bandit")), "-q", "-ll", "-r", *PACKAGES],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_silenced_bandit_finding_names_its_test():
    # A bare `# nosec` silences every check on the line, including ones added later.
    bare = [
        f"{path.relative_to(REPO)}:{number}"
        for package in PACKAGES
        for path in (REPO / package).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"#\s*nosec(?!\s+B\d{3})", line)
    ]

    assert bare == []


def test_every_requirement_is_pinned_to_one_release():
    lines = requirement_lines("requirements.txt") + requirement_lines("requirements-dev.txt")

    assert len(lines) > 20
    assert [line for line in lines if not _PIN.match(line)] == []


def test_django_stays_on_the_5_2_series():
    django = pins()["django"]
    version = Version(next(iter(django.specifier)).version)

    assert (version.major, version.minor) == (5, 2)


def test_the_pins_are_what_is_installed():
    wrong = {
        name: (str(requirement.specifier), metadata.version(requirement.name))
        for name, requirement in pins().items()
        if not requirement.specifier.contains(metadata.version(requirement.name))
    }

    assert wrong == {}


def test_everything_a_pinned_package_needs_is_pinned_too():
    pinned = pins()
    unpinned = {
        f"{canonicalize_name(need.name)} (needed by {name})"
        for name, requirement in pinned.items()
        for need in needs_of(requirement)
        if canonicalize_name(need.name) not in pinned
    }

    assert unpinned == set()


def test_production_pins_need_nothing_from_the_development_list():
    production = {
        canonicalize_name(Requirement(line).name): Requirement(line)
        for line in requirement_lines("requirements.txt")
    }
    missing = {
        f"{canonicalize_name(need.name)} (needed by {name})"
        for name, requirement in production.items()
        for need in needs_of(requirement)
        if canonicalize_name(need.name) not in production
    }

    assert missing == set()
