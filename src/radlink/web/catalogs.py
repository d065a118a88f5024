"""Build the gettext catalogs: ``python -m radlink.web.catalogs`` extracts every UI string from
the templates into ``locales/messages.pot``, merges it into each language's ``messages.po``
(new strings arrive empty, for translators) and compiles the ``.mo`` files that are committed.

``tests/web/test_catalogs.py`` fails when a string is missing or empty in any catalog, when
placeholders differ, or when a ``.mo`` is older than its ``.po``.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from radlink.web.i18n import CATALOG_DIRS, LOCALES_DIR

PACKAGE_DIR = Path(__file__).parent
POT = LOCALES_DIR / "messages.pot"
_METHODS = [("templates/**.html", "jinja2")]
_OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}


def extract() -> Catalog:
    catalog = Catalog(project="Radlink", version="0.1", charset="utf-8")
    found = extract_from_dir(
        PACKAGE_DIR, _METHODS, _OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(code: str) -> Path:
    return LOCALES_DIR / CATALOG_DIRS[code] / "LC_MESSAGES" / "messages.po"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def build() -> None:
    template = extract()
    POT.parent.mkdir(parents=True, exist_ok=True)
    with POT.open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True, width=100)
    for code, folder in CATALOG_DIRS.items():
        path = po_path(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(path) if path.exists() else Catalog(locale=folder.replace("-", "_"))
        catalog.update(template, no_fuzzy_matching=True)
        if code == "en":  # the source language translates to itself
            for message in catalog:
                if message.id and not all(message.string or ("",)):
                    message.string = message.id
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100, ignore_obsolete=True)
        # Compiled from the file as written, so the test can compare byte for byte.
        path.with_suffix(".mo").write_bytes(compiled(read(path)))


if __name__ == "__main__":
    build()
