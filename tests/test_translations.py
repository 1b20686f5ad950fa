"""The Kiswahili catalogue is complete: every string marked in the code and templates is in
locale/sw/LC_MESSAGES/django.po, translated, not fuzzy, with its placeholders intact; and the
compiled file Django reads says the same as the .po."""

import textwrap

from babel.messages.pofile import read_po
from django.utils import translation

from languages import catalog


def test_every_marked_string_has_a_finished_kiswahili_translation():
    problems = catalog.problems("sw")

    assert problems == [], (
        "run `.venv/bin/python manage.py update_translations` and translate:\n"
        + "\n".join(problems)
    )


def test_extraction_finds_strings_marked_in_templates_and_python(tmp_path):
    (tmp_path / "shop" / "templates").mkdir(parents=True)
    (tmp_path / "shop" / "templates" / "page.html").write_text(
        textwrap.dedent(
            """\
            {% load i18n %}<h1>{% translate "Fresh heading" %}</h1>
            {% blocktranslate trimmed count n=total %}One {{ n }} thing{% plural %}{{ n }} things
            {% endblocktranslate %}
            <p>{% translate "May" context "month" %}</p>
            """
        )
    )
    (tmp_path / "shop" / "views.py").write_text(
        "from django.utils.translation import gettext_lazy as _\nLABEL = _('Fresh label')\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("_('Only a test says this')\n")

    found = {(m.context, m.id) for m in catalog.extract(tmp_path) if m.id}

    assert found == {
        (None, "Fresh heading"),
        (None, ("One %(n)s thing", "%(n)s things")),
        ("month", "May"),
        (None, "Fresh label"),
    }


def test_the_check_reports_a_marked_string_missing_from_the_catalogue(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "new.html").write_text(
        '{% load i18n %}{% translate "A sentence nobody translated yet" %}'
    )

    problems = catalog.problems("sw", catalog.extract(tmp_path))

    assert any("A sentence nobody translated yet" in p and "missing" in p for p in problems)


def test_the_check_reports_untranslated_and_fuzzy_entries(tmp_path, monkeypatch):
    po = tmp_path / "sw" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        textwrap.dedent(
            """\
            msgid ""
            msgstr ""
            "Content-Type: text/plain; charset=utf-8\\n"

            msgid "Left empty"
            msgstr ""

            #, fuzzy
            msgid "Guessed"
            msgstr "Imekisiwa"

            msgid "Hello %(name)s"
            msgstr "Habari %(jina)s"
            """
        )
    )
    monkeypatch.setattr(catalog, "LOCALE_DIR", tmp_path)

    problems = catalog.problems("sw", catalog.extract(tmp_path / "nothing-here"))

    assert "untranslated in sw: 'Left empty'" in problems
    assert "fuzzy in sw: 'Guessed'" in problems
    assert any(p.startswith("wrong placeholders in sw: 'Hello %(name)s'") for p in problems)


def test_django_reads_every_kiswahili_translation_as_the_po_file_gives_it():
    with catalog.po_path("sw").open("rb") as handle:
        entries = [m for m in read_po(handle, locale="sw") if m.id]
    assert len(entries) > 10

    with translation.override("sw"):
        for entry in entries:
            if isinstance(entry.id, tuple):
                shown = (
                    translation.npgettext(entry.context, *entry.id, 1)
                    if entry.context
                    else (translation.ngettext(*entry.id, 1))
                )
                assert shown == entry.string[0], entry.id
            elif entry.context:
                assert translation.pgettext(entry.context, entry.id) == entry.string
            else:
                assert translation.gettext(entry.id) == entry.string


def test_compiling_twice_leaves_a_current_file_alone():
    catalog.compile_all()

    assert catalog.compile_all() == []
