"""A reseller's browser for the production-shape tests: real HTTP to the nodes (or nginx),
one cookie jar, forms filled in as a browser would (CSRF token, one-time key)."""

import re
import threading

import requests

_FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f-]{36})"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_BALANCE = re.compile(r'id="balance-figure">\s*([\d,.]+)')


class Browser:
    """One browser: cookies for 127.0.0.1 are sent to every node, as a browser sends one
    site's cookies whichever node nginx picks."""

    def __init__(self, *, verify=True, origin=None):
        self.session = requests.Session()
        # Only what is set here: REQUESTS_CA_BUNDLE or a proxy from the environment would
        # override the certificate to trust, or send loopback traffic elsewhere.
        self.session.trust_env = False
        self.session.verify = verify
        # A real browser sends its page's origin with every POST.
        if origin:
            self.session.headers["Origin"] = origin

    def get(self, url, **options):
        return self.session.get(url, timeout=30, allow_redirects=False, **options)

    def post(self, url, data, **options):
        return self.session.post(url, data=data, timeout=30, allow_redirects=False, **options)

    def form(self, url) -> dict:
        """The hidden fields of the form on the page at `url` (CSRF token, one-time key)."""
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code, page.text[:500])
        fields = {"csrfmiddlewaretoken": _CSRF.search(page.text)[1]}
        key = _FORM_KEY.search(page.text)
        if key:
            fields["form_key"] = key[1]
        return fields

    def log_in(self, node, username, password):
        data = {**self.form(f"{node}/accounts/login/"), "username": username}
        return self.post(f"{node}/accounts/login/", {**data, "password": password})

    def log_out(self, node):
        return self.post(f"{node}/accounts/logout/", self.form(f"{node}/activity/"))

    def balance_on_dashboard(self, node) -> int:
        page = self.get(f"{node}/")
        assert page.status_code == 200, (page.status_code, page.text[:500])
        return int(_BALANCE.search(page.text)[1].replace(",", "").split(".")[0])

    def tab(self) -> "Browser":
        """Another tab of this browser: the same cookies, a connection of its own."""
        tab = Browser(verify=self.session.verify, origin=self.session.headers.get("Origin"))
        tab.session.cookies.update(self.session.cookies)
        return tab


def at_once(*calls):
    """Run the calls in threads released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait(timeout=30)
        try:
            results[index] = call()
        except Exception as error:  # shown by the assertion below, not lost in a thread
            results[index] = error

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a request never came back"
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    return results
