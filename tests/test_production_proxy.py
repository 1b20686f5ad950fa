"""The shipped nginx site (deploy/nginx/mspace-admin.conf) in front of two app nodes, as the
README's deployment section describes: TLS, X-Forwarded-Proto and -For, static files.

nginx runs that very file (ports, a throwaway certificate and the nodes swapped in) in the
foreground; the nodes run with FORCE_HTTPS=true and TRUSTED_PROXY_COUNT=1 as
deploy/.env.example says. Runs in `make test-postgres`.
"""

import re

import pytest
import requests
from axes.models import AccessAttempt
from requests.adapters import HTTPAdapter

from simulator.models import SimCall
from simulator.seed import make_account
from tests.production_browser import Browser
from tests.production_helpers import start_nginx
from tests.topup_helpers import account

pytestmark = [
    pytest.mark.production_shape,
    pytest.mark.xdist_group("production_shape"),
]

PASSWORD = "Pr0xy/pa ss%é"
LIMIT = 3


@pytest.fixture
def proxy(production, tmp_path):
    make_account("baraka", PASSWORD, balance=900, clients=[("Kisumu Shop", 10)])
    shape = production.start(FORCE_HTTPS="true", TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=LIMIT)
    http_port, https_port, cert = start_nginx(
        shape.processes, tmp_path / "nginx", list(shape.nodes.values())
    )
    shape.http = f"http://127.0.0.1:{http_port}"
    shape.https = f"https://127.0.0.1:{https_port}"
    shape.cert = cert
    return shape


class FromAddress(HTTPAdapter):
    """Connects from another loopback address, as another machine on the internet would."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser_at(proxy, address=None) -> Browser:
    browser = Browser(verify=str(proxy.cert), origin=proxy.https)
    if address:
        browser.session.mount("https://", FromAddress(address))
    return browser


def set_cookies(response) -> dict[str, str]:
    """Each Set-Cookie header of the response, by cookie name."""
    headers = response.raw.headers.getlist("Set-Cookie")
    return {header.split("=", 1)[0]: header for header in headers}


def test_plain_http_is_sent_to_https(proxy):
    answer = requests.get(
        f"{proxy.http}/accounts/login/?next=/clients/", timeout=10, allow_redirects=False
    )

    assert answer.status_code == 301
    assert answer.headers["Location"] == "https://127.0.0.1/accounts/login/?next=/clients/"
    assert "Set-Cookie" not in answer.headers


def test_a_reseller_logs_in_and_tops_up_through_the_proxy(proxy):
    baraka = browser_at(proxy)

    login_page = baraka.get(f"{proxy.https}/accounts/login/")
    assert login_page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    logged_in = baraka.log_in(proxy.https, "baraka", PASSWORD)
    assert logged_in.status_code == 302, logged_in.text[:500]
    cookies = {**set_cookies(login_page), **set_cookies(logged_in)}
    for name in ("sessionid", "csrftoken", "vault"):
        assert "; Secure" in cookies[name], cookies.get(name)

    top_up = {**baraka.form(f"{proxy.https}/clients/topup/"), "name": "Kisumu Shop"}
    answer = baraka.post(f"{proxy.https}/clients/topup/", {**top_up, "noofsms": "40"})

    assert answer.status_code == 303, answer.text[:800]
    outcome = baraka.get(f"{proxy.https}{answer.headers['Location']}")
    assert outcome.status_code == 200
    assert outcome.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert SimCall.objects.filter(method="resellerclienttopup").received().count() == 1
    assert account("baraka", "Kisumu Shop").balance == 50


def test_a_post_from_another_origin_is_refused_through_the_proxy(proxy):
    baraka = browser_at(proxy)
    baraka.log_in(proxy.https, "baraka", PASSWORD)
    top_up = {**baraka.form(f"{proxy.https}/clients/topup/"), "name": "Kisumu Shop"}

    # The page's own origin, but over plain http: not the site's origin behind TLS.
    answer = baraka.post(
        f"{proxy.https}/clients/topup/",
        {**top_up, "noofsms": "40"},
        headers={"Origin": proxy.https.replace("https://", "http://")},
    )

    assert answer.status_code == 403
    assert not SimCall.objects.filter(method="resellerclienttopup").exists()


def test_a_forged_x_forwarded_for_neither_dodges_nor_resets_the_throttle(proxy):
    # baraka's own browser, really at another address, logged in before: its device cookie
    # (issue 15) keeps it out of the lock that others' guesses put on the username.
    baraka = browser_at(proxy, "127.0.0.3")
    assert baraka.log_in(proxy.https, "baraka", PASSWORD).status_code == 302
    assert baraka.log_out(proxy.https).status_code == 302
    guesser = browser_at(proxy, "127.0.0.2")
    statuses = []
    for forged in ("203.0.113.7", "198.51.100.1, 127.0.0.9", "127.0.0.3"):
        data = {**guesser.form(f"{proxy.https}/accounts/login/"), "username": "baraka"}
        answer = guesser.post(
            f"{proxy.https}/accounts/login/",
            {**data, "password": "a-wrong-guess"},
            headers={"X-Forwarded-For": forged},
        )
        statuses.append(answer.status_code)

    assert statuses == [200, 200, 429]
    # Counted against the address nginx saw, whatever the browser claimed.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.2"}
    # Claiming to be someone else does not lift the lock.
    data = {**guesser.form(f"{proxy.https}/accounts/login/"), "username": "baraka"}
    still = guesser.post(
        f"{proxy.https}/accounts/login/",
        {**data, "password": PASSWORD},
        headers={"X-Forwarded-For": "127.0.0.3"},
    )
    assert still.status_code == 429
    # baraka's own browser is not locked out by the guesser.
    assert baraka.log_in(proxy.https, "baraka", PASSWORD).status_code == 302


def test_static_files_come_from_nginx_and_pages_from_both_nodes(proxy):
    visitor = browser_at(proxy)
    pages = [visitor.get(f"{proxy.https}/accounts/login/") for _ in range(4)]
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', pages[0].text)[1]

    asset = visitor.get(f"{proxy.https}{stylesheet}")

    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    for node in ("node-a", "node-b"):
        log = proxy.processes.log(node)
        assert "/accounts/login/" in log, f"{node} served no page"
        assert stylesheet not in log, f"{node} served a static file"
