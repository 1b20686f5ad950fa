"""The translation catalogues, extracted and compiled with Babel: plain Python, so neither
`make run` nor `make test` needs the system's gettext tools.

`extract()` finds every marked string as Django's makemessages would: Python files through
Babel's Python extractor, and templates first turned into Python by Django's own
`templatize()` (the very step makemessages takes before calling xgettext), so {% translate %}
and {% blocktranslate %} give the same msgids, contexts and plurals Django looks up at run
time. `update()` merges them into locale/<code>/LC_MESSAGES/django.po; `problems()` lists
what a translator still owes; `compile_all()` writes the .mo files Django reads.
"""

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from babel.messages import extract as babel
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.utils.translation.template import templatize

# The project folder, found from this file: compiling needs no Django settings (`make`).
ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
DOMAIN = "django"

# Folders that hold no text a reseller reads: tools, tests, the fake gateway (its words are
# mSpace's own replies, which the app explains in its own words), generated files.
SKIPPED = {
    ".venv",
    ".git",
    "bench",
    "docs",
    "locale",
    "migrations",
    "node_modules",
    "simulator",
    "static",
    "staticfiles",
    "tests",
    "__pycache__",
}

# Django's marking functions, with Babel's notation for plurals and contexts.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators:",)


def sources(root: Path | None = None) -> Iterator[Path]:
    """Every Python file and template of the app, in a stable order."""
    root = root or ROOT
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".py", ".html", ".txt")):
                yield Path(folder) / name


def extract_messages(path: Path, root: Path) -> Iterator[tuple[int, object, list, str | None]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        if "templates" not in path.relative_to(root).parts:
            return
        # Django's own first step of makemessages. Its output keeps the template's
        # indentation, which xgettext ignores but Python's tokenizer does not: each marked
        # string is one repr() on one line, so dropping leading spaces changes nothing else.
        text = "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).split("\n"))
    yield from babel.extract(
        "python",
        io.BytesIO(text.encode("utf-8")),
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        options={"encoding": "utf-8"},
        strip_comment_tags=True,
    )


def extract(root: Path | None = None) -> Catalog:
    """A catalogue of every marked string in the sources, with where each one is used."""
    root = root or ROOT
    template = Catalog(domain=DOMAIN, project="mSpace Reseller Admin", fuzzy=False)
    for path in sources(root):
        where = path.relative_to(root).as_posix()
        for lineno, message, comments, context in extract_messages(path, root):
            existing = template.get(message if isinstance(message, str) else message[0], context)
            if existing is not None:
                existing.locations.append((where, lineno))
                continue
            flags = {"python-format"} if _has_placeholders(message) else set()
            template.add(
                message,
                locations=[(where, lineno)],
                auto_comments=comments,
                context=context,
                flags=flags,
            )
    return template


def _has_placeholders(message) -> bool:
    texts = [message] if isinstance(message, str) else list(message)
    return any("%(" in text or "%s" in text or "%d" in text for text in texts)


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(code: str) -> Catalog:
    with po_path(code).open("rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def update(code: str) -> tuple[int, int]:
    """Merge the strings in the sources into `code`'s catalogue: new ones arrive empty (never
    guessed), ones no longer used are dropped. Returns (added, dropped)."""
    template = extract()
    path = po_path(code)
    if path.exists():
        catalog = read(code)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(
            locale=code,
            domain=DOMAIN,
            project="mSpace Reseller Admin",
            version="1.0",
            copyright_holder="mSpace Reseller Admin",
            msgid_bugs_address="",
            last_translator="mSpace Reseller Admin",
            language_team=code,
            fuzzy=False,
        )
    before = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    after = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    # Sorted by msgid and without line numbers, so two people adding strings in different
    # places rarely touch the same lines, and moving code does not rewrite the file.
    _write_atomically(
        path,
        lambda out: write_po(
            out, catalog, ignore_obsolete=True, sort_output=True, include_lineno=False, width=96
        ),
    )
    return len(after - before), len(before - after)


def problems(code: str, template: Catalog | None = None) -> list[str]:
    """Everything standing between `code`'s catalogue and a complete translation: strings
    marked in the sources but missing, untranslated or fuzzy entries, and translations whose
    placeholders do not match their source."""
    template = template if template is not None else extract()
    catalog = read(code)
    found = []
    for message in template:
        if message.id and catalog.get(message.id, message.context) is None:
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            found.append(f"missing from {code}: {message.id!r} ({where})")
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated in {code}: {message.id!r}")
        elif message.fuzzy:
            found.append(f"fuzzy in {code}: {message.id!r}")
    for message, errors in catalog.check():
        found.extend(f"wrong placeholders in {code}: {message.id!r}: {e}" for e in errors)
    return found


def compile_all() -> list[Path]:
    """Write each catalogue's .mo beside it when the .po is newer; returns the ones written.
    Fuzzy entries are left out, as msgfmt does."""
    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name, domain=DOMAIN)
        _write_atomically(mo, lambda out, c=catalog: write_mo(out, c, use_fuzzy=False))
        written.append(mo)
    return written


def _write_atomically(path: Path, write) -> None:
    """Write through a temporary file and a rename: test workers may compile at the same
    moment, and a server must never read half a file."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False)  # noqa: SIM115
    try:
        with handle:
            write(handle)
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


if __name__ == "__main__":  # `python -m languages.catalog`: what `make` runs
    for compiled in compile_all():
        print(f"compiled {compiled.relative_to(ROOT)}")
