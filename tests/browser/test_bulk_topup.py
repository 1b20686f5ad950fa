"""A bulk top-up as a reseller meets it: the preview with its ticks and live total, the
progress page following the worker (with script, and without), and Cancel."""

import re

import pytest

from batches import runner
from batches.models import Batch
from simulator.models import SimAccount
from tests.browser.conftest import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    PHONE,
    fits_without_sideways_scrolling,
    serious_accessibility_problems,
    submit,
)
from tests.watch_helpers import start_watching

pytestmark = pytest.mark.django_db(transaction=True)
BATCH_URL = re.compile(r"/batches/(\d+)/$")


@pytest.fixture
def watching(demo_world):
    start_watching(DEMO_USERNAME, DEMO_PASSWORD)


def preview_below_100(page):
    page.goto("/clients/")
    page.get_by_role("link", name="Bulk top-up").click()
    page.wait_for_url(re.compile(r"/clients/bulk-topup/$"))
    page.get_by_label("Every account below").fill("100")
    page.get_by_label("comes up to").fill("400")
    page.get_by_role("button", name="Preview").first.click()
    page.wait_for_url(re.compile(r"below=100"))


def test_the_preview_ticks_follow_the_total_and_start_leads_to_progress(open_page, watching):
    page = open_page(logged_in=True)
    preview_below_100(page)
    ticks = page.locator('input[name="name"]')
    count = ticks.count()
    assert count >= 2
    amounts = [int(ticks.nth(n).get_attribute("data-amount")) for n in range(count)]
    assert page.locator("#bulk-total").inner_text() == f"{sum(amounts):,}"
    ticks.first.uncheck()  # the script counts again at once
    assert page.locator("#bulk-total").inner_text() == f"{sum(amounts[1:]):,}"
    assert serious_accessibility_problems(page) == []

    submit(page, "Start the bulk top-up")
    batch = Batch.objects.get(pk=int(BATCH_URL.search(page.url)[1]))
    assert batch.rows.count() == count - 1
    assert page.locator("progress#batch-bar").get_attribute("value") == "0"

    runner.run(batch.pk)  # the worker, here; the page's script sees it and reads the page again
    page.get_by_role("heading", name="Finished").wait_for(timeout=10_000)
    assert page.locator("progress#batch-bar").get_attribute("value") == str(count - 1)
    assert page.locator(".badge-succeeded").count() == count - 1


def test_without_script_cancel_works_and_the_progress_page_refreshes_itself(open_page, watching):
    page = open_page(logged_in=True, viewport=PHONE, javascript=False)
    preview_below_100(page)
    submit(page, "Start the bulk top-up")
    assert fits_without_sideways_scrolling(page)
    before = {a.username: a.balance for a in SimAccount.objects.filter(parent__username="demo")}

    submit(page, "Cancel the top-ups not yet started")
    assert page.get_by_role("heading", name="Finished").is_visible()
    assert "cancelled" in page.locator("#batch-figures").inner_text()
    after = {a.username: a.balance for a in SimAccount.objects.filter(parent__username="demo")}
    assert after == before  # nothing was sent

    preview_below_100(page)
    submit(page, "Start the bulk top-up")
    assert page.get_by_role("heading", name="In progress").is_visible()
    runner.run(int(BATCH_URL.search(page.url)[1]))
    with page.expect_navigation(timeout=15_000):
        pass  # the page's own refresh (a <noscript> meta refresh), no script involved
    assert page.get_by_role("heading", name="Finished").is_visible()
    assert page.locator(".badge-succeeded").count() >= 2
