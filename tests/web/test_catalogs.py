"""Every UI string exists, non-empty, in all 12 catalogs with the same placeholders, and the
committed .mo files match their .po files."""

from __future__ import annotations

import re

import pytest

from radlink.reports.normalise import LANGUAGES
from radlink.web import catalogs

_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def template() -> dict[str, object]:
    return {message.id: message.id for message in catalogs.extract() if message.id}


def test_the_pot_file_is_current(template: dict[str, object]) -> None:
    committed = {m.id for m in catalogs.read(catalogs.POT) if m.id}
    assert committed == set(template), "run: python -m radlink.web.catalogs"


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_string_is_translated_with_the_same_placeholders(
    code: str, template: dict[str, object]
) -> None:
    catalog = catalogs.read(catalogs.po_path(code))
    problems = []
    for msgid in template:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms) or message.fuzzy:
            problems.append(f"empty or fuzzy: {key!r}")
            continue
        for form in forms:
            if _placeholders(form) != _placeholders(sources[-1]):
                problems.append(f"placeholders differ: {key!r} -> {form!r}")
    assert not problems, f"{code}: " + "; ".join(problems[:10]) + f" ({len(problems)} in all)"


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_compiled_catalog_matches_its_po(code: str) -> None:
    path = catalogs.po_path(code)
    assert path.with_suffix(".mo").read_bytes() == catalogs.compiled(catalogs.read(path)), (
        "run: python -m radlink.web.catalogs"
    )
