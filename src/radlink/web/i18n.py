"""Which language a page is shown in, and the gettext catalogs behind it.

Order: the report's AppLanguage on report pages, else the user's saved choice, else the
browser's Accept-Language, else English. Catalogs live in ``locales/<dir>/LC_MESSAGES``; the
compiled ``.mo`` files are committed (``python -m radlink.web.catalogs`` rebuilds them and
``tests/web/test_catalogs.py`` checks that they match their ``.po``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

from radlink.reports.normalise import LANGUAGES, parse_language

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT = "en"

# Each language in its own name, as a switcher shows it.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ja": "日本語",
    "de": "Deutsch",
    "nl": "Nederlands",
    "ko": "한국어",
    "pl": "Polski",
    "ro": "Română",
    "pt": "Português (Brasil)",
    "zh-CN": "简体中文",
    "zh-Hant": "繁體中文",
}
# Catalog folder names (gettext locale identifiers).
CATALOG_DIRS = {code: code for code in LANGUAGES} | {
    "pt": "pt_BR",
    "zh-CN": "zh_CN",
    "zh-Hant": "zh_Hant",
}
# Babel locales for dates and units; Brazilian Portuguese and Taiwan's Traditional Chinese.
_BABEL_LOCALES = {code: code for code in LANGUAGES} | {
    "pt": "pt_BR",
    "zh-CN": "zh_Hans_CN",
    "zh-Hant": "zh_Hant_TW",
}
# The <html lang> value.
HTML_LANG = {code: code for code in LANGUAGES} | {"pt": "pt-BR"}
# Web Speech API recognition languages for a report's SpeechLanguage.
SPEECH_LANG = {
    "en": "en-US",
    "es": "es-ES",
    "fr": "fr-FR",
    "ja": "ja-JP",
    "de": "de-DE",
    "nl": "nl-NL",
    "ko": "ko-KR",
    "pl": "pl-PL",
    "ro": "ro-RO",
    "pt": "pt-BR",
    "zh-CN": "zh-CN",
    "zh-Hant": "zh-TW",
}


def normalise(value: str | None) -> str | None:
    """One of the 12 codes for a language tag, or None when unsupported."""
    if not value:
        return None
    tag = value.strip()
    if tag.lower() == "zh":
        return "zh-CN"
    try:
        return parse_language(tag)
    except ValueError:
        return None


def from_accept_language(header: str | None) -> str | None:
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        code = normalise(tag)
        if code and quality > 0:
            ranked.append((-quality, index, code))
    return min(ranked)[2] if ranked else None


def choose(
    *, report_language: str | None, user_language: str | None, accept_language: str | None
) -> str:
    return (
        normalise(report_language)
        or normalise(user_language)
        or from_accept_language(accept_language)
        or DEFAULT
    )


def babel_locale(code: str) -> Locale:
    return Locale.parse(_BABEL_LOCALES.get(code, DEFAULT))


@lru_cache(maxsize=len(LANGUAGES))
def translations(code: str) -> NullTranslations:
    if code not in CATALOG_DIRS:
        code = DEFAULT
    path = LOCALES_DIR / CATALOG_DIRS[code] / "LC_MESSAGES" / "messages.mo"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        return Translations(handle, domain="messages")
