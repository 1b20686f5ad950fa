"""The CSV downloads as a spreadsheet reads them: LibreOffice Calc, headless, from Debian.

Calc converts each download to a new CSV of its own, which is read back here: every name
(accents, curly apostrophes, Kiswahili, an emoji) must come back exactly, and the byte-order
mark must be taken as the file's encoding, never as part of the first column's title.
`make test` installs LibreOffice when it is missing (`make libreoffice`).
"""

import csv
import io
import os
import shutil
import subprocess  # nosec B404: runs LibreOffice, a fixed program with fixed arguments

import pytest

from simulator.seed import make_account
from tests.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["Café Ngong’ Road", "Ébène Salon", "Mũthoni Mboga", "Duka la Bibi 🎉", "Straße Motors"]
# Calc's own CSV filter: comma, double quote, UTF-8 (76); the same on the way out.
UTF8_CSV = "CSV:44,34,76"
UTF8_CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76"


def read_back_by_calc(csv_bytes: bytes, folder) -> list[list[str]]:
    """What LibreOffice Calc reads from `csv_bytes`, as the rows of the CSV it writes."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: run `make libreoffice` (make test does)"
    source = folder / "download.csv"
    source.write_bytes(csv_bytes)
    out = folder / "calc"
    # A profile of its own: two test workers may run Calc at the same time.
    subprocess.run(  # nosec B603
        [
            soffice,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            f"--infilter={UTF8_CSV}",
            "--convert-to",
            UTF8_CSV_OUT,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(folder)},
    )
    return list(csv.reader(io.StringIO((out / "download.csv").read_text("utf-8"))))


@pytest.fixture
def names_client(client):
    make_account(
        "nuru",
        "nuru-pass",
        balance=900,
        clients=[(name, 10 * n) for n, name in enumerate(NAMES, start=1)],
        subaccounts=[],
    )
    return log_in(client, "nuru", "nuru-pass")


def test_calc_reads_every_client_name_and_the_header_intact(names_client, tmp_path):
    response = names_client.get("/clients/", {"format": "csv"})
    body = b"".join(response.streaming_content)

    assert body.startswith(b"\xef\xbb\xbf")
    rows = read_back_by_calc(body, tmp_path)
    assert rows[0] == ["name", "balance", "days_left"]  # days_left: issue 16
    assert sorted(row[0] for row in rows[1:]) == sorted(NAMES)
    assert {row[0]: row[1] for row in rows[1:]}["Café Ngong’ Road"] == "10"
