"""/activity/: a reseller's own entries, filtered, paged and exported; one entry; the admin."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from messaging.models import LedgerEntry
from tests.topup_helpers import entry, outcome_entry, tenant, top_up

Status = LedgerEntry.Status
Kind = LedgerEntry.Kind
HEADER = [
    "time",
    "kind",
    "target",
    "amount",
    "status",
    "detail",
    "message_id",
    "sender_id",
    "message",
    "balance_after",
    "source",
    "by",
]


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the UTF-8 byte-order mark"
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def listed_targets(response):
    html = response.content.decode()
    return re.findall(
        r'<td data-label="Account or number" class="activity-target">([^<]*)</td>', html
    )


@pytest.fixture
def ledgers(alice, bob):
    """Entries for alice and bob, made a minute apart, oldest first."""
    alice_user, bob_user = tenant("alice"), tenant("bob")
    start = timezone.now() - timedelta(hours=1)
    made = [
        entry(alice_user, target="Mama Mboga Traders", amount=500),
        entry(
            alice_user,
            target="Jinja Fish",
            amount=20,
            status=Status.FAILED,
            detail="mSpace refused: your balance is too low for this top-up. No SMS moved.",
        ),
        entry(
            alice_user,
            kind=Kind.SUB_ACCOUNT_TOP_UP,
            target="alice-nairobi",
            amount=75,
            status=Status.UNKNOWN,
        ),
        entry(
            alice_user,
            kind=Kind.TEST_SMS,
            target="254712345678",
            amount=2,
            message_id="123456789012",
            sender_id="ALICESHOP",
            message="Habari",
        ),
        entry(bob_user, target="Bob Client", amount=9),
    ]
    for minutes, one in enumerate(made):
        LedgerEntry.objects.filter(pk=one.pk).update(created_at=start + timedelta(minutes=minutes))
    return made


def test_it_lists_the_resellers_own_entries_newest_first(alice_client, ledgers):
    response = alice_client.get("/activity/")
    assert listed_targets(response) == [
        "254712345678",
        "alice-nairobi",
        "Jinja Fish",
        "Mama Mboga Traders",
    ]
    assert "Bob Client" not in response.content.decode()


def test_bob_sees_only_his_own(bob_client, ledgers):
    assert listed_targets(bob_client.get("/activity/")) == ["Bob Client"]


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ({"kind": "client_topup"}, ["Jinja Fish", "Mama Mboga Traders"]),
        ({"kind": "subaccount_topup"}, ["alice-nairobi"]),
        ({"kind": "test_sms"}, ["254712345678"]),
        ({"status": "failed"}, ["Jinja Fish"]),
        ({"status": "unknown"}, ["alice-nairobi"]),
        ({"target": "Mama Mboga Traders"}, ["Mama Mboga Traders"]),
        ({"kind": "client_topup", "status": "succeeded"}, ["Mama Mboga Traders"]),
        ({"target": "Bob Client"}, []),
        (
            {"kind": "nonsense"},
            ["254712345678", "alice-nairobi", "Jinja Fish", "Mama Mboga Traders"],
        ),
    ],
)
def test_it_filters_by_kind_status_and_account(alice_client, ledgers, query, targets):
    assert listed_targets(alice_client.get("/activity/", query)) == targets


def test_it_says_when_nothing_matches(alice_client, ledgers):
    html = alice_client.get("/activity/", {"status": "pending"}).content.decode()
    assert "Nothing matches these filters." in html


def test_it_shows_fifty_entries_a_page(alice_client, alice):
    alice_user = tenant("alice")
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                reseller=alice_user,
                kind=Kind.CLIENT_TOP_UP,
                target=f"client {n:03d}",
                amount=n,
                status=Status.SUCCEEDED,
            )
            for n in range(1, 121)
        ]
    )
    first = alice_client.get("/activity/")
    assert len(listed_targets(first)) == 50
    assert 'href="?page=2" rel="next"' in first.content.decode()
    last = alice_client.get("/activity/", {"page": "3"})
    assert len(listed_targets(last)) == 20
    assert 'rel="next"' not in last.content.decode()
    assert len(listed_targets(alice_client.get("/activity/", {"page": "abc"}))) == 50


def test_page_links_keep_the_filters(alice_client, alice):
    alice_user = tenant("alice")
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                reseller=alice_user,
                kind=Kind.CLIENT_TOP_UP,
                target="Jinja Fish",
                amount=1,
                status=Status.FAILED,
            )
            for _ in range(60)
        ]
    )
    html = alice_client.get("/activity/", {"status": "failed"}).content.decode()
    assert 'href="?status=failed&amp;page=2" rel="next"' in html


def test_the_csv_has_the_documented_columns_and_values(alice_client, ledgers):
    rows = rows_of(alice_client.get("/activity/", {"format": "csv"}))
    assert rows[0] == HEADER
    assert [row[2] for row in rows[1:]] == [
        "254712345678",
        "alice-nairobi",
        "Jinja Fish",
        "Mama Mboga Traders",
    ]
    sms, sub, failed, client = rows[1:]
    assert sms[1] == "test SMS" and sms[6] == "123456789012" and sms[3] == "2"
    assert sub[1] == "sub-account top-up" and sub[4] == "unknown"
    assert failed[1] == "client top-up" and failed[4] == "failed"
    assert failed[5] == "mSpace refused: your balance is too low for this top-up. No SMS moved."
    assert client[3] == "500"
    assert {row[10] for row in rows[1:]} == {"form"}  # all four sent from a form
    made = LedgerEntry.objects.get(pk=ledgers[0].pk).created_at
    assert client[0] == timezone.localtime(made).isoformat(timespec="seconds")
    assert client[0].endswith("+03:00")  # Nairobi time, as the reseller lives it


def test_the_csv_keeps_large_amounts_plain(alice_client, alice):
    entry(tenant("alice"), amount=1_000_000)
    rows = rows_of(alice_client.get("/activity/", {"format": "csv"}))
    assert rows[1][3] == "1000000"


def test_the_csv_follows_the_filters(alice_client, ledgers):
    rows = rows_of(alice_client.get("/activity/", {"format": "csv", "kind": "test_sms"}))
    assert [row[2] for row in rows[1:]] == ["254712345678"]


def test_the_csv_never_holds_another_resellers_entries(alice_client, bob_client, ledgers):
    alices = rows_of(alice_client.get("/activity/?format=csv"))
    bobs = rows_of(bob_client.get("/activity/?format=csv"))
    assert "Bob Client" not in {row[2] for row in alices}
    assert [row[2] for row in bobs[1:]] == ["Bob Client"]


def test_the_csv_is_only_for_a_logged_in_reseller(client, ledgers):
    response = client.get("/activity/", {"format": "csv"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+254700", "-5", "@SUM(A1)"])
def test_the_csv_neutralises_formulas_from_account_names(alice_client, alice, name):
    entry(tenant("alice"), target=name, detail=name)
    row = rows_of(alice_client.get("/activity/", {"format": "csv"}))[1]
    assert row[2] == "'" + name
    assert row[5] == "'" + name


def test_the_csv_adds_how_an_unknown_entry_was_settled(alice_client, alice):
    entry(
        tenant("alice"),
        status=Status.SUCCEEDED,
        detail="mSpace did not answer in time.",
        reconcile_note="Marked by hand by alice on 2026-11-25 10:00: it went through.",
    )
    row = rows_of(alice_client.get("/activity/", {"format": "csv"}))[1]
    assert row[5] == (
        "mSpace did not answer in time. "
        "Marked by hand by alice on 2026-11-25 10:00: it went through."
    )


def test_a_real_top_up_appears_in_activity(alice_client):
    made = outcome_entry(top_up(alice_client, "Mama Mboga Traders", "500"))
    assert listed_targets(alice_client.get("/activity/")) == ["Mama Mboga Traders"]
    row = rows_of(alice_client.get("/activity/", {"format": "csv"}))[1]
    assert row[1:5] == ["client top-up", "Mama Mboga Traders", "500", "succeeded"]
    assert made.pk


# --- One entry -------------------------------------------------------------------------------


def test_an_entry_page_shows_everything_recorded(alice_client, ledgers):
    sms = ledgers[3]
    html = alice_client.get(f"/activity/{sms.pk}/").content.decode()
    assert "Test SMS to 254712345678" in html
    assert "123456789012" in html
    assert "ALICESHOP" in html
    assert "Habari" in html


def test_an_unknown_entry_page_offers_to_settle_it(alice_client, ledgers):
    unknown = ledgers[2]
    html = alice_client.get(f"/activity/{unknown.pk}/").content.decode()
    assert f'action="/activity/{unknown.pk}/reconcile/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for action in ("check", "went_through", "did_not_go_through"):
        assert f'value="{action}"' in html


def test_a_settled_entry_page_offers_nothing_to_settle(alice_client, ledgers):
    html = alice_client.get(f"/activity/{ledgers[0].pk}/").content.decode()
    assert "/reconcile/" not in html


def test_another_resellers_entry_is_not_found(alice_client, ledgers):
    bobs = ledgers[4]
    assert alice_client.get(f"/activity/{bobs.pk}/").status_code == 404


def test_a_missing_entry_is_not_found(alice_client, ledgers):
    assert alice_client.get("/activity/999999/").status_code == 404


def test_gateway_text_is_escaped(alice_client, alice):
    hostile = entry(
        tenant("alice"),
        target="<script>alert(1)</script>",
        gateway_reply="<img src=x onerror=alert(1)>",
        status=Status.FAILED,
    )
    listing = alice_client.get("/activity/").content.decode()
    page = alice_client.get(f"/activity/{hostile.pk}/").content.decode()
    for html in (listing, page):
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- The admin: every entry, read-only, superusers only --------------------------------------


@pytest.fixture
def admin_client(db):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    browser = Client()
    browser.force_login(root)
    return browser


def test_a_superuser_reviews_every_entry_in_the_admin(admin_client, ledgers):
    html = admin_client.get("/admin/messaging/ledgerentry/").content.decode()
    for target in ("Mama Mboga Traders", "Bob Client", "254712345678"):
        assert target in html


def test_the_admin_filters_and_searches(admin_client, ledgers):
    by_status = admin_client.get("/admin/messaging/ledgerentry/", {"status__exact": "failed"})
    assert "Jinja Fish" in by_status.content.decode()
    assert "Bob Client" not in by_status.content.decode()
    searched = admin_client.get("/admin/messaging/ledgerentry/", {"q": "bob"})
    assert "Bob Client" in searched.content.decode()
    assert "Jinja Fish" not in searched.content.decode()


def test_the_admin_cannot_add_change_or_delete(admin_client, ledgers):
    one = ledgers[0]
    assert admin_client.get("/admin/messaging/ledgerentry/add/").status_code == 403
    page = admin_client.get(f"/admin/messaging/ledgerentry/{one.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    posted = admin_client.post(
        f"/admin/messaging/ledgerentry/{one.pk}/change/", {"status": "failed", "amount": "1"}
    )
    assert posted.status_code == 403
    assert admin_client.get(f"/admin/messaging/ledgerentry/{one.pk}/delete/").status_code == 403
    bulk = admin_client.post(
        "/admin/messaging/ledgerentry/",
        {"action": "delete_selected", "_selected_action": [one.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    one.refresh_from_db()
    assert (one.status, one.amount) == (Status.SUCCEEDED, 500)
    assert LedgerEntry.objects.count() == 5


def test_staff_who_are_not_superusers_see_no_ledger(db, ledgers):
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_user("clerk", password="clerk-pass-123", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="ledgerentry"))
    browser = Client()
    browser.force_login(staff)
    assert browser.get("/admin/messaging/ledgerentry/").status_code == 403


def test_resellers_cannot_open_the_admin(alice_client, ledgers):
    response = alice_client.get("/admin/messaging/ledgerentry/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Issue 24: what was charged, balances after, dates, clearer buttons, more CSV ----------


def sms_cells(response) -> dict[str, str]:
    html = response.content.decode()
    rows = re.findall(
        r'class="activity-target">([^<]*)</td>\s*<td data-label="SMS" class="num">(.*?)</td>',
        html,
        re.DOTALL,
    )
    return {target: " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for target, cell in rows}


def test_the_sms_column_shows_what_was_charged_or_moved(alice_client, ledgers):
    failed_sms = entry(
        tenant("alice"), kind=Kind.TEST_SMS, target="254733000000", amount=1, status=Status.FAILED
    )

    cells = sms_cells(alice_client.get("/activity/"))

    assert cells[failed_sms.target] == "0 (not charged)"
    assert cells["254712345678"] == "2"
    assert cells["Jinja Fish"] == "0 (20 not moved)"
    assert cells["alice-nairobi"] == "75 or 0 (not known yet)"
    assert cells["Mama Mboga Traders"] == "500"


def test_an_entry_shows_the_balances_before_and_after(alice_client, alice):
    sent = entry(
        tenant("alice"),
        target="Jinja Fish",
        amount=300,
        balance_before=5000,
        target_balance_before=0,
    )

    page = " ".join(
        re.sub(r"<[^>]+>", " ", alice_client.get(f"/activity/{sent.pk}/").content.decode()).split()
    )

    assert "Your balance before 5,000 SMS" in page
    assert "Jinja Fish before 0 SMS" in page
    assert "Your balance after 4,700 SMS" in page
    assert "Jinja Fish after 300 SMS" in page


def test_an_entry_of_unknown_outcome_shows_no_balance_after(alice_client, alice):
    unsure = entry(tenant("alice"), status=Status.UNKNOWN, balance_before=5000)

    page = alice_client.get(f"/activity/{unsure.pk}/").content.decode()

    assert "Your balance before" in page
    assert "Your balance after" not in page


def test_the_entry_page_buttons_say_what_they_open(alice_client, ledgers):
    top_up_page = alice_client.get(f"/activity/{ledgers[0].pk}/").content.decode()
    sms_page = alice_client.get(f"/activity/{ledgers[3].pk}/").content.decode()

    assert ">See this top-up with the balances now</a>" in top_up_page
    assert ">See this test SMS as it was sent</a>" in sms_page
    assert "Outcome page" not in top_up_page + sms_page


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ({"date_from": "2026-11-02"}, ["254712345678", "alice-nairobi"]),
        ({"date_to": "2026-11-01"}, ["Jinja Fish", "Mama Mboga Traders"]),
        ({"date_from": "2026-11-02", "date_to": "2026-11-02"}, ["alice-nairobi"]),
        ({"date_from": "2026-11-02", "kind": "test_sms"}, ["254712345678"]),
        ({"date_to": "2026-10-31"}, []),
    ],
)
def test_it_filters_by_date_range(alice_client, ledgers, query, targets):
    nairobi = timezone.get_fixed_timezone(180)
    days = ["2026-11-01 09:00", "2026-11-01 23:30", "2026-11-02 00:15", "2026-11-03 08:00"]
    for one, day in zip(ledgers[:4], days, strict=True):
        made = timezone.datetime.fromisoformat(day).replace(tzinfo=nairobi)
        LedgerEntry.objects.filter(pk=one.pk).update(created_at=made)

    assert listed_targets(alice_client.get("/activity/", query)) == targets


def test_a_date_filter_that_cannot_be_used_says_why(alice_client, ledgers):
    html = alice_client.get(
        "/activity/", {"date_from": "2026-13-45", "kind": "test_sms"}
    ).content.decode()

    assert "From: Enter a date as year-month-day, such as 2026-11-30." in html
    assert listed_targets_from(html) == ["254712345678"]  # the other filters still apply


def test_dates_the_wrong_way_round_are_explained(alice_client, ledgers):
    html = alice_client.get(
        "/activity/", {"date_from": "2026-11-30", "date_to": "2026-11-01"}
    ).content.decode()

    assert "To: “To” is before “From”: choose a later date." in html


def test_the_csv_gains_sender_id_message_and_balance_after(alice_client, alice):
    entry(
        tenant("alice"),
        kind=Kind.TEST_SMS,
        target="254712345678",
        amount=1,
        sender_id="ALICESHOP",
        message="Habari, Café Ngong’ Road",
        balance_before=5000,
    )

    rows = rows_of(alice_client.get("/activity/", {"format": "csv"}))

    assert rows[0][:7] == ["time", "kind", "target", "amount", "status", "detail", "message_id"]
    assert rows[0][7:] == ["sender_id", "message", "balance_after", "source", "by"]
    assert rows[1][7:] == ["ALICESHOP", "Habari, Café Ngong’ Road", "4999", "form", "alice"]


def test_an_alert_sms_says_its_source_is_a_rule_and_source_comes_just_before_by(alice_client):
    entry(tenant("alice"), kind=Kind.ALERT_SMS, target="254712345678", amount=1)
    entry(tenant("alice"), kind=Kind.CLIENT_TOP_UP, target="Jinja Fish", amount=5)

    rows = rows_of(alice_client.get("/activity/", {"format": "csv"}))

    assert rows[0][-2:] == ["source", "by"]
    assert {(row[1], row[-2]) for row in rows[1:]} == {
        ("alert SMS", "rule"),  # made by the reseller's alert rules, not a form
        ("client top-up", "form"),
    }


def listed_targets_from(html):
    return re.findall(
        r'<td data-label="Account or number" class="activity-target">([^<]*)</td>', html
    )
