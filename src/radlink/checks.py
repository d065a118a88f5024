"""Configuration checks shown by `radlink check` and refused at start-up when fatal."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from radlink.db import make_engine, read_tx
from radlink.migrate import current, head
from radlink.reports.qr import QrSize, pixels_per_module, qr_text
from radlink.settings import ConfigError, Settings

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    message: str


def run_checks(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    try:
        settings.load_secret_key()
    except ConfigError as exc:
        found.append(Finding("error", str(exc)))
    base = urlsplit(settings.base_url)
    if base.scheme != "https" and base.hostname not in _LOCAL_HOSTS:
        found.append(
            Finding(
                "warning",
                "RADLINK_BASE_URL is not https: links and logins would "
                "travel in clear text on the network",
            )
        )
    sample_link = f"{settings.base_url}/r/{'A' * 26}"
    if pixels_per_module(qr_text(sample_link), QrSize.small) < 2:
        found.append(
            Finding(
                "warning",
                "RADLINK_BASE_URL is too long (or has characters outside "
                "A-Z 0-9 $%*+-./:) for a scannable 80 px QR code; keep "
                "it under 40 characters",
            )
        )
    try:
        engine = make_engine(settings.resolved_database_url)
        revision = current(engine)
        if revision != head():
            found.append(
                Finding(
                    "error",
                    f"database schema is at {revision or 'nothing'}, "
                    f"expected {head()}: run `radlink migrate`",
                )
            )
        else:
            found += _framing_findings(settings, engine)
    except SQLAlchemyError as exc:
        found.append(Finding("error", f"database unreachable: {exc.__class__.__name__}"))
    return found


def _framing_findings(settings: Settings, engine: Engine) -> list[Finding]:
    """Sites that allow framing need SameSite=None cookies, which browsers take only with
    Secure, which needs https."""
    from radlink.sites.queries import framing_sites

    if settings.base_url.startswith("https://"):
        return []
    with read_tx(engine) as conn:
        keys = framing_sites(conn)
    if not keys:
        return []
    return [
        Finding(
            "warning",
            f"site(s) {', '.join(keys)} allow frame ancestors, but RADLINK_BASE_URL is not "
            "https: the session cookie cannot work inside another site's iframe "
            "(SameSite=None needs Secure, which needs https)",
        )
    ]
