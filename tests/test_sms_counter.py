"""The SMS counter (SPEC §5) against the canonical cases and the product owner's boundaries."""

import dataclasses
import json
from pathlib import Path

import pytest

from messaging.sms import GSM_BASIC, GSM_EXTENSION, MAX_PARTS, SmsCount, describe, measure

CANONICAL_CASES = json.loads(
    (Path(__file__).resolve().parent / "data" / "sms_segments.json").read_text(encoding="utf-8")
)["cases"]


@pytest.mark.parametrize("case", CANONICAL_CASES, ids=[case["name"] for case in CANONICAL_CASES])
def test_it_counts_every_canonical_case_exactly(case):
    count = measure(case["text"])

    assert (count.encoding, count.units, count.parts, count.culprit) == (
        case["encoding"],
        case["units"],
        case["parts"],
        case["culprit"],
    )
    assert count.characters == len(case["text"])


def test_the_tables_hold_the_whole_gsm_alphabet():
    # 128 code points minus the escape code; the extension table as SPEC §5 lists it.
    assert len(GSM_BASIC) == 127
    assert set("\f^{}\\[~]|€") == GSM_EXTENSION
    assert not GSM_BASIC & GSM_EXTENSION


@pytest.mark.parametrize("character", sorted(GSM_EXTENSION), ids=repr)
def test_it_counts_each_gsm_extension_character_double(character):
    count = measure("a" + character)

    assert count == SmsCount(encoding="GSM-7", units=3, parts=1, culprit=None, characters=2)


def test_a_single_emoji_switches_the_whole_message_to_unicode():
    count = measure("a" * 100 + "🎉")

    assert count == SmsCount(encoding="UCS-2", units=102, parts=2, culprit="🎉", characters=101)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("ş" * 70, 1),
        ("ş" * 71, 2),
        ("ş" * 134, 2),
        ("ş" * 135, 3),
    ],
    ids=lambda value: f"{len(value)} {value[0]}" if isinstance(value, str) else str(value),
)
def test_it_starts_a_new_part_exactly_past_each_limit(text, parts):
    assert measure(text).parts == parts
    assert measure(text).units == len(text)


def test_an_extension_character_straddling_a_part_boundary_moves_whole():
    # 152 units leave 1 in the first part; the 2-unit euro cannot be cut in half.
    straddling = measure("a" * 152 + "€" + "a" * 152)
    fitting = measure("a" * 151 + "€" + "a" * 153)

    assert (straddling.units, straddling.parts) == (306, 3)
    assert (fitting.units, fitting.parts) == (306, 2)


def test_an_emoji_straddling_a_unicode_part_boundary_moves_whole():
    # 66 units leave 1 in the first part; the surrogate pair cannot be cut in half.
    straddling = measure("ş" * 66 + "😀" + "ş" * 66)
    fitting = measure("ş" * 65 + "😀" + "ş" * 67)

    assert (straddling.units, straddling.parts) == (134, 3)
    assert (fitting.units, fitting.parts) == (134, 2)


def test_the_culprit_is_the_first_character_that_is_not_gsm():
    assert measure("Don’t 😀").culprit == "’"


def test_an_empty_message_needs_no_sms():
    assert measure("") == SmsCount(encoding="GSM-7", units=0, parts=0, culprit=None, characters=0)


def test_a_count_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        measure("a").parts = 0


def test_max_parts_is_ten():
    assert MAX_PARTS == 10


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("", "0 characters · 0 SMS · GSM-7"),
        ("a", "1 character · 1 SMS · GSM-7"),
        ("a" * 42, "42 characters · 1 SMS · GSM-7"),
        ("ş" * 73 + "🎉", "74 characters · 2 SMS · Unicode (because of “ş”)"),
        ("Habari 🎉", "8 characters · 1 SMS · Unicode (because of “🎉”)"),
        ("50\xa0KES", "6 characters · 1 SMS · Unicode (because of U+00A0)"),
        ("tab\there", "8 characters · 1 SMS · Unicode (because of U+0009)"),
        ("a" * 1530, "1,530 characters · 10 SMS · GSM-7"),
        ("a" * 1531, "1,531 characters · 11 SMS · GSM-7 · too long: at most 10 SMS"),
    ],
    ids=lambda value: value[:20] if isinstance(value, str) else str(value),
)
def test_it_describes_the_count_in_one_sentence(text, sentence):
    assert describe(measure(text)) == sentence


def test_it_describes_a_lower_limit_when_asked():
    assert describe(measure("a" * 161), max_parts=1) == (
        "161 characters · 2 SMS · GSM-7 · too long: at most 1 SMS"
    )
