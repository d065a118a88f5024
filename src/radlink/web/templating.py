"""Jinja2 with Babel: one environment per language, and ``render()`` for every page."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from babel.units import format_unit
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from radlink.web import i18n
from radlink.web.csrf import set_nonce_cookie, token_for
from radlink.web.session import load_session

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
_AGE_UNITS = {
    "Y": "duration-year",
    "M": "duration-month",
    "W": "duration-week",
    "D": "duration-day",
}
# Pages hold patient data: never cached, never framed, no link ids leaked in Referer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@lru_cache(maxsize=64)
def static_url(name: str) -> str:
    """``/static/<name>?v=<hash>`` so that browsers refetch a file when it changes."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


@lru_cache(maxsize=16)
def environment(code: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(code), newstyle=True)  # type: ignore[attr-defined]
    locale = i18n.babel_locale(code)

    def fmt_date(value: date | None, form: str = "medium") -> str:
        return format_date(value, form, locale=locale) if value else ""

    def fmt_time(value: time | None) -> str:
        return format_time(value, "short", locale=locale) if value else ""

    def fmt_datetime(value: datetime | None) -> Markup:
        # Rendered in UTC; static/app.js rewrites it in the browser's own time zone.
        if value is None:
            return Markup("")
        text = format_datetime(value, "medium", tzinfo=UTC, locale=locale) + " UTC"
        iso = value.astimezone(UTC).isoformat()
        return Markup('<time datetime="{}" data-local>{}</time>').format(iso, text)

    def fmt_age(value: str | None) -> str:
        if not value or not value[:-1].isdigit() or value[-1] not in _AGE_UNITS:
            return value or ""
        return format_unit(int(value[:-1]), _AGE_UNITS[value[-1]], length="long", locale=locale)

    env.filters.update(
        date=fmt_date, time=fmt_time, datetime=fmt_datetime, age=fmt_age, json=json_script
    )
    env.globals.update(
        static=static_url,
        lang=code,
        html_lang=i18n.HTML_LANG.get(code, code),
        languages=i18n.LANGUAGE_NAMES,
    )
    return env


def page_language(request: Request, report_language: str | None = None) -> str:
    user = load_session(request)
    return i18n.choose(
        report_language=report_language,
        user_language=user.language if user else None,
        accept_language=request.headers.get("accept-language"),
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    language: str | None = None,
) -> HTMLResponse:
    code = language or page_language(request)
    values: dict[str, Any] = {
        "request": request,
        "user": load_session(request),
        "csrf_token": token_for(request),
        "current_path": request.url.path,
    }
    values.update(context or {})
    html = environment(code).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
    set_nonce_cookie(request, response)
    return response


def json_script(value: Any) -> Markup:
    """Data for scripts in ``<script type="application/json">``; ``<`` cannot end the element."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))
