"""Which language a person reads: the browser's Accept-Language on a first visit, the
chooser's cookie on the login page, and a logged-in person's saved choice everywhere."""

import datetime
import os
import subprocess
import sys
import zoneinfo

import pytest
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.test import Client
from django.utils import formats, translation

from languages.models import LanguageChoice
from tests.accounts_helpers import LOGIN_URL, post_login
from tests.conftest import ALICE_PASSWORD

CHOOSE_URL = "/language/"
KISWAHILI_BROWSER = "sw-KE,sw;q=0.9,en;q=0.6"


def test_a_first_visit_is_in_english_when_the_browser_asks_for_nothing(client, db):
    page = client.get(LOGIN_URL).content.decode()

    assert '<html lang="en">' in page
    assert "Log in with your mSpace account" in page


def test_a_first_visit_follows_a_browser_that_asks_for_kiswahili(db):
    response = Client(HTTP_ACCEPT_LANGUAGE=KISWAHILI_BROWSER).get(LOGIN_URL)
    page = response.content.decode()

    assert '<html lang="sw">' in page
    assert "Ingia kwa akaunti yako ya mSpace" in page
    assert response["Content-Language"] == "sw"


def test_the_login_page_offers_both_languages_by_their_own_names(client, db):
    page = client.get(LOGIN_URL).content.decode()

    assert 'name="language" value="en" lang="en"' in page
    assert 'name="language" value="sw" lang="sw"' in page
    assert ">Kiswahili</button>" in page and ">English</button>" in page


def test_choosing_on_the_login_page_keeps_the_choice_in_a_cookie(db):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    response = browser.post(CHOOSE_URL, {"language": "sw", "next": LOGIN_URL})

    assert response.status_code == 302 and response["Location"] == LOGIN_URL
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "sw" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "Ingia kwa akaunti yako ya mSpace" in browser.get(LOGIN_URL).content.decode()


def test_a_logged_in_choice_is_saved_and_follows_the_person_to_another_browser(alice_client):
    alice_client.post(CHOOSE_URL, {"language": "sw", "next": "/"})

    assert LanguageChoice.objects.get(user__username="alice").language == "sw"
    other = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    post_login(other, "alice", ALICE_PASSWORD)
    page = other.get("/activity/")
    assert '<html lang="sw">' in page.content.decode()
    # The cookie follows, so the login page after logging out speaks Kiswahili too.
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sw"


def test_a_saved_choice_beats_another_persons_cookie_on_a_shared_computer(alice):
    user = post_login(Client(), "alice", ALICE_PASSWORD).wsgi_request.user
    LanguageChoice.objects.create(user=user, language="en")
    shared = Client()
    shared.post(CHOOSE_URL, {"language": "sw", "next": LOGIN_URL})

    post_login(shared, "alice", ALICE_PASSWORD)

    assert '<html lang="en">' in shared.get("/activity/").content.decode()
    assert LanguageChoice.objects.get(user=user).language == "en"


def test_a_choice_made_on_the_login_page_is_kept_by_someone_without_one(alice):
    browser = Client()
    browser.post(CHOOSE_URL, {"language": "sw", "next": LOGIN_URL})

    post_login(browser, "alice", ALICE_PASSWORD)

    assert LanguageChoice.objects.get(user__username="alice").language == "sw"


def test_a_language_not_offered_changes_nothing_and_says_so(alice_client):
    response = alice_client.post(CHOOSE_URL, {"language": "fr", "next": "/activity/"}, follow=True)

    assert not LanguageChoice.objects.exists()
    assert settings.LANGUAGE_COOKIE_NAME not in alice_client.cookies
    assert "That language is not offered" in response.content.decode()


@pytest.mark.parametrize("away", ["https://evil.example/", "//evil.example/x", ""])
def test_the_chooser_only_goes_back_to_pages_of_this_site(alice_client, away):
    response = alice_client.post(CHOOSE_URL, {"language": "sw", "next": away})

    assert response["Location"] == "/"


def test_the_chooser_takes_only_posts(alice_client):
    assert alice_client.get(CHOOSE_URL + "?language=sw").status_code == 405


def test_dates_and_times_are_written_the_way_each_language_writes_them():
    moment = datetime.datetime(2026, 11, 30, 11, 5, tzinfo=datetime.UTC)
    nairobi = moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))

    with translation.override("en"):
        english = formats.date_format(nairobi, "SHORT_DATETIME_FORMAT")
    with translation.override("sw"):
        kiswahili = formats.date_format(nairobi, "SHORT_DATETIME_FORMAT")

    assert english == "30 Nov 2026, 14:05"
    assert kiswahili == "30 Novemba 2026, 14:05"


def test_sms_counts_keep_their_exact_value_in_both_languages():
    for code in ("en", "sw"):
        with translation.override(code):
            assert intcomma(1234567) == "1,234,567"
            assert formats.number_format(25000, force_grouping=True) == "25,000"


def time_zone_read_from(environment) -> subprocess.CompletedProcess:
    """The TIME_ZONE production settings read with this environment."""
    return subprocess.run(
        [sys.executable, "-c", "import mspace_admin.settings as s; print(s.TIME_ZONE)"],
        capture_output=True,
        text=True,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_ENV_FILE": "",
            "SECRET_KEY": "k" * 50,
            # Production settings have FORCE_HTTPS on, which needs the proxy count said.
            "TRUSTED_PROXY_COUNT": "0",
            **environment,
        },
        cwd=settings.BASE_DIR,
        timeout=30,
    )


def test_the_time_zone_is_nairobi_unless_set():
    assert time_zone_read_from({}).stdout.strip() == "Africa/Nairobi"
    assert time_zone_read_from({"TIME_ZONE": "Africa/Kampala"}).stdout.strip() == "Africa/Kampala"


def test_a_time_zone_that_does_not_exist_stops_start_up_with_a_sentence():
    result = time_zone_read_from({"TIME_ZONE": "Africa/Atlantis"})

    assert result.returncode != 0
    assert "TIME_ZONE must be a time zone name" in result.stderr


def test_a_page_that_does_not_exist_says_so_in_kiswahili(db):
    response = Client(HTTP_ACCEPT_LANGUAGE=KISWAHILI_BROWSER).get("/no-such-page/")
    page = response.content.decode()

    assert response.status_code == 404
    assert "Ukurasa haukupatikana" in page and "Page not found" not in page
