"""static/js/sms-counter.js, run in a real Chromium, agrees with messaging/sms.py (SPEC §5)."""

import json
import random
from dataclasses import asdict
from pathlib import Path

import pytest

from messaging.sms import GSM_BASIC, GSM_EXTENSION, describe, measure

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "sms-counter.js"
CANONICAL_CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "sms_segments.json").read_text(encoding="utf-8")
)["cases"]

# One round trip for a whole list keeps the browser tests fast.
MEASURE_ALL = """texts => texts.map(text => {
    const result = SmsCounter.measure(text);
    return {result: result, sentence: SmsCounter.describe(result)};
})"""


@pytest.fixture
def counter_page(page):
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=SCRIPT)
    return page


def python_answer(text):
    count = measure(text)
    return {"result": asdict(count), "sentence": describe(count)}


def test_js_counts_every_canonical_case_exactly_like_the_json_and_python(counter_page):
    answers = counter_page.evaluate(MEASURE_ALL, [case["text"] for case in CANONICAL_CASES])

    for case, answer in zip(CANONICAL_CASES, answers, strict=True):
        expected = {key: case[key] for key in ("encoding", "units", "parts", "culprit")}
        expected["characters"] = len(case["text"])
        assert answer["result"] == expected, case["name"]
        assert answer == python_answer(case["text"]), case["name"]


def test_js_and_python_agree_on_every_character_of_the_first_blocks(counter_page):
    # Latin, Greek, Cyrillic and general punctuation hold every GSM character and the usual
    # lookalikes (ç, á, ’, non-breaking space), so a typo in either table shows up here.
    code_points = [*range(0x0000, 0x0500), *range(0x2000, 0x2100), 0x3000, 0xFEFF, 0x1F389]
    texts = [chr(code_point) for code_point in code_points]
    assert set(texts) >= GSM_BASIC | GSM_EXTENSION

    answers = counter_page.evaluate(MEASURE_ALL, texts)

    mismatches = [
        (f"U+{ord(text):04X}", answer)
        for text, answer in zip(texts, answers, strict=True)
        if answer != python_answer(text)
    ]
    assert mismatches == []


def test_js_and_python_agree_on_mixed_messages_of_every_length(counter_page):
    alphabet = "a€^ \nşç😀🎉’\xa0"
    rng = random.Random(20261125)  # fixed seed: the same messages every run
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 400))) for _ in range(300)]
    texts += ["a" * 152 + "€" * n + "ş" * m for n in range(3) for m in range(2)]

    answers = counter_page.evaluate(MEASURE_ALL, texts)

    assert [python_answer(text) for text in texts] == answers


COUNTER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Send</title>
<script src="/static/js/sms-counter.js"></script></head>
<body>
<form><textarea name="message"></textarea>
<p id="message-counter" {attributes}>0 characters · 0 SMS · GSM-7</p></form>
</body></html>"""

# As strict as the site's CSP: no inline script, no eval, and Trusted Types would reject any
# innerHTML assignment, so the counter can only write text.
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)


def serve_counter_page(page, attributes=""):
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    page.on("pageerror", lambda error: violations.append(str(error)))

    def fulfil(route):
        if route.request.url.endswith("/static/js/sms-counter.js"):
            route.fulfill(
                body=SCRIPT.read_bytes(),
                content_type="text/javascript; charset=utf-8",
                headers={"Content-Security-Policy": STRICT_CSP},
            )
        else:
            route.fulfill(
                body=COUNTER_PAGE.format(attributes=attributes),
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": STRICT_CSP},
            )

    page.route("http://mspace.test/**", fulfil)
    page.goto("http://mspace.test/send/")
    return violations


def test_the_counter_follows_typing_under_a_strict_csp(page):
    violations = serve_counter_page(page)
    counter = page.locator("#message-counter")

    page.fill('textarea[name="message"]', "Habari 🎉")

    assert counter.text_content() == describe(measure("Habari 🎉"))
    assert counter.get_attribute("aria-live") == "polite"
    assert "over-limit" not in (counter.get_attribute("class") or "")
    assert violations == []


def test_the_counter_says_too_long_past_ten_sms_and_recovers(page):
    serve_counter_page(page)
    counter = page.locator("#message-counter")

    page.fill('textarea[name="message"]', "a" * 1531)
    assert counter.text_content() == "1,531 characters · 11 SMS · GSM-7 · too long: at most 10 SMS"
    assert counter.get_attribute("class") == "over-limit"

    page.fill('textarea[name="message"]', "a" * 1530)
    assert counter.text_content() == "1,530 characters · 10 SMS · GSM-7"
    assert "over-limit" not in counter.get_attribute("class")


def test_the_counter_reads_the_limit_from_data_max_parts(page):
    serve_counter_page(page, attributes='data-max-parts="2" aria-live="polite"')
    counter = page.locator("#message-counter")

    page.fill('textarea[name="message"]', "a" * 307)

    assert counter.text_content() == describe(measure("a" * 307), max_parts=2)
    assert counter.text_content().endswith("too long: at most 2 SMS")
    assert counter.get_attribute("class") == "over-limit"
